import type { Queryable } from '@aicredits/api';
import { createClient } from '@aicredits/sdk';
import { medianFigures, sequentialFigures } from '../aggregate.js';
import { startCallerThread } from '../caller-thread.js';
import type { BenchContext, Workload } from '../context.js';
import { timed, type WorkspaceRead, workspaceReads } from '../load.js';
import type { ResultRow, RunFigures } from '../report.js';
import { MICROS, seedCharges, seedLots, seedWorkspaces, threeLots } from '../seed.js';
import { PLATFORM_KEY, startBenchService } from '../service.js';
import type { StoreKind } from '../stores.js';

const DAY_MS = 86_400_000;

/**
 * Reads: the balance and the 30-day usage report of a workspace with 1M stored charges, over HTTP
 * against the real service from a caller in a worker thread (a caller on the service's own thread
 * is a reference). The naive column runs the straightforward SQL directly (balance summed from
 * lots and holds, the report grouped from the usage detail rows), without HTTP.
 */
export const readsWorkload: Workload = {
  name: 'reads',
  async run(ctx) {
    const rows: ResultRow[] = [];
    const balanceRequests = ctx.scale === 'tiny' ? 20 : ctx.scale === 'quick' ? 100 : 300;
    const reportRequests = ctx.scale === 'tiny' ? 3 : ctx.scale === 'quick' ? 5 : 10;
    for (const kind of ctx.stores) {
      // PGlite (WASM, one thread) takes minutes to load and index 1M rows on this machine, and the
      // naive report then scans them for seconds per request: it gets 200k, PostgreSQL the full 1M.
      const charges =
        ctx.scale === 'tiny'
          ? 2_000
          : ctx.scale === 'quick'
            ? 50_000
            : kind === 'pglite'
              ? 200_000
              : 1_000_000;
      ctx.log(`reads (${charges} charges) on ${kind}`);
      const bench = await startBenchService(kind, 'reads', ctx.databaseUrl);
      const cleanups: (() => Promise<void>)[] = [];
      try {
        const db = bench.service.services.db;
        const now = Date.now();
        const ws = 'reads_1';
        const seeded = performance.now();
        await seedWorkspaces(db, { prefix: 'reads_', count: 1, now, maxDeficitMicros: 5 * MICROS });
        await seedLots(db, 'reads_', 1, threeLots(now, 1_000 * MICROS), now);
        // 31 days back, so the 30-day window holds ~97 % of them.
        await seedCharges(db, ws, charges, now, 31);
        await db.query('ANALYZE');
        ctx.log(`  seeded ${charges} charges in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);
        // Default retries, as a dashboard runs it: a keep-alive socket the server closed while idle
        // fails once and the GET is sent again.
        const client = createClient({ baseUrl: bench.service.url, apiKey: PLATFORM_KEY });
        const reads = workspaceReads(client, ws);
        const report = await reads.report();
        if (ctx.scale !== 'tiny' && report.charges < charges * 0.9) {
          throw new Error(`the 30-day report counted ${report.charges} of ${charges} charges`);
        }
        const measure = async (fn: () => Promise<unknown>, count: number): Promise<RunFigures> => {
          for (let k = 0; k < Math.min(20, count); k += 1) await fn();
          const samples: number[] = [];
          for (let k = 0; k < count; k += 1) samples.push((await timed(fn)).ms);
          return sequentialFigures(samples);
        };
        // The callers as a dashboard or a status bar are: elsewhere. Their HTTP client's work and
        // garbage stay off the service's thread; the caller on the service's thread is a reference.
        const callers = startCallerThread({
          baseUrl: bench.service.url,
          apiKey: PLATFORM_KEY,
          concurrency: 1,
          workspacePrefix: 'reads_',
        });
        cleanups.push(() => callers.close());
        const measureFromThread = async (read: WorkspaceRead, count: number): Promise<RunFigures> => {
          await callers.reads(read, ws, Math.min(20, count));
          return sequentialFigures(await callers.reads(read, ws, count));
        };
        const figures = new Map<string, RunFigures[]>();
        const add = (key: string, f: RunFigures) => figures.set(key, [...(figures.get(key) ?? []), f]);
        for (let run = 0; run < ctx.runs; run += 1) {
          add('balance:ours', await measureFromThread('balance', balanceRequests));
          add('balance:same-thread', await measure(reads.balance, balanceRequests));
          add('balance:naive', await measure(() => naiveBalance(db, ws), balanceRequests));
          add('report:ours', await measureFromThread('report', reportRequests));
          add('report:naive', await measure(() => naiveReport(db, ws), reportRequests));
          ctx.log(
            `  ${kind} run ${run + 1}: balance p99 ${figures.get('balance:ours')?.at(-1)?.p99Ms.toFixed(2)} ms, report p50 ${figures.get('report:ours')?.at(-1)?.p50Ms.toFixed(1)} ms p99 ${figures.get('report:ours')?.at(-1)?.p99Ms.toFixed(1)} ms (naive ${figures.get('report:naive')?.at(-1)?.p50Ms.toFixed(1)} ms)`,
          );
        }
        rows.push(...readRows(ctx, kind, charges, figures));
      } finally {
        for (const cleanup of cleanups.splice(0)) await cleanup();
        await bench.close();
      }
    }
    return rows;
  },
};

function readRows(
  _ctx: BenchContext,
  kind: StoreKind,
  charges: number,
  figures: Map<string, RunFigures[]>,
): ResultRow[] {
  const m = (key: string): RunFigures => medianFigures(figures.get(key) ?? []);
  const size = charges >= 1_000_000 ? `${charges / 1_000_000}M` : `${charges / 1_000}k`;
  const balance = m('balance:ours');
  const balanceSameThread = m('balance:same-thread');
  const balanceNaive = m('balance:naive');
  const report = m('report:ours');
  const reportNaive = m('report:naive');
  return [
    {
      workload: `reads: balance (${size} charges)`,
      store: kind,
      variant: 'ours (HTTP, callers in a worker thread)',
      ...balance,
      ratio: balance.opsPerSec / balanceNaive.opsPerSec,
      target: 'p99 ≤ 5 ms',
      pass: balance.p99Ms <= 5,
    },
    {
      workload: `reads: balance (${size} charges)`,
      store: kind,
      variant: "ours (HTTP, caller on the service's thread)",
      ...balanceSameThread,
      ratio: balanceSameThread.opsPerSec / balanceNaive.opsPerSec,
      target: '(reference)',
      pass: null,
    },
    {
      workload: `reads: balance (${size} charges)`,
      store: kind,
      variant: 'naive (SQL)',
      ...balanceNaive,
      ratio: 1,
      target: 'baseline',
      pass: null,
    },
    {
      workload: `reads: 30-day report (${size} charges)`,
      store: kind,
      variant: 'ours (HTTP, callers in a worker thread)',
      ...report,
      ratio: report.opsPerSec / reportNaive.opsPerSec,
      target: 'p99 ≤ 200 ms',
      pass: report.p99Ms <= 200,
    },
    {
      workload: `reads: 30-day report (${size} charges)`,
      store: kind,
      variant: 'naive (SQL)',
      ...reportNaive,
      ratio: 1,
      target: 'baseline',
      pass: null,
    },
  ];
}

async function naiveBalance(q: Queryable, ws: string): Promise<number> {
  const now = Date.now();
  const { rows } = await q.query<{ available: string; held: string }>(
    `SELECT (SELECT COALESCE(SUM(remaining_micros), 0) FROM lots WHERE workspace_id = $1 AND closed_at IS NULL
               AND effective_at <= $2 AND (expires_at IS NULL OR expires_at > $2)) AS available,
            (SELECT COALESCE(SUM(held_micros), 0) FROM reservations WHERE workspace_id = $1 AND status = 'held'
               AND expires_at > $2) AS held`,
    [ws, now],
  );
  const row = rows[0];
  return Number(row?.available ?? 0) - Number(row?.held ?? 0);
}

async function naiveReport(q: Queryable, ws: string): Promise<number> {
  const to = Date.now() + 1;
  const { rows } = await q.query(
    `SELECT (at / ${DAY_MS})::text AS k, SUM(amount_micros) AS amount, SUM(overage_micros) AS overage, COUNT(*) AS n
     FROM usage_events WHERE workspace_id = $1 AND at >= $2 AND at < $3 GROUP BY 1 ORDER BY 1`,
    [ws, to - 30 * DAY_MS, to],
  );
  return rows.length;
}
