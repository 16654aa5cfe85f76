import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  isRetryableStatus,
  MAX_RETRY_AFTER_MS,
  parseRetryAfterMs,
  parseRetryAfterSeconds,
  retryDelayMs,
} from './retry';

const headers = (init: Record<string, string>) => new Headers(init);

describe('isRetryableStatus', () => {
  it('retries exactly 408, 409, 429 and 5xx', () => {
    const retryable = [];
    for (let status = 400; status < 600; status++) if (isRetryableStatus(status)) retryable.push(status);
    expect(retryable.filter((s) => s < 500)).toEqual([408, 409, 429]);
    expect(retryable.filter((s) => s >= 500)).toHaveLength(100);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads delta seconds, HTTP dates and retry-after-ms', () => {
    expect(parseRetryAfterMs(headers({ 'retry-after': '7' }), now)).toBe(7_000);
    expect(parseRetryAfterMs(headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(5_000);
    expect(parseRetryAfterMs(headers({ 'retry-after': 'Wed, 31 Dec 2025 23:00:00 GMT' }), now)).toBe(0);
    expect(parseRetryAfterMs(headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(250);
  });
  it('ignores absent or garbage values', () => {
    expect(parseRetryAfterMs(headers({}), now)).toBeUndefined();
    expect(parseRetryAfterMs(headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(parseRetryAfterMs(headers({ 'retry-after': '-3' }), now)).toBeUndefined();
  });
  it('rounds sub-second waits up to whole seconds for retryAfterSeconds', () => {
    expect(parseRetryAfterSeconds(headers({ 'retry-after-ms': '1200' }), now)).toBe(2);
  });
});

describe('backoffDelayMs', () => {
  it('doubles from 500 ms up to 8 s, jitter removing at most 25%', () => {
    expect([0, 1, 2, 3, 4, 5, 10].map((n) => backoffDelayMs(n, () => 0))).toEqual([
      500, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000,
    ]);
    expect([0, 1, 2, 3, 4].map((n) => backoffDelayMs(n, () => 0.999_999))).toEqual([
      375, 750, 1_500, 3_000, 6_000,
    ]);
  });
  it('stays within bounds for random jitter', () => {
    for (let i = 0; i < 1_000; i++) {
      const ms = backoffDelayMs(2);
      expect(ms).toBeGreaterThanOrEqual(1_500);
      expect(ms).toBeLessThanOrEqual(2_000);
    }
  });
});

describe('retryDelayMs', () => {
  it('prefers Retry-After over backoff, and refuses waits beyond the cap', () => {
    expect(retryDelayMs(3, headers({ 'retry-after': '2' }), 0, () => 0)).toBe(2_000);
    expect(retryDelayMs(3, headers({}), 0, () => 0)).toBe(4_000);
    expect(
      retryDelayMs(0, headers({ 'retry-after': String(MAX_RETRY_AFTER_MS / 1000 + 1) }), 0),
    ).toBeUndefined();
  });
});
