import type { RunFigures } from './report.js';
import { median } from './stats.js';

/** Medians of each figure over the runs. */
export function medianFigures(runs: readonly RunFigures[]): RunFigures {
  return {
    opsPerSec: median(runs.map((r) => r.opsPerSec)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
  };
}
