import { captureOp, type Db, type MoneyOp, type OpResult, type Queryable, reserveOp } from '@aicredits/api';
import type { AicreditsClient } from '@aicredits/sdk';

/**
 * The two ways a benchmark reserves and captures: `ours` submits the API's own operations to its
 * per-workspace group-commit queue; `naive` is the textbook implementation of the same
 * reserve → capture semantics — one interactive transaction per request that locks the
 * workspace row with SELECT … FOR UPDATE — on the same schema and database.
 */
export type Variant = 'ours' | 'naive' | 'http' | 'in-process';

export interface ReserveRequest {
  reservationId: string;
  amountMicros: number;
  ttlSeconds: number;
  /** The member doing the work (their seat lots first); null or absent: pooled work. */
  memberId?: string | null;
}

export interface CaptureRequest {
  reservationId: string;
  amountMicros: number;
}

export interface MoneyDriver {
  readonly variant: Variant;
  /** True when admitted, false when refused for lack of credits. */
  reserve(workspaceId: string, request: ReserveRequest): Promise<boolean>;
  capture(workspaceId: string, request: CaptureRequest): Promise<void>;
}

const REFUSALS = new Set(['insufficient_credits', 'overage_disabled', 'overage_cap_reached']);

function refusalCode(error: unknown): string | null {
  if (typeof error !== 'object' || error === null || !('code' in error)) return null;
  const code = (error as { code: unknown }).code;
  return typeof code === 'string' && REFUSALS.has(code) ? code : null;
}

export const FEATURE = 'bench';

export type Submit = (workspaceId: string, op: MoneyOp) => Promise<OpResult>;

/** The API's own money path without HTTP: `store.submit` or a running service's `queue.submit`. */
export function oursDriver(submit: Submit): MoneyDriver {
  return {
    variant: 'ours',
    async reserve(workspaceId, r) {
      try {
        await submit(
          workspaceId,
          reserveOp(
            {
              reservationId: r.reservationId,
              memberId: r.memberId ?? null,
              feature: FEATURE,
              estimateMicros: r.amountMicros,
              ttlSeconds: r.ttlSeconds,
              taskKind: null,
            },
            null,
          ),
        );
        return true;
      } catch (error) {
        if (refusalCode(error) !== null) return false;
        throw error;
      }
    },
    async capture(workspaceId, c) {
      await submit(
        workspaceId,
        captureOp(
          {
            reservationId: c.reservationId,
            chargeId: `ch_${c.reservationId}`,
            amountMicros: c.amountMicros,
            outcome: 'succeeded',
          },
          null,
        ),
      );
    },
  };
}

/**
 * The whole API through the SDK (validation, auth, JSON, Hono, then the same queue): over HTTP, or
 * `in-process` when the client's `fetch` is the service's own request handler (no socket).
 */
export function httpDriver(client: AicreditsClient, variant: 'http' | 'in-process' = 'http'): MoneyDriver {
  return {
    variant,
    async reserve(workspaceId, r) {
      try {
        await client.reservations.create(workspaceId, {
          reservationId: r.reservationId,
          ...(r.memberId ? { memberId: r.memberId } : {}),
          feature: FEATURE,
          estimateMicros: r.amountMicros,
          ttlSeconds: r.ttlSeconds,
        });
        return true;
      } catch (error) {
        if (refusalCode(error) !== null) return false;
        throw error;
      }
    },
    async capture(workspaceId, c) {
      await client.reservations.capture(workspaceId, c.reservationId, {
        amountMicros: c.amountMicros,
        outcome: 'succeeded',
      });
    },
  };
}

const num = (value: unknown): number => Number(value);

/** Burn order in SQL: promotional → included → support → purchased, soonest expiry, granted, id. */
const BURN_ORDER = `CASE kind WHEN 'promotional' THEN 0 WHEN 'included' THEN 1 WHEN 'support' THEN 2 ELSE 3 END,
  expires_at ASC NULLS LAST, granted_at, id`;

/**
 * The naive baseline: every request is its own interactive transaction that takes the workspace
 * row lock first, then reads, decides in the application and writes — so every request of one
 * workspace waits for the previous one's round trips and COMMIT.
 */
