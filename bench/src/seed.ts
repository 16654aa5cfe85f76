import type { Queryable } from '@aicredits/api';
import { billingPeriodAt } from '@aicredits/ledger';

/*
 * Fixture data written straight into the API's tables with set-based SQL (generate_series), so
 * 100k workspaces or 1M charges take seconds to seed. Nothing here is measured.
 */

export const MICROS = 1_000_000;
const DAY_MS = 86_400_000;

export interface SeedWorkspaces {
  /** Ids are `${prefix}${n}` for n in 1..count. */
  prefix: string;
  count: number;
  now: number;
  maxDeficitMicros: number;
}

export async function seedWorkspaces(q: Queryable, seed: SeedWorkspaces): Promise<void> {
  const period = billingPeriodAt(seed.now, seed.now);
  await q.query(
    `INSERT INTO workspaces (id, name, plan, unit, hosting, enterprise, max_deficit_micros, billing_anchor,
       overage_period_start, created_at)
     SELECT $1 || g, 'bench', 'pro', 'usd', 'cloud', false, $3::bigint, $4::bigint, $5::bigint, $4::bigint
     FROM generate_series(1, $2::int) AS g`,
    [seed.prefix, seed.count, seed.maxDeficitMicros, seed.now, period.start],
  );
}

export interface SeedLot {
  /** Lot id suffix; the stored id is `${workspaceId}_${suffix}`. */
  suffix: string;
  kind: 'promotional' | 'included' | 'support' | 'purchased';
  amountMicros: number;
  expiresAt: number | null;
  /** Granted this long before `now` (orders lots of one kind with equal expiry). */
  grantedAgoMs?: number;
  /** `workspace` (default) or a member's seat: `member:<id>`. */
  scope?: `member:${string}`;
}

const SOURCE: Record<SeedLot['kind'], string> = {
  promotional: 'promotion',
  included: 'plan_period',
  support: 'support_ticket',
  purchased: 'payment',
};

/** The same lots for every workspace `${prefix}1..count`. */
export async function seedLots(
  q: Queryable,
  prefix: string,
  count: number,
  lots: readonly SeedLot[],
  now: number,
): Promise<void> {
  for (const lot of lots) {
    const grantedAt = now - (lot.grantedAgoMs ?? DAY_MS);
    await q.query(
      `INSERT INTO lots (workspace_id, id, kind, scope, original_micros, remaining_micros, granted_at,
         effective_at, expires_at, source, note)
       SELECT $1 || g, $1 || g || '_' || $3, $4, $9, $5::bigint, $5::bigint, $6::bigint, $6::bigint,
         $7::bigint, $8, 'bench'
       FROM generate_series(1, $2::int) AS g`,
      [
        prefix,
        count,
        lot.suffix,
        lot.kind,
        lot.amountMicros,
        grantedAt,
        lot.expiresAt,
        SOURCE[lot.kind],
        lot.scope ?? 'workspace',
      ],
    );
    // The engine writes one `lot_granted` entry per lot; the invariant checker expects it.
    await q.query(
      `INSERT INTO ledger_entries (workspace_id, id, type, amount_micros, at, lot_id)
       SELECT $1 || g, $1 || g || '_' || $3 || ':granted', 'lot_granted', $4::bigint, $5::bigint,
         $1 || g || '_' || $3
       FROM generate_series(1, $2::int) AS g`,
      [prefix, count, lot.suffix, lot.amountMicros, grantedAt],
    );
  }
  // A write outside the money path must move the ledger version: a service that remembers these
  // workspaces' ledgers (`rememberedWorkspaces`) then reads them again instead of missing the lots.
  await q.query(
    `UPDATE workspaces SET ledger_version = ledger_version + 1
     WHERE id IN (SELECT $1 || g FROM generate_series(1, $2::int) AS g)`,
    [prefix, count],
  );
}

/** The three lots of the hot workspace: one of each kind a workspace usually holds. */
export function threeLots(now: number, amountMicros: number): SeedLot[] {
  const year = 365 * DAY_MS;
  return [
    { suffix: 'promo', kind: 'promotional', amountMicros, expiresAt: now + year },
    { suffix: 'support', kind: 'support', amountMicros, expiresAt: null },
    { suffix: 'purchased', kind: 'purchased', amountMicros, expiresAt: now + year },
  ];
}

/**
 * `count` purchased lots of `amountMicros` each, expiring a year on in the order made: lots a
 * run never exhausts, burned after `threeLots` (promotional and support first, purchased by expiry).
 */
export function manyLots(now: number, count: number, amountMicros: number): SeedLot[] {
  return Array.from({ length: count }, (_, i) => ({
    suffix: `many_${i}`,
    kind: 'purchased' as const,
    amountMicros,
    expiresAt: now + 365 * DAY_MS + (i + 1) * 1_000,
  }));
}

/** The member ids of `seatLots`. */
export function seatMember(i: number): string {
  return `seat_${i}`;
}

/**
 * One included lot per member for `count` members, a seat's credits for the period as per-seat
 * plans grant them: a member's holds claim their own lot first, and only that member's work may
 * draw it (after the promotional lot of `threeLots`, by burn order).
 */
export function seatLots(now: number, count: number, amountMicros: number): SeedLot[] {
  return Array.from({ length: count }, (_, i) => ({
    suffix: `seat_${i}`,
    kind: 'included' as const,
    amountMicros,
    expiresAt: now + 30 * DAY_MS,
    scope: `member:${seatMember(i)}` as const,
  }));
}

/**
 * `count` stored charges (and their usage events) for one workspace, spread evenly over the
 * `days` before `now`, across 20 members and 4 features.
 */
export async function seedCharges(
  q: Queryable,
  workspaceId: string,
  count: number,
  now: number,
  days: number,
): Promise<void> {
  const spanMs = days * DAY_MS;
  const features = ['coding_session', 'chat', 'review', 'agent'];
  await q.query(
    `INSERT INTO charges (workspace_id, id, reservation_id, member_id, feature, amount_micros, outcome,
       usage, price_version, task_kind, deficit_micros, overage_micros, overrun_micros, at)
     SELECT $1, 'ch_seed_' || g, NULL, 'm' || (g % 20), ($5::text[])[1 + g % 4], 1000 + g % 997,
       'succeeded', NULL, NULL, NULL, 0, 0, 0,
       $3::bigint - $4::bigint + (g::bigint * $4::bigint) / $2::bigint
     FROM generate_series(1, $2::int) AS g`,
    [workspaceId, count, now, spanMs, features],
  );
  await q.query(
    `INSERT INTO usage_events (workspace_id, charge_id, member_id, feature, task_kind, model, input_tokens,
       output_tokens, cached_input_tokens, sandbox_seconds, amount_micros, overage_micros, outcome, at)
     SELECT workspace_id, id, member_id, feature, NULL, NULL, NULL, NULL, NULL, NULL, amount_micros, 0,
       outcome, at
     FROM charges WHERE workspace_id = $1 AND id LIKE 'ch_seed_%'`,
    [workspaceId],
  );
  // The daily rollup the money batch keeps beside the detail (the API's migration 3 backfills the
  // same way).
  await q.query(
    `INSERT INTO usage_daily (workspace_id, day, member_id, feature, charges, amount_micros, overage_micros)
     SELECT workspace_id, at / 86400000, COALESCE(member_id, ''), feature, COUNT(*), SUM(amount_micros),
       SUM(overage_micros)
     FROM usage_events WHERE workspace_id = $1 GROUP BY 1, 2, 3, 4`,
    [workspaceId],
  );
}
