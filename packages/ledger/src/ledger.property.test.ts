import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  admission,
  compareCreation,
  outstandingHolds,
  simulateHolds,
  worstCaseHoldDeficit,
} from './admission.js';
import { canDraw, compareBurnOrder, isSpendable } from './burn-order.js';
import { isLedgerError } from './errors.js';
import { createMemoryLedger, type MemoryLedger } from './memory-ledger.js';
import { summarizeEntries } from './summary.js';
import { PERIOD, policyOf, T0 } from './test-fixtures.js';
import type { Charge, Lot, Outcome, WorkspacePolicy, WorkspaceState } from './types.js';

// Random operation sequences against the in-memory ledger, checking the ledger's invariants
// after every step. Amounts are small so that lots, holds and deficits collide often.

const members = ['a', 'b', 'c'] as const;
const member = fc.constantFrom<string | null>('a', 'b', 'c', null);
const amount = fc.integer({ min: 1, max: 400 });
// Lots smaller than tasks, so work regularly outruns the lots and reaches the deficit.
const lotAmount = fc.integer({ min: 1, max: 150 });
const MINUTE = 60_000;

const command = fc.oneof(
  fc.record({
    op: fc.constant('grant' as const),
    kind: fc.constantFrom('promotional' as const, 'included' as const, 'support' as const),
    owner: fc.constantFrom<string | null>(null, ...members),
    amount: lotAmount,
    expiresInMinutes: fc.option(fc.integer({ min: 1, max: 90 }), { nil: null }),
    effectiveInMinutes: fc.constantFrom(0, 0, 0, 5),
  }),
  fc.record({ op: fc.constant('topUp' as const), amount: lotAmount, paid: fc.boolean() }),
  fc.record({
    op: fc.constant('reserve' as const),
    member,
    amount,
    ttlSeconds: fc.integer({ min: 1, max: 3600 }),
  }),
  fc.record({
    op: fc.constant('capture' as const),
    pick: fc.nat(),
    // Per mille of the hold: up to 1000 stays within it, above overruns.
    perMille: fc.oneof(
      fc.constant(1000),
      fc.integer({ min: 0, max: 1000 }),
      fc.integer({ min: 1001, max: 2500 }),
    ),
  }),
  fc.record({
    op: fc.constant('extend' as const),
    pick: fc.nat(),
    // 0: a TTL-only extension (a heartbeat that pushes the expiry).
    amount: fc.oneof(fc.constant(0), amount),
    ttlSeconds: fc.integer({ min: 1, max: 3600 }),
  }),
  fc.record({ op: fc.constant('void' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('charge' as const), member, amount: fc.integer({ min: 0, max: 400 }) }),
  fc.record({ op: fc.constant('expireLots' as const) }),
  fc.record({ op: fc.constant('expireReservations' as const) }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 45 * MINUTE }) }),
);
type Command = typeof command extends fc.Arbitrary<infer C> ? C : never;

const policy = fc.record({
  seatPooling: fc.boolean(),
  maxDeficitMicros: fc.integer({ min: 0, max: 300 }),
  overage: fc.oneof(
    fc.constant({ enabled: false, monthlyCapMicros: null }),
    fc.record({
      enabled: fc.constant(true),
      monthlyCapMicros: fc.option(fc.integer({ min: 0, max: 800 }), { nil: null }),
    }),
  ),
  unit: fc.constantFrom('usd' as const, 'credits' as const),
});

interface Run {
  readonly ledger: MemoryLedger;
  now: number;
  seq: number;
  /** Deficit that captures beyond their hold or after it lapsed may add beyond the bound. */
  excusedMicros: number;
  /** Strict runs only capture live holds within their amount, so nothing is excused. */
  readonly strict: boolean;
  deficitCharges: number;
}

