import { createGuard } from '@aicredits/guard';
import { createClient } from '@aicredits/sdk';
import type { Workload } from '../context.js';
import { checkTouched, describeTally } from '../invariants.js';
import { timed } from '../load.js';
import type { ResultRow, RunFigures } from '../report.js';
import { PLATFORM_KEY, startBenchService } from '../service.js';
import { median, summarize } from '../stats.js';

/**
 * Guard overhead: `guard.run` around a no-op task against the real API on loopback, next to the
 * same no-op called directly, one task at a time. The added latency is the guard's own work plus
 * the API's reserve and capture round trips.
 */
export const guardWorkload: Workload = {
  name: 'guard',
  async run(ctx) {
    const rows: ResultRow[] = [];
    const tasks = ctx.scale === 'tiny' ? 20 : ctx.scale === 'quick' ? 100 : 300;
    for (const kind of ctx.stores) {
      ctx.log(`guard overhead on ${kind}`);
      const bench = await startBenchService(kind, 'guard', ctx.databaseUrl);
      try {
        const platform = createClient({ baseUrl: bench.service.url, apiKey: PLATFORM_KEY, maxRetries: 0 });
        const workspace = await platform.workspaces.create({ name: 'guard bench', settings: {} });
        await platform.lots.grant(workspace.id, {
          kind: 'promotional',
          amountMicros: 1_000_000_000_000,
          expiresAt: null,
          reason: 'bench',
        });
        const key = await platform.apiKeys.create(workspace.id, { type: 'server' });
        // The guard's client as an application would configure it (default retries).
        const client = createClient({ baseUrl: bench.service.url, apiKey: key.secret });
        const guard = createGuard({ client, feature: 'coding_session' });
        const backgroundGuard = createGuard({ client, feature: 'coding_session', settlement: 'background' });
        const noop = async () => undefined;
        const guarded = () =>
          guard.run({ workspaceId: workspace.id, estimate: { amountMicros: 1_000 } }, noop);
        const guardedInBackground = () =>
          backgroundGuard.run({ workspaceId: workspace.id, estimate: { amountMicros: 1_000 } }, noop);
        const floor = async () => {
          const r = await client.reservations.create(workspace.id, {
            feature: 'coding_session',
            estimateMicros: 1_000,
            ttlSeconds: 300,
          });
          await client.reservations.capture(workspace.id, r.id, { amountMicros: 0, outcome: 'succeeded' });
        };
        for (let k = 0; k < Math.min(30, tasks); k += 1) await guarded();
        const figures = new Map<string, RunFigures[]>();
        // `settle` runs between samples, untimed: what a real task's own duration would hide.
        const measure = async (label: string, fn: () => Promise<unknown>, settle?: () => Promise<void>) => {
          const samples: number[] = [];
          for (let k = 0; k < tasks; k += 1) {
            samples.push((await timed(fn)).ms);
            await settle?.();
          }
          const s = summarize(samples);
          const f = { opsPerSec: 1000 / (samples.reduce((a, b) => a + b, 0) / samples.length), ...s };
          figures.set(label, [...(figures.get(label) ?? []), f]);
          return f;
        };
        for (let run = 0; run < ctx.runs; run += 1) {
          const g = await measure('guard', guarded);
          const b = await measure('background', guardedInBackground, () => backgroundGuard.flush());
          const d = await measure('direct', noop);
          await measure('floor', floor);
          ctx.log(
            `  ${kind} run ${run + 1}: guard.run p50 ${g.p50Ms.toFixed(2)} ms (background settlement ${b.p50Ms.toFixed(2)} ms), direct p50 ${d.p50Ms.toFixed(4)} ms`,
          );
        }
        const m = (label: string): RunFigures => {
          const list = figures.get(label) ?? [];
          return {
            opsPerSec: median(list.map((f) => f.opsPerSec)),
            p50Ms: median(list.map((f) => f.p50Ms)),
            p99Ms: median(list.map((f) => f.p99Ms)),
          };
        };
        const g = m('guard');
        const b = m('background');
        const d = m('direct');
        const floorFigures = m('floor');
        const added = g.p50Ms - d.p50Ms;
        const addedInBackground = b.p50Ms - d.p50Ms;
        const tally = await checkTouched(bench.service.services.db, new Map([[workspace.id, 1]]));
        rows.push(
          {
            workload: 'guard overhead (1 client)',
            store: kind,
            variant: 'guard.run(no-op), background settlement',
            ...b,
            ratio: null,
            target: 'added p50 ≤ 2 ms',
            pass: addedInBackground <= 2 && tally.ok,
            note: `adds ${addedInBackground.toFixed(2)} ms at p50: the reserve round trip, the capture lands after the task's result is back; ${describeTally(tally)}`,
          },
          {
            workload: 'guard overhead (1 client)',
            store: kind,
            variant: 'guard.run(no-op), inline settlement',
            ...g,
            ratio: null,
            target: '(reference)',
            pass: null,
            note: `adds ${added.toFixed(2)} ms at p50: reserve and capture round trips; the bare SDK reserve + capture (the floor) takes ${floorFigures.p50Ms.toFixed(2)} ms`,
          },
          {
            workload: 'guard overhead (1 client)',
            store: kind,
            variant: 'SDK reserve+capture',
            ...floorFigures,
            ratio: null,
            target: '(floor)',
            pass: null,
          },
          {
            workload: 'guard overhead (1 client)',
            store: kind,
            variant: 'no-op, direct',
            ...d,
            ratio: null,
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
