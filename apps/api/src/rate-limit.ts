import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './context.js';
import { ApiError } from './errors.js';

/**
 * Per API key rate limiting: one token bucket per key, refilled continuously at `perSecond`
 * up to `burst`. A request takes one token; without one it is refused with `429 rate_limited`
 * and a `Retry-After` saying when the next token arrives, which the SDK waits out.
 *
 * Buckets live in this process: with N replicas behind a balancer a key may reach N × the
 * limit. That is the intended trade: no shared store on the hot path, and the limit exists to
 * stop a runaway client, not to meter usage (money is metered by the ledger).
 */

export interface RateLimitOptions {
  /** Sustained requests per second per key; 0 disables limiting. */
  perSecond: number;
  /** Requests a key may make at once after being idle. */
  burst: number;
  /** Real time in milliseconds (never the test clock: limits are about wall-clock load). */
  now?: () => number;
  /** Bound on remembered keys; idle (full) buckets are forgotten first. */
  maxKeys?: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(private readonly options: RateLimitOptions) {
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? 100_000;
  }

  get enabled(): boolean {
    return this.options.perSecond > 0;
  }

  take(key: string): RateDecision {
    const { perSecond, burst } = this.options;
    if (perSecond <= 0) return { allowed: true };
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxKeys) this.evict(now);
      bucket = { tokens: burst, updatedAt: now };
      this.buckets.set(key, bucket);
    } else {
      const elapsedMs = Math.max(0, now - bucket.updatedAt);
      bucket.tokens = Math.min(burst, bucket.tokens + (elapsedMs * perSecond) / 1000);
      bucket.updatedAt = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    // Whole seconds (Retry-After has no fractions), at least 1.
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond)) };
  }

  /** Forgets buckets that have refilled (their keys lose nothing), else the oldest half. */
  private evict(now: number): void {
    const { perSecond, burst } = this.options;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.updatedAt) * perSecond) / 1000 >= burst) this.buckets.delete(key);
    }
    if (this.buckets.size < this.maxKeys) return;
    let drop = Math.ceil(this.buckets.size / 2);
    for (const key of this.buckets.keys()) {
      if (drop-- <= 0) break;
      this.buckets.delete(key);
    }
  }
}

/** Runs after authentication: the bucket is the verified key's, so unknown keys cannot drain it. */
export function rateLimitMiddleware(limiter: RateLimiter): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!limiter.enabled) return next();
    const principal = c.get('principal');
    const decision = limiter.take(principal.keyId);
    if (!decision.allowed) {
      throw new ApiError(
        'rate_limited',
        `Too many requests with this API key; retry after ${decision.retryAfterSeconds} s.`,
        { retryAfterSeconds: decision.retryAfterSeconds },
        { retryAfterSeconds: decision.retryAfterSeconds },
      );
    }
    await next();
  };
}
