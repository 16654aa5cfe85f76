import { performance } from 'node:perf_hooks';

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

/**
 * One GET with a bearer key, as a dashboard or a status bar sends it; the body's text. A keep-alive
 * connection the server closed while idle fails once with ECONNRESET, and a GET is safe to send
 * again; any answer but 200 fails the run.
 */
export async function getOk(baseUrl: string, apiKey: string, path: string): Promise<string> {
  const send = () => fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
  const response = await send().catch(() => send());
  const body = await response.text();
  if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${body}`);
  return body;
}
