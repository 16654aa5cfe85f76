import { formatMicros, MoneyError, parseAmountToMicros } from '@aicredits/sdk';

export type AmountErrorCode =
  | 'missing_amount'
  | 'invalid_amount'
  | 'negative_amount'
  | 'zero_amount'
  | 'too_many_decimals'
  | 'below_minimum'
  | 'above_maximum';

export type AmountResult =
  | { ok: true; amountMicros: number }
  | { ok: false; code: AmountErrorCode; message: string };

export interface TopupLimits {
  minMicros: number;
  maxMicros: number;
}

/** Top-ups are charged to a card in USD, so amounts are whole cents. */
const MICROS_PER_CENT = 10_000;

/**
 * Reads a top-up amount typed by a person ("50", "$12.50"; plain decimals, no thousands separators) and
 * checks it against the workspace's limits when they are known. Every refusal has its own code
 * and a sentence that says what to type instead.
 */
export function parseTopupAmount(text: string, limits?: TopupLimits): AmountResult {
  const raw = text.trim();
  const example = 'for example `/topup 50` or `/topup 12.50`';
  if (raw === '')
    return { ok: false, code: 'missing_amount', message: `Tell me how much to add in USD, ${example}.` };
  let amountMicros: number;
  try {
    amountMicros = parseAmountToMicros(raw);
  } catch (error) {
    if (!(error instanceof MoneyError)) throw error;
    switch (error.code) {
      case 'negative_amount':
        return { ok: false, code: 'negative_amount', message: `The amount must be positive, ${example}.` };
      case 'too_many_decimals':
        return tooManyDecimals(raw);
      case 'amount_too_large':
        return limits === undefined
          ? { ok: false, code: 'above_maximum', message: `“${raw}” is far too large.` }
          : aboveMaximum(limits);
      default:
        return {
          ok: false,
          code: 'invalid_amount',
          message: `“${raw}” is not an amount in USD; use digits, ${example}.`,
        };
    }
  }
  if (amountMicros === 0)
    return { ok: false, code: 'zero_amount', message: `The amount must be more than $0, ${example}.` };
  if (amountMicros % MICROS_PER_CENT !== 0) return tooManyDecimals(raw);
  if (limits !== undefined) {
    if (amountMicros < limits.minMicros) {
      return {
        ok: false,
        code: 'below_minimum',
        message: `The minimum top-up is ${formatMicros(limits.minMicros, 'usd')}; ${formatMicros(amountMicros, 'usd')} is below it.`,
      };
    }
    if (amountMicros > limits.maxMicros) return aboveMaximum(limits);
  }
  return { ok: true, amountMicros };
}

function tooManyDecimals(raw: string): AmountResult {
  return {
    ok: false,
    code: 'too_many_decimals',
    message: `“${raw}” has more than two decimals; top-ups are in whole cents, e.g. \`12.50\`.`,
  };
}

function aboveMaximum(limits: TopupLimits): AmountResult {
  return {
    ok: false,
    code: 'above_maximum',
    message: `The maximum top-up is ${formatMicros(limits.maxMicros, 'usd')}; add funds in several top-ups or contact support.`,
  };
}
