/**
 * A worker thread that plays an embedded service's callers: the SDK over HTTP on loopback, in a
 * thread of its own, so the service's thread carries only the service (HTTP server, money path,
 * PGlite) as it would with its callers in other processes. One thread serves every run of a
 * workload, so its code is warm after the first.
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { createClient } from '@aicredits/sdk';
import { type CycleFigures, reserveCaptureLoop } from './cycle.js';
import { httpDriver } from './drivers.js';

export interface CallerThreadOptions {
  baseUrl: string;
  apiKey: string;
  concurrency: number;
  /** Caller `w` works in workspace `${workspacePrefix}${w + 1}`. */
  workspacePrefix: string;
}

interface RunRequest {
  durationMs: number;
  tag: string;
}

type RunReply = { figures: CycleFigures } | { error: string };

export interface CallerThread {
  /** One reserve → capture loop of `durationMs` in the thread; `tag` keeps reservation ids unique. */
  run(durationMs: number, tag: string): Promise<CycleFigures>;
  close(): Promise<void>;
}

export function startCallerThread(options: CallerThreadOptions): CallerThread {
  const worker = new Worker(new URL('./caller-thread-entry.mjs', import.meta.url), {
    workerData: options,
    // Nothing inherited: the entry registers tsx itself, under tsx and vitest alike.
    execArgv: [],
  });
  return {
    run(durationMs, tag) {
      return new Promise<CycleFigures>((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        worker.once('error', onError);
        worker.once('message', (reply: RunReply) => {
          worker.off('error', onError);
          if ('error' in reply) reject(new Error(`caller thread: ${reply.error}`));
          else resolve(reply.figures);
        });
        worker.postMessage({ durationMs, tag } satisfies RunRequest);
      });
    },
    async close() {
      // Its keep-alive sockets would keep it alive; it has nothing left to do.
      await worker.terminate();
    },
  };
}

if (
  parentPort !== null &&
  (workerData as Partial<CallerThreadOptions> | null)?.workspacePrefix !== undefined
) {
  const port = parentPort;
  const options = workerData as CallerThreadOptions;
  const driver = httpDriver(createClient({ baseUrl: options.baseUrl, apiKey: options.apiKey }));
  port.on('message', (request: RunRequest) => {
    reserveCaptureLoop({
      driver,
      concurrency: options.concurrency,
      durationMs: request.durationMs,
      tag: request.tag,
      pickWorkspace: (worker) => `${options.workspacePrefix}${worker + 1}`,
    }).then(
      (figures) => port.postMessage({ figures } satisfies RunReply),
      (error: unknown) => port.postMessage({ error: String(error) } satisfies RunReply),
    );
  });
}
