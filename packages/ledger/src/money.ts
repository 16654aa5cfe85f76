import { LedgerError } from './errors.js';
import type { Micros } from './types.js';

/** 1 USD or 1 credit. */
export const MICROS_PER_UNIT = 1_000_000;

/** Throws `invalid_amount` unless `value` is a safe integer; returns it typed as micros. */
export function assertMicros(value: unknown, label: string): Micros {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new LedgerError(
      'invalid_amount',
      `${label} must be a whole number of micros (a safe integer); got ${String(value)}.`,
      { label, value: String(value) },
    );
  }
  return value;
}

/** Like assertMicros, and also refuses negative amounts. */
export function assertNonNegativeMicros(value: unknown, label: string): Micros {
  const micros = assertMicros(value, label);
  if (micros < 0) {
    throw new LedgerError('invalid_amount', `${label} cannot be negative; got ${micros}.`, { label, value });
  }
  return micros;
}

/** Like assertMicros, and also refuses zero and negative amounts. */
export function assertPositiveMicros(value: unknown, label: string): Micros {
  const micros = assertMicros(value, label);
  if (micros <= 0) {
    throw new LedgerError('invalid_amount', `${label} must be greater than zero; got ${micros}.`, {
      label,
      value,
    });
  }
  return micros;
}

// Checked arithmetic: a sum that leaves the safe-integer range would silently lose micros.
export function addMicros(a: Micros, b: Micros): Micros {
  return assertMicros(assertMicros(a, 'left operand') + assertMicros(b, 'right operand'), 'sum');
}

export function subtractMicros(a: Micros, b: Micros): Micros {
  return assertMicros(assertMicros(a, 'left operand') - assertMicros(b, 'right operand'), 'difference');
}

export function sumMicros(values: Iterable<Micros>): Micros {
  let total = 0;
  for (const value of values) total = addMicros(total, value);
  return total;
}

export function minMicros(a: Micros, b: Micros): Micros {
  return a < b ? a : b;
}

export function maxMicros(a: Micros, b: Micros): Micros {
  return a > b ? a : b;
}
