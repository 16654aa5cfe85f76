import { addMonths, MS_PER_DAY } from '@aicredits/ledger';
import type { Logger } from 'pino';
import type { Db } from '../db/db.js';

/** §10: usage history is kept for 12 months. Ledger entries and charges are never deleted. */
export const USAGE_RETENTION_MONTHS = 12;
/**
 * Stored idempotency answers are kept 7 days. Stripe keeps keys 24 hours; a reservation may live
 * up to 24 hours before its capture, and a client retrying a capture after an outage must still
 * get the first answer back, so we keep a week of margin beyond that.
 */
export const IDEMPOTENCY_KEY_RETENTION_MS = 7 * MS_PER_DAY;

/**
 * Dispatched outbox events and their finished deliveries are kept 400 days: longer than the
 * widest expiry-warning window (365 days), because a warning's deterministic id is what keeps it
 * from being emitted twice.
 */
export const OUTBOX_RETENTION_MS = 400 * MS_PER_DAY;

/** Rows per DELETE: each statement stays short and holds few locks. */
export const PRUNE_BATCH_SIZE = 1_000;
/** Batches per table per pass; a backlog larger than this is finished by the next passes. */
const PRUNE_MAX_BATCHES = 50;

export interface PruneResult {
  usageEvents: number;
  idempotencyKeys: number;
  deliveries: number;
  outboxEvents: number;
}

async function deleteInBatches(db: Db, sql: string, cutoff: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < PRUNE_MAX_BATCHES; i += 1) {
    const { rows } = await db.query(sql, [cutoff, PRUNE_BATCH_SIZE]);
    total += rows.length;
    if (rows.length < PRUNE_BATCH_SIZE) break;
  }
  return total;
}

/**
 * (4) Deletes usage events older than 12 months, idempotency answers older than 7 days, and
 * dispatched outbox events with their finished deliveries older than 400 days.
 */
export async function prunePass(deps: { db: Db; logger: Logger; now: () => number }): Promise<PruneResult> {
  const now = deps.now();
  const usageEvents = await deleteInBatches(
    deps.db,
    `DELETE FROM usage_events WHERE (workspace_id, charge_id) IN (
       SELECT workspace_id, charge_id FROM usage_events WHERE at < $1 ORDER BY at LIMIT $2)
     RETURNING charge_id`,
    addMonths(now, -USAGE_RETENTION_MONTHS),
  );
  const idempotencyKeys = await deleteInBatches(
    deps.db,
    `DELETE FROM idempotency_keys WHERE (scope, key) IN (
       SELECT scope, key FROM idempotency_keys WHERE created_at < $1 ORDER BY created_at LIMIT $2)
     RETURNING key`,
    now - IDEMPOTENCY_KEY_RETENTION_MS,
  );
  // Deliveries first: they reference the events. A pending delivery is never this old (delivery
  // gives up after about a day), so only finished ones go.
  const deliveries = await deleteInBatches(
    deps.db,
    `DELETE FROM deliveries WHERE id IN (
       SELECT d.id FROM deliveries d JOIN outbox_events e ON e.id = d.event_id
       WHERE e.created_at < $1 AND e.dispatched_at IS NOT NULL AND d.status <> 'pending' LIMIT $2)
     RETURNING id`,
    now - OUTBOX_RETENTION_MS,
  );
  const outboxEvents = await deleteInBatches(
    deps.db,
    `DELETE FROM outbox_events WHERE id IN (
       SELECT e.id FROM outbox_events e
       WHERE e.created_at < $1 AND e.dispatched_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)
       LIMIT $2)
     RETURNING id`,
    now - OUTBOX_RETENTION_MS,
  );
  const result = { usageEvents, idempotencyKeys, deliveries, outboxEvents };
  if (Object.values(result).some((n) => n > 0))
    deps.logger.info(result, 'pruned records past their retention');
  return result;
}
