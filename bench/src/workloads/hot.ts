import { newReservationId } from '@aicredits/api';
import { medianFigures } from '../aggregate.js';
import { type BenchContext, durationMs, type Workload } from '../context.js';
import { type CycleFigures, ESTIMATE_MICROS, reserveCaptureLoop } from '../cycle.js';
import { type MoneyDriver, naiveDriver, oursDriver } from '../drivers.js';
import { checkTouched, describeTally, type InvariantTally, mergeTallies } from '../invariants.js';
import type { ResultRow } from '../report.js';
import { MICROS, manyLots, seatLots, seatMember, seedLots, seedWorkspaces, threeLots } from '../seed.js';
import { openBenchStore } from '../stores.js';

const CONCURRENCY = 64;
/** Holds already open on the workspace in the variant that shows what many long tasks cost. */
const OPEN_HOLDS = 1_000;
/** Extra open lots in the variant that shows what many lots cost. */
const OPEN_LOTS = 1_000;
/** Members with a seat lot each in the per-seat variant; every task is one member's. */
const SEATS = 1_000;

/** The informational variants of ours: what a workspace carries besides its three lots. */
const LOADED_VARIANTS = [
  {
    key: 'open',
    openHolds: OPEN_HOLDS,
    openLots: 0,
    seats: 0,
    label: `${OPEN_HOLDS.toLocaleString('en-US')} holds already open`,
    without: 'without open holds',
  },
  {
    key: 'lots',
    openHolds: 0,
    openLots: OPEN_LOTS,
    seats: 0,
    label: `${OPEN_LOTS.toLocaleString('en-US')} more lots open`,
    without: 'with three lots',
  },
  {
    key: 'seats',
    openHolds: 0,
    openLots: 0,
    seats: SEATS,
    label: `${SEATS.toLocaleString('en-US')} seat lots, each task a member's`,
    without: 'with three lots and pooled work',
  },
] as const;

/**
 * Hot workspace: one workspace with three lots, 64 concurrent reserve → capture loops. The naive
 * baseline serialises on the workspace row; the group-commit queue batches what piles up.
 */
