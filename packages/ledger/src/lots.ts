import { insertInBurnOrder, sortInBurnOrder } from './burn-order.js';
import { LedgerError } from './errors.js';
import { assertMicros, assertPositiveMicros, minMicros, subtractMicros, sumMicros } from './money.js';
import { addMonths } from './periods.js';
import {
  assertNotDeleted,
  freezeLot,
  freezeReservation,
  makeEntry,
  nextState,
  outcome,
  replaceById,
  replayOf,
} from './state.js';
import type {
  BillingPeriod,
  Instant,
  LedgerEntry,
  Lot,
  LotKind,
  LotScope,
  LotSource,
  Micros,
  Outcome,
  Reservation,
  WorkspaceState,
} from './types.js';

/** Purchased funds expire this many calendar months after purchase (SPEC §3). */
export const PURCHASED_LOT_LIFETIME_MONTHS = 12;

export interface GrantLotInput {
  readonly lotId: string;
  /** Purchased lots come only from `topUp`. */
  readonly kind: Exclude<LotKind, 'purchased'>;
  readonly scope: LotScope;
  readonly amountMicros: Micros;
  /** Defaults to `now`. */
  readonly effectiveAt?: Instant;
  /** `null` never expires. Required except for `included` lots, which default to the period end. */
  readonly expiresAt?: Instant | null;
  readonly source: Exclude<LotSource, 'payment' | 'test_funds'>;
  readonly note?: string | null;
  /** For support adjustments: the charge being compensated. */
  readonly chargeId?: string | null;
}

function invalidLot(message: string, details: Record<string, unknown>): LedgerError {
  return new LedgerError('invalid_lot', message, details);
}

/**
 * Balances are sums of open lots; a new lot that took that sum beyond what a JS number counts
 * exactly would make every later balance fail. Refused here, where it is the grant's fault.
 */
function assertBalanceFits(state: WorkspaceState, addedMicros: Micros): void {
  let total = addedMicros;
  for (const lot of state.lots) if (lot.closedAt === null) total += lot.remainingMicros;
  if (!Number.isSafeInteger(total)) {
    throw new LedgerError(
      'invalid_amount',
      `This lot of ${addedMicros} micros would take the workspace's open lots beyond ${Number.MAX_SAFE_INTEGER} micros, more than the ledger counts exactly.`,
      { label: 'amountMicros', value: addedMicros },
    );
  }
}

function assertScope(scope: string): asserts scope is LotScope {
  if (scope === 'workspace') return;
  if (!scope.startsWith('member:') || scope.length === 'member:'.length) {
    throw invalidLot('A lot scope is "workspace" or "member:<memberId>".', { scope });
  }
}

function assertInstant(value: unknown, label: string): Instant {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw invalidLot(`${label} must be an instant in epoch milliseconds.`, { label, value: String(value) });
  }
  return value;
}

function lotGrantedEntry(state: WorkspaceState, lot: Lot, now: Instant, topupId: string | null): LedgerEntry {
  const memberId = lot.scope === 'workspace' ? null : lot.scope.slice('member:'.length);
  return makeEntry(state, `${lot.id}:granted`, 'lot_granted', lot.originalMicros, now, {
    lotId: lot.id,
    chargeId: lot.chargeId,
    topupId,
    memberId,
  });
}

