import { MoneyError, parseAmountToMicros } from '@aicredits/sdk';
import { usageError } from './errors.js';

/** Option parsers: each turns a flag's text into a typed value or a usage error (exit 2). */

const MICROS_PER_CENT = 10_000;

/** Dollars as typed ("50", "12.34", "$5") to integer micros, through the SDK (no floats). */
export function parseAmount(text: string, flag: string): number {
  let micros: number;
  try {
    micros = parseAmountToMicros(text);
  } catch (error) {
    if (error instanceof MoneyError) {
      throw usageError(
        error.code,
        `${flag}: ${error.message}`,
        'Write amounts as dollars, e.g. 50 or 12.34.',
      );
    }
    throw error;
  }
  if (micros <= 0) throw usageError('invalid_amount', `${flag} must be more than zero; got "${text}".`);
  return micros;
}

/** Top-ups are charged to a card, so they are whole cents. */
export function parseTopupAmount(text: string): number {
  const micros = parseAmount(text, 'amount');
  if (micros % MICROS_PER_CENT !== 0) {
    throw usageError(
      'invalid_amount',
      `A top-up is whole cents; got "${text}".`,
      'Use at most two decimals, e.g. 12.34.',
    );
  }
  return micros;
}

export function parsePositiveInt(text: string, flag: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(text.trim()))
    throw usageError('invalid_number', `${flag} must be a whole number; got "${text}".`);
  const value = Number(text.trim());
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw usageError('invalid_number', `${flag} must be between 1 and ${max}; got "${text}".`);
  }
  return value;
}

export function parseChoice<T extends string>(text: string, flag: string, choices: readonly T[]): T {
  const found = choices.find((choice) => choice === text);
  if (found === undefined) {
    throw usageError('invalid_choice', `${flag} must be one of ${choices.join(', ')}; got "${text}".`);
  }
  return found;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/**
 * A day (`2025-01-31`, UTC) or an ISO instant, to the ISO-8601 UTC form the API takes. `--to`
 * is exclusive in the API, so a day given as `--to` means "through the end of that day".
 */
export function parseInstant(text: string, flag: string, edge: 'from' | 'to'): string {
  const value = text.trim();
  const ms = Date.parse(DATE_ONLY.test(value) ? `${value}T00:00:00.000Z` : value);
  // A date-time without a zone would be read as local time: ambiguous for a billing query.
  const hasZone = DATE_ONLY.test(value) || /(Z|[+-]\d{2}:?\d{2})$/i.test(value);
  if (Number.isNaN(ms) || !hasZone) {
    throw usageError(
      'invalid_date',
      `${flag} must be a day (2025-01-31) or an ISO time with a zone (2025-01-31T12:00:00Z); got "${text}".`,
    );
  }
  const end = DATE_ONLY.test(value) && edge === 'to' ? ms + DAY_MS : ms;
  return new Date(end).toISOString();
}
