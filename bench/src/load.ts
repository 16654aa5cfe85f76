import { performance } from 'node:perf_hooks';
import type { AicreditsClient } from '@aicredits/sdk';

export interface ClosedLoopOptions {
  concurrency: number;
  /** Stop starting new operations after this long. */
  durationMs: number;
  /** Hard cap per worker, so a loop is bounded even if the clock misbehaves. */
  maxOpsPerWorker: number;
  /** One operation of worker `worker`; its `i`-th. Throwing stops the run. */
  op: (worker: number, i: number) => Promise<void>;
}

export interface ClosedLoopResult {
  ops: number;
  elapsedMs: number;
  opsPerSec: number;
}

/** `concurrency` workers, each issuing its next operation as soon as the previous one ends. */
export async function closedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const started = performance.now();
  const deadline = started + options.durationMs;
  let ops = 0;
  const worker = async (w: number) => {
    for (let i = 0; i < options.maxOpsPerWorker && performance.now() < deadline; i += 1) {
      await options.op(w, i);
      ops += 1;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, w) => worker(w)));
  const elapsedMs = performance.now() - started;
  return { ops, elapsedMs, opsPerSec: (ops * 1000) / elapsedMs };
}

/** Times one awaited call in milliseconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

/** The reads a dashboard or a status bar makes, through the SDK as theirs do. */
export type WorkspaceRead = 'balance' | 'report';

export function workspaceReads(client: AicreditsClient, workspaceId: string) {
  return {
    balance: () => client.balance.retrieve(workspaceId),
    report: () => client.usage.retrieve(workspaceId, { groupBy: 'day' }),
  } satisfies Record<WorkspaceRead, () => Promise<unknown>>;
}
