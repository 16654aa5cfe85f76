import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { centsToMicros, formatMicros, MoneyError, microsToCents, parseAmountToMicros } from './money';

function moneyCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof MoneyError) return error.code;
    throw error;
  }
  return undefined;
}

describe('formatMicros', () => {
  it.each([
    [12_340_000, 'usd', '$12.34'],
    [-1_000_000, 'usd', '\u2212$1.00'],
    [0, 'usd', '$0.00'],
    [5_000, 'usd', '$0.01'],
    [4_999, 'usd', '$0.00'],
    [-5_000, 'usd', '\u2212$0.01'],
    [-4_999, 'usd', '$0.00'],
    [1_234_567_890_000, 'usd', '$1,234,567.89'],
    [12_500_000, 'credits', '12.5 credits'],
    [1_000_000, 'credits', '1 credit'],
    [0, 'credits', '0 credits'],
    [-2_000_000, 'credits', '\u22122 credits'],
    [12_345_678, 'credits', '12.35 credits'],
  ] as const)('%i %s → %s', (micros, unit, text) => {
    expect(formatMicros(micros, unit)).toBe(text);
  });

  it('shows every micro when exact', () => {
    expect(formatMicros(4_200, 'usd', { exact: true })).toBe('$0.0042');
    expect(formatMicros(12_000_000, 'usd', { exact: true })).toBe('$12.00');
    expect(formatMicros(1_500_001, 'credits', { exact: true })).toBe('1.500001 credits');
  });

  it('accepts bigint and rejects floats and unknown units with codes', () => {
    expect(formatMicros(10n ** 20n, 'usd')).toBe('$100,000,000,000,000.00');
    expect(moneyCode(() => formatMicros(1.5, 'usd'))).toBe('invalid_micros');
    expect(moneyCode(() => formatMicros(Number.NaN, 'usd'))).toBe('invalid_micros');
    expect(moneyCode(() => formatMicros(1, 'eur' as 'usd'))).toBe('invalid_unit');
  });
});

describe('parseAmountToMicros', () => {
  it.each([
    ['12.34', 12_340_000],
    ['12', 12_000_000],
    ['$50', 50_000_000],
    [' 0.000001 ', 1],
    ['.5', 500_000],
    ['7.', 7_000_000],
    ['0', 0],
    ['9007199254.740991', Number.MAX_SAFE_INTEGER],
  ])('%s → %i', (text, micros) => {
    expect(parseAmountToMicros(text)).toBe(micros);
  });

  it.each([
    ['1.2345678', 'too_many_decimals'],
    ['-1', 'negative_amount'],
    ['\u22121', 'negative_amount'],
    ['$-1', 'negative_amount'],
    ['', 'invalid_amount'],
    ['.', 'invalid_amount'],
    ['abc', 'invalid_amount'],
    ['1e3', 'invalid_amount'],
    ['1,000', 'invalid_amount'],
    ['0x10', 'invalid_amount'],
    ['1.2.3', 'invalid_amount'],
    ['9007199254.740992', 'amount_too_large'],
  ])('%s → %s', (text, code) => {
    expect(moneyCode(() => parseAmountToMicros(text))).toBe(code);
  });

  it('round-trips with exact formatting for every safe amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (micros) => {
        const text = formatMicros(micros, 'usd', { exact: true }).replace('$', '').replaceAll(',', '');
        expect(parseAmountToMicros(text)).toBe(micros);
      }),
    );
  });
});

describe('microsToCents', () => {
  it('rounds half away from zero', () => {
    expect(microsToCents(12_345_000)).toBe(1235);
    expect(microsToCents(12_344_999)).toBe(1234);
    expect(microsToCents(-5_000)).toBe(-1);
    expect(microsToCents(-4_999)).toBe(0);
    expect(centsToMicros(1234)).toBe(12_340_000);
  });

  it('is the inverse of centsToMicros, and never off by more than half a cent', () => {
    fc.assert(
      fc.property(fc.integer({ min: -900_719_925_474, max: 900_719_925_474 }), (cents) => {
        expect(microsToCents(centsToMicros(cents))).toBe(cents);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (micros) => {
        const diff = BigInt(microsToCents(micros)) * 10_000n - BigInt(micros);
        expect(diff <= 5_000n && diff >= -5_000n).toBe(true);
      }),
    );
  });

  it('agrees with the cents shown by formatMicros', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), (micros) => {
        const cents = microsToCents(micros);
        const shown = formatMicros(micros, 'usd').replace('$', '').replaceAll(',', '').replace('.', '');
        expect(BigInt(shown)).toBe(BigInt(cents));
      }),
    );
  });
});
