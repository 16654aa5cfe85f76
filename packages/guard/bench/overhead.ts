/**
 * Guard overhead: the latency `guard.run` adds around a no-op task, against the real credits API
 * on loopback (embedded PGlite, fsync off: non-durable numbers). Measured in the same run as the
 * floor any guard has to pay — the SDK's reserve + capture round trips with no guard around
 * them — so the result reads as a ratio that holds on a noisy machine.
 *
 *   node ../../scripts/pnpm.mjs --filter @aicredits/guard bench
 */
import { performance } from 'node:perf_hooks';
import { startService } from '@aicredits/api';
import { createClient } from '@aicredits/sdk';
import { createGuard } from '../src/index.js';
import { FakeClient } from '../test/fake-client.js';

const ITERATIONS = Number(process.env.GUARD_BENCH_ITERATIONS ?? 500);
const WARMUP = 50;

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length));
  return sorted[index] ?? Number.NaN;
}

/** `settle` runs between samples, untimed: what a task's own duration would hide in real use. */
async function measure(label: string, fn: () => Promise<unknown>, settle?: () => Promise<void>) {
  for (let i = 0; i < WARMUP; i += 1) await fn();
  await settle?.();
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS; i += 1) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
    await settle?.();
  }
  samples.sort((a, b) => a - b);
  return { label, p50: percentile(samples, 50), p90: percentile(samples, 90), p99: percentile(samples, 99) };
}

const service = await startService({ port: 0, host: '127.0.0.1', dataDir: 'memory://', logLevel: 'error' });
try {
  const platform = createClient({ baseUrl: service.url, apiKey: service.platformKey ?? '' });
  const workspace = await platform.workspaces.create({ name: 'bench', settings: {} });
  await platform.lots.grant(workspace.id, {
    kind: 'promotional',
    amountMicros: 1_000_000_000_000,
    expiresAt: null,
    reason: 'bench',
  });
  const key = await platform.apiKeys.create(workspace.id, { type: 'server' });
  const client = createClient({ baseUrl: service.url, apiKey: key.secret });
  const guard = createGuard({ client, feature: 'coding_session' });
  const backgroundGuard = createGuard({ client, feature: 'coding_session', settlement: 'background' });
  const ws = workspace.id;

  // The guard's own cost, with the network and the database taken out: an in-process client.
  const instant = new FakeClient();
  instant.balances.set('ws_bench', Number.MAX_SAFE_INTEGER);
  const instantGuard = createGuard({ client: instant, feature: 'coding_session' });

  const rows = [
    await measure('guard.run(no-op), in-process client (guard CPU only)', () =>
      instantGuard.run({ workspaceId: 'ws_bench', estimate: { amountMicros: 1_000 } }, () => undefined),
    ),
    await measure('no-op task, unguarded', async () => undefined),
    await measure('SDK reserve + capture (floor)', async () => {
      const reservation = await client.reservations.create(ws, {
        feature: 'coding_session',
        estimateMicros: 1_000,
        ttlSeconds: 300,
      });
      await client.reservations.capture(ws, reservation.id, { amountMicros: 0, outcome: 'succeeded' });
    }),
    await measure('guard.run(no-op)', () =>
      guard.run({ workspaceId: ws, estimate: { amountMicros: 1_000 } }, () => undefined),
    ),
    // The capture lands between samples, as it would while the caller uses the result.
    await measure(
      'guard.run(no-op), background settlement',
      () => backgroundGuard.run({ workspaceId: ws, estimate: { amountMicros: 1_000 } }, () => undefined),
      () => backgroundGuard.flush(),
    ),
  ];
  const own = rows[0]?.p50 ?? Number.NaN;
  const floor = rows[2]?.p50 ?? Number.NaN;
  const guarded = rows[3]?.p50 ?? Number.NaN;
  const background = rows[4]?.p50 ?? Number.NaN;
  console.log(
    `\nguard overhead, ${ITERATIONS} sequential runs, API on loopback (PGlite in memory, non-durable)\n`,
  );
  console.log('| workload | p50 ms | p90 ms | p99 ms |\n| --- | ---: | ---: | ---: |');
  for (const row of rows) {
    console.log(`| ${row.label} | ${row.p50.toFixed(2)} | ${row.p90.toFixed(2)} | ${row.p99.toFixed(2)} |`);
  }
  console.log(
    `\nadded latency p50: ${guarded.toFixed(2)} ms (target ≤ 2 ms), of which the guard's own work is ${own.toFixed(3)} ms; the rest is the API's two round trips (floor ${floor.toFixed(2)} ms, ${(guarded / floor).toFixed(2)}× the floor); ${background.toFixed(2)} ms with background settlement (the reserve round trip only)`,
  );
} finally {
  await service.close();
}
