import type { Logger } from 'pino';
import type { Db } from '../db/db.js';

export interface JobDefinition {
  readonly name: string;
  /** Average time between passes; each wait is jittered by ±20% so replicas do not align. */
  readonly intervalMs: number;
  /**
   * When true (the default) a pass first takes the job's row in `job_leases`, so across replicas
   * one pass of the job runs at a time. Webhook delivery opts out: it shares work between
   * replicas through per-row claims instead, so every replica can send.
   */
  readonly exclusive?: boolean;
  /** How long a taken lease lasts if the holder dies mid-pass (a pass is bounded well below it). */
  readonly leaseMs?: number;
  run(): Promise<void>;
}

const DEFAULT_LEASE_MS = 5 * 60_000;
/** The first pass of every job comes soon after start, not a whole (maybe hourly) interval later. */
const FIRST_PASS_MAX_DELAY_MS = 5_000;

/**
 * Lease times use the database's clock, not the service clock: a lease is mutual exclusion
 * between processes, and the database is the one clock every replica shares (a frozen test
 * clock would otherwise keep a dead replica's lease forever).
 */
const DB_NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint';

/** Takes the lease when it is free or lapsed; atomic, so two replicas never both get it. */
export async function acquireLease(db: Db, name: string, holder: string, leaseMs: number): Promise<boolean> {
  const { rows } = await db.query(
    `INSERT INTO job_leases (name, holder, lease_until) VALUES ($1, $2, ${DB_NOW_MS} + $3)
     ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, lease_until = EXCLUDED.lease_until
     WHERE job_leases.lease_until < ${DB_NOW_MS}
     RETURNING holder`,
    [name, holder, leaseMs],
  );
  return rows.length === 1;
}

/** Frees the lease at once when a pass ends, so the next pass (any replica's) need not wait for it to lapse. */
export async function releaseLease(db: Db, name: string, holder: string): Promise<void> {
  await db.query('UPDATE job_leases SET lease_until = 0 WHERE name = $1 AND holder = $2', [name, holder]);
}

export interface Scheduler {
  /** Runs every job once now, in order, after any pass of it already running in this process. */
  runOnce(): Promise<void>;
  /** Stops the timers and waits for running passes to finish. */
  stop(): Promise<void>;
}

interface JobSlot {
  job: JobDefinition;
  /** The tail of this job's passes in this process: a job never overlaps itself. */
  tail: Promise<void>;
  busy: boolean;
  timer: NodeJS.Timeout | null;
}

export function startScheduler(options: {
  db: Db;
  logger: Logger;
  holder: string;
  jobs: readonly JobDefinition[];
  /** False: no timers, passes run only through `runOnce` (tests, one-shot tools). */
  timers: boolean;
  random?: () => number;
}): Scheduler {
  const { db, logger, holder } = options;
  const random = options.random ?? Math.random;
  let stopped = false;
  const slots: JobSlot[] = options.jobs.map((job) => ({
    job,
    tail: Promise.resolve(),
    busy: false,
    timer: null,
  }));

  const pass = async (slot: JobSlot): Promise<void> => {
    const { job } = slot;
    const exclusive = job.exclusive ?? true;
    const started = performance.now();
    try {
      if (exclusive && !(await acquireLease(db, job.name, holder, job.leaseMs ?? DEFAULT_LEASE_MS))) {
        logger.debug(
          { job: job.name },
          'background job: another replica holds the lease; skipping this pass',
        );
        return;
      }
      try {
        await job.run();
      } finally {
        if (exclusive) await releaseLease(db, job.name, holder);
      }
      logger.trace(
        { job: job.name, ms: Math.round(performance.now() - started) },
        'background job pass done',
      );
    } catch (error) {
      // A failed pass is retried by the next one; it must never take the process down.
      logger.error({ err: error, job: job.name }, 'background job failed');
    }
  };

  const enqueue = (slot: JobSlot): Promise<void> => {
    const run = slot.tail.then(async () => {
      slot.busy = true;
      try {
        await pass(slot);
      } finally {
        slot.busy = false;
      }
    });
    slot.tail = run;
    return run;
  };

  const schedule = (slot: JobSlot, delayMs: number) => {
    if (stopped) return;
    slot.timer = setTimeout(() => {
      slot.timer = null;
      // A timer tick while a pass (e.g. one from runOnce) is still running is simply skipped.
      const next = slot.busy ? slot.tail : enqueue(slot);
      void next.then(() => schedule(slot, jittered(slot.job.intervalMs, random)));
    }, delayMs);
    // Background timers must not keep a finished process (or test run) alive.
    slot.timer.unref();
  };

  if (options.timers) {
    for (const slot of slots) {
      schedule(slot, Math.round(Math.min(slot.job.intervalMs, FIRST_PASS_MAX_DELAY_MS) * random()));
    }
  }

  return {
    async runOnce() {
      if (stopped) return;
      for (const slot of slots) await enqueue(slot);
    },
    async stop() {
      stopped = true;
      for (const slot of slots) {
        if (slot.timer !== null) clearTimeout(slot.timer);
        slot.timer = null;
      }
      await Promise.all(slots.map((s) => s.tail));
    },
  };
}

export function jittered(intervalMs: number, random: () => number = Math.random): number {
  return Math.max(1, Math.round(intervalMs * (0.8 + 0.4 * random())));
}
