import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../../src/db/db.js';
import { checkLedgerInvariants, type InvariantName } from '../../src/invariants.js';
import { grant, type Harness, startHarness, type TestWorkspace, topUp, USD } from '../harness.js';

/**
 * The checker itself: a ledger built through every kind of money operation passes, and each
 * kind of corruption (written straight into the tables, then rolled back) is caught by name.
 */
let h: Harness;
let usd: TestWorkspace;
let credits: TestWorkspace;
let pooled: TestWorkspace;
let pooledCharge: Record<string, unknown>;
let unpooledCharge: Record<string, unknown>;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

async function ok<T>(reply: Promise<{ status: number; body: T }>, status = 201): Promise<T> {
  const r = await reply;
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  return r.body;
}

beforeAll(async () => {
  h = await startHarness();
  await h.setClock('2031-05-01T00:00:00.000Z');
  const start = await h.now();

  // A pay-as-you-go workspace: promotional, support and purchased lots, a multi-lot charge, an
  // overrun into a deficit, a top-up covering it, a void, a lapsed hold, an expired lot.
  usd = await h.workspace();
  await grant(h, usd, {
    kind: 'promotional',
    amountMicros: 5 * USD,
    expiresAt: iso(start + 10 * DAY),
    lotId: `${usd.id}_promo`,
  });
  await grant(h, usd, { kind: 'support', amountMicros: 3 * USD, lotId: `${usd.id}_support` });
  const reservations = `/v1/workspaces/${usd.id}/reservations`;
  const r1 = await ok(
    h.call('POST', reservations, {
      key: usd.server,
      body: {
        feature: 'coding_session',
        estimateMicros: 4 * USD,
        ttlSeconds: 600,
        reservationId: 'r_overrun',
      },
    }),
  );
  await ok(
    h.call('POST', `${reservations}/${r1.id}/capture`, {
      key: usd.server,
      body: { amountMicros: 6 * USD, outcome: 'succeeded' },
    }),
    200,
  );
  await ok(
    h.call('POST', `/v1/workspaces/${usd.id}/charges`, {
      key: usd.server,
      body: { feature: 'coding_session', amountMicros: 1 * USD, outcome: 'failed' },
    }),
  );
  // 8 − 6 − 1 = 1 left: a capture of 3 within a hold of 1 + the deficit allowance overruns into a deficit.
  const r2 = await ok(
    h.call('POST', reservations, {
      key: usd.server,
      body: {
        feature: 'coding_session',
        estimateMicros: 1 * USD,
        ttlSeconds: 600,
        reservationId: 'r_deficit',
      },
    }),
  );
  await ok(
    h.call('POST', `${reservations}/${r2.id}/capture`, {
      key: usd.server,
      body: { amountMicros: 3 * USD, outcome: 'partial' },
    }),
    200,
  );
  await topUp(h, usd, 20 * USD);
  const r3 = await ok(
    h.call('POST', reservations, {
      key: usd.server,
      body: { feature: 'coding_session', estimateMicros: 1 * USD, ttlSeconds: 60 },
    }),
  );
  await ok(h.call('POST', `${reservations}/${r3.id}/void`, { key: usd.server }), 200);
  await ok(
    h.call('POST', reservations, {
      key: usd.server,
      body: { feature: 'coding_session', estimateMicros: 2 * USD, ttlSeconds: 60, reservationId: 'r_lapsed' },
    }),
  );
  await grant(h, usd, {
    kind: 'promotional',
    amountMicros: 2 * USD,
    expiresAt: iso(start + 2 * DAY),
    lotId: `${usd.id}_promo_short`,
  });
  await h.advance(3 * 86_400);
  await ok(
    h.call('POST', `/v1/workspaces/${usd.id}/charges`, {
      key: usd.server,
      body: {
        feature: 'coding_session',
        amountMicros: 500_000,
        outcome: 'succeeded',
        chargeId: 'ch_after_expiry',
      },
    }),
  );

  // A Plane-model workspace: per-seat included credits, then overage.
  credits = await h.workspace({
    unit: 'credits',
    seats: { member: true },
    settings: { includedMicrosPerSeat: 2 * USD, overage: { enabled: true, monthlyCapMicros: null } },
  });
  await ok(
    h.call('POST', `/v1/workspaces/${credits.id}/charges`, {
      key: credits.server,
      body: { feature: 'coding_session', memberId: 'member', amountMicros: 3 * USD, outcome: 'succeeded' },
    }),
  );

  // Seat pooling turned on and off again between charges: each charge drew by the setting of its
  // moment (a checker applying today's setting to the whole history would flag one or the other).
  pooled = await h.workspace({
    unit: 'credits',
    seats: { owner: true, member: true },
    settings: { includedMicrosPerSeat: 2 * USD, overage: { enabled: true, monthlyCapMicros: null } },
  });
  const memberCharge = (amountMicros: number, chargeId: string) =>
    ok(
      h.call('POST', `/v1/workspaces/${pooled.id}/charges`, {
        key: pooled.server,
        body: { feature: 'coding_session', memberId: 'member', amountMicros, outcome: 'succeeded', chargeId },
      }),
    );
  const pooling = (seatPooling: boolean) =>
    ok(
      h.call('PATCH', `/v1/workspaces/${pooled.id}/settings`, { key: pooled.admin, body: { seatPooling } }),
      200,
    );
  await memberCharge(1 * USD, 'ch_own_seat');
  await pooling(true);
  pooledCharge = await memberCharge(2 * USD, 'ch_pooled');
  await pooling(false);
  unpooledCharge = await memberCharge(1 * USD, 'ch_unpooled_again');

  // A deleted workspace: its remaining lots are forfeited.
  const gone = await h.workspace();
  await topUp(h, gone, 10 * USD);
  await ok(h.call('DELETE', `/v1/workspaces/${gone.id}?confirm=${gone.id}`, { key: gone.owner }), 200);

  await h.service.background.runOnce();
});
afterAll(async () => {
  await h?.close();
});

