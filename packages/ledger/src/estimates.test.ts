import { describe, expect, it } from 'vitest';
import { estimateSession, nearestRankPercentile } from './estimates.js';
import { DEFAULT_PRICE_TABLE } from './prices.js';
import { usd } from './test-fixtures.js';
import type { SettledSession } from './types.js';

const latest = DEFAULT_PRICE_TABLE.latestModel;

describe('estimates', () => {
  it.each(['bug_fix', 'short_task'] as const)('a %s on the latest model costs about $5–$7', (taskKind) => {
    const estimate = estimateSession({ table: DEFAULT_PRICE_TABLE, taskKind, model: latest, history: [] });
    expect(estimate.basis).toBe('price_table');
    expect(estimate.sampleSize).toBe(0);
    expect(estimate.lowMicros).toBeGreaterThanOrEqual(usd(4.5));
    expect(estimate.lowMicros).toBeLessThanOrEqual(usd(5.5));
    expect(estimate.highMicros).toBeGreaterThanOrEqual(usd(6.5));
    expect(estimate.highMicros).toBeLessThanOrEqual(usd(7.5));
  });

  it('larger tasks cost more, and a cheaper model costs less', () => {
    const bug = estimateSession({ table: DEFAULT_PRICE_TABLE, taskKind: 'bug_fix', model: latest });
    const feature = estimateSession({ table: DEFAULT_PRICE_TABLE, taskKind: 'feature', model: latest });
    const mini = estimateSession({ table: DEFAULT_PRICE_TABLE, taskKind: 'bug_fix', model: 'orion-4-mini' });
    expect(feature.lowMicros).toBeGreaterThan(bug.highMicros);
    expect(mini.highMicros).toBeLessThan(bug.lowMicros);
  });

  it('uses nearest-rank p20–p80 of the same kind and model once there are five sessions', () => {
    const costs = [9, 1, 5, 3, 7, 2, 8, 4, 6, 10].map(usd);
    const history: SettledSession[] = [
      ...costs.map((costMicros) => ({ taskKind: 'bug_fix' as const, model: latest, costMicros })),
      { taskKind: 'feature', model: latest, costMicros: usd(100) },
      { taskKind: 'bug_fix', model: 'orion-3', costMicros: usd(100) },
    ];
    const estimate = estimateSession({
      table: DEFAULT_PRICE_TABLE,
      taskKind: 'bug_fix',
      model: latest,
      history,
    });
    expect(estimate).toMatchObject({
      basis: 'history',
      sampleSize: 10,
      lowMicros: usd(2),
      highMicros: usd(8),
    });
  });

  it('falls back to the price table with fewer than five matching sessions', () => {
    const history = [1, 2, 3, 4].map((n) => ({
      taskKind: 'bug_fix' as const,
      model: latest,
      costMicros: usd(n),
    }));
    expect(
      estimateSession({ table: DEFAULT_PRICE_TABLE, taskKind: 'bug_fix', model: latest, history }).basis,
    ).toBe('price_table');
  });

  it('nearest rank picks an observed value', () => {
    expect(nearestRankPercentile([10, 20, 30, 40, 50], 20)).toBe(10);
    expect(nearestRankPercentile([10, 20, 30, 40, 50], 80)).toBe(40);
    expect(nearestRankPercentile([10, 20, 30, 40, 50, 60], 20)).toBe(20);
    expect(nearestRankPercentile([7], 0)).toBe(7);
  });

  it('refuses an unknown model', () => {
    expect(() =>
      estimateSession({ table: DEFAULT_PRICE_TABLE, taskKind: 'bug_fix', model: 'nope' }),
    ).toThrow();
  });
});
