import { costOfUsage, findModelPrice } from './prices.js';
import type { Estimate, Micros, PriceTable, SettledSession, TaskKind, Usage } from './types.js';

/** A low–high range of one usage dimension. */
export interface UsageRange {
  readonly low: number;
  readonly high: number;
}

export interface TaskProfile {
  readonly inputTokens: UsageRange;
  readonly outputTokens: UsageRange;
  readonly cachedInputTokens: UsageRange;
  readonly sandboxSeconds: UsageRange;
}

/**
 * Typical usage per kind of Coding Session task. Calibrated so a bug fix or short task on the
 * default model costs about $5–$7; larger and multi-turn work spreads wider.
 */
export const TASK_PROFILES: Readonly<Record<TaskKind, TaskProfile>> = Object.freeze({
  bug_fix: {
    inputTokens: { low: 1_100_000, high: 1_500_000 },
    outputTokens: { low: 60_000, high: 80_000 },
    cachedInputTokens: { low: 3_000_000, high: 3_500_000 },
    sandboxSeconds: { low: 1_200, high: 2_400 },
  },
  short_task: {
    inputTokens: { low: 1_100_000, high: 1_450_000 },
    outputTokens: { low: 65_000, high: 90_000 },
    cachedInputTokens: { low: 2_800_000, high: 3_400_000 },
    sandboxSeconds: { low: 900, high: 1_800 },
  },
  feature: {
    inputTokens: { low: 2_500_000, high: 4_500_000 },
    outputTokens: { low: 150_000, high: 300_000 },
    cachedInputTokens: { low: 6_000_000, high: 12_000_000 },
    sandboxSeconds: { low: 2_400, high: 5_400 },
  },
  refactor: {
    inputTokens: { low: 3_000_000, high: 6_000_000 },
    outputTokens: { low: 200_000, high: 450_000 },
    cachedInputTokens: { low: 8_000_000, high: 16_000_000 },
    sandboxSeconds: { low: 3_600, high: 7_200 },
  },
  multi_turn: {
    inputTokens: { low: 1_500_000, high: 10_000_000 },
    outputTokens: { low: 80_000, high: 700_000 },
    cachedInputTokens: { low: 4_000_000, high: 30_000_000 },
    sandboxSeconds: { low: 1_800, high: 10_800 },
  },
});

/** Sessions of the same kind and model needed before the workspace's own history is trusted. */
export const MIN_HISTORY_SAMPLES = 5;

/** Nearest-rank percentile of an ascending list: the value at rank ⌈p/100 · n⌉. */
export function nearestRankPercentile(sortedAscending: readonly Micros[], percentile: number): Micros {
  if (sortedAscending.length === 0) throw new RangeError('A percentile needs at least one value.');
  const rank = Math.max(1, Math.ceil((percentile / 100) * sortedAscending.length));
  return sortedAscending[Math.min(rank, sortedAscending.length) - 1] as Micros;
}

function usageAt(model: string, profile: TaskProfile, end: 'low' | 'high'): Usage {
  return {
    model,
    inputTokens: profile.inputTokens[end],
    outputTokens: profile.outputTokens[end],
    cachedInputTokens: profile.cachedInputTokens[end],
    sandboxSeconds: profile.sandboxSeconds[end],
  };
}

export interface EstimateInput {
  readonly table: PriceTable;
  readonly taskKind: TaskKind;
  readonly model: string;
  readonly history?: readonly SettledSession[];
}

/**
 * The expected cost range of a session: the p20–p80 of the workspace's own settled sessions of
 * the same kind and model when there are enough, else the price table applied to the profile.
 */
export function estimateSession(input: EstimateInput): Estimate {
  const model = findModelPrice(input.table, input.model).model;
  const samples = (input.history ?? [])
    .filter((session) => session.taskKind === input.taskKind && session.model === model)
    .map((session) => session.costMicros)
    .sort((a, b) => a - b);
  if (samples.length >= MIN_HISTORY_SAMPLES) {
    return Object.freeze({
      model,
      taskKind: input.taskKind,
      lowMicros: nearestRankPercentile(samples, 20),
      highMicros: nearestRankPercentile(samples, 80),
      basis: 'history',
      sampleSize: samples.length,
    });
  }
  const profile = TASK_PROFILES[input.taskKind];
  return Object.freeze({
    model,
    taskKind: input.taskKind,
    lowMicros: costOfUsage(usageAt(model, profile, 'low'), input.table).costMicros,
    highMicros: costOfUsage(usageAt(model, profile, 'high'), input.table).costMicros,
    basis: 'price_table',
    sampleSize: 0,
  });
}
