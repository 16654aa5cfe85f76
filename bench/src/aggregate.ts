import type { RunFigures } from './report.js';
import { median, summarize } from './stats.js';

/** Medians of each figure over the runs. */
export function medianFigures(runs: readonly RunFigures[]): RunFigures {
  return {
    opsPerSec: median(runs.map((r) => r.opsPerSec)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
  };
}

/** Figures of sequential samples (ms each): throughput is one caller's, 1000 / mean latency. */
export function sequentialFigures(samples: readonly number[]): RunFigures {
  const meanMs = samples.reduce((a, b) => a + b, 0) / samples.length;
  return { opsPerSec: 1000 / meanMs, ...summarize(samples) };
}
