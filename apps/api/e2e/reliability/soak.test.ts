import { writeFileSync } from 'node:fs';
import type { AicreditsClient } from '@aicredits/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Book, runLoad, settlePending } from './load.js';
import {
  ApiProcess,
  assertBuilt,
  client,
  createTenant,
  createTestDatabase,
  expectLedgerInvariants,
  HAVE_POSTGRES,
  NO_POSTGRES_REASON,
  percentile,
  platformKey,
  sleep,
  type Tenant,
  type TestDatabase,
} from './support.js';

/**
 * Soak: the built service on PostgreSQL under steady, paced load (reserve → capture or void,
 * one-step charges, top-ups) for a bounded time. Every interval it prints the service's RSS and
 * the callers' p50/p99 latency; at the end the last window is compared with the first by ratio
 * (machines differ in absolute speed, a leak or a slowdown shows as growth). Run alone
 * (vitest.soak.config.ts): other suites on the same cores would make the trend noise.
 *
 * A control probe (`GET /healthz`: one `SELECT 1` through the same process and database) runs
 * beside the load. Its latency moves with the machine (other processes, CPU frequency), so
 * latency growth is judged relative to it: a money path that slows as data accumulates grows
 * against the control, a busy neighbour slows both. But the control goes through the same
 * process, so a service whose every request gets dearer slows it too: that is measured directly,
 * as the service's CPU time per completed operation, which a busy machine hardly moves. A second
 * probe times one durable INSERT over a connection of the test's own: when the disk's commits slow
 * down, every money write does, and the paced callers complete fewer operations; that column says
 * so. Completed operations are only checked against a collapse.
 *
 *   SOAK_SECONDS=600 SOAK_INTERVAL_SECONDS=30 node scripts/pnpm.mjs --filter @aicredits/api \
 *     exec vitest run --config vitest.soak.config.ts
 *
 * `SOAK_REPORT=path.json` also writes the windows as JSON.
 */
if (!HAVE_POSTGRES) console.warn(`soak suite skipped: ${NO_POSTGRES_REASON}`);

const SECONDS = Number(process.env.SOAK_SECONDS ?? '60');
const INTERVAL_SECONDS = Number(process.env.SOAK_INTERVAL_SECONDS ?? '10');
const WARMUP_SECONDS = Number(process.env.SOAK_WARMUP_SECONDS ?? '10');
const WORKERS = Number(process.env.SOAK_WORKERS ?? '8');
/** Per worker: one iteration (1–2 requests) every 40 ms ≈ 300 requests/s in all, well below saturation. */
const ITERATION_MS = Number(process.env.SOAK_ITERATION_MS ?? '40');
/** Bounds on last-window ÷ first-window. Generous: a leak or a degrading path grows without bound. */
const MAX_RSS_GROWTH = Number(process.env.SOAK_MAX_RSS_GROWTH ?? '1.5');
const MAX_P50_GROWTH = Number(process.env.SOAK_MAX_P50_GROWTH ?? '2');
const MAX_P99_GROWTH = Number(process.env.SOAK_MAX_P99_GROWTH ?? '3');
/** The service's own work per operation: flat unless a path gets dearer as the ledger grows. */
const MAX_CPU_PER_OP_GROWTH = Number(process.env.SOAK_MAX_CPU_PER_OP_GROWTH ?? '1.5');
/**
 * The paced load is fixed, so a service that keeps up completes about as many operations at the
 * end; on this kind of VM a slower disk alone takes 15–20 % off (the commit column shows it), so
 * this only catches a collapse.
 */
const MIN_THROUGHPUT_KEPT = Number(process.env.SOAK_MIN_THROUGHPUT_KEPT ?? '0.5');

const byValue = (a: number, b: number) => a - b;
/** A latency in ms, rounded to hundredths for the report. */
const centiMs = (ms: number) => Math.round(ms * 100) / 100;

