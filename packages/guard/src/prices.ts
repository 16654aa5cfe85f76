import { GuardError } from './errors.js';

/** The price table in force (`GET /v1/prices`), as far as the guard needs it. */
export interface PriceTable {
  readonly version?: string;
  readonly sandboxMicrosPerHour: number;
  readonly models: readonly ModelPrice[];
}

export interface ModelPrice {
  readonly model: string;
  readonly inputMicrosPerMillionTokens: number;
  readonly outputMicrosPerMillionTokens: number;
  readonly cachedInputMicrosPerMillionTokens: number;
}

export interface TokenCounts {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedInputTokens: number;
}

const TOKENS_PER_PRICE_UNIT = 1_000_000n;
const SECONDS_PER_HOUR = 3_600n;
const DENOMINATOR = TOKENS_PER_PRICE_UNIT * SECONDS_PER_HOUR;

/**
 * The cost of a task's usage across several models, rounded once (half up) to whole micros: the
 * same rule the ledger applies to one model, extended over models by summing exact fractions
 * before the single rounding. Used when one capture must cover several models, and to see how
 * close a running task is to its hold.
 */
export function costOfUsageMicros(
  usageByModel: ReadonlyMap<string, TokenCounts>,
  sandboxSeconds: number,
  table: PriceTable,
): number {
  let numerator = BigInt(sandboxSeconds) * BigInt(table.sandboxMicrosPerHour) * TOKENS_PER_PRICE_UNIT;
  for (const [model, tokens] of usageByModel) {
    const price = table.models.find((candidate) => candidate.model === model);
    if (price === undefined) {
      throw new GuardError(
        'invalid_usage',
        `Model "${model}" is not in the price table${table.version ? ` ${table.version}` : ''}; report usage with a priced model.`,
      );
    }
    numerator +=
      (BigInt(tokens.inputTokens) * BigInt(price.inputMicrosPerMillionTokens) +
        BigInt(tokens.outputTokens) * BigInt(price.outputMicrosPerMillionTokens) +
        BigInt(tokens.cachedInputTokens) * BigInt(price.cachedInputMicrosPerMillionTokens)) *
      SECONDS_PER_HOUR;
  }
  const micros = (numerator * 2n + DENOMINATOR) / (DENOMINATOR * 2n);
  if (micros > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new GuardError('invalid_usage', 'The reported usage costs more than a safe integer of micros.');
  }
  return Number(micros);
}
