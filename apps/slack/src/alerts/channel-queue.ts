import type { Logger } from '@slack/bolt';

/**
 * Serialises posts to each Slack channel and spaces them out (Slack allows about one message per
 * second per channel). A job that hits a 429 waits the `Retry-After` Slack sent and runs again;
 * only that channel waits, other channels keep flowing. The Web API client used by jobs is built
 * with `rejectRateLimitedCalls: true`, so the 429 reaches this queue instead of being retried
 * blindly inside the client (which would pause every channel of the workspace).
 */
export interface ChannelQueueOptions {
  /** Minimum gap between two jobs on one channel. Default 1000 ms. */
  minIntervalMs?: number;
  /** Attempts per job when Slack answers 429. Default 5. */
  maxAttempts?: number;
  /** Upper bound on one Retry-After wait, so a broken header cannot park a channel for hours. */
  maxRetryAfterMs?: number;
  logger?: Logger;
}

const RATE_LIMITED = 'slack_webapi_rate_limited_error';

export function rateLimitRetryAfterMs(error: unknown): number | null {
  if (typeof error !== 'object' || error === null) return null;
  if (!('code' in error) || error.code !== RATE_LIMITED) return null;
  const seconds = 'retryAfter' in error && typeof error.retryAfter === 'number' ? error.retryAfter : 1;
  return Math.max(0, seconds) * 1000;
}

export class ChannelQueue {
  readonly #tails = new Map<string, Promise<unknown>>();
  readonly #lastRunAt = new Map<string, number>();
  readonly #minIntervalMs: number;
  readonly #maxAttempts: number;
  readonly #maxRetryAfterMs: number;
  readonly #logger: Logger | undefined;

  constructor(options: ChannelQueueOptions = {}) {
    this.#minIntervalMs = options.minIntervalMs ?? 1000;
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? 120_000;
    this.#logger = options.logger;
  }

  /** Runs `job` after every earlier job of `channelKey`; resolves or rejects with its outcome. */
  run<T>(channelKey: string, job: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(channelKey) ?? Promise.resolve();
    const next = previous.then(
      () => this.#attempt(channelKey, job),
      () => this.#attempt(channelKey, job),
    );
    // The tail never rejects, so one failed job does not poison the channel.
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(channelKey, tail);
    void tail.then(() => {
      if (this.#tails.get(channelKey) === tail) this.#tails.delete(channelKey);
    });
    return next;
  }

  async #attempt<T>(channelKey: string, job: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const last = this.#lastRunAt.get(channelKey);
      if (last !== undefined) {
        const wait = last + this.#minIntervalMs - Date.now();
        if (wait > 0) await sleep(wait);
      }
      this.#lastRunAt.set(channelKey, Date.now());
      try {
        return await job();
      } catch (error) {
        const retryAfterMs = rateLimitRetryAfterMs(error);
        if (retryAfterMs === null || attempt >= this.#maxAttempts) throw error;
        const waitMs = Math.min(retryAfterMs, this.#maxRetryAfterMs);
        this.#logger?.warn(
          `Slack rate-limited channel ${channelKey}; retrying in ${waitMs} ms (attempt ${attempt})`,
        );
        // The next attempt starts no earlier than Retry-After from now.
        this.#lastRunAt.set(channelKey, Date.now() + waitMs - this.#minIntervalMs);
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
