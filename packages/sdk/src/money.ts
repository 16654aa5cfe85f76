/**
 * Money helpers for the edge of an app: amounts stay integer micros everywhere (1 USD or 1 credit
 * = 1,000,000 micros) and become text only here. All arithmetic is on bigint: no floats, no
 * `toFixed`, so a display can never disagree with the ledger by a rounding artefact.
 */
import { AicreditsError } from './core/errors';

export type MoneyErrorCode =
  | 'invalid_micros'
  | 'invalid_unit'
  | 'invalid_amount'
  | 'negative_amount'
  | 'too_many_decimals'
  | 'amount_too_large';

export class MoneyError extends AicreditsError {
  declare readonly code: MoneyErrorCode;

  // biome-ignore lint/complexity/noUselessConstructor: narrows `code` to this error's codes.
  constructor(code: MoneyErrorCode, message: string) {
    super(code, message);
  }
}

/** The units a workspace can hold (the contract's `unit` field). */
export type MoneyUnit = 'usd' | 'credits';

export const MICROS_PER_UNIT = 1_000_000;
const MICROS = 1_000_000n;
const MICROS_PER_CENT = 10_000n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** U+2212 MINUS SIGN: typographically correct and never confused with a hyphen in prose. */
const MINUS = '\u2212';

export interface FormatMicrosOptions {
  /**
   * Show every significant micro digit (up to 6 decimals) instead of rounding to 2 decimals.
   * Useful for per-task prices, where $0.0042 must not print as $0.00.
   */
  exact?: boolean;
}

function toBigIntMicros(micros: number | bigint): bigint {
  if (typeof micros === 'bigint') return micros;
  if (!Number.isSafeInteger(micros)) {
    throw new MoneyError('invalid_micros', `Expected an integer number of micros, got ${String(micros)}.`);
  }
  return BigInt(micros);
}

/** Divides and rounds half away from zero, so −$0.005 and $0.005 round symmetrically. */
function divRoundHalfAwayFromZero(value: bigint, divisor: bigint): bigint {
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const rounded = (magnitude + divisor / 2n) / divisor;
  return negative ? -rounded : rounded;
}

function groupThousands(whole: bigint): string {
  return whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `fraction` as exactly `digits` digits, then trailing zeros trimmed down to `minDigits`. */
function fractionDigits(fraction: bigint, digits: number, minDigits: number): string {
  let text = fraction.toString().padStart(digits, '0');
  while (text.length > minDigits && text.endsWith('0')) text = text.slice(0, -1);
  return text;
}

/**
 * Formats micros for people: `formatMicros(12_340_000, 'usd')` → `"$12.34"`,
 * `formatMicros(-1_000_000, 'usd')` → `"−$1.00"`, `formatMicros(12_500_000, 'credits')` →
 * `"12.5 credits"`. Rounds half away from zero to 2 decimals unless `exact`.
 */
export function formatMicros(
  micros: number | bigint,
  unit: MoneyUnit,
  options: FormatMicrosOptions = {},
): string {
  if (unit !== 'usd' && unit !== 'credits') {
    throw new MoneyError(
      'invalid_unit',
      `Unknown unit ${JSON.stringify(unit)}; expected "usd" or "credits".`,
    );
  }
  const value = toBigIntMicros(micros);
  // Work in the smallest unit shown: micros when exact, hundredths otherwise.
  const [scaled, scale, digits] = options.exact
    ? [value, MICROS, 6]
    : [divRoundHalfAwayFromZero(value, MICROS_PER_CENT), 100n, 2];
  const negative = scaled < 0n;
  const magnitude = negative ? -scaled : scaled;
  const whole = magnitude / scale;
  const fraction = magnitude % scale;
  const sign = negative ? MINUS : '';

  if (unit === 'usd') {
    return `${sign}$${groupThousands(whole)}.${fractionDigits(fraction, digits, 2)}`;
  }
  const decimals = fractionDigits(fraction, digits, 0);
  const number = decimals === '' ? groupThousands(whole) : `${groupThousands(whole)}.${decimals}`;
  const singular = !negative && whole === 1n && decimals === '';
  return `${sign}${number} ${singular ? 'credit' : 'credits'}`;
}

/**
 * Parses a decimal amount typed by a person into integer micros: `"12.34"` → `12_340_000`.
 * Accepts an optional leading `$` and surrounding spaces; rejects negatives, more than 6
 * decimals, anything else, and amounts beyond `Number.MAX_SAFE_INTEGER` micros.
 */
export function parseAmountToMicros(input: string): number {
  if (typeof input !== 'string') {
    throw new MoneyError('invalid_amount', 'Expected the amount as a string, e.g. "12.34".');
  }
  let text = input.trim();
  if (/^[-\u2212]/.test(text) || text.startsWith('$-') || text.startsWith('$\u2212')) {
    throw new MoneyError('negative_amount', `Amounts must not be negative: ${JSON.stringify(input)}.`);
  }
  if (text.startsWith('$')) text = text.slice(1);
  const match = /^(\d*)(?:\.(\d*))?$/.exec(text);
  const whole = match?.[1] ?? '';
  const fraction = match?.[2] ?? '';
  if (!match || (whole === '' && fraction === '')) {
    throw new MoneyError('invalid_amount', `Not an amount: ${JSON.stringify(input)}; expected e.g. "12.34".`);
  }
  if (fraction.length > 6) {
    throw new MoneyError(
      'too_many_decimals',
      `At most 6 decimals (one micro) are allowed: ${JSON.stringify(input)}.`,
    );
  }
  const micros = BigInt(whole === '' ? '0' : whole) * MICROS + BigInt(fraction.padEnd(6, '0'));
  if (micros > MAX_SAFE) {
    throw new MoneyError('amount_too_large', `The amount ${JSON.stringify(input)} is too large.`);
  }
  return Number(micros);
}

/**
 * Micros → whole cents (what Stripe charges), rounded half away from zero:
 * `microsToCents(12_345_000)` → `1235`.
 */
export function microsToCents(micros: number | bigint): number {
  return Number(divRoundHalfAwayFromZero(toBigIntMicros(micros), MICROS_PER_CENT));
}

/** Whole cents → micros: `centsToMicros(1234)` → `12_340_000`. */
export function centsToMicros(cents: number): number {
  if (!Number.isSafeInteger(cents)) {
    throw new MoneyError('invalid_micros', `Expected an integer number of cents, got ${String(cents)}.`);
  }
  const micros = BigInt(cents) * MICROS_PER_CENT;
  if (micros > MAX_SAFE || micros < -MAX_SAFE) {
    throw new MoneyError('amount_too_large', `${cents} cents is too large to hold in micros.`);
  }
  return Number(micros);
}
