import { describe, expect, it } from 'vitest';
import { outstandingHolds } from './admission.js';
import { isLedgerError } from './errors.js';
import type { MemoryLedger } from './memory-ledger.js';
import { costOfUsage } from './prices.js';
import { DAY, HOUR, ledgerOf, T0, usd } from './test-fixtures.js';
import type { LedgerErrorCode, PriceTable } from './types.js';

function codeOf(fn: () => unknown): LedgerErrorCode | undefined {
  try {
    fn();
  } catch (error) {
    if (isLedgerError(error)) return error.code;
    throw error;
  }
  return undefined;
}

const hold = (
  ledger: MemoryLedger,
  reservationId: string,
  memberId: string | null,
  amountMicros: number,
  now = T0,
  ttlSeconds = 3600,
) => ledger.reserve({ reservationId, memberId, feature: 'coding_session', amountMicros, ttlSeconds }, now);

describe('order of use', () => {
  it('one task draws across promotional, included, support and the sooner-expiring purchased lot, in that order', () => {
    const ledger = ledgerOf();
    ledger.topUp({ topupId: 'tu-late', lotId: 'bought-late', amountMicros: usd(30), paid: true }, T0);
    ledger.topUp(
      { topupId: 'tu-early', lotId: 'bought-early', amountMicros: usd(10), paid: true },
      T0 - 60 * DAY,
    );
    ledger.grantLot(
      {
        lotId: 'support',
        kind: 'support',
        scope: 'workspace',
        amountMicros: usd(1),
        expiresAt: null,
        source: 'support_ticket',
      },
      T0,
    );
    ledger.grantLot(
      {
        lotId: 'included',
        kind: 'included',
        scope: 'workspace',
        amountMicros: usd(2),
        source: 'plan_period',
      },
      T0,
    );
    ledger.grantLot(
      {
        lotId: 'promo',
        kind: 'promotional',
        scope: 'workspace',
        amountMicros: usd(1.5),
        expiresAt: T0 + 90 * DAY,
        source: 'promotion',
      },
      T0,
    );

    hold(ledger, 'r1', 'ann', usd(8));
    const result = ledger.capture(
      { reservationId: 'r1', chargeId: 'task-1', amountMicros: usd(12), outcome: 'succeeded' },
      T0 + HOUR / 2,
    );
    const charge = result.value.charge;
    expect(charge?.draws.map((d) => [d.lotId, d.kind, d.amountMicros])).toEqual([
      ['promo', 'promotional', usd(1.5)],
      ['included', 'included', usd(2)],
      ['support', 'support', usd(1)],
      ['bought-early', 'purchased', usd(7.5)],
    ]);
    expect(charge).toMatchObject({
      amountMicros: usd(12),
      deficitMicros: 0,
      overageMicros: 0,
      overrunMicros: usd(4),
    });
    expect(result.entries.map((e) => e.id)).toEqual([
      'r1:released',
      'task-1:draw:0',
      'task-1:draw:1',
      'task-1:draw:2',
      'task-1:draw:3',
    ]);
    const lots = new Map(ledger.state().lots.map((lot) => [lot.id, lot.remainingMicros]));
    expect(lots.get('bought-early')).toBe(usd(2.5));
    expect(lots.get('bought-late')).toBe(usd(30));
    expect(ledger.balanceOf(T0 + HOUR).availableMicros).toBe(usd(32.5));
  });

  it('a task priced from usage is rounded once, then split across lots without further rounding', () => {
    const table: PriceTable = {
      version: 'v-test',
      effectiveAt: 0,
      latestModel: 'm',
      sandboxMicrosPerHour: 1_800,
      models: [
        {
          model: 'm',
          displayName: 'M',
          inputMicrosPerMillionTokens: 500_000,
          outputMicrosPerMillionTokens: 0,
          cachedInputMicrosPerMillionTokens: 0,
          releasedAt: 0,
        },
      ],
    };
    // 5 tokens × 0.5 + 3 s × 0.5 = 4 micros exactly. Priced per lot (3 tokens on the first lot,
    // 2 tokens + 3 s on the second), half-up rounding would give 2 + 3 = 5 micros.
    const usage = { model: 'm', inputTokens: 5, outputTokens: 0, cachedInputTokens: 0, sandboxSeconds: 3 };
    const { costMicros, priceVersion } = costOfUsage(usage, table);
    expect(costMicros).toBe(4);
    const ledger = ledgerOf();
    ledger.grantLot(
      {
        lotId: 'a',
        kind: 'promotional',
        scope: 'workspace',
        amountMicros: 2,
        expiresAt: null,
        source: 'promotion',
      },
      T0,
    );
    ledger.grantLot(
      {
        lotId: 'b',
        kind: 'support',
        scope: 'workspace',
        amountMicros: 10,
        expiresAt: null,
        source: 'support_ticket',
      },
      T0,
    );
    const charge = ledger.charge(
      {
        chargeId: 'c',
        memberId: 'ann',
        feature: 'coding_session',
        amountMicros: costMicros,
        outcome: 'succeeded',
        usage,
        priceVersion,
      },
      T0,
    ).value;
    expect(charge.draws.map((d) => d.amountMicros)).toEqual([2, 2]);
    expect(charge.priceVersion).toBe('v-test');
  });
});

