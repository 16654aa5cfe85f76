import { describe, expect, it } from 'vitest';
import type { BenchContext } from './context.js';
import type { ResultRow } from './report.js';
import { DEFAULT_DATABASE_URL, type StoreKind } from './stores.js';
import { WORKLOADS } from './workloads/index.js';

/*
 * Smoke test: every workload at tiny size, once. It checks the harness produces sane numbers and
 * that the ledger invariants hold after each scenario — never timings (speed is judged by the
 * ratios in the bench output, not in a unit test on a shared machine).
 */

const stores: StoreKind[] =
  process.env.BENCH_DATABASE_URL === undefined ? ['pglite'] : ['pglite', 'postgres'];
const ctx: BenchContext = {
  quick: true,
  runs: 1,
  stores,
  databaseUrl: process.env.BENCH_DATABASE_URL ?? DEFAULT_DATABASE_URL,
  scale: 'tiny',
  log: () => undefined,
};

describe.each(WORKLOADS.map((w) => [w.name, w] as const))('workload %s at tiny size', (_name, workload) => {
  it('produces finite figures, and the invariants hold', async () => {
    const rows: ResultRow[] = await workload.run(ctx);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(stores).toContain(row.store);
      expect(Number.isFinite(row.opsPerSec) && row.opsPerSec > 0, `${row.workload} ops/s`).toBe(true);
      expect(Number.isFinite(row.p50Ms) && row.p50Ms >= 0, `${row.workload} p50`).toBe(true);
      expect(row.p99Ms, `${row.workload} p99 ≥ p50`).toBeGreaterThanOrEqual(row.p50Ms);
      expect(row.note ?? '', `${row.workload} / ${row.variant}`).not.toContain('INVARIANT VIOLATED');
    }
    for (const row of rows.filter((r) => r.workload.startsWith('exhaustion: accepts'))) {
      // The correctness checks of the exhaustion run (not its timing).
      expect(row.note, `${row.variant}`).toContain('burn order exact: true');
      expect(row.note, `${row.variant}`).toMatch(/µ: true/);
    }
  });
});