function checkCharge(before: WorkspaceState, charge: Charge, now: number): void {
  const drawn = charge.draws.reduce((sum, d) => sum + d.amountMicros, 0);
  expect(drawn + charge.deficitMicros + charge.overageMicros).toBe(charge.amountMicros);
  const lotsBefore = new Map(before.lots.map((lot) => [lot.id, lot]));
  const eligible = before.lots
    .filter((lot) => isSpendable(lot, now) && canDraw(before.policy, charge.memberId, lot))
    .sort(compareBurnOrder);
  // Never an expired, closed or foreign lot, and never more than a lot had.
  for (const draw of charge.draws) {
    const lot = lotsBefore.get(draw.lotId);
    expect(lot).toBeDefined();
    if (lot === undefined) continue;
    expect(isSpendable(lot, now)).toBe(true);
    expect(canDraw(before.policy, charge.memberId, lot)).toBe(true);
    expect(draw.amountMicros).toBeGreaterThan(0);
    expect(draw.amountMicros).toBeLessThanOrEqual(lot.remainingMicros);
  }
  // Burn order: the draws are a prefix of the eligible lots, each emptied except possibly the last.
  expect(charge.draws.map((d) => d.lotId)).toEqual(
    eligible.slice(0, charge.draws.length).map((lot) => lot.id),
  );
  charge.draws.forEach((draw, i) => {
    if (i < charge.draws.length - 1)
      expect(draw.amountMicros).toBe(lotsBefore.get(draw.lotId)?.remainingMicros);
  });
  if (charge.deficitMicros + charge.overageMicros > 0) expect(charge.draws.length).toBe(eligible.length);
}

function checkInvariants(run: Run): void {
  const state = run.ledger.state();
  const summary = summarizeEntries(run.ledger.entries());
  for (const lot of state.lots) {
    expect(lot.remainingMicros).toBeGreaterThanOrEqual(0);
    expect(lot.remainingMicros).toBeLessThanOrEqual(lot.originalMicros);
    expect(summary.lotRemainingMicros.get(lot.id)).toBe(lot.remainingMicros);
  }
  expect(summary.lotRemainingMicros.size).toBe(state.lots.length);
  expect(summary.availableMicros).toBe(state.lots.reduce((sum, lot) => sum + lot.remainingMicros, 0));
  expect(summary.deficitMicros).toBe(state.deficitMicros);
  expect(summary.reservedMicros).toBe(
    state.reservations.filter((r) => r.status === 'held').reduce((sum, r) => sum + r.heldMicros, 0),
  );
  expect(summary.overageMicros).toBe(state.overageUsedMicros);
  expect(state.deficitMicros).toBeGreaterThanOrEqual(0);
  expect(state.deficitMicros).toBeLessThanOrEqual(state.policy.maxDeficitMicros + run.excusedMicros);
  checkRememberedHolds(state, run.now);
}

/**
 * Admission remembers what a state's holds amount to and extends it hold by hold as reservations
 * are added; a copy of the state that shares none of that must get the same answers.
 */
function checkRememberedHolds(state: WorkspaceState, now: number): void {
  checkAgainstPlainSimulation(state, now);
  const copy: WorkspaceState = { ...state, lots: [...state.lots], reservations: [...state.reservations] };
  expect(outstandingHolds(state, now)).toEqual(outstandingHolds(copy, now));
  expect(simulateHolds(state, now)).toEqual(simulateHolds(copy, now));
  expect(worstCaseHoldDeficit(state, now, null)).toBe(worstCaseHoldDeficit(copy, now, null));
  for (const memberId of [null, 'a', 'b']) {
    for (const amountMicros of [1, 120]) {
      const request = { memberId, amountMicros, holdUntil: now + 20 * MINUTE };
      expect(admission(state, request, now)).toEqual(admission(copy, request, now));
      expect(worstCaseHoldDeficit(state, now, request)).toBe(worstCaseHoldDeficit(copy, now, request));
    }
  }
}

