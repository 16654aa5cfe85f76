import { describe, expect, it } from 'vitest';
import { parseTopupAmount } from './amount.js';

const limits = { minMicros: 5_000_000, maxMicros: 10_000_000_000 };

describe('parseTopupAmount', () => {
  it.each([
    ['50', 50_000_000],
    ['$12.50', 12_500_000],
    [' 5 ', 5_000_000],
    ['10000', 10_000_000_000],
    ['7.1', 7_100_000],
  ])('accepts %s', (text, micros) => {
    expect(parseTopupAmount(text, limits)).toEqual({ ok: true, amountMicros: micros });
  });

  it.each([
    ['', 'missing_amount'],
    ['abc', 'invalid_amount'],
    ['12,50', 'invalid_amount'],
    ['1e3', 'invalid_amount'],
    ['-5', 'negative_amount'],
    ['0', 'zero_amount'],
    ['0.00', 'zero_amount'],
    ['12.345', 'too_many_decimals'],
    ['12.3456789', 'too_many_decimals'],
    ['4.99', 'below_minimum'],
    ['10000.01', 'above_maximum'],
    ['99999999999999999999', 'above_maximum'],
  ])('refuses %j with %s', (text, code) => {
    const result = parseTopupAmount(text, limits);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.code).toBe(code);
      expect(result.message.length).toBeGreaterThan(10);
    }
  });

  it('names the limit in the message', () => {
    const result = parseTopupAmount('1', limits);
    expect(!result.ok && result.message).toContain('$5.00');
  });
});
