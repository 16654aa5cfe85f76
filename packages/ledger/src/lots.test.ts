import { describe, expect, it } from 'vitest';
import { isLedgerError, type LedgerError } from './errors.js';
import { addMonths } from './periods.js';
import { DAY, HOUR, ledgerOf, PERIOD, T0, usd } from './test-fixtures.js';
import type { LedgerErrorCode } from './types.js';

function codeOf(fn: () => unknown): LedgerErrorCode | undefined {
  try {
    fn();
  } catch (error) {
    if (isLedgerError(error)) return (error as LedgerError).code;
    throw error;
  }
  return undefined;
}

describe('top-ups', () => {
  it('a top-up first covers the deficit: −$1 plus $50 leaves $49', () => {
    const ledger = ledgerOf();
    ledger.topUp({ topupId: 't1', lotId: 'l1', amountMicros: usd(5), paid: true }, T0);
    ledger.reserve(
      {
        reservationId: 'r1',
        memberId: 'ann',
        feature: 'coding_session',
        amountMicros: usd(5),
        ttlSeconds: 3600,
      },
      T0,
    );
    ledger.capture(
      { reservationId: 'r1', chargeId: 'c1', amountMicros: usd(6), outcome: 'succeeded' },
      T0 + HOUR / 2,
    );
    expect(ledger.balanceOf(T0 + HOUR).deficitMicros).toBe(usd(1));

    const result = ledger.topUp({ topupId: 't2', lotId: 'l2', amountMicros: usd(50), paid: true }, T0 + HOUR);
    expect(result.value.coveredDeficitMicros).toBe(usd(1));
    expect(result.value.lot?.originalMicros).toBe(usd(49));
    expect(result.entries.map((e) => [e.type, e.amountMicros])).toEqual([
      ['deficit_covered', -usd(1)],
      ['lot_granted', usd(49)],
    ]);
    const balance = ledger.balanceOf(T0 + HOUR);
    expect(balance.deficitMicros).toBe(0);
    expect(balance.availableMicros).toBe(usd(49));
    expect(balance.spendableMicros).toBe(usd(49));
  });

  it('purchased funds expire 12 calendar months later and are marked test funds when unpaid', () => {
    const ledger = ledgerOf();
    const jan31 = Date.UTC(2027, 0, 31, 15);
    const paid = ledger.topUp({ topupId: 't1', lotId: 'l1', amountMicros: usd(20), paid: true }, T0).value
      .lot;
    expect(paid).toMatchObject({
      kind: 'purchased',
      source: 'payment',
      expiresAt: addMonths(T0, 12),
      topupId: 't1',
    });
    const unpaid = ledger.topUp({ topupId: 't2', lotId: 'l2', amountMicros: usd(5), paid: false }, jan31)
      .value.lot;
    expect(unpaid).toMatchObject({ source: 'test_funds', expiresAt: Date.UTC(2028, 0, 31, 15) });
  });

  it('a top-up smaller than the deficit creates no lot, and replays are recognised', () => {
    const ledger = ledgerOf({ maxDeficitMicros: usd(10) });
    ledger.topUp({ topupId: 't1', lotId: 'l1', amountMicros: usd(1), paid: true }, T0);
    ledger.charge(
      { chargeId: 'c1', memberId: null, feature: 'coding_session', amountMicros: usd(4), outcome: 'failed' },
      T0,
    );
    const first = ledger.topUp({ topupId: 't2', lotId: 'l2', amountMicros: usd(2), paid: true }, T0);
    expect(first.value).toEqual({ coveredDeficitMicros: usd(2), lot: null });
    expect(ledger.state().deficitMicros).toBe(usd(1));
    const again = ledger.topUp({ topupId: 't2', lotId: 'l2', amountMicros: usd(2), paid: true }, T0);
    expect(again.replayed).toBe(true);
    expect(again.entries).toEqual([]);
    expect(ledger.state().deficitMicros).toBe(usd(1));
  });

  it('replaying a top-up that created a lot changes nothing', () => {
    const ledger = ledgerOf();
    ledger.topUp({ topupId: 't1', lotId: 'l1', amountMicros: usd(10), paid: true }, T0);
    const before = ledger.state();
    const replay = ledger.topUp({ topupId: 't1', lotId: 'l1', amountMicros: usd(10), paid: true }, T0 + DAY);
    expect(replay.replayed).toBe(true);
    expect(replay.value.lot?.id).toBe('l1');
    expect(ledger.state()).toBe(before);
  });

  it('refuses zero and fractional top-ups', () => {
    const ledger = ledgerOf();
    expect(codeOf(() => ledger.topUp({ topupId: 't', lotId: 'l', amountMicros: 0, paid: true }, T0))).toBe(
      'invalid_amount',
    );
    expect(codeOf(() => ledger.topUp({ topupId: 't', lotId: 'l', amountMicros: 0.5, paid: true }, T0))).toBe(
      'invalid_amount',
    );
  });
});