/** Applies a command; returns a thunk that replays the same input, when the operation has one. */
function step(run: Run, cmd: Command): (() => Outcome<unknown>) | null {
  const { ledger } = run;
  const now = run.now;
  const id = `${cmd.op}-${run.seq++}`;
  // Mostly pick live holds (settling those is what moves money), sometimes any reservation.
  const reservationAt = (pick: number) => {
    const all = ledger.state().reservations;
    const held = all.filter((r) => r.status === 'held');
    const pool = held.length > 0 && pick % 4 !== 0 ? held : all;
    return pool.length === 0 ? undefined : pool[Math.floor(pick / 4) % pool.length];
  };
  switch (cmd.op) {
    case 'grant': {
      const input = {
        lotId: id,
        kind: cmd.kind,
        scope: cmd.owner === null ? ('workspace' as const) : (`member:${cmd.owner}` as const),
        amountMicros: cmd.amount,
        effectiveAt: now + cmd.effectiveInMinutes * MINUTE,
        expiresAt:
          cmd.expiresInMinutes === null
            ? null
            : now + (cmd.expiresInMinutes + cmd.effectiveInMinutes) * MINUTE,
        source: cmd.kind === 'support' ? ('support_ticket' as const) : ('promotion' as const),
      };
      ledger.grantLot(input, now);
      return () => ledger.grantLot(input, now);
    }
    case 'topUp': {
      const input = { topupId: id, lotId: `${id}-lot`, amountMicros: cmd.amount, paid: cmd.paid };
      ledger.topUp(input, now);
      return () => ledger.topUp(input, now);
    }
    case 'reserve': {
      const input = {
        reservationId: id,
        memberId: cmd.member,
        feature: 'f',
        amountMicros: cmd.amount,
        ttlSeconds: cmd.ttlSeconds,
      };
      ledger.reserve(input, now);
      return () => ledger.reserve(input, now);
    }
    case 'capture': {
      const reservation = reservationAt(cmd.pick);
      if (reservation === undefined) return null;
      const amountMicros =
        Math.floor((reservation.heldMicros * cmd.perMille) / 1000) + (cmd.perMille > 1000 ? 1 : 0);
      const input = {
        reservationId: reservation.id,
        chargeId: id,
        amountMicros,
        outcome: 'succeeded' as const,
      };
      const before = ledger.state();
      const lapsed = reservation.expiresAt <= now;
      if (run.strict && (lapsed || amountMicros > reservation.heldMicros)) return null;
      const result = ledger.capture(input, now);
      if (result.value.charge !== null && !result.replayed) {
        checkCharge(before, result.value.charge, now);
        run.excusedMicros += lapsed ? amountMicros : result.value.charge.overrunMicros;
        if (result.value.charge.deficitMicros > 0) run.deficitCharges += 1;
      }
      return () => ledger.capture(input, now);
    }
    case 'extend': {
      const reservation = reservationAt(cmd.pick);
      if (reservation === undefined) return null;
      ledger.extendReservation(
        { reservationId: reservation.id, additionalMicros: cmd.amount, ttlSeconds: cmd.ttlSeconds },
        now,
      );
      return null;
    }
    case 'void': {
      const reservation = reservationAt(cmd.pick);
      if (reservation === undefined) return null;
      const input = { reservationId: reservation.id };
      ledger.voidReservation(input, now);
      return () => ledger.voidReservation(input, now);
    }
    case 'charge': {
      const input = {
        chargeId: id,
        memberId: cmd.member,
        feature: 'f',
        amountMicros: cmd.amount,
        outcome: 'failed' as const,
      };
      const before = ledger.state();
      const charged = ledger.charge(input, now).value;
      checkCharge(before, charged, now);
      if (charged.deficitMicros > 0) run.deficitCharges += 1;
      return () => ledger.charge(input, now);
    }
    case 'expireLots':
      ledger.expireLots(now);
      return () => ledger.expireLots(now);
    case 'expireReservations':
      ledger.expireReservations(now);
      return () => ledger.expireReservations(now);
    case 'advance':
      run.now += cmd.ms;
      return null;
  }
}

