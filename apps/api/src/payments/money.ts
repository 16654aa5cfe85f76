import { PaymentError } from './errors.js';

/** 1 USD = 1,000,000 micros = 100 cents, so one cent is 10,000 micros. */
export const MICROS_PER_CENT = 10_000;

/** Stripe amounts are integer cents; a fraction of a cent cannot be charged, so it is refused, not rounded. */
export function microsToCents(amountMicros: number): number {
  if (!Number.isSafeInteger(amountMicros) || amountMicros < 0) {
    throw new PaymentError(
      'invalid_amount',
      `amount must be a non-negative safe integer of micros, got ${amountMicros}`,
    );
  }
  if (amountMicros % MICROS_PER_CENT !== 0) {
    throw new PaymentError('invalid_amount', `amount ${amountMicros} micros is not a whole number of cents`);
  }
  return amountMicros / MICROS_PER_CENT;
}

export function centsToMicros(amountCents: number): number {
  return amountCents * MICROS_PER_CENT;
}