export const hotWorkload: Workload = {
  name: 'hot',
  async run(ctx) {
    const rows: ResultRow[] = [];
    for (const kind of ctx.stores) {
      ctx.log(`hot workspace on ${kind}`);
      const bench = await openBenchStore(kind, 'hot', { databaseUrl: ctx.databaseUrl });
      try {
        const drivers = [oursDriver(bench.store.submit), naiveDriver(bench.store.db)];
        const figures = new Map<string, CycleFigures[]>();
        const tallies = new Map<string, InvariantTally[]>();
        let n = 0;
        const once = async (
          driver: MoneyDriver,
          run: number,
          ms: number,
          load: { openHolds: number; openLots: number; seats: number } = {
            openHolds: 0,
            openLots: 0,
            seats: 0,
          },
        ) => {
          const { openHolds, openLots, seats } = load;
          n += 1;
          const prefix = `hot_${driver.variant}${openHolds > 0 ? '_open' : ''}${openLots > 0 ? '_lots' : ''}${seats > 0 ? '_seats' : ''}_${run}_`;
          const now = Date.now();
          await seedWorkspaces(bench.store.db, { prefix, count: 1, now, maxDeficitMicros: 5 * MICROS });
          await seedLots(
            bench.store.db,
            prefix,
            1,
            [
              ...threeLots(now, 1_000_000 * MICROS),
              ...manyLots(now, openLots, 1_000 * MICROS),
              ...seatLots(now, seats, 20 * MICROS),
            ],
            now,
          );
          const ws = `${prefix}1`;
          // Long tasks still running: their holds stay open for the whole run.
          for (let i = 0; i < openHolds; i += CONCURRENCY) {
            const opened = await Promise.all(
              Array.from({ length: Math.min(CONCURRENCY, openHolds - i) }, (_, k) =>
                driver.reserve(ws, {
                  reservationId: `open_${n}_${i + k}`,
                  amountMicros: ESTIMATE_MICROS,
                  ttlSeconds: 3_600,
                }),
              ),
            );
            if (!opened.every(Boolean)) throw new Error('an open hold was refused');
          }
          return reserveCaptureLoop({
            driver,
            concurrency: ctx.scale === 'tiny' ? 8 : CONCURRENCY,
            durationMs: ms,
            tag: `r${n}`,
            newReservationId,
            pickWorkspace: () => ws,
            ...(seats > 0
              ? { pickMember: (worker: number, i: number) => seatMember((worker * 7 + i * 61) % seats) }
              : {}),
          });
        };
        // Warm up the JIT, the pool and the plan caches before anything is measured.
        for (const driver of drivers) await once(driver, -1, durationMs(ctx, 500) / 2);
        for (let run = 0; run < ctx.runs; run += 1) {
          // Alternate which variant goes first, so drift on a shared machine hits both alike.
          const order = run % 2 === 0 ? drivers : [...drivers].reverse();
          for (const driver of order) {
            const f = await once(driver, run, durationMs(ctx, 4_000));
            ctx.log(
              `  ${kind} ${driver.variant} run ${run + 1}: ${f.opsPerSec.toFixed(0)} cycles/s, reserve p50 ${f.p50Ms.toFixed(2)} ms p99 ${f.p99Ms.toFixed(2)} ms`,
            );
            figures.set(driver.variant, [...(figures.get(driver.variant) ?? []), f]);
            const tally = await checkTouched(bench.store.db, f.touched);
            tallies.set(driver.variant, [...(tallies.get(driver.variant) ?? []), tally]);
          }
          if (ctx.scale !== 'tiny') {
            const ours = drivers[0] as MoneyDriver;
            for (const v of LOADED_VARIANTS) {
              const f = await once(ours, run, durationMs(ctx, 4_000), v);
              ctx.log(
                `  ${kind} ours with ${v.label} run ${run + 1}: ${f.opsPerSec.toFixed(0)} cycles/s, reserve p50 ${f.p50Ms.toFixed(2)} ms p99 ${f.p99Ms.toFixed(2)} ms`,
              );
              figures.set(v.key, [...(figures.get(v.key) ?? []), f]);
              tallies.set(v.key, [
                ...(tallies.get(v.key) ?? []),
                await checkTouched(bench.store.db, f.touched),
              ]);
            }
          }
        }
        rows.push(...hotRows(ctx, kind, figures, tallies));
      } finally {
        await bench.close();
      }
    }
    return rows;
  },
};

function hotRows(
  ctx: BenchContext,
  kind: 'postgres' | 'pglite',
  figures: Map<string, CycleFigures[]>,
  tallies: Map<string, InvariantTally[]>,
): ResultRow[] {
  const oursTally = mergeTallies(tallies.get('ours') ?? []);
  const naiveTally = mergeTallies(tallies.get('naive') ?? []);
  const ours = medianFigures(figures.get('ours') ?? []);
  const naive = medianFigures(figures.get('naive') ?? []);
  const ratio = ours.opsPerSec / naive.opsPerSec;
  const durable = kind === 'postgres';
  const label = `hot workspace (${ctx.scale === 'tiny' ? 8 : CONCURRENCY} conc.)`;
  const loadedRows: ResultRow[] = LOADED_VARIANTS.flatMap((v) => {
    const runs = figures.get(v.key) ?? [];
    if (runs.length === 0) return [];
    const f = medianFigures(runs);
    const tally = mergeTallies(tallies.get(v.key) ?? []);
    return [
      {
        workload: label,
        store: kind,
        variant: `ours, ${v.label}`,
        ...f,
        ratio: f.opsPerSec / naive.opsPerSec,
        target: '(informational)',
        pass: tally.ok ? null : false,
        note: `keeps ${((f.opsPerSec / ours.opsPerSec) * 100).toFixed(0)} % of the throughput ${v.without}; ${describeTally(tally)}`,
      },
    ];
  });
  return [
    {
      workload: label,
      store: kind,
      variant: 'ours',
      ...ours,
      ratio,
      target: durable ? '≥5× naive; reserve p99 ≤ 10 ms' : '(PostgreSQL target; informational)',
      pass: durable ? ratio >= 5 && ours.p99Ms <= 10 && oursTally.ok : oursTally.ok ? null : false,
      note: describeTally(oursTally),
    },
    ...loadedRows,
    {
      workload: label,
      store: kind,
      variant: 'naive',
      ...naive,
      ratio: 1,
      target: 'baseline',
      pass: null,
      note: describeTally(naiveTally),
    },
  ];
}