export function naiveDriver(db: Db): MoneyDriver {
  return {
    variant: 'naive',
    reserve(workspaceId, r) {
      // Pooled lots only: member scopes would need the engine's claim order in SQL.
      if (r.memberId) throw new Error('the naive driver reserves pooled work only');
      const now = Date.now();
      const holdUntil = now + r.ttlSeconds * 1000;
      return db.transaction(async (tx) => {
        const w = await lockWorkspace(tx, workspaceId);
        const lots = await tx.query<{ available: string }>(
          `SELECT COALESCE(SUM(remaining_micros), 0) AS available FROM lots
           WHERE workspace_id = $1 AND closed_at IS NULL AND effective_at <= $2
             AND (expires_at IS NULL OR expires_at >= $3)`,
          [workspaceId, now, holdUntil],
        );
        const holds = await tx.query<{ held: string }>(
          `SELECT COALESCE(SUM(held_micros), 0) AS held FROM reservations
           WHERE workspace_id = $1 AND status = 'held' AND expires_at > $2`,
          [workspaceId, now],
        );
        const spendable = num(lots.rows[0]?.available) - num(holds.rows[0]?.held) - w.deficitMicros;
        // The engine's rule for pooled lots: begin only while spendable is positive, and only
        // if the hold fits within spendable + the allowed deficit.
        if (spendable <= 0 || r.amountMicros > spendable + w.maxDeficitMicros) return false;
        await tx.query(
          `INSERT INTO reservations (workspace_id, id, member_id, feature, held_micros, metered, created_at,
             expires_at, status)
           VALUES ($1, $2, NULL, $3, $4, true, $5, $6, 'held')`,
          [workspaceId, r.reservationId, FEATURE, r.amountMicros, now, holdUntil],
        );
        await tx.query(
          `INSERT INTO ledger_entries (workspace_id, id, type, amount_micros, at, reservation_id, feature)
           VALUES ($1, $2, 'reservation_held', $3, $4, $5, $6)`,
          [workspaceId, `${r.reservationId}:held`, r.amountMicros, now, r.reservationId, FEATURE],
        );
        return true;
      });
    },
    capture(workspaceId, c) {
      const now = Date.now();
      const chargeId = `ch_${c.reservationId}`;
      return db.transaction(async (tx) => {
        await lockWorkspace(tx, workspaceId);
        const held = await tx.query<{ held_micros: string; status: string }>(
          'SELECT held_micros, status FROM reservations WHERE workspace_id = $1 AND id = $2 FOR UPDATE',
          [workspaceId, c.reservationId],
        );
        const reservation = held.rows[0];
        if (reservation === undefined || reservation.status !== 'held') {
          throw new Error(`naive capture: reservation ${c.reservationId} is not held`);
        }
        const lots = await tx.query<{ id: string; kind: string; scope: string; remaining_micros: string }>(
          `SELECT id, kind, scope, remaining_micros FROM lots
           WHERE workspace_id = $1 AND closed_at IS NULL AND remaining_micros > 0 AND effective_at <= $2
             AND (expires_at IS NULL OR expires_at > $2)
           ORDER BY ${BURN_ORDER} FOR UPDATE`,
          [workspaceId, now],
        );
        let left = c.amountMicros;
        const draws: { lotId: string; kind: string; scope: string; amountMicros: number }[] = [];
        for (const lot of lots.rows) {
          if (left === 0) break;
          const amount = Math.min(left, num(lot.remaining_micros));
          left -= amount;
          draws.push({ lotId: lot.id, kind: lot.kind, scope: lot.scope, amountMicros: amount });
          await tx.query(
            'UPDATE lots SET remaining_micros = remaining_micros - $3 WHERE workspace_id = $1 AND id = $2',
            [workspaceId, lot.id, amount],
          );
        }
        const deficit = left;
        await tx.query(
          `INSERT INTO charges (workspace_id, id, reservation_id, member_id, feature, amount_micros, outcome,
             deficit_micros, overage_micros, overrun_micros, at)
           VALUES ($1, $2, $3, NULL, $4, $5, 'succeeded', $6, 0, $7, $8)`,
          [
            workspaceId,
            chargeId,
            c.reservationId,
            FEATURE,
            c.amountMicros,
            deficit,
            Math.max(0, c.amountMicros - num(reservation.held_micros)),
            now,
          ],
        );
        for (const [seq, d] of draws.entries()) {
          await tx.query(
            `INSERT INTO charge_draws (workspace_id, charge_id, seq, lot_id, kind, scope, amount_micros)
             VALUES ($1, $2, $3, $4, $5, $6, $7)`,
            [workspaceId, chargeId, seq, d.lotId, d.kind, d.scope, d.amountMicros],
          );
          await tx.query(
            `INSERT INTO ledger_entries (workspace_id, id, type, amount_micros, at, lot_id, reservation_id,
               charge_id, feature)
             VALUES ($1, $2, 'charge_draw', $3, $4, $5, $6, $7, $8)`,
            [
              workspaceId,
              `${chargeId}:draw:${seq}`,
              -d.amountMicros,
              now,
              d.lotId,
              c.reservationId,
              chargeId,
              FEATURE,
            ],
          );
        }
        await tx.query(
          `INSERT INTO ledger_entries (workspace_id, id, type, amount_micros, at, reservation_id, feature)
           VALUES ($1, $2, 'reservation_released', $3, $4, $5, $6)`,
          [
            workspaceId,
            `${c.reservationId}:released`,
            -num(reservation.held_micros),
            now,
            c.reservationId,
            FEATURE,
          ],
        );
        await tx.query(
          `INSERT INTO usage_events (workspace_id, charge_id, member_id, feature, amount_micros, overage_micros,
             outcome, at)
           VALUES ($1, $2, NULL, $3, $4, 0, 'succeeded', $5)`,
          [workspaceId, chargeId, FEATURE, c.amountMicros, now],
        );
        await tx.query(
          `UPDATE reservations SET status = 'captured', settled_at = $3, charge_id = $4
           WHERE workspace_id = $1 AND id = $2`,
          [workspaceId, c.reservationId, now, chargeId],
        );
        if (deficit > 0) {
          await tx.query(
            `INSERT INTO ledger_entries (workspace_id, id, type, amount_micros, at, reservation_id, charge_id,
               feature)
             VALUES ($1, $2, 'charge_deficit', $3, $4, $5, $6, $7)`,
            [workspaceId, `${chargeId}:deficit`, deficit, now, c.reservationId, chargeId, FEATURE],
          );
          await tx.query('UPDATE workspaces SET deficit_micros = deficit_micros + $2 WHERE id = $1', [
            workspaceId,
            deficit,
          ]);
        }
      });
    },
  };
}

async function lockWorkspace(
  tx: Queryable,
  workspaceId: string,
): Promise<{ deficitMicros: number; maxDeficitMicros: number }> {
  const { rows } = await tx.query<{ deficit_micros: string; max_deficit_micros: string }>(
    'SELECT deficit_micros, max_deficit_micros FROM workspaces WHERE id = $1 FOR UPDATE',
    [workspaceId],
  );
  const row = rows[0];
  if (row === undefined) throw new Error(`naive: workspace ${workspaceId} not found`);
  return { deficitMicros: num(row.deficit_micros), maxDeficitMicros: num(row.max_deficit_micros) };
}