/** Applies `corrupt` inside a transaction, runs the checker in it, and rolls everything back. */
async function violationsAfter(corrupt: (tx: Queryable) => Promise<void>): Promise<Set<InvariantName>> {
  const found = new Set<InvariantName>();
  // Read before the transaction: PGlite has one connection, and the clock route would wait on it.
  const now = await h.now();
  await h.service.services.db
    .transaction(async (tx) => {
      await corrupt(tx);
      const report = await checkLedgerInvariants(tx, { now, holdsSwept: true });
      for (const v of report.violations) found.add(v.invariant);
      throw new Error('roll back');
    })
    .catch((error: unknown) => {
      if (!(error instanceof Error && error.message === 'roll back')) throw error;
    });
  return found;
}

describe('the whole-ledger invariant checker', () => {
  it('passes a ledger written by every kind of money operation, and counts what it read', async () => {
    const report = await checkLedgerInvariants(h.service.services.db, {
      now: await h.now(),
      holdsSwept: true,
    });
    expect(report.violations).toEqual([]);
    expect(report.counts.workspaces).toBeGreaterThanOrEqual(3);
    expect(report.counts.charges).toBeGreaterThanOrEqual(5);
    expect(report.counts.draws).toBeGreaterThan(report.counts.charges);
    // The scenario really reached the states the checks are about.
    const db = h.service.services.db;
    const expired = await db.query("SELECT 1 FROM lots WHERE close_reason = 'expired'");
    const forfeited = await db.query("SELECT 1 FROM lots WHERE close_reason = 'forfeited'");
    const lapsed = await db.query("SELECT 1 FROM reservations WHERE status = 'expired'");
    const covered = await db.query("SELECT 1 FROM ledger_entries WHERE type = 'deficit_covered'");
    const overage = await db.query("SELECT 1 FROM ledger_entries WHERE type = 'charge_overage'");
    for (const rows of [expired, forfeited, lapsed, covered, overage])
      expect(rows.rows.length).toBeGreaterThan(0);
    // Pooled, the member's charge drew the owner's seat credits too; unpooled again, it went to
    // overage although the owner's credits were left.
    expect((pooledCharge.draws as unknown[]).length).toBe(2);
    expect(unpooledCharge.overageMicros).toBe(1 * USD);
    const changes = await db.query(
      'SELECT old_seat_pooling, new_seat_pooling FROM policy_changes WHERE workspace_id = $1 ORDER BY seq',
      [pooled.id],
    );
    expect(changes.rows).toEqual([
      { old_seat_pooling: false, new_seat_pooling: true },
      { old_seat_pooling: true, new_seat_pooling: false },
    ]);
  });

  const cases: [string, InvariantName, (tx: Queryable) => Promise<void>][] = [
    [
      'a lot whose remaining amount disagrees with its entries',
      'lot_balance',
      (tx) =>
        tx
          .query(
            "UPDATE lots SET remaining_micros = remaining_micros + 1 WHERE kind = 'purchased' AND closed_at IS NULL",
          )
          .then(() => undefined),
    ],
    [
      'a lost draw entry',
      'charge_sum',
      (tx) =>
        tx
          .query(
            "DELETE FROM ledger_entries WHERE id = (SELECT min(id) FROM ledger_entries WHERE type = 'charge_draw')",
          )
          .then(() => undefined),
    ],
    [
      'a deficit that no entry explains',
      'deficit_balance',
      (tx) => tx.query('UPDATE workspaces SET deficit_micros = deficit_micros + 5').then(() => undefined),
    ],
    [
      'overage that no entry explains',
      'overage_balance',
      (tx) =>
        tx.query('UPDATE workspaces SET overage_used_micros = overage_used_micros + 7').then(() => undefined),
    ],
    [
      'a lapsed hold resurrected as held',
      'hold_past_ttl',
      (tx) => tx.query("UPDATE reservations SET status = 'held' WHERE id = 'r_lapsed'").then(() => undefined),
    ],
    [
      'a hold released twice',
      'hold_balance',
      (tx) =>
        tx
          .query(
            `INSERT INTO ledger_entries (workspace_id, id, type, amount_micros, at, reservation_id)
             SELECT workspace_id, id || ':again', type, amount_micros, at, reservation_id FROM ledger_entries
             WHERE type = 'reservation_released' LIMIT 1`,
          )
          .then(() => undefined),
    ],
    [
      'a capture whose reservation is gone',
      'capture_link',
      (tx) =>
        tx
          .query("UPDATE reservations SET status = 'voided', charge_id = NULL WHERE id = 'r_overrun'")
          .then(() => undefined),
    ],
    [
      'a draw after the lot expired',
      'expired_lot_spent',
      (tx) =>
        tx
          .query(
            `UPDATE lots SET expires_at = (SELECT min(at) FROM charges c WHERE c.workspace_id = lots.workspace_id)
             WHERE id LIKE '%\\_promo' ESCAPE '\\'`,
          )
          .then(() => undefined),
    ],
    [
      'draws out of burn order',
      'burn_order',
      // Support credits are burnt before purchased funds; relabelled as purchased, the promo-first
      // charge should have drawn from it last.
      (tx) =>
        tx
          .query("UPDATE lots SET kind = 'purchased' WHERE id LIKE '%\\_promo' ESCAPE '\\'")
          .then(() => undefined),
    ],
    [
      'a deficit beyond the overshoot bound',
      'overshoot_bound',
      // With the history trigger off, so the lowered bound looks as if it had always been in force.
      (tx) =>
        tx
          .query('UPDATE charges SET overrun_micros = 0')
          .then(() => tx.query('ALTER TABLE workspaces DISABLE TRIGGER workspaces_policy_change'))
          .then(() => tx.query('UPDATE workspaces SET max_deficit_micros = 0'))
          .then(() => undefined),
    ],
    [
      'a seat-pooling change erased from the history',
      'burn_order',
      (tx) =>
        tx.query('DELETE FROM policy_changes WHERE workspace_id = $1', [pooled.id]).then(() => undefined),
    ],
    [
      'a top-up credited twice',
      'topup_credit',
      (tx) =>
        tx
          .query(
            `INSERT INTO ledger_entries (workspace_id, id, type, amount_micros, at, topup_id)
             SELECT t.workspace_id, t.id || '_twice', 'deficit_covered', -1, c.now_ms, t.id FROM topups t, test_clock c
             WHERE status = 'succeeded' LIMIT 1`,
          )
          .then(() => undefined),
    ],
    [
      'an entry naming a lot that does not exist',
      'entry_reference',
      (tx) =>
        tx
          .query(
            `UPDATE ledger_entries SET lot_id = 'lot_nowhere'
             WHERE id = (SELECT min(id) FROM ledger_entries WHERE type = 'lot_expired')`,
          )
          .then(() => undefined),
    ],
  ];

  it.each(cases)('catches %s (%s)', async (_what, invariant, corrupt) => {
    const found = await violationsAfter(corrupt);
    expect([...found]).toContain(invariant);
  });

  it('finds nothing after the rollbacks (the corruptions really were undone)', async () => {
    const report = await checkLedgerInvariants(h.service.services.db, {
      now: await h.now(),
      holdsSwept: true,
    });
    expect(report.violations).toEqual([]);
  });
});
