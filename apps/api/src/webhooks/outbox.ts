import type { Db } from '../db/db.js';

/** Upper bound on events fanned out per transaction (keeps each transaction short). */
export const FANOUT_BATCH_SIZE = 200;

/**
 * Turns undispatched outbox events into one `deliveries` row per enabled endpoint of the event's
 * workspace subscribed to its type (or to `*`). An endpoint receives only events that happened
 * after it was registered, as a customer would expect from a new subscription.
 *
 * The events are claimed with `FOR UPDATE SKIP LOCKED`, so replicas fanning out at the same time
 * take disjoint sets, and `UNIQUE (event_id, endpoint_id)` makes a repeated fan-out harmless.
 * Returns the number of events dispatched.
 */
export async function fanOutOutbox(db: Db, now: number, batchSize = FANOUT_BATCH_SIZE): Promise<number> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `SELECT id FROM outbox_events WHERE dispatched_at IS NULL
       ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [batchSize],
    );
    if (rows.length === 0) return 0;
    const ids = rows.map((r) => r.id);
    await tx.query(
      `INSERT INTO deliveries (event_id, endpoint_id, next_attempt_at, created_at)
       SELECT e.id, ep.id, $2, $2
       FROM outbox_events e
       JOIN webhook_endpoints ep ON ep.workspace_id = e.workspace_id
       WHERE e.id = ANY($1::text[])
         AND ep.enabled AND ep.deleted_at IS NULL
         AND ep.created_at <= e.created_at
         AND (ep.events @> jsonb_build_array(e.type) OR ep.events @> '["*"]'::jsonb)
       ON CONFLICT (event_id, endpoint_id) DO NOTHING`,
      [ids, now],
    );
    await tx.query('UPDATE outbox_events SET dispatched_at = $2 WHERE id = ANY($1::text[])', [ids, now]);
    return ids.length;
  });
}