describe('reserve, capture, void', () => {
  it('capture below the hold releases the rest; failed and partial outcomes are billed the same', () => {
    const ledger = ledgerOf();
    ledger.topUp({ topupId: 't', lotId: 'buy', amountMicros: usd(20), paid: true }, T0);
    const reserved = hold(ledger, 'r1', 'ann', usd(7));
    expect(reserved.entries).toEqual([
      expect.objectContaining({ id: 'r1:held', type: 'reservation_held', amountMicros: usd(7) }),
    ]);
    expect(ledger.balanceOf(T0)).toMatchObject({ reservedMicros: usd(7), spendableMicros: usd(13) });
    const captured = ledger.capture(
      { reservationId: 'r1', chargeId: 'c1', amountMicros: usd(2), outcome: 'failed' },
      T0 + 60_000,
    );
    expect(captured.value.reservation).toMatchObject({ status: 'captured', chargeId: 'c1' });
    expect(captured.value.charge).toMatchObject({
      amountMicros: usd(2),
      outcome: 'failed',
      overrunMicros: 0,
    });
    expect(ledger.balanceOf(T0 + 60_000)).toMatchObject({
      availableMicros: usd(18),
      reservedMicros: 0,
      spendableMicros: usd(18),
    });
  });

  it('keeps holds in creation order (ties by id), and outstanding holds come out in that order from any state', () => {
    const ledger = ledgerOf();
    ledger.topUp({ topupId: 't', lotId: 'buy', amountMicros: usd(20), paid: true }, T0);
    // Same instant, ids out of order; then one created earlier than the last (a clock that stepped back).
    hold(ledger, 'r_b', null, usd(1), T0);
    hold(ledger, 'r_c', null, usd(1), T0);
    hold(ledger, 'r_a', null, usd(1), T0);
    hold(ledger, 'r_z', null, usd(1), T0 + 2_000);
    hold(ledger, 'r_y', null, usd(1), T0 + 1_000);
    const order = ['r_a', 'r_b', 'r_c', 'r_y', 'r_z'];
    expect(ledger.state().reservations.map((r) => r.id)).toEqual(order);
    expect(outstandingHolds(ledger.state(), T0 + 3_000).map((r) => r.id)).toEqual(order);
    const shuffled = { ...ledger.state(), reservations: [...ledger.state().reservations].reverse() };
    expect(outstandingHolds(shuffled, T0 + 3_000).map((r) => r.id)).toEqual(order);
  });

  it('a zero capture releases the hold and draws nothing', () => {
    const ledger = ledgerOf();
    ledger.topUp({ topupId: 't', lotId: 'buy', amountMicros: usd(20), paid: true }, T0);
    hold(ledger, 'r1', 'ann', usd(7));
    const result = ledger.capture(
      { reservationId: 'r1', chargeId: 'c1', amountMicros: 0, outcome: 'partial' },
      T0,
    );
    expect(result.value.charge?.draws).toEqual([]);
    expect(result.entries.map((e) => e.type)).toEqual(['reservation_released']);
  });

  it('replays return the first result; conflicting reuse is refused', () => {
    const ledger = ledgerOf();
    ledger.topUp({ topupId: 't', lotId: 'buy', amountMicros: usd(20), paid: true }, T0);
    hold(ledger, 'r1', 'ann', usd(7));
    expect(hold(ledger, 'r1', 'ann', usd(7))).toMatchObject({ replayed: true, entries: [] });
    expect(codeOf(() => hold(ledger, 'r1', 'bob', usd(7)))).toBe('idempotency_conflict');
    const first = ledger.capture(
      { reservationId: 'r1', chargeId: 'c1', amountMicros: usd(3), outcome: 'succeeded' },
      T0,
    );
    const state = ledger.state();
    const replay = ledger.capture(
      { reservationId: 'r1', chargeId: 'c1', amountMicros: usd(3), outcome: 'succeeded' },
      T0 + 5,
    );
    expect(replay).toMatchObject({ replayed: true, entries: [] });
    expect(replay.value.charge).toEqual(first.value.charge);
    expect(ledger.state()).toBe(state);
    expect(
      codeOf(() =>
        ledger.capture(
          { reservationId: 'r1', chargeId: 'c2', amountMicros: usd(3), outcome: 'succeeded' },
          T0,
        ),
      ),
    ).toBe('reservation_captured');
    expect(
      codeOf(() =>
        ledger.capture(
          { reservationId: 'r1', chargeId: 'c1', amountMicros: usd(4), outcome: 'succeeded' },
          T0,
        ),
      ),
    ).toBe('idempotency_conflict');
    expect(codeOf(() => ledger.voidReservation({ reservationId: 'r1' }, T0))).toBe('reservation_captured');
    expect(
      codeOf(() =>
        ledger.capture({ reservationId: 'nope', chargeId: 'c3', amountMicros: 1, outcome: 'succeeded' }, T0),
      ),
    ).toBe('reservation_not_found');
  });

  it('void releases the hold once; a voided reservation cannot be captured', () => {
    const ledger = ledgerOf();
    ledger.topUp({ topupId: 't', lotId: 'buy', amountMicros: usd(20), paid: true }, T0);
    hold(ledger, 'r1', 'ann', usd(7));
    const voided = ledger.voidReservation({ reservationId: 'r1' }, T0);
    expect(voided.entries).toEqual([expect.objectContaining({ id: 'r1:released', amountMicros: -usd(7) })]);
    expect(ledger.voidReservation({ reservationId: 'r1' }, T0)).toMatchObject({
      replayed: true,
      entries: [],
    });
    expect(
      codeOf(() =>
        ledger.capture({ reservationId: 'r1', chargeId: 'c1', amountMicros: 1, outcome: 'succeeded' }, T0),
      ),
    ).toBe('reservation_voided');
  });

  it('validates amounts and time-to-live', () => {
    const ledger = ledgerOf();
    ledger.topUp({ topupId: 't', lotId: 'buy', amountMicros: usd(20), paid: true }, T0);
    expect(codeOf(() => hold(ledger, 'r', 'ann', 0))).toBe('invalid_amount');
    expect(codeOf(() => hold(ledger, 'r', 'ann', 1.5))).toBe('invalid_amount');
    expect(codeOf(() => hold(ledger, 'r', 'ann', 1, T0, 0))).toBe('invalid_amount');
    expect(codeOf(() => hold(ledger, 'r', 'ann', 1, T0, 86_401))).toBe('invalid_amount');
    hold(ledger, 'r', 'ann', 1);
    expect(
      codeOf(() =>
        ledger.capture({ reservationId: 'r', chargeId: 'c', amountMicros: -1, outcome: 'succeeded' }, T0),
      ),
    ).toBe('invalid_amount');
  });
});

