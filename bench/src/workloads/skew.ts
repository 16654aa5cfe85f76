import { newReservationId } from '@aicredits/api';
import { medianFigures } from '../aggregate.js';
import { durationMs, type Workload } from '../context.js';
import { type CycleFigures, reserveCaptureLoop } from '../cycle.js';
import { type MoneyDriver, naiveDriver, oursDriver } from '../drivers.js';
import { checkTouched, describeTally, type InvariantTally, mergeTallies } from '../invariants.js';
import type { ResultRow } from '../report.js';
import { MICROS, seedLots, seedWorkspaces } from '../seed.js';
import { seededRandom, zipfSampler } from '../stats.js';
import { openBenchStore } from '../stores.js';

const EXPONENTS = [1.0, 2.0] as const;

/**
 * Skew: 100k workspaces, popularity Zipf-distributed. At s = 2.0 about 60 % of the traffic hits
 * one workspace; throughput there must stay within 80 % of s = 1.0, i.e. a hot workspace must
 * not drag the rest down.
 */
export const skewWorkload: Workload = {
  name: 'skew',
  async run(ctx) {
    const rows: ResultRow[] = [];
    const count = ctx.scale === 'tiny' ? 1_000 : ctx.scale === 'quick' ? 20_000 : 100_000;
    for (const kind of ctx.stores) {
      ctx.log(`skew (${count} workspaces) on ${kind}`);
      const bench = await openBenchStore(kind, 'skew', { databaseUrl: ctx.databaseUrl });
      try {
        const now = Date.now();
        const drivers = [oursDriver(bench.store.submit), naiveDriver(bench.store.db)];
        const seeded = performance.now();
        for (const driver of drivers) {
          const prefix = `skew_${driver.variant}_`;
          await seedWorkspaces(bench.store.db, { prefix, count, now, maxDeficitMicros: 5 * MICROS });
          await seedLots(
            bench.store.db,
            prefix,
            count,
            [{ suffix: 'purchased', kind: 'purchased', amountMicros: 1_000_000 * MICROS, expiresAt: null }],
            now,
          );
        }
        ctx.log(`  seeded ${2 * count} workspaces in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);
        let n = 0;
        const concurrency = ctx.scale === 'tiny' ? 8 : 64;
        const once = (driver: MoneyDriver, s: number, ms: number) => {
          n += 1;
          const rank = zipfSampler(count, s, seededRandom(n));
          const prefix = `skew_${driver.variant}_`;
          return reserveCaptureLoop({
            driver,
            concurrency,
            durationMs: ms,
            tag: `r${n}`,
            newReservationId,
            pickWorkspace: () => `${prefix}${1 + rank()}`,
          });
        };
        for (const driver of drivers) await once(driver, 1.0, durationMs(ctx, 500) / 2);
        const figures = new Map<string, CycleFigures[]>();
        const tallies = new Map<string, InvariantTally[]>();
        for (let run = 0; run < ctx.runs; run += 1) {
          const order = run % 2 === 0 ? drivers : [...drivers].reverse();
          for (const s of run % 2 === 0 ? EXPONENTS : [...EXPONENTS].reverse()) {
            for (const driver of order) {
              const f = await once(driver, s, durationMs(ctx, 3_000));
              ctx.log(
                `  ${kind} ${driver.variant} s=${s.toFixed(1)} run ${run + 1}: ${f.opsPerSec.toFixed(0)} cycles/s, reserve p50 ${f.p50Ms.toFixed(2)} ms p99 ${f.p99Ms.toFixed(2)} ms`,
              );
              const key = `${driver.variant}:${s}`;
              figures.set(key, [...(figures.get(key) ?? []), f]);
              const tally = await checkTouched(bench.store.db, f.touched);
              tallies.set(driver.variant, [...(tallies.get(driver.variant) ?? []), tally]);
            }
          }
        }
        const m = (key: string) => medianFigures(figures.get(key) ?? []);
        const ours1 = m('ours:1');
        const ours2 = m('ours:2');
        const naive1 = m('naive:1');
        const naive2 = m('naive:2');
        const held = ours2.opsPerSec / ours1.opsPerSec;
        const oursTally = mergeTallies(tallies.get('ours') ?? []);
        const naiveTally = mergeTallies(tallies.get('naive') ?? []);
        const naiveHeld = naive2.opsPerSec / naive1.opsPerSec;
        rows.push(
          {
            workload: 'skew Zipf s=1.0',
            store: kind,
            variant: 'ours',
            ...ours1,
            ratio: ours1.opsPerSec / naive1.opsPerSec,
            target: '(reference for s=2.0)',
            pass: oursTally.ok ? null : false,
            note: describeTally(oursTally),
          },
          {
            workload: 'skew Zipf s=1.0',
            store: kind,
            variant: 'naive',
            ...naive1,
            ratio: 1,
            target: 'baseline',
            pass: null,
            note: describeTally(naiveTally),
          },
          {
            workload: 'skew Zipf s=2.0',
            store: kind,
            variant: 'ours',
            ...ours2,
            ratio: ours2.opsPerSec / naive2.opsPerSec,
            target: 'ops/s ≥ 0.8× s=1.0',
            pass: held >= 0.8 && oursTally.ok,
            note: `s=2.0 keeps ${(held * 100).toFixed(0)} % of s=1.0 throughput (naive keeps ${(naiveHeld * 100).toFixed(0)} %)`,
          },
          {
            workload: 'skew Zipf s=2.0',
            store: kind,
            variant: 'naive',
            ...naive2,
            ratio: 1,
            target: 'baseline',
            pass: null,
          },
        );
      } finally {
        await bench.close();
      }
    }
    return rows;
  },
};