/** Grants a promotional, included or support lot. Replaying the same lot id changes nothing. */
export function grantLot(state: WorkspaceState, input: GrantLotInput, now: Instant): Outcome<Lot> {
  assertNotDeleted(state);
  const existing = state.lots.find((lot) => lot.id === input.lotId);
  if (existing !== undefined) {
    if (
      existing.originalMicros !== input.amountMicros ||
      existing.kind !== input.kind ||
      existing.scope !== input.scope
    ) {
      throw new LedgerError(
        'idempotency_conflict',
        `Lot "${input.lotId}" was already granted with a different amount, kind or scope; use a new lot id.`,
        { lotId: input.lotId },
      );
    }
    return replayOf(state, existing);
  }
  if (!['promotional', 'included', 'support'].includes(input.kind)) {
    throw invalidLot(
      'Only promotional, included and support lots can be granted; purchased lots come from top-ups.',
      {
        kind: input.kind,
      },
    );
  }
  if (input.source === ('payment' as LotSource) || input.source === ('test_funds' as LotSource)) {
    throw invalidLot('Payment-backed lots come only from top-ups.', { source: input.source });
  }
  assertScope(input.scope);
  const amountMicros = assertPositiveMicros(input.amountMicros, 'amountMicros');
  assertBalanceFits(state, amountMicros);
  const effectiveAt = assertInstant(input.effectiveAt ?? now, 'effectiveAt');
  let expiresAt: Instant | null;
  if (input.expiresAt === undefined) {
    if (input.kind !== 'included') {
      throw invalidLot(`A ${input.kind} lot needs an explicit expiresAt (null for never).`, {
        kind: input.kind,
      });
    }
    expiresAt = state.period.end;
  } else {
    expiresAt = input.expiresAt === null ? null : assertInstant(input.expiresAt, 'expiresAt');
  }
  if (expiresAt !== null && (expiresAt <= now || expiresAt <= effectiveAt)) {
    throw invalidLot('A lot must expire after it is granted and after it becomes effective.', {
      expiresAt,
      effectiveAt,
      now,
    });
  }
  const lot = freezeLot({
    id: input.lotId,
    workspaceId: state.policy.id,
    kind: input.kind,
    scope: input.scope,
    originalMicros: amountMicros,
    remainingMicros: amountMicros,
    grantedAt: now,
    effectiveAt,
    expiresAt,
    source: input.source,
    note: input.note ?? null,
    chargeId: input.chargeId ?? null,
    topupId: null,
    closedAt: null,
    closeReason: null,
  });
  return outcome(
    nextState(state, { lots: insertInBurnOrder(state.lots, lot) }),
    [lotGrantedEntry(state, lot, now, null)],
    lot,
  );
}

export interface TopUpInput {
  readonly topupId: string;
  /** Id of the purchased lot created from what is left after covering the deficit. */
  readonly lotId: string;
  readonly amountMicros: Micros;
  /** False in no-payment mode: the lot is marked as test funds. */
  readonly paid: boolean;
}

export interface TopUpResult {
  readonly coveredDeficitMicros: Micros;
  /** Null when the whole top-up went to covering the deficit. */
  readonly lot: Lot | null;
}

/** Adds funds: the deficit is covered first, the rest becomes a purchased lot (−$1 + $50 → $49). */
export function topUp(state: WorkspaceState, input: TopUpInput, now: Instant): Outcome<TopUpResult> {
  assertNotDeleted(state);
  const existingLot = state.lots.find((lot) => lot.topupId === input.topupId) ?? null;
  if (existingLot !== null || state.appliedTopupIds?.includes(input.topupId)) {
    const coveredDeficitMicros =
      existingLot === null ? input.amountMicros : input.amountMicros - existingLot.originalMicros;
    return replayOf(state, Object.freeze({ coveredDeficitMicros, lot: existingLot }));
  }
  const amountMicros = assertPositiveMicros(input.amountMicros, 'amountMicros');
  if (state.lots.some((lot) => lot.id === input.lotId)) {
    throw new LedgerError(
      'idempotency_conflict',
      `Lot id "${input.lotId}" is already used; pick a new lot id.`,
      {
        lotId: input.lotId,
      },
    );
  }
  const coveredDeficitMicros = minMicros(amountMicros, state.deficitMicros);
  const entries: LedgerEntry[] = [];
  if (coveredDeficitMicros > 0) {
    entries.push(
      makeEntry(state, `${input.topupId}:deficit_covered`, 'deficit_covered', -coveredDeficitMicros, now, {
        topupId: input.topupId,
      }),
    );
  }
  const lotMicros = subtractMicros(amountMicros, coveredDeficitMicros);
  if (lotMicros > 0) assertBalanceFits(state, lotMicros);
  let lot: Lot | null = null;
  if (lotMicros > 0) {
    lot = freezeLot({
      id: input.lotId,
      workspaceId: state.policy.id,
      kind: 'purchased',
      scope: 'workspace',
      originalMicros: lotMicros,
      remainingMicros: lotMicros,
      grantedAt: now,
      effectiveAt: now,
      expiresAt: addMonths(now, PURCHASED_LOT_LIFETIME_MONTHS),
      source: input.paid ? 'payment' : 'test_funds',
      note: input.paid ? null : 'Test funds added without a payment (no-payment mode).',
      chargeId: null,
      topupId: input.topupId,
      closedAt: null,
      closeReason: null,
    });
    entries.push(lotGrantedEntry(state, lot, now, input.topupId));
  }
  const next = nextState(state, {
    lots: lot === null ? state.lots : insertInBurnOrder(state.lots, lot),
    deficitMicros: subtractMicros(state.deficitMicros, coveredDeficitMicros),
    appliedTopupIds: [...(state.appliedTopupIds ?? []), input.topupId],
  });
  return outcome(next, entries, Object.freeze({ coveredDeficitMicros, lot }));
}

