import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.js';

describe('RateLimiter (token bucket per key)', () => {
  it('allows a burst, then refuses with the seconds until the next token', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 2, burst: 3, now: () => now });
    expect([1, 2, 3].map(() => limiter.take('k').allowed)).toEqual([true, true, true]);
    expect(limiter.take('k')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now += 500; // one token back at 2 per second
    expect(limiter.take('k').allowed).toBe(true);
    expect(limiter.take('k').allowed).toBe(false);
  });

  it('keeps keys apart and never refills beyond the burst', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 1, burst: 2, now: () => now });
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
    now += 3_600_000;
    expect([1, 2, 3].map(() => limiter.take('a').allowed)).toEqual([true, true, false]);
  });

  it('asks slow buckets to wait whole seconds, at least one', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 0.25, burst: 1, now: () => now });
    expect(limiter.take('k').allowed).toBe(true);
    expect(limiter.take('k')).toEqual({ allowed: false, retryAfterSeconds: 4 });
    now += 1_000;
    expect(limiter.take('k')).toEqual({ allowed: false, retryAfterSeconds: 3 });
  });

  it('is off at 0 per second', () => {
    const limiter = new RateLimiter({ perSecond: 0, burst: 1 });
    expect(limiter.enabled).toBe(false);
    for (let i = 0; i < 1_000; i += 1) expect(limiter.take('k').allowed).toBe(true);
  });

  it('forgets idle keys first when it must bound its memory', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 1, burst: 1, now: () => now, maxKeys: 2 });
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('b').allowed).toBe(true);
    now += 5_000; // both refilled: forgetting them loses nothing
    expect(limiter.take('c').allowed).toBe(true);
    expect(limiter.take('c').allowed).toBe(false);
    expect(limiter.take('a').allowed).toBe(true);
  });
});