describe('granting lots', () => {
  it('grants promotional and support lots and replays by lot id', () => {
    const ledger = ledgerOf();
    const promo = ledger.grantLot(
      {
        lotId: 'p1',
        kind: 'promotional',
        scope: 'workspace',
        amountMicros: usd(3),
        expiresAt: T0 + 30 * DAY,
        source: 'promotion',
        note: 'Welcome',
      },
      T0,
    );
    expect(promo.entries).toHaveLength(1);
    expect(promo.entries[0]).toMatchObject({ id: 'p1:granted', type: 'lot_granted', amountMicros: usd(3) });
    expect(Object.isFrozen(promo.value)).toBe(true);
    expect(Object.isFrozen(promo.entries[0])).toBe(true);
    const replay = ledger.grantLot(
      {
        lotId: 'p1',
        kind: 'promotional',
        scope: 'workspace',
        amountMicros: usd(3),
        expiresAt: T0 + 30 * DAY,
        source: 'promotion',
      },
      T0,
    );
    expect(replay).toMatchObject({ replayed: true, entries: [] });
    expect(
      codeOf(() =>
        ledger.grantLot(
          {
            lotId: 'p1',
            kind: 'promotional',
            scope: 'workspace',
            amountMicros: usd(4),
            expiresAt: null,
            source: 'promotion',
          },
          T0,
        ),
      ),
    ).toBe('idempotency_conflict');
  });

  it('included lots default to the end of the period', () => {
    const ledger = ledgerOf();
    const lot = ledger.grantLot(
      { lotId: 'i1', kind: 'included', scope: 'member:ann', amountMicros: usd(10), source: 'plan_period' },
      T0,
    ).value;
    expect(lot.expiresAt).toBe(PERIOD.end);
  });

  it('refuses purchased lots, empty amounts, past expiries and bad scopes', () => {
    const ledger = ledgerOf();
    const base = {
      lotId: 'x',
      kind: 'support',
      scope: 'workspace',
      amountMicros: usd(1),
      expiresAt: null,
      source: 'support_ticket',
    } as const;
    expect(codeOf(() => ledger.grantLot({ ...base, kind: 'purchased' as 'support' }, T0))).toBe(
      'invalid_lot',
    );
    expect(codeOf(() => ledger.grantLot({ ...base, source: 'payment' as 'support_ticket' }, T0))).toBe(
      'invalid_lot',
    );
    expect(codeOf(() => ledger.grantLot({ ...base, amountMicros: 0 }, T0))).toBe('invalid_amount');
    expect(codeOf(() => ledger.grantLot({ ...base, expiresAt: T0 }, T0))).toBe('invalid_lot');
    expect(codeOf(() => ledger.grantLot({ ...base, scope: 'member:' }, T0))).toBe('invalid_lot');
    expect(
      codeOf(() =>
        ledger.grantLot({ ...base, kind: 'promotional', source: 'promotion', expiresAt: undefined }, T0),
      ),
    ).toBe('invalid_lot');
  });

  it('a support adjustment links the charge it compensates', () => {
    const ledger = ledgerOf();
    const lot = ledger.grantLot(
      {
        lotId: 'adj',
        kind: 'support',
        scope: 'workspace',
        amountMicros: usd(6),
        expiresAt: null,
        source: 'support_ticket',
        chargeId: 'c9',
      },
      T0,
    ).value;
    expect(lot.chargeId).toBe('c9');
    expect(ledger.entries()[0]?.chargeId).toBe('c9');
  });
});