describe('lapsed holds', () => {
  it('a hold stops counting at its expiry even before the sweep, and still settles when captured late', () => {
    const ledger = ledgerOf({ maxDeficitMicros: 0 });
    ledger.topUp({ topupId: 't', lotId: 'buy', amountMicros: usd(10), paid: true }, T0);
    hold(ledger, 'r1', 'ann', usd(10), T0, 60);
    expect(ledger.admission({ memberId: 'bob', amountMicros: usd(1) }, T0 + 59_999).allowed).toBe(false);
    expect(ledger.balanceOf(T0 + 60_000)).toMatchObject({ reservedMicros: 0, spendableMicros: usd(10) });
    expect(ledger.admission({ memberId: 'bob', amountMicros: usd(1) }, T0 + 60_000).allowed).toBe(true);
    expect(
      codeOf(() => ledger.extendReservation({ reservationId: 'r1', additionalMicros: 1 }, T0 + 60_000)),
    ).toBe('reservation_expired');

    const late = ledger.capture(
      { reservationId: 'r1', chargeId: 'c1', amountMicros: usd(4), outcome: 'succeeded' },
      T0 + 120_000,
    );
    expect(late.value.charge?.amountMicros).toBe(usd(4));
    expect(late.entries.map((e) => e.type)).toEqual(['reservation_released', 'charge_draw']);
  });

  it('the sweep expires lapsed holds and releases them; a later capture still settles without a second release', () => {
    const ledger = ledgerOf();
    ledger.topUp({ topupId: 't', lotId: 'buy', amountMicros: usd(10), paid: true }, T0);
    hold(ledger, 'r1', 'ann', usd(3), T0, 60);
    hold(ledger, 'r2', 'ann', usd(3), T0, 600);
    const swept = ledger.expireReservations(T0 + 60_000);
    expect(swept.value.map((r) => [r.id, r.status])).toEqual([['r1', 'expired']]);
    expect(swept.entries).toEqual([expect.objectContaining({ id: 'r1:released', amountMicros: -usd(3) })]);
    const late = ledger.capture(
      { reservationId: 'r1', chargeId: 'c1', amountMicros: usd(2), outcome: 'succeeded' },
      T0 + 70_000,
    );
    expect(late.entries.map((e) => e.type)).toEqual(['charge_draw']);
    expect(ledger.voidReservation({ reservationId: 'r2' }, T0 + 70_000).value.status).toBe('voided');
  });

  it('extending a hold passes admission again for the larger amount', () => {
    const ledger = ledgerOf({ maxDeficitMicros: usd(1) });
    ledger.topUp({ topupId: 't', lotId: 'buy', amountMicros: usd(10), paid: true }, T0);
    hold(ledger, 'r1', 'ann', usd(6), T0, 600);
    const extended = ledger.extendReservation(
      { reservationId: 'r1', additionalMicros: usd(4), ttlSeconds: 3600 },
      T0 + 1000,
    );
    expect(extended.value).toMatchObject({ heldMicros: usd(10), expiresAt: T0 + 1000 + HOUR });
    expect(extended.entries).toEqual([
      expect.objectContaining({ type: 'reservation_extended', amountMicros: usd(4) }),
    ]);
    expect(
      codeOf(() => ledger.extendReservation({ reservationId: 'r1', additionalMicros: usd(2) }, T0 + 2000)),
    ).toBe('insufficient_credits');
    ledger.extendReservation({ reservationId: 'r1', additionalMicros: usd(1) }, T0 + 2000);
    expect(ledger.balanceOf(T0 + 2000).reservedMicros).toBe(usd(11));
  });

  it('a TTL-only extension (additionalMicros 0) pushes the expiry without a new hold or entry', () => {
    const ledger = ledgerOf();
    ledger.topUp({ topupId: 't', lotId: 'buy', amountMicros: usd(10), paid: true }, T0);
    hold(ledger, 'r1', 'ann', usd(10), T0, 600);
    const pushed = ledger.extendReservation(
      { reservationId: 'r1', additionalMicros: 0, ttlSeconds: 3600 },
      T0 + 1000,
    );
    expect(pushed.value).toMatchObject({ heldMicros: usd(10), expiresAt: T0 + 1000 + HOUR, status: 'held' });
    expect(pushed.entries).toEqual([]);
    expect(ledger.balanceOf(T0 + 1000).reservedMicros).toBe(usd(10));
    // Neither more money nor more time is no extension at all.
    expect(
      codeOf(() => ledger.extendReservation({ reservationId: 'r1', additionalMicros: 0 }, T0 + 2000)),
    ).toBe('invalid_amount');
    // An unmetered (self-hosted) hold is pushed the same way.
    const selfHosted = ledgerOf({ hosting: 'self_hosted' });
    hold(selfHosted, 'r2', 'ann', usd(1), T0, 60);
    expect(
      selfHosted.extendReservation({ reservationId: 'r2', additionalMicros: 0, ttlSeconds: 600 }, T0).value
        .expiresAt,
    ).toBe(T0 + 600_000);
  });

  it('a TTL-only extension past the expiry of the lots backing the hold is refused (the deficit bound)', () => {
    const ledger = ledgerOf({ maxDeficitMicros: 0 });
    ledger.grantLot(
      {
        lotId: 'promo',
        kind: 'promotional',
        scope: 'workspace',
        amountMicros: usd(10),
        expiresAt: T0 + 30 * 60_000,
        source: 'promotion',
      },
      T0,
    );
    hold(ledger, 'r1', 'ann', usd(10), T0, 600);
    // Pushed past the lot's expiry, a capture within the live hold would find nothing to draw.
    expect(
      codeOf(() =>
        ledger.extendReservation({ reservationId: 'r1', additionalMicros: 0, ttlSeconds: 3600 }, T0),
      ),
    ).toBe('insufficient_credits');
    expect(ledger.state().reservations[0]?.expiresAt).toBe(T0 + 600_000);
    // Within the lot's life it is fine.
    expect(
      ledger.extendReservation({ reservationId: 'r1', additionalMicros: 0, ttlSeconds: 1200 }, T0).value
        .expiresAt,
    ).toBe(T0 + 1_200_000);
  });
});

