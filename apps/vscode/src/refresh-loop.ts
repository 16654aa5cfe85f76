import type { IDisposable } from './common/lifecycle';

/** The longest wait after repeated failures: a down API is polled at most every 15 minutes. */
export const MAX_BACKOFF_MS = 15 * 60_000;
/** Focus changes come in bursts (alt-tab); one refresh per 10 s is plenty. */
export const FOCUS_THROTTLE_MS = 10_000;

/**
 * How a run went: `ok` (schedule the next one at the interval), `failed` (back off), `idle`
 * (nothing to poll, e.g. signed out: wait for an explicit refresh).
 */
export type RunResult = 'ok' | 'failed' | 'idle';

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

/**
 * The wait before the next run: the interval while healthy; after `failures` consecutive
 * failures it doubles each time (capped), with ±20% jitter so many windows do not retry in step.
 */
export function backoffDelayMs(
  intervalMs: number,
  failures: number,
  random: () => number = Math.random,
): number {
  if (failures <= 0) return intervalMs;
  const doubled = Math.min(MAX_BACKOFF_MS, intervalMs * 2 ** Math.min(failures, 20));
  const jitter = 0.8 + 0.4 * random();
  return Math.min(MAX_BACKOFF_MS, Math.round(doubled * jitter));
}

export interface RefreshLoopOptions {
  intervalMs: () => number;
  run: () => Promise<RunResult>;
  timers?: Timers;
  random?: () => number;
  /** Told when the next run is scheduled (null: none), so the UI can say "retrying in N s". */
  onSchedule?: (nextRunAt: Date | null) => void;
}

/**
 * Polls on an interval with backoff. Runs never overlap: a refresh asked for while one is in
 * flight runs once more right after it, so the newest settings and token are always used.
 */
export class RefreshLoop implements IDisposable {
  private readonly timers: Timers;
  private readonly random: () => number;
  private handle: unknown = undefined;
  private running: Promise<void> | null = null;
  private rerun = false;
  private disposed = false;
  private lastRunAt: number | null = null;
  private _failures = 0;
  private _nextRunAt: Date | null = null;

  constructor(private readonly options: RefreshLoopOptions) {
    this.timers = options.timers ?? realTimers;
    this.random = options.random ?? Math.random;
  }

  get failures(): number {
    return this._failures;
  }

  get nextRunAt(): Date | null {
    return this._nextRunAt;
  }

  /** Runs now (or right after the run in flight) and resumes the schedule. */
  refreshNow(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (this.running !== null) {
      this.rerun = true;
      return this.running;
    }
    this.cancelTimer();
    this.running = this.loop().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** The window regained focus: refresh unless one ran moments ago. */
  onFocus(): void {
    if (this.disposed || this.running !== null) return;
    if (this.lastRunAt !== null && this.timers.now() - this.lastRunAt < FOCUS_THROTTLE_MS) return;
    void this.refreshNow();
  }

  dispose(): void {
    this.disposed = true;
    this.cancelTimer();
  }

  private async loop(): Promise<void> {
    let result: RunResult;
    do {
      this.rerun = false;
      this.lastRunAt = this.timers.now();
      try {
        result = await this.options.run();
      } catch {
        // `run` reports its own errors; a throw still counts as a failure for the backoff.
        result = 'failed';
      }
    } while (this.rerun && !this.disposed);
    if (this.disposed) return;
    this._failures = result === 'failed' ? this._failures + 1 : 0;
    if (result === 'idle') {
      this.setNext(null);
      return;
    }
    const delay = backoffDelayMs(this.options.intervalMs(), this._failures, this.random);
    this.handle = this.timers.setTimeout(() => {
      this.handle = undefined;
      void this.refreshNow();
    }, delay);
    this.setNext(new Date(this.timers.now() + delay));
  }

  private cancelTimer(): void {
    if (this.handle !== undefined) {
      this.timers.clearTimeout(this.handle);
      this.handle = undefined;
    }
    this._nextRunAt = null;
  }

  private setNext(at: Date | null): void {
    this._nextRunAt = at;
    this.options.onSchedule?.(at);
  }
}