function execute(
  policyOverrides: Partial<WorkspacePolicy>,
  commands: readonly Command[],
  strict = false,
): Run {
  const run: Run = {
    ledger: createMemoryLedger(policyOf(policyOverrides), PERIOD),
    now: T0,
    seq: 0,
    excusedMicros: 0,
    strict,
    deficitCharges: 0,
  };
  for (const cmd of commands) {
    let replay: (() => Outcome<unknown>) | null = null;
    try {
      replay = step(run, cmd);
    } catch (error) {
      // Refusals are part of the domain; anything else is a bug.
      if (!isLedgerError(error)) throw error;
      expect([
        'insufficient_credits',
        'overage_disabled',
        'overage_cap_reached',
        'reservation_voided',
        'reservation_captured',
        'reservation_expired',
      ]).toContain(error.code);
    }
    checkInvariants(run);
    if (replay !== null) {
      const stateBefore = run.ledger.state();
      const entriesBefore = run.ledger.entries().length;
      const again = replay();
      expect(again.entries).toEqual([]);
      expect(run.ledger.entries().length).toBe(entriesBefore);
      expect(run.ledger.state()).toEqual(stateBefore);
    }
  }
  if (strict) expect(run.excusedMicros).toBe(0);
  return run;
}

/**
 * Admission groups lots per member and remembers sums; the plain way — every hold walking every
 * spendable lot in claim order, every sum over every lot — must give the same figures.
 */
function checkAgainstPlainSimulation(state: WorkspaceState, now: number): void {
  const { policy } = state;
  const outlives = (lot: Lot, until: number) => lot.expiresAt === null || lot.expiresAt >= until;
  const isPrivate = (lot: Lot) => lot.scope !== 'workspace' && !policy.seatPooling;
  const spendable = state.lots.filter((lot) => isSpendable(lot, now)).sort(compareBurnOrder);
  const claimOrder = [...spendable.filter(isPrivate), ...spendable.filter((lot) => !isPrivate(lot))];
  const holds = state.reservations
    .filter((r) => r.status === 'held' && r.metered && r.expiresAt > now && r.heldMicros > 0)
    .sort(compareCreation);
  const remaining = new Map(state.lots.map((lot) => [lot.id, lot.remainingMicros]));
  let shortfall = 0;
  for (const hold of holds) {
    let left = hold.heldMicros;
    for (const lot of claimOrder) {
      if (!outlives(lot, hold.expiresAt) || !canDraw(policy, hold.memberId, lot)) continue;
      const taken = Math.min(left, remaining.get(lot.id) ?? 0);
      remaining.set(lot.id, (remaining.get(lot.id) ?? 0) - taken);
      left -= taken;
    }
    shortfall += left;
  }
  const simulation = simulateHolds(state, now);
  expect(simulation.shortfallMicros).toBe(shortfall);
  for (const lot of spendable) {
    expect(lot.remainingMicros - (simulation.claimed.get(lot) ?? 0)).toBe(remaining.get(lot.id));
  }
  if (policy.deletedAt !== null) return;
  for (const memberId of [null, 'a', 'b']) {
    const until = now + 20 * MINUTE;
    const drawable = claimOrder
      .filter((lot) => outlives(lot, until) && canDraw(policy, memberId, lot))
      .reduce((sum, lot) => sum + (remaining.get(lot.id) ?? 0), 0);
    const pending = state.deficitMicros + (policy.overage.enabled ? 0 : shortfall);
    const decision = admission(state, { memberId, amountMicros: 1, holdUntil: until }, now);
    expect(decision.spendableMicros).toBe(drawable - pending);
  }
}

describe('ledger properties over random operation sequences', () => {
  it('conserves value, respects expiry, scope and burn order, replays idempotently and bounds the deficit', () => {
    fc.assert(
      fc.property(policy, fc.array(command, { minLength: 5, maxLength: 50, size: 'max' }), (p, commands) => {
        execute(p, commands);
      }),
      { numRuns: 200 },
    );
  });

  it('with every capture within its hold and before it lapses, the deficit never exceeds maxDeficitMicros', () => {
    let runsWithDeficit = 0;
    fc.assert(
      fc.property(
        policy.map((p) => ({ ...p, overage: { enabled: false, monthlyCapMicros: null } })),
        fc.array(command, { minLength: 5, maxLength: 50, size: 'max' }),
        (p, commands) => {
          if (execute(p, commands, true).deficitCharges > 0) runsWithDeficit += 1;
        },
      ),
      { numRuns: 200 },
    );
    // The bound is only meaningful if runs actually reach a deficit.
    expect(runsWithDeficit).toBeGreaterThan(10);
  });
});