describe('admission and the negative-balance bound (prepaid model)', () => {
  it('a workspace that never added funds cannot begin usage-billed work', () => {
    const ledger = ledgerOf();
    expect(ledger.admission({ memberId: 'ann', amountMicros: usd(5) }, T0)).toMatchObject({
      allowed: false,
      code: 'insufficient_credits',
      spendableMicros: 0,
    });
    expect(codeOf(() => hold(ledger, 'r', 'ann', usd(5)))).toBe('insufficient_credits');
    expect(ledger.balanceOf(T0).canBegin).toBe(false);
    expect(ledger.entries()).toEqual([]);
  });

  it('holds may exceed spendable by at most maxDeficitMicros, and nothing begins once spendable is gone', () => {
    const ledger = ledgerOf({ maxDeficitMicros: usd(5) });
    ledger.topUp({ topupId: 't', lotId: 'buy', amountMicros: usd(10), paid: true }, T0);
    expect(codeOf(() => hold(ledger, 'too-big', 'ann', usd(15) + 1))).toBe('insufficient_credits');
    hold(ledger, 'r1', 'ann', usd(8));
    expect(ledger.admission({ memberId: 'bob', amountMicros: usd(8) }, T0)).toMatchObject({
      allowed: false,
      spendableMicros: usd(2),
    });
    hold(ledger, 'r2', 'bob', usd(7));
    expect(ledger.balanceOf(T0)).toMatchObject({ spendableMicros: -usd(5), canBegin: false });
    expect(codeOf(() => hold(ledger, 'r3', 'cat', 1))).toBe('insufficient_credits');
    ledger.capture(
      { reservationId: 'r2', chargeId: 'c2', amountMicros: usd(7), outcome: 'succeeded' },
      T0 + 1,
    );
    ledger.capture(
      { reservationId: 'r1', chargeId: 'c1', amountMicros: usd(8), outcome: 'succeeded' },
      T0 + 2,
    );
    expect(ledger.state().deficitMicros).toBe(usd(5));
  });

  it('a hold backed by a lot that expires before the hold lapses does not count that lot', () => {
    const ledger = ledgerOf({ maxDeficitMicros: 0 });
    ledger.grantLot(
      {
        lotId: 'p',
        kind: 'promotional',
        scope: 'workspace',
        amountMicros: usd(5),
        expiresAt: T0 + HOUR,
        source: 'promotion',
      },
      T0,
    );
    expect(
      ledger.admission({ memberId: 'ann', amountMicros: usd(5), holdUntil: T0 + HOUR }, T0).allowed,
    ).toBe(true);
    expect(
      ledger.admission({ memberId: 'ann', amountMicros: usd(5), holdUntil: T0 + HOUR + 1 }, T0).allowed,
    ).toBe(false);
  });
});

