import type { ResultRow } from './report.js';
import type { StoreKind } from './stores.js';

export interface BenchContext {
  /** CI-sized: shorter runs and smaller data sets. */
  quick: boolean;
  /** Repetitions per measurement; the table shows medians. */
  runs: number;
  stores: readonly StoreKind[];
  databaseUrl: string;
  /** Scales data sets down (the smoke test runs everything tiny). */
  scale: 'full' | 'quick' | 'tiny';
  log(message: string): void;
}

export interface Workload {
  name: string;
  /** The stores it runs on when not all of them (embedded is PGlite by definition). */
  onlyStores?: readonly StoreKind[];
  run(ctx: BenchContext): Promise<ResultRow[]>;
}

/** Measurement length per run, by size. */
export function durationMs(ctx: BenchContext, full: number): number {
  if (ctx.scale === 'tiny') return Math.min(full, 300);
  if (ctx.scale === 'quick') return Math.min(full, Math.max(500, full / 3));
  return full;
}