export interface SeatInput {
  readonly memberId: string;
  readonly paid: boolean;
  readonly active: boolean;
}

export interface GrantSeatCreditsInput {
  readonly seats: readonly SeatInput[];
  readonly includedMicrosPerSeat: Micros;
}

/** The deterministic id of a member's included lot for the period starting at `periodStart`. */
export function seatLotId(memberId: string, periodStart: Instant): string {
  return `seat_${memberId}_${periodStart}`;
}

/**
 * Gives each active paid seat its included lot for the current period, scoped to the member and
 * expiring at the period end. Inactive or unpaid seats get nothing. Seats already granted this
 * period are skipped, so running it twice (or after adding a seat) is safe.
 */
export function grantSeatCredits(
  state: WorkspaceState,
  input: GrantSeatCreditsInput,
  now: Instant,
): Outcome<readonly Lot[]> {
  assertNotDeleted(state);
  const includedMicrosPerSeat = assertPositiveMicros(input.includedMicrosPerSeat, 'includedMicrosPerSeat');
  let current = state;
  const granted: Lot[] = [];
  const entries: LedgerEntry[] = [];
  let eligible = 0;
  for (const seat of input.seats) {
    if (!seat.paid || !seat.active) continue;
    eligible += 1;
    const lotId = seatLotId(seat.memberId, state.period.start);
    if (current.lots.some((lot) => lot.id === lotId)) continue;
    const result = grantLot(
      current,
      {
        lotId,
        kind: 'included',
        scope: `member:${seat.memberId}`,
        amountMicros: includedMicrosPerSeat,
        expiresAt: state.period.end,
        source: 'plan_period',
        note: 'Included seat credits for the billing period.',
      },
      now,
    );
    current = result.state;
    granted.push(result.value);
    entries.push(...result.entries);
  }
  return outcome(current, entries, Object.freeze(granted), granted.length === 0 && eligible > 0);
}

function closeLot(state: WorkspaceState, lot: Lot, now: Instant, reason: 'expired' | 'forfeited') {
  const closed = freezeLot({ ...lot, remainingMicros: 0, closedAt: now, closeReason: reason });
  const type = reason === 'expired' ? 'lot_expired' : 'lot_forfeited';
  const entry = makeEntry(state, `${lot.id}:${reason}`, type, -lot.remainingMicros, now, { lotId: lot.id });
  return { closed, entry };
}

/**
 * Closes every open lot whose expiry has passed, writing what was forfeited. Irreversible.
 * Spending never waits for this: an expired lot is unspendable from its exact expiry instant.
 */
export function expireLots(state: WorkspaceState, now: Instant): Outcome<readonly Lot[]> {
  assertNotDeleted(state);
  const due = sortInBurnOrder(
    state.lots.filter(
      (lot) =>
        lot.closedAt === null && lot.remainingMicros > 0 && lot.expiresAt !== null && lot.expiresAt <= now,
    ),
  );
  const closedLots: Lot[] = [];
  const entries: LedgerEntry[] = [];
  for (const lot of due) {
    const { closed, entry } = closeLot(state, lot, now, 'expired');
    closedLots.push(closed);
    entries.push(entry);
  }
  if (closedLots.length === 0) return outcome(state, [], Object.freeze([]));
  return outcome(
    nextState(state, { lots: replaceById(state.lots, closedLots) }),
    entries,
    Object.freeze(closedLots),
  );
}

