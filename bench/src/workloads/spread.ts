import { newReservationId } from '@aicredits/api';
import { medianFigures } from '../aggregate.js';
import { type BenchContext, durationMs, type Workload } from '../context.js';
import { type CycleFigures, reserveCaptureLoop } from '../cycle.js';
import { type MoneyDriver, naiveDriver, oursDriver } from '../drivers.js';
import { checkTouched, describeTally, type InvariantTally, mergeTallies } from '../invariants.js';
import type { ResultRow } from '../report.js';
import { MICROS, seedLots, seedWorkspaces } from '../seed.js';
import { seededRandom } from '../stats.js';
import { openBenchStore, type StoreKind } from '../stores.js';

/**
 * Spread: traffic over 10k workspaces, so batches are mostly of one operation. Group commit must
 * not cost anything here: at 64 clients it should match the naive path, and at one client its
 * latency must stay within 1.5× (an idle workspace's operation starts at once, no batching wait).
 */
export const spreadWorkload: Workload = {
  name: 'spread',
  async run(ctx) {
    const rows: ResultRow[] = [];
    const count = ctx.scale === 'tiny' ? 200 : 10_000;
    for (const kind of ctx.stores) {
      ctx.log(`spread (${count} workspaces) on ${kind}`);
      const bench = await openBenchStore(kind, 'spread', { databaseUrl: ctx.databaseUrl });
      try {
        const now = Date.now();
        const drivers = [oursDriver(bench.store.submit), naiveDriver(bench.store.db)];
        for (const driver of drivers) {
          const prefix = `spread_${driver.variant}_`;
          await seedWorkspaces(bench.store.db, { prefix, count, now, maxDeficitMicros: 5 * MICROS });
          await seedLots(
            bench.store.db,
            prefix,
            count,
            [{ suffix: 'purchased', kind: 'purchased', amountMicros: 1_000 * MICROS, expiresAt: null }],
            now,
          );
        }
        let n = 0;
        const once = (driver: MoneyDriver, concurrency: number, ms: number) => {
          n += 1;
          const random = seededRandom(n);
          const prefix = `spread_${driver.variant}_`;
          return reserveCaptureLoop({
            driver,
            concurrency,
            durationMs: ms,
            tag: `r${n}`,
            newReservationId,
            pickWorkspace: () => `${prefix}${1 + Math.floor(random() * count)}`,
          });
        };
        const many = ctx.scale === 'tiny' ? 8 : 64;
        for (const driver of drivers) await once(driver, many, durationMs(ctx, 500) / 2);
        const figures = new Map<string, CycleFigures[]>();
        const tallies = new Map<string, InvariantTally[]>();
        for (let run = 0; run < ctx.runs; run += 1) {
          const order = run % 2 === 0 ? drivers : [...drivers].reverse();
          for (const concurrency of [many, 1]) {
            for (const driver of order) {
              const f = await once(driver, concurrency, durationMs(ctx, concurrency === 1 ? 2_000 : 3_000));
              ctx.log(
                `  ${kind} ${driver.variant} ×${concurrency} run ${run + 1}: ${f.opsPerSec.toFixed(0)} cycles/s, reserve p50 ${f.p50Ms.toFixed(2)} ms p99 ${f.p99Ms.toFixed(2)} ms`,
              );
              const key = `${driver.variant}:${concurrency}`;
              figures.set(key, [...(figures.get(key) ?? []), f]);
              const tally = await checkTouched(bench.store.db, f.touched);
              tallies.set(driver.variant, [...(tallies.get(driver.variant) ?? []), tally]);
            }
          }
        }
        rows.push(...spreadRows(ctx, kind, many, figures, tallies));
      } finally {
        await bench.close();
      }
    }
    return rows;
  },
};

function spreadRows(
  _ctx: BenchContext,
  kind: StoreKind,
  many: number,
  figures: Map<string, CycleFigures[]>,
  tallies: Map<string, InvariantTally[]>,
): ResultRow[] {
  const rows: ResultRow[] = [];
  const oursTally = mergeTallies(tallies.get('ours') ?? []);
  const naiveTally = mergeTallies(tallies.get('naive') ?? []);
  for (const concurrency of [many, 1]) {
    const ours = medianFigures(figures.get(`ours:${concurrency}`) ?? []);
    const naive = medianFigures(figures.get(`naive:${concurrency}`) ?? []);
    const ratio = ours.opsPerSec / naive.opsPerSec;
    const workload = `spread (${concurrency === 1 ? '1 client' : `${concurrency} conc.`})`;
    const latencyRatio = ours.p50Ms / naive.p50Ms;
    rows.push(
      concurrency === 1
        ? {
            workload,
            store: kind,
            variant: 'ours',
            ...ours,
            ratio,
            target: 'reserve p50 ≤ 1.5× naive',
            pass: latencyRatio <= 1.5 && oursTally.ok,
            note: `reserve p50 is ${latencyRatio.toFixed(2)}× naive's`,
          }
        : {
            workload,
            store: kind,
            variant: 'ours',
            ...ours,
            ratio,
            target: '≥1× naive',
            pass: ratio >= 1 && oursTally.ok,
            note: describeTally(oursTally),
          },
      {
        workload,
        store: kind,
        variant: 'naive',
        ...naive,
        ratio: 1,
        target: 'baseline',
        pass: null,
        ...(concurrency === 1 ? {} : { note: describeTally(naiveTally) }),
      },
    );
  }
  return rows;
}
