import { setTimeout as sleep } from 'node:timers/promises';
import { checkBurnOrder, checkOvershoot } from '../checks.js';
import type { Workload } from '../context.js';
import { type MoneyDriver, naiveDriver, oursDriver } from '../drivers.js';
import { checkTouched, describeTally, type InvariantTally, mergeTallies } from '../invariants.js';
import { timed } from '../load.js';
import type { ResultRow } from '../report.js';
import { seedLots, seedWorkspaces } from '../seed.js';
import { median, summarize } from '../stats.js';
import { type BenchStore, openBenchStore } from '../stores.js';

const ESTIMATE = 10_000;
const MAX_DEFICIT = 2 * ESTIMATE;
const TTL_SECONDS = 30;
const PROBES = 20;

interface ExhaustionRun {
  acceptMs: number[];
  refuseMs: number[];
  accepted: number;
  phaseOpsPerSec: number;
  expiredMidRun: boolean;
  withinBound: boolean;
  deficitMicros: number;
  boundMicros: number;
  burnOrderExact: boolean;
  burnDetail: string;
  invariants: InvariantTally;
}

/**
 * Exhaustion: the backing balance covers exactly N tasks at their estimate; actuals land 0.5×–1.5×
 * the estimate; a promotional lot (burned first) expires while the run is going. Checks the
 * documented overshoot bound, that every charge drew exactly what burn order gives, and that
 * refusals answer faster than accepts.
 */
export const exhaustionWorkload: Workload = {
  name: 'exhaustion',
  async run(ctx) {
    const rows: ResultRow[] = [];
    const tasks = ctx.scale === 'tiny' ? 30 : ctx.scale === 'quick' ? 100 : 300;
    const concurrency = ctx.scale === 'tiny' ? 8 : 16;
    for (const kind of ctx.stores) {
      ctx.log(`exhaustion (${tasks} tasks) on ${kind}`);
      const bench = await openBenchStore(kind, 'exhaustion', { databaseUrl: ctx.databaseUrl });
      try {
        const drivers = [oursDriver(bench.store.submit), naiveDriver(bench.store.db)];
        const runs = new Map<string, ExhaustionRun[]>();
        let n = 0;
        for (let run = 0; run < ctx.runs; run += 1) {
          const order = run % 2 === 0 ? drivers : [...drivers].reverse();
          for (const driver of order) {
            n += 1;
            const r = await exhaust(bench, driver, { tasks, concurrency, tag: `x${n}` });
            ctx.log(
              `  ${kind} ${driver.variant} run ${run + 1}: ${r.accepted} accepted, deficit ${r.deficitMicros} ≤ ${r.boundMicros}: ${r.withinBound}, burn order ${r.burnDetail}, accept p50 ${median(r.acceptMs).toFixed(2)} ms, refuse p50 ${median(r.refuseMs).toFixed(2)} ms, expired mid-run ${r.expiredMidRun}`,
            );
            runs.set(driver.variant, [...(runs.get(driver.variant) ?? []), r]);
          }
        }
        for (const driver of drivers) {
          const list = runs.get(driver.variant) ?? [];
          const accept = list.map((r) => summarize(r.acceptMs));
          const refuse = list.map((r) => summarize(r.refuseMs));
          const acceptP50 = median(accept.map((a) => a.p50Ms));
          const refuseP50 = median(refuse.map((a) => a.p50Ms));
          const bound = list.every((r) => r.withinBound);
          const burn = list.every((r) => r.burnOrderExact);
          const mid = list.every((r) => r.expiredMidRun);
          const tally = mergeTallies(list.map((r) => r.invariants));
          const ours = driver.variant === 'ours';
          rows.push(
            {
              workload: `exhaustion: accepts (N=${tasks})`,
              store: kind,
              variant: driver.variant,
              opsPerSec: median(list.map((r) => r.phaseOpsPerSec)),
              p50Ms: acceptP50,
              p99Ms: median(accept.map((a) => a.p99Ms)),
              ratio: null,
              target: 'overshoot ≤ bound; burn order exact',
              pass: ours ? bound && burn && mid && tally.ok : null,
              note: `${describeTally(tally)}; accepted ${list.map((r) => r.accepted).join('/')} tasks; deficit ${list.map((r) => r.deficitMicros).join('/')} µ ≤ bound ${list.map((r) => r.boundMicros).join('/')} µ: ${bound}; burn order exact: ${burn}; lot expired mid-run: ${mid}`,
            },
            {
              workload: 'exhaustion: refusals',
              store: kind,
              variant: driver.variant,
              opsPerSec: 1000 / refuseP50,
              p50Ms: refuseP50,
              p99Ms: median(refuse.map((a) => a.p99Ms)),
              ratio: null,
              target: 'refusal p50 < accept p50',
              pass: ours ? refuseP50 < acceptP50 : null,
              note: `refusals answer in ${((refuseP50 / acceptP50) * 100).toFixed(0)} % of an accept's p50`,
            },
          );
        }
      } finally {
        await bench.close();
      }
    }
    return rows;
  },
};