describe('seats, pooling and overage (included-credits model)', () => {
  const seatLedger = (overrides: Parameters<typeof ledgerOf>[0] = {}) => {
    const ledger = ledgerOf({ unit: 'credits', maxDeficitMicros: 0, ...overrides });
    ledger.grantSeatCredits(
      {
        seats: [
          { memberId: 'ann', paid: true, active: true },
          { memberId: 'bob', paid: true, active: true },
        ],
        includedMicrosPerSeat: usd(10),
      },
      T0,
    );
    return ledger;
  };

  it('without pooling a member cannot draw another member’s included credits', () => {
    const ledger = seatLedger();
    ledger.charge(
      { chargeId: 'c1', memberId: 'ann', feature: 'f', amountMicros: usd(10), outcome: 'succeeded' },
      T0,
    );
    expect(ledger.balanceOf(T0, 'ann')).toMatchObject({
      memberIncludedRemainingMicros: 0,
      spendableMicros: 0,
      canBegin: false,
    });
    expect(ledger.balanceOf(T0, 'bob')).toMatchObject({
      memberIncludedRemainingMicros: usd(10),
      canBegin: true,
    });
    const refusal = ledger.admission({ memberId: 'ann', amountMicros: usd(1) }, T0);
    expect(refusal).toMatchObject({ allowed: false, code: 'overage_disabled' });
    expect(refusal.message).toMatch(/admin/);
    expect(
      codeOf(() =>
        ledger.charge(
          { chargeId: 'c2', memberId: 'ann', feature: 'f', amountMicros: 1, outcome: 'succeeded' },
          T0,
        ),
      ),
    ).toBe('overage_disabled');
  });

  it('a settlement never draws another member’s lot; the unpaid rest becomes a deficit', () => {
    const ledger = seatLedger({ maxDeficitMicros: usd(2) });
    hold(ledger, 'r', 'ann', usd(10));
    const charge = ledger.capture(
      { reservationId: 'r', chargeId: 'c', amountMicros: usd(12), outcome: 'succeeded' },
      T0,
    ).value.charge;
    expect(charge?.draws.map((d) => d.scope)).toEqual(['member:ann']);
    expect(charge?.deficitMicros).toBe(usd(2));
  });

  it('a member’s balance counts only the lots that member may draw', () => {
    const pooledLot = (ledger: MemoryLedger) =>
      ledger.grantLot(
        {
          lotId: 'promo',
          kind: 'promotional',
          scope: 'workspace',
          amountMicros: usd(5),
          expiresAt: T0 + 30 * DAY,
          source: 'promotion',
        },
        T0,
      );
    const unpooled = seatLedger();
    pooledLot(unpooled);
    // Bob's hold claims only his own seat lot: it does not reduce what Ann can spend.
    hold(unpooled, 'bob-hold', 'bob', usd(4));
    hold(unpooled, 'ann-hold', 'ann', usd(9));
    expect(unpooled.balanceOf(T0, 'ann')).toMatchObject({
      availableMicros: usd(15),
      reservedMicros: usd(9),
      spendableMicros: usd(6),
      byKind: { promotional: usd(5), included: usd(10), support: 0, purchased: 0 },
      memberIncludedRemainingMicros: usd(10),
      // Only Ann's seat lot expires at the period end, not Bob's too.
      nextExpiry: { amountMicros: usd(10) },
    });
    expect(unpooled.balanceOf(T0, 'bob')).toMatchObject({
      availableMicros: usd(15),
      reservedMicros: usd(4),
      spendableMicros: usd(11),
      byKind: { promotional: usd(5), included: usd(10), support: 0, purchased: 0 },
    });
    // The workspace view is the whole pool.
    expect(unpooled.balanceOf(T0)).toMatchObject({
      availableMicros: usd(25),
      reservedMicros: usd(13),
      spendableMicros: usd(12),
      byKind: { promotional: usd(5), included: usd(20), support: 0, purchased: 0 },
    });

    const pooled = seatLedger({ seatPooling: true });
    pooledLot(pooled);
    expect(pooled.balanceOf(T0, 'ann')).toMatchObject({
      availableMicros: usd(25),
      spendableMicros: usd(25),
      byKind: { promotional: usd(5), included: usd(20), support: 0, purchased: 0 },
      memberIncludedRemainingMicros: usd(10),
    });
  });

  it('with pooling a member draws other members’ seat credits in burn order', () => {
    const ledger = seatLedger({ seatPooling: true });
    const charge = ledger.charge(
      { chargeId: 'c1', memberId: 'ann', feature: 'f', amountMicros: usd(15), outcome: 'succeeded' },
      T0,
    ).value;
    expect(charge.draws.map((d) => [d.scope, d.amountMicros])).toEqual([
      ['member:ann', usd(10)],
      ['member:bob', usd(5)],
    ]);
  });

  it('with overage on, work continues past the included credits and is recorded as workspace overage', () => {
    const ledger = seatLedger({ overage: { enabled: true, monthlyCapMicros: null } });
    const decision = ledger.admission({ memberId: 'ann', amountMicros: usd(12) }, T0);
    expect(decision).toMatchObject({ allowed: true, fromLotsMicros: usd(10), fromOverageMicros: usd(2) });
    hold(ledger, 'r', 'ann', usd(12));
    const charge = ledger.capture(
      { reservationId: 'r', chargeId: 'c', amountMicros: usd(13), outcome: 'succeeded' },
      T0,
    ).value.charge;
    expect(charge).toMatchObject({ overageMicros: usd(3), deficitMicros: 0 });
    expect(ledger.entries().at(-1)).toMatchObject({
      type: 'charge_overage',
      amountMicros: usd(3),
      memberId: 'ann',
      feature: 'coding_session',
    });
    expect(ledger.balanceOf(T0, 'ann')).toMatchObject({
      overageUsedMicros: usd(3),
      canBegin: true,
      deficitMicros: 0,
    });
  });

  it('the overage cap stops new work once reached, counting other holds’ overage', () => {
    const ledger = seatLedger({ overage: { enabled: true, monthlyCapMicros: usd(5) } });
    ledger.charge(
      { chargeId: 'c1', memberId: 'ann', feature: 'f', amountMicros: usd(13), outcome: 'succeeded' },
      T0,
    );
    expect(ledger.state().overageUsedMicros).toBe(usd(3));
    hold(ledger, 'r', 'ann', usd(2));
    const refused = ledger.admission({ memberId: 'ann', amountMicros: usd(1) }, T0);
    expect(refused).toMatchObject({ allowed: false, code: 'overage_cap_reached' });
    // Bob still has his own included credits, so his work does not need overage.
    expect(ledger.admission({ memberId: 'bob', amountMicros: usd(1) }, T0).allowed).toBe(true);
    // A new period resets the overage counter.
    ledger.voidReservation({ reservationId: 'r' }, T0);
    ledger.beginPeriod({ start: T0 + DAY, end: T0 + 31 * DAY }, T0 + DAY);
    expect(ledger.admission({ memberId: 'ann', amountMicros: usd(1) }, T0 + DAY)).toMatchObject({
      allowed: true,
      fromOverageMicros: usd(1),
    });
  });

  it('self-hosted workspaces are never blocked and nothing is metered', () => {
    const ledger = ledgerOf({ hosting: 'self_hosted', unit: 'credits' });
    expect(ledger.admission({ memberId: 'ann', amountMicros: usd(100) }, T0)).toMatchObject({
      allowed: true,
      metered: false,
    });
    const reserved = hold(ledger, 'r', 'ann', usd(100));
    expect(reserved.value).toMatchObject({ metered: false, heldMicros: 0 });
    const captured = ledger.capture(
      { reservationId: 'r', chargeId: 'c', amountMicros: usd(100), outcome: 'succeeded' },
      T0,
    );
    expect(captured.value.charge).toMatchObject({ amountMicros: 0, draws: [], deficitMicros: 0 });
    ledger.charge(
      { chargeId: 'c2', memberId: 'ann', feature: 'f', amountMicros: usd(50), outcome: 'succeeded' },
      T0,
    );
    expect(ledger.entries()).toEqual([]);
    expect(ledger.balanceOf(T0, 'ann').canBegin).toBe(true);
  });
});