export interface DeletionPreview {
  /** Lots that still hold value, in burn order. */
  readonly lots: readonly Lot[];
  readonly totalMicros: Micros;
}

/** What deleting the workspace would forfeit. Lots past their expiry are already lost and not listed. */
export function deletionPreview(state: WorkspaceState, now: Instant): DeletionPreview {
  const lots = sortInBurnOrder(
    state.lots.filter(
      (lot) =>
        lot.closedAt === null && lot.remainingMicros > 0 && (lot.expiresAt === null || lot.expiresAt > now),
    ),
  );
  return Object.freeze({
    lots: Object.freeze(lots),
    totalMicros: sumMicros(lots.map((lot) => lot.remainingMicros)),
  });
}

export interface DeletionResult {
  readonly forfeitedMicros: Micros;
  readonly lots: readonly Lot[];
  readonly voidedReservations: readonly Reservation[];
}

/**
 * Deletes the workspace: every lot with value left is forfeited (expired lots are closed as
 * expired first, so the ledger says why each was lost), held reservations are voided, and the
 * workspace refuses every later change.
 */
export function deleteWorkspace(state: WorkspaceState, now: Instant): Outcome<DeletionResult> {
  assertNotDeleted(state);
  const expired = expireLots(state, now);
  let current = expired.state;
  const entries: LedgerEntry[] = [...expired.entries];
  const forfeited: Lot[] = [];
  for (const lot of sortInBurnOrder(
    current.lots.filter((l) => l.closedAt === null && l.remainingMicros > 0),
  )) {
    const { closed, entry } = closeLot(current, lot, now, 'forfeited');
    forfeited.push(closed);
    entries.push(entry);
  }
  const voided: Reservation[] = [];
  for (const reservation of current.reservations) {
    if (reservation.status !== 'held') continue;
    voided.push(freezeReservation({ ...reservation, status: 'voided', settledAt: now }));
    if (reservation.heldMicros > 0) {
      entries.push(
        makeEntry(
          current,
          `${reservation.id}:released`,
          'reservation_released',
          -reservation.heldMicros,
          now,
          {
            reservationId: reservation.id,
            memberId: reservation.memberId,
            feature: reservation.feature,
          },
        ),
      );
    }
  }
  const forfeitedMicros = sumMicros(
    forfeited.map((lot) => {
      const before = current.lots.find((l) => l.id === lot.id);
      return before === undefined ? 0 : assertMicros(before.remainingMicros, 'remainingMicros');
    }),
  );
  current = nextState(current, {
    lots: replaceById(current.lots, forfeited),
    reservations: replaceById(current.reservations, voided),
    policy: Object.freeze({ ...current.policy, deletedAt: now }),
  });
  return outcome(
    current,
    entries,
    Object.freeze({
      forfeitedMicros,
      lots: Object.freeze(forfeited),
      voidedReservations: Object.freeze(voided),
    }),
  );
}

/**
 * Starts a new billing period: overage is counted per period, so it restarts at zero. Seat
 * credits for the new period are granted separately with `grantSeatCredits`.
 */
export function beginPeriod(
  state: WorkspaceState,
  period: BillingPeriod,
  now: Instant,
): Outcome<BillingPeriod> {
  assertNotDeleted(state);
  if (period.start === state.period.start && period.end === state.period.end)
    return replayOf(state, state.period);
  if (!(period.start < period.end) || period.start < state.period.start || period.start > now) {
    throw new LedgerError(
      'invalid_amount',
      'A new billing period must start after the current one, by now, and end after it starts.',
      {
        start: period.start,
        end: period.end,
      },
    );
  }
  const frozen = Object.freeze({ start: period.start, end: period.end });
  return outcome(nextState(state, { period: frozen, overageUsedMicros: 0 }), [], frozen);
}