interface Window {
  index: number;
  seconds: number;
  operations: number;
  errors: number;
  rssMiB: number;
  p50Ms: number;
  p99Ms: number;
  /** The control probe's median in the same window. */
  controlP50Ms: number;
  /** The service's CPU time (user + system) per completed operation, µs. */
  cpuUsPerOp: number;
  /** One durable INSERT over the test's own connection, median: how fast the disk commits. */
  commitP50Ms: number;
}

describe.skipIf(!HAVE_POSTGRES)('soak: steady load, flat memory and latency', () => {
  let database: TestDatabase;
  let api: ApiProcess;
  let platform: AicreditsClient;
  const tenants: Tenant[] = [];
  const key = platformKey();

  beforeAll(async () => {
    assertBuilt();
    database = await createTestDatabase();
    // Request logs off: at hundreds of requests a second they would measure the logger.
    api = new ApiProcess({ databaseUrl: database.url, platformKey: key, logLevel: 'warn', name: 'soak' });
    await api.start();
    platform = client(api.url, key);
    // The clock runs in real time (never set): abandoned holds lapse at their TTL as they do in
    // production. Frozen, it would keep every abandoned hold open and the ledger would only grow.
    for (let i = 0; i < 4; i += 1) {
      const tenant = await createTenant(platform);
      // Enough for the whole run: no refusal changes the mix of operations halfway through.
      await client(api.url, tenant.admin).topups.create(tenant.id, { amountMicros: 10_000_000_000 });
      tenants.push(tenant);
    }
  }, 120_000);

  afterAll(async () => {
    await api?.stop();
    await database?.drop();
  });

  it(
    `keeps RSS and latency flat over ${SECONDS} s`,
    async () => {
      const book = new Book();
      let current: number[] = [];
      let errors = 0;
      let measuring = false;
      const windows: Window[] = [];
      const load = runLoad({
        tenants,
        urls: () => [api.url],
        workers: WORKERS,
        durationMs: (WARMUP_SECONDS + SECONDS) * 1000,
        book,
        iterationMs: ITERATION_MS,
        topupShare: 0.01,
        // Abandoned holds lapse within the warm-up, so the held set is at its steady size before
        // the first window is measured (with a 60 s TTL it would still be growing for a minute).
        abandonTtlSeconds: Math.max(1, Math.floor(WARMUP_SECONDS / 2)),
        onOperation: (_op, ms, ok) => {
          if (!measuring) return;
          current.push(ms);
          if (!ok) errors += 1;
        },
      });
      let control: number[] = [];
      let probing = true;
      const probe = (async () => {
        while (probing) {
          const started = performance.now();
          const res = await fetch(`${api.url}/healthz`);
          await res.text();
          if (measuring && res.status === 200) control.push(performance.now() - started);
          await sleep(100);
        }
      })();
      await database.db.query(
        'CREATE TABLE soak_commit_probe (id bigserial PRIMARY KEY, at bigint NOT NULL)',
      );
      let commits: number[] = [];
      const commitProbe = (async () => {
        while (probing) {
          const started = performance.now();
          await database.db.query('INSERT INTO soak_commit_probe (at) VALUES ($1)', [Date.now()]);
          if (measuring) commits.push(performance.now() - started);
          await sleep(100);
        }
      })();
      await sleep(WARMUP_SECONDS * 1000);
      measuring = true;
      let cpuAtWindowStart = api.cpuSeconds();
      console.info(
        'soak: window  seconds  ops  errors  rss MiB  p50 ms  p99 ms  control p50 ms  cpu µs/op  commit p50 ms',
      );
      for (let index = 1; index * INTERVAL_SECONDS <= SECONDS; index += 1) {
        await sleep(INTERVAL_SECONDS * 1000);
        const sorted = current.sort(byValue);
        const cpu = api.cpuSeconds();
        const w: Window = {
          index,
          seconds: index * INTERVAL_SECONDS,
          operations: sorted.length,
          errors,
          rssMiB: Math.round((api.rssBytes() / 1_048_576) * 10) / 10,
          p50Ms: centiMs(percentile(sorted, 50)),
          p99Ms: centiMs(percentile(sorted, 99)),
          controlP50Ms: centiMs(percentile(control.sort(byValue), 50)),
          cpuUsPerOp: Math.round(((cpu - cpuAtWindowStart) * 1e6) / Math.max(1, sorted.length)),
          commitP50Ms: centiMs(percentile(commits.sort(byValue), 50)),
        };
        windows.push(w);
        cpuAtWindowStart = cpu;
        current = [];
        control = [];
        commits = [];
        errors = 0;
        console.info(
          `soak: ${String(w.index).padStart(6)}  ${String(w.seconds).padStart(7)}  ${String(w.operations).padStart(5)}  ${String(w.errors).padStart(6)}  ${String(w.rssMiB).padStart(7)}  ${String(w.p50Ms).padStart(6)}  ${String(w.p99Ms).padStart(6)}  ${String(w.controlP50Ms).padStart(14)}  ${String(w.cpuUsPerOp).padStart(9)}  ${String(w.commitP50Ms).padStart(13)}`,
        );
      }
      measuring = false;
      await load;
      probing = false;
      await probe;
      await commitProbe;
      await settlePending(book);

      const first = windows[0];
      const last = windows[windows.length - 1];
      expect(first).toBeDefined();
      expect(last).toBeDefined();
      if (first === undefined || last === undefined) return;
      const machine = last.controlP50Ms / first.controlP50Ms;
      const ratios = {
        rss: last.rssMiB / first.rssMiB,
        p50: last.p50Ms / first.p50Ms,
        p99: last.p99Ms / first.p99Ms,
        operations: last.operations / first.operations,
        cpuPerOp: last.cpuUsPerOp / first.cpuUsPerOp,
        commit: last.commitP50Ms / first.commitP50Ms,
        control: machine,
        // Growth beyond what the machine itself did meanwhile.
        p50Relative: last.p50Ms / first.p50Ms / machine,
        p99Relative: last.p99Ms / first.p99Ms / machine,
      };
      console.info(
        `soak: last/first window: rss ×${ratios.rss.toFixed(2)}, operations ×${ratios.operations.toFixed(2)}, cpu per operation ×${ratios.cpuPerOp.toFixed(2)}, commit ×${ratios.commit.toFixed(2)}, p50 ×${ratios.p50.toFixed(2)}, p99 ×${ratios.p99.toFixed(2)}, ` +
          `control ×${machine.toFixed(2)} (relative to it: p50 ×${ratios.p50Relative.toFixed(2)}, p99 ×${ratios.p99Relative.toFixed(2)}); ` +
          `${book.captures.size} captures, ${book.charges.size} charges, ${book.reservations.size} reservations`,
      );
      if (process.env.SOAK_REPORT !== undefined) {
        writeFileSync(
          process.env.SOAK_REPORT,
          JSON.stringify(
            { seconds: SECONDS, workers: WORKERS, iterationMs: ITERATION_MS, windows, ratios },
            null,
            2,
          ),
        );
      }
      for (const w of windows) expect(w.errors, `errors in window ${w.index}`).toBe(0);
      expect(book.errors).toEqual([]);
      expect(ratios.rss).toBeLessThanOrEqual(MAX_RSS_GROWTH);
      expect(ratios.p50Relative).toBeLessThanOrEqual(MAX_P50_GROWTH);
      expect(ratios.p99Relative).toBeLessThanOrEqual(MAX_P99_GROWTH);
      expect(ratios.cpuPerOp, 'service CPU per operation, last window ÷ first').toBeLessThanOrEqual(
        MAX_CPU_PER_OP_GROWTH,
      );
      expect(ratios.operations, 'completed operations, last window ÷ first').toBeGreaterThanOrEqual(
        MIN_THROUGHPUT_KEPT,
      );
      expect(api.errors().map((l) => l.msg)).toEqual([]);
    },
    (SECONDS + WARMUP_SECONDS + 120) * 1000,
  );

  it('leaves a ledger that satisfies every invariant', async () => {
    const now = Date.parse((await platform.testClock.retrieve()).now);
    await expectLedgerInvariants(database.db, { now });
  }, 120_000);
});
