import { admission, insertInCreationOrder } from './admission.js';
import { LedgerError } from './errors.js';
import {
  addMicros,
  assertNonNegativeMicros,
  assertPositiveMicros,
  maxMicros,
  subtractMicros,
} from './money.js';
import {
  applySettlement,
  assertNotDeleted,
  assertTtlSeconds,
  findById,
  findCharge,
  findReservation,
  freezeReservation,
  makeEntry,
  nextState,
  outcome,
  replaceById,
  replayOf,
  settle,
} from './state.js';
import type {
  Charge,
  ChargeOutcome,
  Instant,
  LedgerEntry,
  Micros,
  Outcome,
  PriceVersion,
  Reservation,
  Usage,
  WorkspaceState,
} from './types.js';

function refuseAdmission(decision: ReturnType<typeof admission>, details: Record<string, unknown>): never {
  throw new LedgerError(
    decision.code ?? 'insufficient_credits',
    decision.message ?? 'New work may not begin.',
    {
      ...details,
      spendableMicros: decision.spendableMicros,
    },
  );
}

function releaseEntry(state: WorkspaceState, reservation: Reservation, now: Instant): LedgerEntry {
  return makeEntry(
    state,
    `${reservation.id}:released`,
    'reservation_released',
    -reservation.heldMicros,
    now,
    {
      reservationId: reservation.id,
      memberId: reservation.memberId,
      feature: reservation.feature,
    },
  );
}

export interface ReserveInput {
  readonly reservationId: string;
  readonly memberId: string | null;
  readonly feature: string;
  readonly amountMicros: Micros;
  readonly ttlSeconds: number;
}

/** Authorizes an estimated amount before work begins (two-phase: reserve → capture or void). */
export function reserve(state: WorkspaceState, input: ReserveInput, now: Instant): Outcome<Reservation> {
  assertNotDeleted(state);
  const existing = findById(state.reservations, input.reservationId);
  if (existing !== undefined) {
    if (existing.memberId !== input.memberId || existing.feature !== input.feature) {
      throw new LedgerError(
        'idempotency_conflict',
        `Reservation "${input.reservationId}" already exists for another member or feature; use a new reservation id.`,
        { reservationId: input.reservationId },
      );
    }
    return replayOf(state, existing);
  }
  const amountMicros = assertPositiveMicros(input.amountMicros, 'amountMicros');
  const ttlSeconds = assertTtlSeconds(input.ttlSeconds);
  const expiresAt = now + ttlSeconds * 1000;
  const decision = admission(state, { memberId: input.memberId, amountMicros, holdUntil: expiresAt }, now);
  if (!decision.allowed) refuseAdmission(decision, { reservationId: input.reservationId, amountMicros });
  const reservation = freezeReservation({
    id: input.reservationId,
    workspaceId: state.policy.id,
    memberId: input.memberId,
    feature: input.feature,
    // Self-hosted work is not metered, so nothing is held.
    heldMicros: decision.metered ? amountMicros : 0,
    metered: decision.metered,
    createdAt: now,
    expiresAt,
    status: 'held',
    settledAt: null,
    chargeId: null,
  });
  const entries = decision.metered
    ? [
        makeEntry(state, `${reservation.id}:held`, 'reservation_held', amountMicros, now, {
          reservationId: reservation.id,
          memberId: reservation.memberId,
          feature: reservation.feature,
        }),
      ]
    : [];
  return outcome(
    nextState(state, { reservations: insertInCreationOrder(state.reservations, reservation) }),
    entries,
    reservation,
  );
}

function assertOpenHold(reservation: Reservation, now: Instant): void {
  if (reservation.status === 'captured') {
    throw new LedgerError('reservation_captured', `Reservation "${reservation.id}" was already captured.`, {
      reservationId: reservation.id,
      chargeId: reservation.chargeId,
    });
  }
  if (reservation.status === 'voided') {
    throw new LedgerError(
      'reservation_voided',
      `Reservation "${reservation.id}" was voided; reserve again.`,
      {
        reservationId: reservation.id,
      },
    );
  }
  if (reservation.status === 'expired' || reservation.expiresAt <= now) {
    throw new LedgerError(
      'reservation_expired',
      `Reservation "${reservation.id}" lapsed at its time-to-live; capture what ran, then reserve again.`,
      { reservationId: reservation.id, expiresAt: reservation.expiresAt },
    );
  }
}

export interface ExtendReservationInput {
  readonly reservationId: string;
  /** What to add to the hold; 0 only together with `ttlSeconds` (a TTL-only extension). */
  readonly additionalMicros: Micros;
  /** A new time-to-live counted from now; the hold never gets shorter. */
  readonly ttlSeconds?: number;
}

/**
 * Raises a hold for a long task, or (with `additionalMicros: 0` and `ttlSeconds`) only pushes its
 * expiry, like a heartbeat. The enlarged or longer hold passes admission again (excluding its old
 * self), so the negative-balance bound still holds: a lot that expires before the new expiry no
 * longer backs it. A TTL-only extension adds no hold and writes no entry.
 */