async function exhaust(
  bench: BenchStore,
  driver: MoneyDriver,
  options: { tasks: number; concurrency: number; tag: string },
): Promise<ExhaustionRun> {
  const db = bench.store.db;
  const prefix = `exh_${options.tag}_`;
  const ws = `${prefix}1`;
  const now = Date.now();
  await seedWorkspaces(db, { prefix, count: 1, now, maxDeficitMicros: MAX_DEFICIT });
  // The purchased lot backs exactly N tasks at their estimate. The promotional lot is drawn first
  // but expires before any hold lapses, so admission never counts it: it only shifts which lot
  // pays, and its remainder must be forfeited at the exact instant, mid-run.
  await seedLots(
    db,
    prefix,
    1,
    [
      {
        suffix: 'purchased',
        kind: 'purchased',
        amountMicros: options.tasks * ESTIMATE,
        expiresAt: now + 86_400_000,
      },
    ],
    now,
  );
  const acceptMs: number[] = [];
  const refuseMs: number[] = [];
  let accepted = 0;
  let i = 0;
  const task = async (worker: number, step: number, workMs: number): Promise<boolean> => {
    i += 1;
    const reservationId = `res_${options.tag}_${worker}_${step}_${i}`;
    const { value: ok, ms } = await timed(() =>
      driver.reserve(ws, { reservationId, amountMicros: ESTIMATE, ttlSeconds: TTL_SECONDS }),
    );
    (ok ? acceptMs : refuseMs).push(ms);
    if (!ok) return false;
    accepted += 1;
    if (workMs > 0) await sleep(workMs);
    // Actuals 0.5×–1.5× the estimate: some captures overrun their hold, some release part of it.
    const actual = ESTIMATE / 2 + (((worker + 1) * 7_919 + step * 104_729) % (ESTIMATE + 1));
    await driver.capture(ws, { reservationId, amountMicros: actual });
    return true;
  };
  // Accept latency, one client, before anything runs short.
  const probes = Math.min(PROBES, Math.floor(options.tasks / 4));
  for (let k = 0; k < probes; k += 1) await task(0, k, 0);
  // The promotional lot must expire while the run is going, whatever the driver's speed: a
  // quarter of the way through the run the probes predict (each task: a reserve, 2 ms of work, a
  // capture; `concurrency` at a time).
  const perTaskMs = 2 + 2 * median(acceptMs);
  const expectedMs = (options.tasks / options.concurrency) * perTaskMs;
  const started = Date.now();
  const expiresAt = started + Math.max(5, Math.round(expectedMs / 4));
  await seedLots(
    db,
    prefix,
    1,
    [{ suffix: 'promo', kind: 'promotional', amountMicros: 20 * ESTIMATE, expiresAt, grantedAgoMs: 0 }],
    started,
  );
  const phaseStarted = performance.now();
  const acceptedBefore = accepted;
  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, worker) => {
      let refusedInRow = 0;
      for (let step = 0; step < 4 * options.tasks && refusedInRow < 3; step += 1) {
        refusedInRow = (await task(worker + 1, step, 2)) ? 0 : refusedInRow + 1;
      }
    }),
  );
  const phaseMs = performance.now() - phaseStarted;
  const expiredMidRun = Date.now() > expiresAt;
  refuseMs.length = 0;
  // Refusal latency, one client, once credits are gone.
  for (let k = 0; k < PROBES; k += 1) await task(0, 10_000 + k, 0);
  await bench.store.queue.idle();
  const overshoot = await checkOvershoot(db, ws);
  const burn = await checkBurnOrder(db, ws);
  const invariants = await checkTouched(db, new Map([[ws, 1]]));
  return {
    acceptMs: acceptMs.slice(0, probes),
    refuseMs,
    accepted,
    phaseOpsPerSec: ((accepted - acceptedBefore) * 1000) / phaseMs,
    expiredMidRun,
    withinBound: overshoot.withinBound,
    deficitMicros: overshoot.deficitMicros,
    boundMicros: overshoot.boundMicros,
    burnOrderExact: burn.mismatches === 0 && burn.charges > 0,
    burnDetail: burn.mismatches === 0 ? `exact over ${burn.charges} charges` : (burn.firstMismatch ?? ''),
    invariants,
  };
}