describe('the sum of open lots stays countable', () => {
  it('refuses a grant, a top-up or seat credits that would take it beyond a safe integer, changing nothing', () => {
    const ledger = ledgerOf();
    const promo = (lotId: string, amountMicros: number) =>
      ledger.grantLot(
        {
          lotId,
          kind: 'promotional',
          scope: 'workspace',
          amountMicros,
          expiresAt: null,
          source: 'promotion',
        },
        T0,
      );
    promo('big', Number.MAX_SAFE_INTEGER - usd(1));
    const before = ledger.state();
    expect(codeOf(() => promo('more', usd(2)))).toBe('invalid_amount');
    expect(
      codeOf(() => ledger.topUp({ topupId: 't', lotId: 'l', amountMicros: usd(2), paid: true }, T0)),
    ).toBe('invalid_amount');
    expect(
      codeOf(() =>
        ledger.grantSeatCredits(
          { seats: [{ memberId: 'ann', paid: true, active: true }], includedMicrosPerSeat: usd(2) },
          T0,
        ),
      ),
    ).toBe('invalid_amount');
    expect(ledger.state()).toBe(before);
    // Exactly up to the limit is fine.
    promo('rest', usd(1));
    expect(ledger.balanceOf(T0).availableMicros).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('seat credits', () => {
  const seats = [
    { memberId: 'ann', paid: true, active: true },
    { memberId: 'ben', paid: true, active: false },
    { memberId: 'cat', paid: false, active: true },
    { memberId: 'dan', paid: true, active: true },
  ];

  it('grants one included lot per active paid seat, scoped to the member, expiring at period end', () => {
    const ledger = ledgerOf({ unit: 'credits' });
    const result = ledger.grantSeatCredits({ seats, includedMicrosPerSeat: usd(20) }, T0);
    expect(result.value.map((lot) => [lot.id, lot.scope, lot.kind, lot.expiresAt])).toEqual([
      [`seat_ann_${PERIOD.start}`, 'member:ann', 'included', PERIOD.end],
      [`seat_dan_${PERIOD.start}`, 'member:dan', 'included', PERIOD.end],
    ]);
    const replay = ledger.grantSeatCredits({ seats, includedMicrosPerSeat: usd(20) }, T0 + HOUR);
    expect(replay).toMatchObject({ replayed: true, entries: [], value: [] });
    const withNewSeat = ledger.grantSeatCredits(
      { seats: [...seats, { memberId: 'eve', paid: true, active: true }], includedMicrosPerSeat: usd(20) },
      T0 + HOUR,
    );
    expect(withNewSeat.value.map((lot) => lot.scope)).toEqual(['member:eve']);
  });
});

describe('expiry', () => {
  it('an expired lot is unspendable from the exact instant, before any sweep, and the sweep records the forfeit', () => {
    const ledger = ledgerOf();
    const expiresAt = T0 + DAY;
    ledger.grantLot(
      {
        lotId: 'p',
        kind: 'promotional',
        scope: 'workspace',
        amountMicros: usd(5),
        expiresAt,
        source: 'promotion',
      },
      T0,
    );
    expect(ledger.balanceOf(expiresAt - 1).availableMicros).toBe(usd(5));
    expect(ledger.admission({ memberId: 'ann', amountMicros: usd(1) }, expiresAt - 1).allowed).toBe(true);
    expect(ledger.balanceOf(expiresAt).availableMicros).toBe(0);
    expect(ledger.admission({ memberId: 'ann', amountMicros: usd(1) }, expiresAt).allowed).toBe(false);
    expect(
      codeOf(() =>
        ledger.charge(
          { chargeId: 'c', memberId: 'ann', feature: 'f', amountMicros: 1, outcome: 'succeeded' },
          expiresAt,
        ),
      ),
    ).toBe('insufficient_credits');

    expect(ledger.expireLots(expiresAt - 1).value).toEqual([]);
    const swept = ledger.expireLots(expiresAt);
    expect(swept.entries).toEqual([
      expect.objectContaining({ id: 'p:expired', type: 'lot_expired', amountMicros: -usd(5), lotId: 'p' }),
    ]);
    expect(swept.value[0]).toMatchObject({ remainingMicros: 0, closedAt: expiresAt, closeReason: 'expired' });
    // Irreversible and idempotent.
    expect(ledger.expireLots(expiresAt + DAY).entries).toEqual([]);
  });

  it('a capture settling after a lot expired does not draw from it, even unswept', () => {
    const ledger = ledgerOf();
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
    ledger.topUp({ topupId: 't', lotId: 'buy', amountMicros: usd(20), paid: true }, T0);
    ledger.reserve(
      { reservationId: 'r', memberId: 'ann', feature: 'f', amountMicros: usd(3), ttlSeconds: 7200 },
      T0,
    );
    const charge = ledger.capture(
      { reservationId: 'r', chargeId: 'c', amountMicros: usd(3), outcome: 'succeeded' },
      T0 + HOUR,
    ).value.charge;
    expect(charge?.draws.map((d) => d.lotId)).toEqual(['buy']);
  });
});

describe('workspace deletion', () => {
  it('previews what will be forfeited, then forfeits every lot, voids holds and refuses further changes', () => {
    const ledger = ledgerOf();
    ledger.grantLot(
      {
        lotId: 'p',
        kind: 'promotional',
        scope: 'workspace',
        amountMicros: usd(2),
        expiresAt: T0 + HOUR,
        source: 'promotion',
      },
      T0,
    );
    ledger.grantLot(
      {
        lotId: 's',
        kind: 'support',
        scope: 'workspace',
        amountMicros: usd(1),
        expiresAt: null,
        source: 'support_ticket',
      },
      T0,
    );
    ledger.topUp({ topupId: 't', lotId: 'buy', amountMicros: usd(10), paid: true }, T0);
    ledger.reserve(
      { reservationId: 'r', memberId: 'ann', feature: 'f', amountMicros: usd(1), ttlSeconds: 600 },
      T0,
    );

    const at = T0 + 2 * HOUR;
    const preview = ledger.deletionPreview(at);
    expect(preview.lots.map((lot) => lot.id)).toEqual(['s', 'buy']);
    expect(preview.totalMicros).toBe(usd(11));

    const deleted = ledger.deleteWorkspace(at);
    expect(deleted.value.forfeitedMicros).toBe(usd(11));
    expect(deleted.entries.map((e) => [e.id, e.amountMicros])).toEqual([
      ['p:expired', -usd(2)],
      ['s:forfeited', -usd(1)],
      ['buy:forfeited', -usd(10)],
      ['r:released', -usd(1)],
    ]);
    expect(ledger.state().policy.deletedAt).toBe(at);
    expect(ledger.balanceOf(at)).toMatchObject({ availableMicros: 0, canBegin: false });
    expect(
      codeOf(() => ledger.topUp({ topupId: 't2', lotId: 'l2', amountMicros: usd(5), paid: true }, at)),
    ).toBe('workspace_deleted');
    expect(codeOf(() => ledger.expireLots(at))).toBe('workspace_deleted');
    expect(codeOf(() => ledger.deleteWorkspace(at))).toBe('workspace_deleted');
    expect(codeOf(() => ledger.admission({ memberId: 'ann', amountMicros: 1 }, at))).toBe(
      'workspace_deleted',
    );
  });
});