export function extendReservation(
  state: WorkspaceState,
  input: ExtendReservationInput,
  now: Instant,
): Outcome<Reservation> {
  assertNotDeleted(state);
  const reservation = findReservation(state, input.reservationId);
  assertOpenHold(reservation, now);
  const additionalMicros = assertNonNegativeMicros(input.additionalMicros, 'additionalMicros');
  if (additionalMicros === 0 && input.ttlSeconds === undefined) {
    throw new LedgerError(
      'invalid_amount',
      'An extension must add to the hold (additionalMicros > 0) or push its expiry (ttlSeconds); it did neither.',
      { reservationId: reservation.id, additionalMicros },
    );
  }
  const expiresAt =
    input.ttlSeconds === undefined
      ? reservation.expiresAt
      : maxMicros(reservation.expiresAt, now + assertTtlSeconds(input.ttlSeconds) * 1000);
  if (!reservation.metered) {
    const updated = freezeReservation({ ...reservation, expiresAt });
    return outcome(
      nextState(state, { reservations: replaceById(state.reservations, [updated]) }),
      [],
      updated,
    );
  }
  const heldMicros = addMicros(reservation.heldMicros, additionalMicros);
  const decision = admission(
    state,
    {
      memberId: reservation.memberId,
      amountMicros: heldMicros,
      holdUntil: expiresAt,
      excludeReservationId: reservation.id,
    },
    now,
  );
  if (!decision.allowed) refuseAdmission(decision, { reservationId: reservation.id, additionalMicros });
  const updated = freezeReservation({ ...reservation, heldMicros, expiresAt });
  if (additionalMicros === 0) {
    return outcome(
      nextState(state, { reservations: replaceById(state.reservations, [updated]) }),
      [],
      updated,
    );
  }
  // The new total is unique per extension because holds only grow, so the id stays deterministic.
  const entry = makeEntry(
    state,
    `${reservation.id}:extended:${heldMicros}`,
    'reservation_extended',
    additionalMicros,
    now,
    { reservationId: reservation.id, memberId: reservation.memberId, feature: reservation.feature },
  );
  return outcome(
    nextState(state, { reservations: replaceById(state.reservations, [updated]) }),
    [entry],
    updated,
  );
}

export interface SettleDetails {
  readonly chargeId: string;
  readonly amountMicros: Micros;
  readonly outcome: ChargeOutcome;
  readonly usage?: Usage | null;
  readonly priceVersion?: PriceVersion | null;
}

export type CaptureInput = SettleDetails & { readonly reservationId: string };

export interface CaptureResult {
  readonly reservation: Reservation;
  /** Null only on a replay whose charge the caller did not load into the state. */
  readonly charge: Charge | null;
}

function assertChargeIdFree(state: WorkspaceState, chargeId: string): void {
  if (findCharge(state, chargeId) !== undefined) {
    throw new LedgerError(
      'idempotency_conflict',
      `Charge id "${chargeId}" is already used by another charge.`,
      {
        chargeId,
      },
    );
  }
}

function buildCharge(
  state: WorkspaceState,
  details: SettleDetails,
  reservation: Reservation | null,
  memberId: string | null,
  feature: string,
  now: Instant,
): { state: WorkspaceState; entries: LedgerEntry[]; charge: Charge } {
  // Unmetered (self-hosted) work is recorded for visibility but costs nothing.
  const metered = reservation === null ? state.policy.hosting !== 'self_hosted' : reservation.metered;
  const amountMicros = metered ? details.amountMicros : 0;
  const settlement = settle(
    state,
    { chargeId: details.chargeId, reservationId: reservation?.id ?? null, memberId, feature, amountMicros },
    now,
  );
  const charge: Charge = Object.freeze({
    id: details.chargeId,
    workspaceId: state.policy.id,
    reservationId: reservation?.id ?? null,
    memberId,
    feature,
    amountMicros,
    outcome: details.outcome,
    usage: details.usage ?? null,
    priceVersion: details.priceVersion ?? null,
    draws: Object.freeze(settlement.draws),
    deficitMicros: settlement.deficitMicros,
    overageMicros: settlement.overageMicros,
    overrunMicros:
      reservation === null ? 0 : maxMicros(0, subtractMicros(amountMicros, reservation.heldMicros)),
    at: now,
  });
  const next = nextState(state, {
    ...applySettlement(state, settlement),
    charges: [...(state.charges ?? []), charge],
  });
  return { state: next, entries: settlement.entries, charge };
}

/**
 * Settles a reservation at the actual amount, which may be below, at or above the hold. The
 * hold is released and the amount drawn from lots in burn order; failed and partial runs are
 * billed the same. A lapsed hold still settles: the work already ran.
 */
