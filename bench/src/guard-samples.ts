import { createGuard } from '@aicredits/guard';
import type { AicreditsClient } from '@aicredits/sdk';
import { timed } from './load.js';

/**
 * What the guard workload times, one task at a time: `background` and `inline` are `guard.run`
 * around a no-op with each settlement mode; `floor` is the bare SDK reserve + capture the guard
 * sits on; `direct` is the no-op called without a guard.
 */
export type GuardVariant = 'background' | 'inline' | 'floor' | 'direct';

export type GuardSampler = (variant: GuardVariant, count: number) => Promise<number[]>;

/**
 * The guard's client as an application configures it (default retries), for `workspaceId`.
 * Each sample is one task's latency in ms; between background samples the settlement is awaited,
 * untimed — what a real task's own duration would hide.
 */
export function guardSampler(client: AicreditsClient, workspaceId: string): GuardSampler {
  const inline = createGuard({ client, feature: 'coding_session' });
  const background = createGuard({ client, feature: 'coding_session', settlement: 'background' });
  const noop = async () => undefined;
  const task = { workspaceId, estimate: { amountMicros: 1_000 } };
  const floor = async () => {
    const r = await client.reservations.create(workspaceId, {
      feature: 'coding_session',
      estimateMicros: 1_000,
      ttlSeconds: 300,
    });
    await client.reservations.capture(workspaceId, r.id, { amountMicros: 0, outcome: 'succeeded' });
  };
  const runs: Record<GuardVariant, () => Promise<unknown>> = {
    background: () => background.run(task, noop),
    inline: () => inline.run(task, noop),
    floor,
    direct: noop,
  };
  return async (variant, count) => {
    const samples: number[] = [];
    for (let k = 0; k < count; k += 1) {
      samples.push((await timed(runs[variant])).ms);
      if (variant === 'background') await background.flush();
    }
    return samples;
  };
}
