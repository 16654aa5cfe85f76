import { createClient } from '@aicredits/sdk';
import { medianFigures } from '../aggregate.js';
import { type CallerThread, startCallerThread } from '../caller-thread.js';
import { durationMs, type Workload } from '../context.js';
import { type CycleFigures, reserveCaptureLoop } from '../cycle.js';
import { httpDriver, type MoneyDriver, oursDriver } from '../drivers.js';
import { checkTouched, describeTally, type InvariantTally, mergeTallies } from '../invariants.js';
import type { ResultRow } from '../report.js';
import { MICROS, seedLots, seedWorkspaces, threeLots } from '../seed.js';
import { PLATFORM_KEY, startBenchService } from '../service.js';

const CONCURRENCY = 16;

/** One way of driving the embedded service: a name (also its workspaces' prefix) and a run. */
interface Runner {
  variant: string;
  run(durationMs: number, tag: string): Promise<CycleFigures>;
}

/**
 * Embedded: the service — HTTP on loopback, Hono, validation, auth, JSON — and PGlite in one
 * process, against the raw PGlite money path (the same queue, called directly) in the same process
 * and run. PGlite runs on the service's thread and blocks it while it runs a query, so HTTP work
 * competes with the database for that thread. The counted variant has its callers (the SDK) in a
 * worker thread, as callers in other processes would be; a second variant keeps them on the
 * service's thread, so that thread also pays for the client side of every request.
 */
export const embeddedWorkload: Workload = {
  name: 'embedded',
  onlyStores: ['pglite'],
  async run(ctx) {
    if (!ctx.stores.includes('pglite')) return [];
    ctx.log('embedded (HTTP + PGlite in one process)');
    const bench = await startBenchService('pglite', 'embedded', ctx.databaseUrl);
    let callers: CallerThread | undefined;
    try {
      const { service } = bench;
      const db = service.services.db;
      const queue = service.services.queue;
      // Default retries, as an application would run it: a keep-alive socket the server closed
      // while idle between runs fails once with ECONNRESET and is retried with the same key.
      const client = createClient({ baseUrl: service.url, apiKey: PLATFORM_KEY });
      // The same SDK handing requests to the service's handler in this process: no socket.
      const inProcess = createClient({
        baseUrl: service.url,
        apiKey: PLATFORM_KEY,
        fetch: (input, init) => service.fetch(new Request(input, init)),
      });
      const concurrency = ctx.scale === 'tiny' ? 4 : CONCURRENCY;
      let n = 0;
      // Each client works in a workspace of its own: a laptop running several agents at once.
      const inThisThread = (driver: MoneyDriver): Runner => ({
        variant: driver.variant,
        run: (ms, tag) =>
          reserveCaptureLoop({
            driver,
            concurrency,
            durationMs: ms,
            tag,
            pickWorkspace: (worker) => `emb_${driver.variant}_${worker + 1}`,
          }),
      });
      const callerThread = startCallerThread({
        baseUrl: service.url,
        apiKey: PLATFORM_KEY,
        concurrency,
        workspacePrefix: 'emb_http-thread_',
      });
      callers = callerThread;
      const runners: Runner[] = [
        { variant: 'http-thread', run: (ms, tag) => callerThread.run(ms, tag) },
        inThisThread(httpDriver(client)),
        inThisThread(httpDriver(inProcess, 'in-process')),
        inThisThread(oursDriver((ws, op) => queue.submit(ws, op))),
      ];
      const now = Date.now();
      for (const { variant } of runners) {
        const prefix = `emb_${variant}_`;
        await seedWorkspaces(db, { prefix, count: concurrency, now, maxDeficitMicros: 5 * MICROS });
        await seedLots(db, prefix, concurrency, threeLots(now, 1_000_000 * MICROS), now);
      }
      const once = (runner: Runner, ms: number) => {
        n += 1;
        return runner.run(ms, `r${n}`);
      };
      for (const runner of runners) await once(runner, durationMs(ctx, 500) / 2);
      const figures = new Map<string, CycleFigures[]>();
      const tallies: InvariantTally[] = [];
      for (let run = 0; run < ctx.runs; run += 1) {
        for (const runner of run % 2 === 0 ? runners : [...runners].reverse()) {
          const f = await once(runner, durationMs(ctx, 3_000));
          ctx.log(
            `  pglite ${runner.variant} run ${run + 1}: ${f.opsPerSec.toFixed(0)} cycles/s, reserve p50 ${f.p50Ms.toFixed(2)} ms p99 ${f.p99Ms.toFixed(2)} ms`,
          );
          figures.set(runner.variant, [...(figures.get(runner.variant) ?? []), f]);
          tallies.push(await checkTouched(db, f.touched));
        }
      }
      const threaded = medianFigures(figures.get('http-thread') ?? []);
      const http = medianFigures(figures.get('http') ?? []);
      const handler = medianFigures(figures.get('in-process') ?? []);
      const direct = medianFigures(figures.get('ours') ?? []);
      const ratio = threaded.opsPerSec / direct.opsPerSec;
      const sameThreadRatio = http.opsPerSec / direct.opsPerSec;
      const handlerRatio = handler.opsPerSec / direct.opsPerSec;
      const tally = mergeTallies(tallies);
      const workload = `embedded (${concurrency} conc.)`;
      return [
        {
          workload,
          store: 'pglite',
          variant: 'HTTP + PGlite, callers in a worker thread',
          ...threaded,
          ratio,
          target: '≥ 50 % of raw PGlite',
          pass: ratio >= 0.5 && tally.ok,
          note: `the service over HTTP keeps ${(ratio * 100).toFixed(0)} % of the raw PGlite money path's throughput (ratio column is vs raw); ${describeTally(tally)}`,
        },
        {
          workload,
          store: 'pglite',
          variant: 'HTTP + PGlite, callers on its thread',
          ...http,
          ratio: sameThreadRatio,
          target: '(reference)',
          pass: null,
          note: `with the SDK callers on the service's own thread (it also does their side of every request): ${(sameThreadRatio * 100).toFixed(0)} % of raw`,
        },
        {
          workload,
          store: 'pglite',
          variant: 'in-process handler + PGlite',
          ...handler,
          ratio: handlerRatio,
          target: '(no socket; informational)',
          pass: null,
          note: `the SDK calling the service's handler in-process (no socket) keeps ${(handlerRatio * 100).toFixed(0)} % of raw`,
        },
        {
          workload,
          store: 'pglite',
          variant: 'raw PGlite',
          ...direct,
          ratio: 1,
          target: 'baseline',
          pass: null,
        },
      ] satisfies ResultRow[];
    } finally {
      await callers?.close();
      await bench.close();
    }
  },
};