describe('the bound does not depend on the order captures arrive in', () => {
  it('a member whose capture takes a shared lot first cannot leave another member’s hold unbacked', () => {
    const ledger = ledgerOf({ unit: 'credits', maxDeficitMicros: 0 });
    ledger.grantLot(
      {
        lotId: 'promo',
        kind: 'promotional',
        scope: 'workspace',
        amountMicros: usd(10),
        expiresAt: null,
        source: 'promotion',
      },
      T0,
    );
    ledger.grantLot(
      {
        lotId: 'ann-seat',
        kind: 'included',
        scope: 'member:ann',
        amountMicros: usd(10),
        source: 'plan_period',
      },
      T0,
    );
    hold(ledger, 'bob-task', 'bob', usd(10));
    // Ann's capture would draw the promotional lot before her own seat credits, leaving Bob's
    // hold without backing, so her hold may only use what stays safe in any order.
    expect(
      ledger.admission({ memberId: 'ann', amountMicros: usd(10), holdUntil: T0 + HOUR }, T0).allowed,
    ).toBe(false);
    expect(codeOf(() => hold(ledger, 'ann-task', 'ann', usd(10)))).toBe('overage_disabled');
    ledger.capture(
      { reservationId: 'bob-task', chargeId: 'bob-charge', amountMicros: usd(10), outcome: 'succeeded' },
      T0 + 1,
    );
    hold(ledger, 'ann-task', 'ann', usd(10), T0 + 2);
    ledger.capture(
      { reservationId: 'ann-task', chargeId: 'ann-charge', amountMicros: usd(10), outcome: 'succeeded' },
      T0 + 3,
    );
    expect(ledger.state().deficitMicros).toBe(0);
  });
});
