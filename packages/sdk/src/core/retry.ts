/**
 * When to retry and how long to wait. Pure functions, so the policy is unit-tested without a clock.
 *
 * The policy follows openai-node and stripe-node: retry 408 (request timeout), 409 (lock or
 * in-flight idempotent request), 429 and 5xx plus network errors and timeouts; exponential backoff
 * with bounded jitter; a server's `Retry-After` wins over our own schedule.
 */

export const INITIAL_RETRY_DELAY_MS = 500;
export const MAX_RETRY_DELAY_MS = 8_000;
/** Jitter removes up to this fraction of the delay, so concurrent clients spread out. */
export const RETRY_JITTER_FRACTION = 0.25;
/** A `Retry-After` longer than this is not waited out: the error goes to the caller instead. */
export const MAX_RETRY_AFTER_MS = 60_000;

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * The server may override the status-based decision (`x-should-retry: true|false`), e.g. to say a
 * 409 is an idempotency-key mismatch that will never succeed.
 */
export function shouldRetryResponse(status: number, headers: Headers): boolean {
  const override = headers.get('x-should-retry');
  if (override === 'true') return true;
  if (override === 'false') return false;
  return isRetryableStatus(status);
}

/**
 * Milliseconds the server asked us to wait, from `retry-after-ms` or `Retry-After` (delta seconds
 * or an HTTP date). Undefined when absent or unparseable.
 */
export function parseRetryAfterMs(headers: Headers, nowMs: number): number | undefined {
  const retryAfterMs = headers.get('retry-after-ms');
  if (retryAfterMs !== null && /^\d+(\.\d+)?$/.test(retryAfterMs.trim())) {
    return Math.ceil(Number(retryAfterMs));
  }
  const retryAfter = headers.get('retry-after');
  if (retryAfter === null) return undefined;
  const trimmed = retryAfter.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date always names a weekday or month; without letters Date.parse would accept "-3".
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const dateMs = Date.parse(trimmed);
  if (Number.isNaN(dateMs)) return undefined;
  return Math.max(0, dateMs - nowMs);
}

/** The same value in whole seconds, for `RateLimitError.retryAfterSeconds`. */
export function parseRetryAfterSeconds(headers: Headers, nowMs: number): number | undefined {
  const ms = parseRetryAfterMs(headers, nowMs);
  return ms === undefined ? undefined : Math.ceil(ms / 1000);
}

/**
 * Backoff before retry number `retriesSoFar + 1`: 0.5 s, 1 s, 2 s, 4 s, 8 s, 8 s … each reduced by
 * up to 25% jitter. `random` is injectable so tests can pin both ends of the range.
 */
export function backoffDelayMs(retriesSoFar: number, random: () => number = Math.random): number {
  const base = Math.min(INITIAL_RETRY_DELAY_MS * 2 ** retriesSoFar, MAX_RETRY_DELAY_MS);
  const jitter = 1 - random() * RETRY_JITTER_FRACTION;
  return Math.round(base * jitter);
}

/**
 * The wait before the next attempt, or `undefined` when the server asked for longer than we are
 * willing to wait (the caller then gets the error with its `retryAfterSeconds`).
 */
export function retryDelayMs(
  retriesSoFar: number,
  headers: Headers | undefined,
  nowMs: number,
  random: () => number = Math.random,
): number | undefined {
  const requested = headers ? parseRetryAfterMs(headers, nowMs) : undefined;
  if (requested !== undefined) {
    return requested <= MAX_RETRY_AFTER_MS ? requested : undefined;
  }
  return backoffDelayMs(retriesSoFar, random);
}
