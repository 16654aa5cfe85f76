import { createClient } from '@aicredits/sdk';
import { medianFigures } from '../aggregate.js';
import { durationMs, type Workload } from '../context.js';
import { type CycleFigures, reserveCaptureLoop } from '../cycle.js';
import { httpDriver, type MoneyDriver, oursDriver } from '../drivers.js';
import { checkTouched, describeTally, type InvariantTally, mergeTallies } from '../invariants.js';
import type { ResultRow } from '../report.js';
import { MICROS, seedLots, seedWorkspaces, threeLots } from '../seed.js';
import { PLATFORM_KEY, startBenchService } from '../service.js';

const CONCURRENCY = 16;

/**
 * Embedded: the whole service — SDK client, HTTP on loopback, Hono, validation, auth, JSON — and
 * PGlite in one process, against the raw PGlite money path (the same queue, called directly) in
 * the same process and run. Everything shares one event loop, and PGlite blocks it while it
 * runs a query, so HTTP work competes with the database for the same thread.
 */
export const embeddedWorkload: Workload = {
  name: 'embedded',
  onlyStores: ['pglite'],
  async run(ctx) {
    if (!ctx.stores.includes('pglite')) return [];
    ctx.log('embedded (HTTP + PGlite in one process)');
    const bench = await startBenchService('pglite', 'embedded', ctx.databaseUrl);
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
      const drivers: MoneyDriver[] = [
        httpDriver(client),
        httpDriver(inProcess, 'in-process'),
        oursDriver((ws, op) => queue.submit(ws, op)),
      ];
      const concurrency = ctx.scale === 'tiny' ? 4 : CONCURRENCY;
      const now = Date.now();
      for (const driver of drivers) {
        const prefix = `emb_${driver.variant}_`;
        await seedWorkspaces(db, { prefix, count: concurrency, now, maxDeficitMicros: 5 * MICROS });
        await seedLots(db, prefix, concurrency, threeLots(now, 1_000_000 * MICROS), now);
      }
      let n = 0;
      // Each client works in a workspace of its own: a laptop running several agents at once.
      const once = (driver: MoneyDriver, ms: number) => {
        n += 1;
        return reserveCaptureLoop({
          driver,
          concurrency,
          durationMs: ms,
          tag: `r${n}`,
          pickWorkspace: (worker) => `emb_${driver.variant}_${worker + 1}`,
        });
      };
      for (const driver of drivers) await once(driver, durationMs(ctx, 500) / 2);
      const figures = new Map<string, CycleFigures[]>();
      const tallies: InvariantTally[] = [];
      for (let run = 0; run < ctx.runs; run += 1) {
        for (const driver of run % 2 === 0 ? drivers : [...drivers].reverse()) {
          const f = await once(driver, durationMs(ctx, 3_000));
          ctx.log(
            `  pglite ${driver.variant} run ${run + 1}: ${f.opsPerSec.toFixed(0)} cycles/s, reserve p50 ${f.p50Ms.toFixed(2)} ms p99 ${f.p99Ms.toFixed(2)} ms`,
          );
          figures.set(driver.variant, [...(figures.get(driver.variant) ?? []), f]);
          tallies.push(await checkTouched(db, f.touched));
        }
      }
      const http = medianFigures(figures.get('http') ?? []);
      const handler = medianFigures(figures.get('in-process') ?? []);
      const direct = medianFigures(figures.get('ours') ?? []);
      const ratio = http.opsPerSec / direct.opsPerSec;
      const handlerRatio = handler.opsPerSec / direct.opsPerSec;
      const tally = mergeTallies(tallies);
      const workload = `embedded (${concurrency} conc.)`;
      return [
        {
          workload,
          store: 'pglite',
          variant: 'HTTP + PGlite',
          ...http,
          ratio,
          target: '≥ 50 % of raw PGlite',
          pass: ratio >= 0.5 && tally.ok,
          note: `HTTP keeps ${(ratio * 100).toFixed(0)} % of the raw PGlite money path's throughput (ratio column is vs raw); ${describeTally(tally)}`,
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
      await bench.close();
    }
  },
};
