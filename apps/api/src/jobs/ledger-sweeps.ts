import { billingPeriodAt, MS_PER_DAY } from '@aicredits/ledger';
import type { Logger } from 'pino';
import type { Db } from '../db/db.js';
import { toSafeInt, toSafeIntOrNull } from '../db/db.js';
import { sweepOp } from '../money/ops.js';
import type { GroupCommitQueue } from '../money/queue.js';

/*
 * The ledger sweeps do no ledger work of their own. They find workspaces with something due and
 * submit a no-op through the money queue; the batch's housekeeping (lot expiry, lapsed holds,
 * the period's seat grant) then runs exactly as it does before any request, under the workspace
 * lock, writing entries and alerts the normal way. Running a sweep twice, or on two replicas,
 * is harmless: the second batch finds nothing left to do.
 */

/** Workspaces swept per pass; the rest wait for the next pass. */
export const SWEEP_WORKSPACES_PER_PASS = 500;
/** Batches in flight at once (each is one transaction holding one workspace lock). */
const SWEEP_CONCURRENCY = 4;
/** The shortest billing month: a period that started less than this ago is still current. */
const SHORTEST_PERIOD_MS = 28 * MS_PER_DAY;

export interface SweepDeps {
  db: Db;
  queue: GroupCommitQueue;
  logger: Logger;
  now: () => number;
}

/** Submits the housekeeping batch for each workspace; one workspace's failure does not stop the rest. */
export async function sweepWorkspaces(
  deps: SweepDeps,
  workspaceIds: readonly string[],
  job: string,
): Promise<number> {
  let next = 0;
  let swept = 0;
  const worker = async () => {
    while (next < workspaceIds.length) {
      const ws = workspaceIds[next];
      next += 1;
      if (ws === undefined) break;
      try {
        await deps.queue.submit(ws, sweepOp());
        swept += 1;
      } catch (error) {
        deps.logger.error({ err: error, job, workspaceId: ws }, 'background sweep failed for a workspace');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(SWEEP_CONCURRENCY, workspaceIds.length) }, worker));
  return swept;
}

/** (1) Open lots whose expiry has passed: closed, with the forfeited remainder written as an entry. */
export async function expireLotsPass(deps: SweepDeps): Promise<number> {
  const { rows } = await deps.db.query<{ workspace_id: string }>(
    `SELECT DISTINCT l.workspace_id FROM lots l JOIN workspaces w ON w.id = l.workspace_id
     WHERE l.closed_at IS NULL AND l.remaining_micros > 0 AND l.expires_at <= $1 AND w.deleted_at IS NULL
     ORDER BY l.workspace_id LIMIT $2`,
    [deps.now(), SWEEP_WORKSPACES_PER_PASS],
  );
  return sweepWorkspaces(
    deps,
    rows.map((r) => r.workspace_id),
    'lots.expire',
  );
}

/** (2) Reservations held past their TTL: expired, releasing the hold. */
export async function expireReservationsPass(deps: SweepDeps): Promise<number> {
  const { rows } = await deps.db.query<{ workspace_id: string }>(
    `SELECT DISTINCT r.workspace_id FROM reservations r JOIN workspaces w ON w.id = r.workspace_id
     WHERE r.status = 'held' AND r.expires_at <= $1 AND w.deleted_at IS NULL
     ORDER BY r.workspace_id LIMIT $2`,
    [deps.now(), SWEEP_WORKSPACES_PER_PASS],
  );
  return sweepWorkspaces(
    deps,
    rows.map((r) => r.workspace_id),
    'reservations.expire',
  );
}

/**
 * (3) Seat credits at the start of each billing period, for workspaces with no operation yet this
 * period (an operation grants them lazily; this makes them appear without one). Candidates are
 * narrowed in SQL to workspaces whose last grant is at least a shortest month old, then checked
 * against each workspace's own billing anchor.
 */
export async function grantSeatsPass(deps: SweepDeps): Promise<number> {
  const now = deps.now();
  const due: string[] = [];
  let cursor = '';
  while (due.length < SWEEP_WORKSPACES_PER_PASS) {
    const { rows } = await deps.db.query<Record<string, unknown>>(
      `SELECT id, billing_anchor, seats_granted_period FROM workspaces
       WHERE deleted_at IS NULL AND hosting = 'cloud' AND included_micros_per_seat > 0
         AND (seats_granted_period IS NULL OR seats_granted_period <= $1)
         AND id > $2
       ORDER BY id LIMIT $3`,
      [now - SHORTEST_PERIOD_MS, cursor, SWEEP_WORKSPACES_PER_PASS],
    );
    for (const row of rows) {
      const start = billingPeriodAt(toSafeInt(row.billing_anchor, 'billing_anchor'), now).start;
      if (toSafeIntOrNull(row.seats_granted_period, 'seats_granted_period') !== start)
        due.push(String(row.id));
    }
    const last = rows[rows.length - 1];
    if (last === undefined || rows.length < SWEEP_WORKSPACES_PER_PASS) break;
    cursor = String(last.id);
  }
  return sweepWorkspaces(deps, due.slice(0, SWEEP_WORKSPACES_PER_PASS), 'seats.grant');
}
