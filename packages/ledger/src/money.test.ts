import { describe, expect, it } from 'vitest';
import { isLedgerError } from './errors.js';
import { addMicros, assertMicros, MICROS_PER_UNIT, subtractMicros, sumMicros } from './money.js';

describe('money', () => {
  it('one unit is a million micros', () => {
    expect(MICROS_PER_UNIT).toBe(1_000_000);
  });

  it('accepts safe integers and refuses fractions, NaN and unsafe values', () => {
    expect(assertMicros(-5, 'x')).toBe(-5);
    for (const bad of [1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '10']) {
      expect(() => assertMicros(bad, 'amount')).toThrowError(/amount/);
      try {
        assertMicros(bad, 'amount');
      } catch (error) {
        expect(isLedgerError(error, 'invalid_amount')).toBe(true);
      }
    }
  });

  it('adds, subtracts and sums exactly and refuses overflow', () => {
    expect(addMicros(1, 2)).toBe(3);
    expect(subtractMicros(1, 2)).toBe(-1);
    expect(sumMicros([1, 2, 3])).toBe(6);
    expect(sumMicros([])).toBe(0);
    expect(() => addMicros(Number.MAX_SAFE_INTEGER, 1)).toThrow();
    expect(() => sumMicros([Number.MAX_SAFE_INTEGER, 1])).toThrow();
  });
});
