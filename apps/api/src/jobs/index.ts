import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import type { GroupCommitQueue } from '../money/queue.js';
import { deliverDue, type FetchLike, fanOutOutbox } from '../webhooks/index.js';
import { expiringScanPass } from './expiring.js';
import { expireLotsPass, expireReservationsPass, grantSeatsPass, type SweepDeps } from './ledger-sweeps.js';
import { prunePass } from './retention.js';
import { type JobDefinition, startScheduler } from './scheduler.js';

export const JOB_NAMES = [
  'reservations.expire',
  'lots.expire',
  'seats.grant',
  'lots.expiring',
  'retention.prune',
  'outbox.fanout',
  'webhooks.deliver',
] as const;
export type JobName = (typeof JOB_NAMES)[number];

/**
 * Average time between passes. Expiry is never late for spending (the engine refuses an expired
 * lot from its exact instant); these intervals bound how late the records and alerts are.
 */
export const DEFAULT_JOB_INTERVALS_MS: Readonly<Record<JobName, number>> = {
  'reservations.expire': 15_000,
  'lots.expire': 30_000,
  'seats.grant': 5 * 60_000,
  'lots.expiring': 10 * 60_000,
  'retention.prune': 60 * 60_000,
  'outbox.fanout': 1_000,
  'webhooks.deliver': 2_000,
};

/** How often the test clock is watched for jumps (only with the test clock enabled). */
const TEST_CLOCK_WATCH_MS = 200;

export interface BackgroundDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  queue: GroupCommitQueue;
  /** False: no timers; passes run only through `runOnce`. Default true. */
  timers?: boolean;
  /** This replica's name in `job_leases`. Default: host, pid and a random suffix. */
  holder?: string;
  intervalsMs?: Partial<Record<JobName, number>>;
  /** Outgoing HTTP for webhook deliveries (tests may wrap it). Default: global fetch. */
  fetch?: FetchLike;
}

export interface BackgroundWork {
  /** Runs every job once now (ledger sweeps first, delivery last). */
  runOnce(): Promise<void>;
  /** Stops the timers and waits for the running passes. */
  stop(): Promise<void>;
}

/**
 * Starts the service's background work: expiry sweeps, seat grants, retention, expiry warnings
 * and webhook delivery. Safe with several replicas on one PostgreSQL database: exclusive jobs
 * take a lease, delivery claims rows, and every ledger change goes through the money queue.
 */
export function startBackgroundWork(deps: BackgroundDeps): BackgroundWork {
  const logger = deps.logger.child({ component: 'jobs' });
  const now = () => deps.clock.now();
  const sweep: SweepDeps = { db: deps.db, queue: deps.queue, logger, now };
  const interval = (name: JobName) => deps.intervalsMs?.[name] ?? DEFAULT_JOB_INTERVALS_MS[name];
  const runs: Record<JobName, () => Promise<unknown>> = {
    'reservations.expire': () => expireReservationsPass(sweep),
    'lots.expire': () => expireLotsPass(sweep),
    'seats.grant': () => grantSeatsPass(sweep),
    'lots.expiring': () => expiringScanPass({ db: deps.db, logger, now }),
    'retention.prune': () => prunePass({ db: deps.db, logger, now }),
    'outbox.fanout': () => fanOutOutbox(deps.db, now()),
    'webhooks.deliver': () =>
      deliverDue({ db: deps.db, logger, now, ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }) }),
  };
  const jobs: JobDefinition[] = JOB_NAMES.map((name) => ({
    name,
    intervalMs: interval(name),
    exclusive: name !== 'webhooks.deliver',
    async run() {
      // The test clock may have been moved through another replica; see where it is now.
      if (deps.clock.testClock) await deps.clock.refresh();
      await runs[name]();
    },
  }));
  const timers = deps.timers ?? true;
  const scheduler = startScheduler({
    db: deps.db,
    logger,
    holder: deps.holder ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    jobs,
    timers,
  });

  // With the test clock, a jump forward (POST /v1/test-clock) runs every job at once, so a test
  // sees expiry, grants and retries right after moving time instead of after the next interval.
  let watcher: NodeJS.Timeout | null = null;
  let watching: Promise<void> | null = null;
  if (timers && deps.clock.testClock) {
    let seenClock = deps.clock.now();
    let seenReal = Date.now();
    const watch = async () => {
      // Re-read the stored clock so a jump made through another replica is seen here too.
      await deps.clock.refresh();
      const clockNow = deps.clock.now();
      const realNow = Date.now();
      const jumped = clockNow - seenClock > realNow - seenReal + 1_000;
      seenClock = clockNow;
      seenReal = realNow;
      if (jumped) await scheduler.runOnce();
    };
    watcher = setInterval(() => {
      // One watch at a time; stop() waits for the one in flight.
      if (watching !== null) return;
      watching = watch()
        .catch((error: unknown) => logger.warn({ err: error }, 'test clock watch failed'))
        .finally(() => {
          watching = null;
        });
    }, TEST_CLOCK_WATCH_MS);
    watcher.unref();
  }

  return {
    runOnce: () => scheduler.runOnce(),
    async stop() {
      if (watcher !== null) clearInterval(watcher);
      watcher = null;
      await watching;
      await scheduler.stop();
    },
  };
}

export { expiringEventId, warningWindow } from './expiring.js';
export { IDEMPOTENCY_KEY_RETENTION_MS, OUTBOX_RETENTION_MS, USAGE_RETENTION_MONTHS } from './retention.js';
export { acquireLease, releaseLease } from './scheduler.js';