export function capture(state: WorkspaceState, input: CaptureInput, now: Instant): Outcome<CaptureResult> {
  assertNotDeleted(state);
  const reservation = findReservation(state, input.reservationId);
  if (reservation.status === 'captured') {
    if (reservation.chargeId !== input.chargeId) {
      throw new LedgerError(
        'reservation_captured',
        `Reservation "${reservation.id}" was already captured by charge "${reservation.chargeId}".`,
        { reservationId: reservation.id, chargeId: reservation.chargeId },
      );
    }
    const charge = findCharge(state, input.chargeId) ?? null;
    if (charge !== null && charge.amountMicros !== input.amountMicros && reservation.metered) {
      throw new LedgerError(
        'idempotency_conflict',
        `Charge "${input.chargeId}" was captured with a different amount; a capture cannot be changed.`,
        { chargeId: input.chargeId, capturedMicros: charge.amountMicros },
      );
    }
    return replayOf(state, Object.freeze({ reservation, charge }));
  }
  if (reservation.status === 'voided') {
    throw new LedgerError(
      'reservation_voided',
      `Reservation "${reservation.id}" was voided and cannot be captured.`,
      {
        reservationId: reservation.id,
      },
    );
  }
  assertNonNegativeMicros(input.amountMicros, 'amountMicros');
  assertChargeIdFree(state, input.chargeId);
  const entries: LedgerEntry[] = [];
  // An `expired` reservation already released its hold when it was swept.
  if (reservation.status === 'held' && reservation.heldMicros > 0)
    entries.push(releaseEntry(state, reservation, now));
  const captured = freezeReservation({
    ...reservation,
    status: 'captured',
    settledAt: now,
    chargeId: input.chargeId,
  });
  const released = nextState(state, { reservations: replaceById(state.reservations, [captured]) });
  const result = buildCharge(released, input, reservation, reservation.memberId, reservation.feature, now);
  entries.push(...result.entries);
  return outcome(result.state, entries, Object.freeze({ reservation: captured, charge: result.charge }));
}

/** Releases a hold whose task never started. Voiding twice, or after the hold lapsed, changes nothing. */
export function voidReservation(
  state: WorkspaceState,
  input: { readonly reservationId: string },
  now: Instant,
): Outcome<Reservation> {
  assertNotDeleted(state);
  const reservation = findReservation(state, input.reservationId);
  if (reservation.status === 'captured') {
    throw new LedgerError(
      'reservation_captured',
      `Reservation "${reservation.id}" was already captured; a settled charge can only be compensated by a support adjustment.`,
      { reservationId: reservation.id, chargeId: reservation.chargeId },
    );
  }
  if (reservation.status !== 'held') return replayOf(state, reservation);
  const voided = freezeReservation({ ...reservation, status: 'voided', settledAt: now });
  const entries = reservation.heldMicros > 0 ? [releaseEntry(state, reservation, now)] : [];
  return outcome(
    nextState(state, { reservations: replaceById(state.reservations, [voided]) }),
    entries,
    voided,
  );
}

/** Marks every hold past its time-to-live as expired and releases it. */
export function expireReservations(state: WorkspaceState, now: Instant): Outcome<readonly Reservation[]> {
  assertNotDeleted(state);
  const expired: Reservation[] = [];
  const entries: LedgerEntry[] = [];
  for (const reservation of state.reservations) {
    if (reservation.status !== 'held' || reservation.expiresAt > now) continue;
    expired.push(freezeReservation({ ...reservation, status: 'expired', settledAt: now }));
    if (reservation.heldMicros > 0) entries.push(releaseEntry(state, reservation, now));
  }
  if (expired.length === 0) return outcome(state, [], Object.freeze([]));
  return outcome(
    nextState(state, { reservations: replaceById(state.reservations, expired) }),
    entries,
    Object.freeze(expired),
  );
}

export type ChargeInput = SettleDetails & { readonly memberId: string | null; readonly feature: string };

/** A one-step charge without a reservation: admission, then the same draw as a capture. */
export function charge(state: WorkspaceState, input: ChargeInput, now: Instant): Outcome<Charge> {
  assertNotDeleted(state);
  const existing = findCharge(state, input.chargeId);
  if (existing !== undefined) {
    if (
      existing.reservationId !== null ||
      existing.memberId !== input.memberId ||
      (existing.amountMicros !== input.amountMicros && state.policy.hosting !== 'self_hosted')
    ) {
      throw new LedgerError(
        'idempotency_conflict',
        `Charge id "${input.chargeId}" was already used with a different body; use a new charge id.`,
        { chargeId: input.chargeId },
      );
    }
    return replayOf(state, existing);
  }
  const amountMicros = assertNonNegativeMicros(input.amountMicros, 'amountMicros');
  const decision = admission(state, { memberId: input.memberId, amountMicros }, now);
  if (!decision.allowed) refuseAdmission(decision, { chargeId: input.chargeId, amountMicros });
  const result = buildCharge(state, input, null, input.memberId, input.feature, now);
  return outcome(result.state, result.entries, result.charge);
}
