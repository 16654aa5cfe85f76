import type { MoneyDriver } from './drivers.js';
import { closedLoop, timed } from './load.js';
import type { RunFigures } from './report.js';
import { summarize } from './stats.js';

export const ESTIMATE_MICROS = 1_000;
export const TTL_SECONDS = 300;

/** Actuals spread 0.5×–1.5× the estimate, deterministically per worker and step. */
export function actualMicros(worker: number, i: number, estimate = ESTIMATE_MICROS): number {
  return Math.round(estimate / 2) + ((i * 37 + worker * 11) % (estimate + 1));
}

export interface CycleOptions {
  driver: MoneyDriver;
  concurrency: number;
  durationMs: number;
  /** Unique per run, so reservation ids never repeat within a workspace. */
  tag: string;
  /**
   * Makes reservation ids instead of `res_<tag>_<worker>_<i>`: the service's own generator, as
   * when a caller names none (the guard names none). Its ids of one instant sort in the order they
   * were made, which lets the engine extend its hold summary instead of walking every hold.
   */
  newReservationId?: () => string;
  pickWorkspace: (worker: number, i: number) => string;
  /** The member each task is for (default: none, pooled work). */
  pickMember?: (worker: number, i: number) => string | null;
  maxOpsPerWorker?: number;
}

export interface CycleFigures extends RunFigures {
  cycles: number;
  refused: number;
  /** Operations per workspace (the invariant check reads the busiest ones). */
  touched: Map<string, number>;
}

/**
 * The guard's hot path as a closed loop: each worker reserves the estimate, then captures an
 * actual amount above or below it, and starts again. Throughput counts completed
 * reserve → capture cycles; latency is the reserve's (what a task waits for before it starts).
 */
export async function reserveCaptureLoop(options: CycleOptions): Promise<CycleFigures> {
  const reserveMs: number[] = [];
  const touched = new Map<string, number>();
  let refused = 0;
  const result = await closedLoop({
    concurrency: options.concurrency,
    durationMs: options.durationMs,
    maxOpsPerWorker: options.maxOpsPerWorker ?? 1_000_000,
    op: async (worker, i) => {
      const ws = options.pickWorkspace(worker, i);
      touched.set(ws, (touched.get(ws) ?? 0) + 1);
      const reservationId = options.newReservationId?.() ?? `res_${options.tag}_${worker}_${i}`;
      const { value: admitted, ms } = await timed(() =>
        options.driver.reserve(ws, {
          reservationId,
          amountMicros: ESTIMATE_MICROS,
          ttlSeconds: TTL_SECONDS,
          memberId: options.pickMember?.(worker, i) ?? null,
        }),
      );
      reserveMs.push(ms);
      if (!admitted) {
        refused += 1;
        return;
      }
      await options.driver.capture(ws, { reservationId, amountMicros: actualMicros(worker, i) });
    },
  });
  const latency = summarize(reserveMs);
  return {
    opsPerSec: result.opsPerSec,
    p50Ms: latency.p50Ms,
    p99Ms: latency.p99Ms,
    cycles: result.ops,
    refused,
    touched,
  };
}
