import { createClient } from '@aicredits/sdk';
import { medianFigures, sequentialFigures } from '../aggregate.js';
import { startCallerThread } from '../caller-thread.js';
import type { Workload } from '../context.js';
import { type GuardVariant, guardSampler } from '../guard-samples.js';
import { checkTouched, describeTally } from '../invariants.js';
import type { ResultRow, RunFigures } from '../report.js';
import { startRoundTripFloor } from '../round-trip-floor.js';
import { PLATFORM_KEY, startBenchService } from '../service.js';

/**
 * Guard overhead: `guard.run` around a no-op task against the real API on loopback, next to the
 * same no-op called directly, one task at a time. The added latency is the guard's own work plus
 * the API's reserve (and, inline, capture) round trips. The measured guard shares the service's
 * thread, as in every earlier round; reference rows run the same guard over Node's built-in fetch
 * (what the SDK's Node transport replaced) and in a thread of its own, as an application's guard
 * runs apart from the credits API (each round trip then also wakes the other thread). A last row
 * times this machine's bare round trip around one INSERT (`round-trip-floor.ts`) in the same run.
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
        const thread = startCallerThread({
          baseUrl: bench.service.url,
          apiKey: key.secret,
          concurrency: 1,
          workspacePrefix: '',
        });
        const onServiceThread = guardSampler(
          createClient({ baseUrl: bench.service.url, apiKey: key.secret }),
          workspace.id,
        );
        const overBuiltInFetch = guardSampler(
          createClient({
            baseUrl: bench.service.url,
            apiKey: key.secret,
            fetch: (input, init) => globalThis.fetch(input, init),
          }),
          workspace.id,
        );
        const machine = await startRoundTripFloor(bench.service.services.db);
        try {
          const warmUp = Math.min(30, tasks);
          await onServiceThread('inline', warmUp);
          await onServiceThread('background', warmUp);
          await overBuiltInFetch('background', warmUp);
          await thread.guard('background', workspace.id, warmUp);
          await machine.sample(warmUp);
          const figures = new Map<string, RunFigures[]>();
          const record = (label: string, samples: number[]): RunFigures => {
            const f = sequentialFigures(samples);
            figures.set(label, [...(figures.get(label) ?? []), f]);
            return f;
          };
          const measure = async (variant: GuardVariant) =>
            record(variant, await onServiceThread(variant, tasks));
          for (let run = 0; run < ctx.runs; run += 1) {
            const g = await measure('inline');
            const b = await measure('background');
            const d = await measure('direct');
            await measure('floor');
            const f = record('built-in fetch', await overBuiltInFetch('background', tasks));
            const t = record('own thread', await thread.guard('background', workspace.id, tasks));
            const r = record('round trip floor', await machine.sample(tasks));
            ctx.log(
              `  ${kind} run ${run + 1}: guard.run p50 ${g.p50Ms.toFixed(2)} ms (background settlement ${b.p50Ms.toFixed(2)} ms; over the built-in fetch ${f.p50Ms.toFixed(2)} ms; in its own thread ${t.p50Ms.toFixed(2)} ms; bare round trip ${r.p50Ms.toFixed(2)} ms), direct p50 ${d.p50Ms.toFixed(4)} ms`,
            );
          }
          const m = (label: string): RunFigures => medianFigures(figures.get(label) ?? []);
          const g = m('inline');
          const b = m('background');
          const d = m('direct');
          const floorFigures = m('floor');
          const f = m('built-in fetch');
          const t = m('own thread');
          const r = m('round trip floor');
          const added = (f: RunFigures) => f.p50Ms - d.p50Ms;
          const tally = await checkTouched(bench.service.services.db, new Map([[workspace.id, 1]]));
          const row = (
            variant: string,
            f: RunFigures,
            target: string,
            pass: boolean | null,
            note?: string,
          ): ResultRow => ({
            workload: 'guard overhead (1 client)',
            store: kind,
            variant,
            ...f,
            ratio: null,
            target,
            pass,
            ...(note === undefined ? {} : { note }),
          });
          rows.push(
            row(
              'guard.run(no-op), background settlement',
              b,
              'added p50 ≤ 2 ms',
              added(b) <= 2 && tally.ok,
              `adds ${added(b).toFixed(2)} ms at p50: the reserve round trip, the capture lands after the task's result is back (${(added(b) / r.p50Ms).toFixed(2)}× this machine's bare round trip around one INSERT); ${describeTally(tally)}`,
            ),
            row(
              'guard.run(no-op), inline settlement',
              g,
              '(reference)',
              null,
              `adds ${added(g).toFixed(2)} ms at p50: reserve and capture round trips; the bare SDK reserve + capture (the floor) takes ${floorFigures.p50Ms.toFixed(2)} ms`,
            ),
            row('SDK reserve+capture', floorFigures, '(floor)', null),
            row(
              'background settlement, SDK over the built-in fetch',
              f,
              '(reference)',
              null,
              `adds ${added(f).toFixed(2)} ms at p50: the same guard with createClient({ fetch }) over Node's fetch`,
            ),
            row(
              'background settlement, guard in its own thread',
              t,
              '(reference)',
              null,
              `adds ${added(t).toFixed(2)} ms at p50: every round trip also wakes the other thread`,
            ),
            row(
              'machine: node:http round trip around one INSERT',
              r,
              '(machine floor)',
              null,
              `no SDK, no service code: node:http on both ends and one INSERT through the service's database connection, ${r.p50Ms.toFixed(2)} ms at p50`,
            ),
            row('no-op, direct', d, 'baseline', null),
          );
        } finally {
          await machine.close();
          await thread.close();
        }
      } finally {
        await bench.close();
      }
    }
    return rows;
  },
};
