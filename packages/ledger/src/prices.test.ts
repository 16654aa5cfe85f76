import { describe, expect, it } from 'vitest';
import { isLedgerError } from './errors.js';
import { costOfUsage, DEFAULT_PRICE_TABLE, findModelPrice, resolveSessionModel } from './prices.js';
import type { PriceTable } from './types.js';

const halfMicroTable: PriceTable = {
  version: 'test-1',
  effectiveAt: 0,
  latestModel: 'm',
  // 1 sandbox second = 0.5 micros.
  sandboxMicrosPerHour: 1_800,
  models: [
    {
      model: 'm',
      displayName: 'M',
      // 1 input token = 0.5 micros; 1 output token = 1.5 micros.
      inputMicrosPerMillionTokens: 500_000,
      outputMicrosPerMillionTokens: 1_500_000,
      cachedInputMicrosPerMillionTokens: 0,
      releasedAt: 0,
    },
  ],
};

const usage = (partial: Partial<Parameters<typeof costOfUsage>[0]>) => ({
  model: 'm',
  inputTokens: 0,
  outputTokens: 0,
  cachedInputTokens: 0,
  sandboxSeconds: 0,
  ...partial,
});

describe('prices', () => {
  it('has a latest model that is in the table', () => {
    expect(findModelPrice(DEFAULT_PRICE_TABLE, DEFAULT_PRICE_TABLE.latestModel).model).toBe(
      DEFAULT_PRICE_TABLE.latestModel,
    );
    expect(DEFAULT_PRICE_TABLE.models.length).toBeGreaterThanOrEqual(3);
  });

  it('refuses an unknown model with a stable code', () => {
    expect(() => findModelPrice(DEFAULT_PRICE_TABLE, 'nope')).toThrow(/nope/);
    try {
      findModelPrice(DEFAULT_PRICE_TABLE, 'nope');
    } catch (error) {
      expect(isLedgerError(error, 'unknown_model')).toBe(true);
    }
  });

  it('resolves the session model: requested, else pinned, else latest', () => {
    expect(resolveSessionModel(DEFAULT_PRICE_TABLE, null)).toBe(DEFAULT_PRICE_TABLE.latestModel);
    expect(resolveSessionModel(DEFAULT_PRICE_TABLE, 'orion-3')).toBe('orion-3');
    expect(resolveSessionModel(DEFAULT_PRICE_TABLE, 'orion-3', 'orion-4-mini')).toBe('orion-4-mini');
    expect(() => resolveSessionModel(DEFAULT_PRICE_TABLE, 'gone')).toThrow();
  });

  it('prices tokens per million and sandbox time per hour, exactly', () => {
    const { costMicros, priceVersion } = costOfUsage(
      {
        model: 'orion-4',
        inputTokens: 1_000_000,
        outputTokens: 100_000,
        cachedInputTokens: 2_000_000,
        sandboxSeconds: 3_600,
      },
      DEFAULT_PRICE_TABLE,
    );
    // $3 + $1.50 + $0.60 + $0.36
    expect(costMicros).toBe(5_460_000);
    expect(priceVersion).toBe(DEFAULT_PRICE_TABLE.version);
  });

  it('rounds half up once per task, not per component', () => {
    // 0.5 input + 0.5 sandbox = exactly 1 micro. Rounding each part first would give 2.
    expect(costOfUsage(usage({ inputTokens: 1, sandboxSeconds: 1 }), halfMicroTable).costMicros).toBe(1);
    // 0.5 rounds up; 1.5 rounds up; 0.5 + 1.5 = 2 exactly.
    expect(costOfUsage(usage({ inputTokens: 1 }), halfMicroTable).costMicros).toBe(1);
    expect(costOfUsage(usage({ outputTokens: 1 }), halfMicroTable).costMicros).toBe(2);
    expect(costOfUsage(usage({ inputTokens: 1, outputTokens: 1 }), halfMicroTable).costMicros).toBe(2);
    // 1.5 + 0.5 + 0.5 = 2.5 → 3 (half up), where per-part rounding would give 2 + 1 + 1 = 4.
    expect(
      costOfUsage(usage({ outputTokens: 1, inputTokens: 1, sandboxSeconds: 1 }), halfMicroTable).costMicros,
    ).toBe(3);
    // Just under a half rounds down: 1 token at 0.499999 micros.
    const under = {
      ...halfMicroTable,
      models: [{ ...halfMicroTable.models[0]!, inputMicrosPerMillionTokens: 499_999 }],
    };
    expect(costOfUsage(usage({ inputTokens: 1 }), under).costMicros).toBe(0);
  });

  it('refuses negative, fractional or unsafe usage counts', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) {
      expect(() => costOfUsage(usage({ inputTokens: bad }), halfMicroTable)).toThrow(/inputTokens/);
      expect(() => costOfUsage(usage({ sandboxSeconds: bad }), halfMicroTable)).toThrow(/sandboxSeconds/);
    }
  });
});
