import { describe, expect, it } from 'vitest';
import { CliError } from './errors.js';
import { parseAmount, parseChoice, parseInstant, parsePositiveInt, parseTopupAmount } from './parse.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof CliError) return `${error.code}/${error.exitCode}`;
    throw error;
  }
  return undefined;
}

describe('parseAmount', () => {
  it('turns dollars into integer micros without floats', () => {
    expect(parseAmount('50', '--estimate')).toBe(50_000_000);
    expect(parseAmount('12.34', '--estimate')).toBe(12_340_000);
    expect(parseAmount('$0.10', '--estimate')).toBe(100_000);
    expect(parseAmount('0.000001', '--estimate')).toBe(1);
  });

  it('rejects what is not a positive decimal amount as a usage error', () => {
    expect(codeOf(() => parseAmount('abc', 'amount'))).toBe('invalid_amount/usage');
    expect(codeOf(() => parseAmount('-5', 'amount'))).toBe('negative_amount/usage');
    expect(codeOf(() => parseAmount('1.0000001', 'amount'))).toBe('too_many_decimals/usage');
    expect(codeOf(() => parseAmount('0', 'amount'))).toBe('invalid_amount/usage');
    expect(codeOf(() => parseAmount('1e3', 'amount'))).toBe('invalid_amount/usage');
  });
});

describe('parseTopupAmount', () => {
  it('accepts whole cents only', () => {
    expect(parseTopupAmount('12.34')).toBe(12_340_000);
    expect(codeOf(() => parseTopupAmount('12.345'))).toBe('invalid_amount/usage');
  });
});

describe('parsePositiveInt', () => {
  it('accepts whole numbers within bounds', () => {
    expect(parsePositiveInt('25', '--limit')).toBe(25);
    expect(parsePositiveInt(' 7 ', '--limit', 10)).toBe(7);
  });

  it('rejects zero, fractions, junk and values over the maximum', () => {
    for (const text of ['0', '1.5', '-1', 'ten', '', '11']) {
      expect(codeOf(() => parsePositiveInt(text, '--limit', 10))).toBe('invalid_number/usage');
    }
  });
});

describe('parseChoice', () => {
  it('returns the matching choice or names the allowed ones', () => {
    expect(parseChoice('member', '--group-by', ['day', 'member'] as const)).toBe('member');
    expect(() => parseChoice('week', '--group-by', ['day', 'member'] as const)).toThrow(/day, member/);
  });
});

describe('parseInstant', () => {
  it('reads a day as UTC midnight, and a --to day as the end of that day', () => {
    expect(parseInstant('2025-01-31', '--from', 'from')).toBe('2025-01-31T00:00:00.000Z');
    expect(parseInstant('2025-01-31', '--to', 'to')).toBe('2025-02-01T00:00:00.000Z');
  });

  it('normalises ISO times with a zone to UTC', () => {
    expect(parseInstant('2025-01-31T12:00:00Z', '--to', 'to')).toBe('2025-01-31T12:00:00.000Z');
    expect(parseInstant('2025-01-31T12:00:00+02:00', '--from', 'from')).toBe('2025-01-31T10:00:00.000Z');
  });

  it('refuses zone-less times (ambiguous) and junk', () => {
    expect(codeOf(() => parseInstant('2025-01-31T12:00:00', '--from', 'from'))).toBe('invalid_date/usage');
    expect(codeOf(() => parseInstant('yesterday', '--from', 'from'))).toBe('invalid_date/usage');
    expect(codeOf(() => parseInstant('2025-13-40', '--from', 'from'))).toBe('invalid_date/usage');
  });
});
