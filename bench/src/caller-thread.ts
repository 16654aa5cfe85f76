/**
 * A worker thread that plays a service's callers over HTTP on loopback, in a thread of its own, so
 * the service's thread carries only the service (HTTP server, money path, PGlite) as it would with
 * its callers in other processes: their work and their garbage are not the service's. One thread
 * serves every run of a workload, so its code is warm after the first.
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { createClient } from '@aicredits/sdk';
import { type CycleFigures, reserveCaptureLoop } from './cycle.js';
import { httpDriver } from './drivers.js';
import { type GuardSampler, type GuardVariant, guardSampler } from './guard-samples.js';
import { timed, type WorkspaceRead, workspaceReads } from './load.js';

export interface CallerThreadOptions {
  baseUrl: string;
  apiKey: string;
  /** Reserve → capture callers of `run`. */
  concurrency: number;
  /** Caller `w` works in workspace `${workspacePrefix}${w + 1}`. */
  workspacePrefix: string;
}

type Request =
  | { kind: 'cycles'; durationMs: number; tag: string }
  | { kind: 'reads'; read: WorkspaceRead; workspaceId: string; count: number }
  | { kind: 'guard'; variant: GuardVariant; workspaceId: string; count: number };

type Reply = { figures: CycleFigures } | { samples: number[] } | { error: string };

export interface CallerThread {
  /** One reserve → capture loop of `durationMs` in the thread; `tag` keeps reservation ids unique. */
  run(durationMs: number, tag: string): Promise<CycleFigures>;
  /** `count` reads of `workspaceId` through the SDK, one at a time; each one's latency in ms. */
  reads(read: WorkspaceRead, workspaceId: string, count: number): Promise<number[]>;
  /** `count` tasks of `variant` in `workspaceId`, one at a time (see guard-samples.ts); ms each. */
  guard(variant: GuardVariant, workspaceId: string, count: number): Promise<number[]>;
  close(): Promise<void>;
}

const THREAD_MARK = 'aicredits-bench-caller-thread';

export function startCallerThread(options: CallerThreadOptions): CallerThread {
  const worker = new Worker(new URL('./caller-thread-entry.mjs', import.meta.url), {
    workerData: { ...options, mark: THREAD_MARK },
    // Nothing inherited: the entry registers tsx itself, under tsx and vitest alike.
    execArgv: [],
  });
  const ask = (request: Request) =>
    new Promise<Reply>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      worker.once('error', onError);
      worker.once('message', (reply: Reply) => {
        worker.off('error', onError);
        if ('error' in reply) reject(new Error(`caller thread: ${reply.error}`));
        else resolve(reply);
      });
      worker.postMessage(request);
    });
  return {
    async run(durationMs, tag) {
      const reply = await ask({ kind: 'cycles', durationMs, tag });
      if (!('figures' in reply)) throw new Error('caller thread: no figures');
      return reply.figures;
    },
    async reads(read, workspaceId, count) {
      const reply = await ask({ kind: 'reads', read, workspaceId, count });
      if (!('samples' in reply)) throw new Error('caller thread: no samples');
      return reply.samples;
    },
    async guard(variant, workspaceId, count) {
      const reply = await ask({ kind: 'guard', variant, workspaceId, count });
      if (!('samples' in reply)) throw new Error('caller thread: no samples');
      return reply.samples;
    },
    async close() {
      // Its keep-alive sockets would keep it alive; it has nothing left to do.
      await worker.terminate();
    },
  };
}

if (parentPort !== null && (workerData as { mark?: string } | null)?.mark === THREAD_MARK) {
  const port = parentPort;
  const options = workerData as CallerThreadOptions;
  const client = createClient({ baseUrl: options.baseUrl, apiKey: options.apiKey });
  const driver = httpDriver(client);
  const samplers = new Map<string, GuardSampler>();
  const answer = (work: Promise<Reply>) =>
    work.then(
      (reply) => port.postMessage(reply),
      (error: unknown) => port.postMessage({ error: String(error) } satisfies Reply),
    );
  port.on('message', (request: Request) => {
    if (request.kind === 'reads') {
      const read: () => Promise<unknown> = workspaceReads(client, request.workspaceId)[request.read];
      answer(
        (async () => {
          const samples: number[] = [];
          for (let k = 0; k < request.count; k += 1) samples.push((await timed(read)).ms);
          return { samples };
        })(),
      );
      return;
    }
    if (request.kind === 'guard') {
      let sample = samplers.get(request.workspaceId);
      if (sample === undefined) {
        sample = guardSampler(client, request.workspaceId);
        samplers.set(request.workspaceId, sample);
      }
      answer(sample(request.variant, request.count).then((samples) => ({ samples })));
      return;
    }
    answer(
      reserveCaptureLoop({
        driver,
        concurrency: options.concurrency,
        durationMs: request.durationMs,
        tag: request.tag,
        pickWorkspace: (worker) => `${options.workspacePrefix}${worker + 1}`,
      }).then((figures) => ({ figures })),
    );
  });
}
