import { LedgerError } from './errors.js';
import { assertMicros } from './money.js';
import type { Micros, ModelPrice, PriceTable, PriceVersion, Usage } from './types.js';

const TOKENS_PER_PRICE_UNIT = 1_000_000n;
const SECONDS_PER_HOUR = 3_600n;
/** Common denominator of token cost (per million) and sandbox cost (per hour). */
const COST_DENOMINATOR = TOKENS_PER_PRICE_UNIT * SECONDS_PER_HOUR;

/** Prices in micros of USD. A new table gets a new version; charges keep the version they used. */
export const DEFAULT_PRICE_TABLE: PriceTable = Object.freeze({
  version: '2025-11-01',
  effectiveAt: Date.UTC(2025, 10, 1),
  latestModel: 'orion-4',
  // $0.36 per sandbox hour.
  sandboxMicrosPerHour: 360_000,
  models: Object.freeze([
    Object.freeze({
      model: 'orion-4',
      displayName: 'Orion 4',
      inputMicrosPerMillionTokens: 3_000_000,
      outputMicrosPerMillionTokens: 15_000_000,
      cachedInputMicrosPerMillionTokens: 300_000,
      releasedAt: Date.UTC(2025, 9, 1),
    }),
    Object.freeze({
      model: 'orion-4-mini',
      displayName: 'Orion 4 Mini',
      inputMicrosPerMillionTokens: 800_000,
      outputMicrosPerMillionTokens: 4_000_000,
      cachedInputMicrosPerMillionTokens: 80_000,
      releasedAt: Date.UTC(2025, 9, 1),
    }),
    Object.freeze({
      model: 'orion-3',
      displayName: 'Orion 3',
      inputMicrosPerMillionTokens: 2_500_000,
      outputMicrosPerMillionTokens: 10_000_000,
      cachedInputMicrosPerMillionTokens: 1_250_000,
      releasedAt: Date.UTC(2025, 1, 1),
    }),
    Object.freeze({
      model: 'atlas-2-large',
      displayName: 'Atlas 2 Large',
      inputMicrosPerMillionTokens: 15_000_000,
      outputMicrosPerMillionTokens: 75_000_000,
      cachedInputMicrosPerMillionTokens: 1_500_000,
      releasedAt: Date.UTC(2025, 4, 1),
    }),
  ]),
});

export function findModelPrice(table: PriceTable, model: string): ModelPrice {
  const price = table.models.find((candidate) => candidate.model === model);
  if (price === undefined) {
    throw new LedgerError(
      'unknown_model',
      `Model "${model}" is not in price table ${table.version}; pick one of: ${table.models
        .map((m) => m.model)
        .join(', ')}.`,
      { model, priceVersion: table.version },
    );
  }
  return price;
}

/** The model a Coding Session runs on: an explicit request, else the admin's pin, else the latest. */
export function resolveSessionModel(
  table: PriceTable,
  pinnedModel: string | null,
  requested?: string,
): string {
  const model = requested ?? pinnedModel ?? table.latestModel;
  return findModelPrice(table, model).model;
}

function assertCount(value: unknown, label: string): bigint {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new LedgerError(
      'invalid_amount',
      `${label} must be a non-negative whole number; got ${String(value)}.`,
      { label, value: String(value) },
    );
  }
  return BigInt(value);
}

/** Round half up of numerator/denominator for non-negative operands. */
function divideRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (numerator * 2n + denominator) / (denominator * 2n);
}

/**
 * The exact cost of one task's usage, rounded once (half up) to whole micros. Every component is
 * summed as an exact fraction over one denominator first, so no rounding error accumulates across
 * components, and lots later split an already-integral amount (no per-lot rounding).
 */
export function costOfUsage(
  usage: Usage,
  table: PriceTable,
): { costMicros: Micros; priceVersion: PriceVersion } {
  const price = findModelPrice(table, usage.model);
  const inputTokens = assertCount(usage.inputTokens, 'inputTokens');
  const outputTokens = assertCount(usage.outputTokens, 'outputTokens');
  const cachedInputTokens = assertCount(usage.cachedInputTokens, 'cachedInputTokens');
  const sandboxSeconds = assertCount(usage.sandboxSeconds, 'sandboxSeconds');
  const tokenNumerator =
    inputTokens * BigInt(price.inputMicrosPerMillionTokens) +
    outputTokens * BigInt(price.outputMicrosPerMillionTokens) +
    cachedInputTokens * BigInt(price.cachedInputMicrosPerMillionTokens);
  const numerator =
    tokenNumerator * SECONDS_PER_HOUR +
    sandboxSeconds * BigInt(table.sandboxMicrosPerHour) * TOKENS_PER_PRICE_UNIT;
  const costMicros = divideRoundHalfUp(numerator, COST_DENOMINATOR);
  if (costMicros > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new LedgerError(
      'invalid_amount',
      'This usage costs more than the ledger can represent; split the task.',
      {
        model: usage.model,
      },
    );
  }
  return { costMicros: assertMicros(Number(costMicros), 'costMicros'), priceVersion: table.version };
}
