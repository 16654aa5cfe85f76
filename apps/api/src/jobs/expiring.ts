import type { WebhookEventOf } from '@aicredits/contract';
import { MS_PER_DAY } from '@aicredits/ledger';
import type { Logger } from 'pino';
import type { Db } from '../db/db.js';
import { toSafeInt } from '../db/db.js';
import { insertRows, jsonParam } from '../db/sql.js';
import { iso } from '../store/records.js';

/** Lots looked at per page; the scan pages through all of them. */
const EXPIRING_PAGE_SIZE = 500;
/** Pages per pass (bounds one pass; the next pass continues from the start). */
const EXPIRING_MAX_PAGES = 40;
const DEFAULT_WARNING_DAYS = [30, 7];

/**
 * The deterministic id of a warning: one per lot per window. Lot ids are unique only within a
 * workspace (seat lots are named after the member and period), so the workspace is part of it.
 */
export function expiringEventId(workspaceId: string, lotId: string, withinDays: number): string {
  return `evt_exp_${workspaceId}_${lotId}_${withinDays}`;
}

/**
 * The narrowest warning window the lot falls in, or null. Only the narrowest is announced: a lot
 * found 5 days before expiry gets the 7-day warning, not the 30-day one as well; a lot found 20
 * days before gets the 30-day warning now and the 7-day one when it gets that close.
 */
export function warningWindow(expiresAt: number, now: number, windowsDays: readonly number[]): number | null {
  const sorted = [...new Set(windowsDays)].filter((d) => d > 0).sort((a, b) => a - b);
  for (const days of sorted) if (expiresAt <= now + days * MS_PER_DAY) return days;
  return null;
}

/**
 * (5) Emits `lots.expiring` for every open lot with funds that will expire within one of its
 * workspace's `expiryWarningDays` windows, into the outbox. The event id is deterministic, so a
 * warning is emitted once however often the scan (or how many replicas) runs. Self-hosted and
 * deleted workspaces are skipped: nothing is metered there.
 */
export async function expiringScanPass(deps: { db: Db; logger: Logger; now: () => number }): Promise<number> {
  const now = deps.now();
  let emitted = 0;
  let cursor: [string, string] = ['', ''];
  for (let page = 0; page < EXPIRING_MAX_PAGES; page += 1) {
    const { rows } = await deps.db.query<Record<string, unknown>>(
      `SELECT l.workspace_id, l.id, l.kind, l.scope, l.remaining_micros, l.expires_at, w.unit, w.expiry_warning_days
       FROM lots l JOIN workspaces w ON w.id = l.workspace_id
       WHERE l.closed_at IS NULL AND l.remaining_micros > 0 AND l.expires_at > $1
         AND l.expires_at <= $1 + $2::bigint * (
           SELECT COALESCE(max(d::bigint), 0) FROM jsonb_array_elements_text(w.expiry_warning_days) AS d)
         AND w.deleted_at IS NULL AND w.hosting = 'cloud'
         AND (l.workspace_id, l.id) > ($3, $4)
       ORDER BY l.workspace_id, l.id LIMIT $5`,
      [now, MS_PER_DAY, cursor[0], cursor[1], EXPIRING_PAGE_SIZE],
    );
    const events: WebhookEventOf<'lots.expiring'>[] = [];
    for (const row of rows) {
      const workspaceId = String(row.workspace_id);
      const lotId = String(row.id);
      const expiresAt = toSafeInt(row.expires_at, 'expires_at');
      const remainingMicros = toSafeInt(row.remaining_micros, 'remaining_micros');
      const windows = parseDays(row.expiry_warning_days);
      const withinDays = warningWindow(expiresAt, now, windows);
      if (withinDays === null) continue;
      events.push({
        id: expiringEventId(workspaceId, lotId, withinDays),
        type: 'lots.expiring',
        createdAt: iso(now),
        workspaceId,
        data: {
          unit: String(row.unit) as WebhookEventOf<'lots.expiring'>['data']['unit'],
          withinDays,
          totalMicros: remainingMicros,
          earliestExpiresAt: iso(expiresAt),
          lots: [
            {
              lotId,
              kind: String(row.kind) as WebhookEventOf<'lots.expiring'>['data']['lots'][number]['kind'],
              scope: String(row.scope) as WebhookEventOf<'lots.expiring'>['data']['lots'][number]['scope'],
              remainingMicros,
              expiresAt: iso(expiresAt),
            },
          ],
        },
      });
    }
    emitted += await insertNew(deps.db, events, now);
    const last = rows[rows.length - 1];
    if (last === undefined || rows.length < EXPIRING_PAGE_SIZE) break;
    cursor = [String(last.workspace_id), String(last.id)];
  }
  if (emitted > 0) deps.logger.info({ emitted }, 'lots.expiring warnings emitted');
  return emitted;
}

function parseDays(value: unknown): number[] {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (!Array.isArray(parsed)) return DEFAULT_WARNING_DAYS;
  return parsed.filter((d): d is number => typeof d === 'number' && Number.isInteger(d));
}

/** Inserts the events not yet in the outbox; returns how many were new. */
async function insertNew(
  db: Db,
  events: readonly WebhookEventOf<'lots.expiring'>[],
  now: number,
): Promise<number> {
  if (events.length === 0) return 0;
  const { rows } = await db.query<{ id: string }>('SELECT id FROM outbox_events WHERE id = ANY($1::text[])', [
    events.map((e) => e.id),
  ]);
  const known = new Set(rows.map((r) => r.id));
  const fresh = events.filter((e) => !known.has(e.id));
  // ON CONFLICT covers a replica inserting the same warning between the check and the insert.
  await insertRows(
    db,
    'outbox_events',
    ['id', 'workspace_id', 'type', 'payload', 'created_at'],
    fresh.map((e) => [e.id, e.workspaceId, e.type, jsonParam(e), now]),
    'ON CONFLICT (id) DO NOTHING',
  );
  return fresh.length;
}
