import { backs, claimLots, compareCreation, needsOf, noteAddedHold, summarizeHolds } from './holds.js';
import { assertNonNegativeMicros, minMicros, subtractMicros } from './money.js';
import { assertNotDeleted } from './state.js';
import type { Instant, Lot, Micros, Reservation, WorkspaceState } from './types.js';

export type AdmissionRefusalCode = 'insufficient_credits' | 'overage_disabled' | 'overage_cap_reached';

export interface AdmissionRequest {
  readonly memberId: string | null;
  readonly amountMicros: Micros;
  /**
   * When the work will have settled at the latest (a hold's expiry). Lots that expire before it
   * cannot pay for the work, so they are not counted. Defaults to `now`.
   */
  readonly holdUntil?: Instant;
  /** A reservation to leave out of the outstanding holds (used when extending it). */
  readonly excludeReservationId?: string;
}

export interface AdmissionDecision {
  readonly allowed: boolean;
  readonly code?: AdmissionRefusalCode;
  readonly message?: string;
  /** What the member could still spend from lots: drawable lots − other holds − deficit. May be negative. */
  readonly spendableMicros: Micros;
  readonly fromLotsMicros: Micros;
  readonly fromOverageMicros: Micros;
  /** False in self-hosted workspaces: nothing is held or charged. */
  readonly metered: boolean;
}

export { compareCreation } from './holds.js';

/**
 * `reservations` with `added` placed in creation order. A new hold is nearly always the newest,
 * so the search starts at the end; kept in order, the holds need no sort per decision. The new
 * list is noted as the old one plus `added`, so its holds' summary extends the old one's.
 */
export function insertInCreationOrder(
  reservations: readonly Reservation[],
  added: Reservation,
): readonly Reservation[] {
  let at = reservations.length;
  while (at > 0 && compareCreation(reservations[at - 1] as Reservation, added) > 0) at -= 1;
  const next = reservations.slice(0, at);
  next.push(added);
  for (let i = at; i < reservations.length; i += 1) next.push(reservations[i] as Reservation);
  noteAddedHold(reservations, next, added);
  return next;
}

/** Held, metered reservations that have not lapsed at `now`, in creation order. */
export function outstandingHolds(state: WorkspaceState, now: Instant): Reservation[] {
  return [...summarizeHolds(state, now).holds];
}

export interface HoldSimulation {
  /** What the outstanding holds claimed from each lot; a lot they did not touch is absent. */
  readonly claimed: ReadonlyMap<Lot, Micros>;
  /** The part of outstanding holds no lot could back. */
  readonly shortfallMicros: Micros;
}

/** Lets the outstanding holds claim lots in creation order, as if each were captured in full. */
export function simulateHolds(
  state: WorkspaceState,
  now: Instant,
  excludeReservationId?: string,
): HoldSimulation {
  const summary = summarizeHolds(state, now);
  if (excludeReservationId === undefined) {
    return { claimed: summary.claimed, shortfallMicros: summary.shortfallMicros };
  }
  const holds = summary.holds.filter((h) => h.id !== excludeReservationId);
  return claimLots(summary.claimable, holds);
}

/**
 * The largest deficit the outstanding holds (plus a new one) could cause if each were captured
 * in full, whatever order the captures arrive in. Captures draw in burn order, so a member may
 * spend shared lots first and leave their own seat lots idle; in the worst case either every
 * member's private lots sit idle (Σ need − shared) or shared lots cover nothing beyond what each
 * member's private lots would (Σ per-member need beyond its private lots). The deficit is at most
 * the smaller of the two. A lot counts only if it outlives every hold that could draw it.
 */
export function worstCaseHoldDeficit(
  state: WorkspaceState,
  now: Instant,
  extra: {
    readonly memberId: string | null;
    readonly amountMicros: Micros;
    readonly holdUntil: Instant;
  } | null,
  excludeReservationId?: string,
): Micros {
  const summary = summarizeHolds(state, now);
  const base =
    excludeReservationId === undefined
      ? summary
      : needsOf(summary.holds.filter((h) => h.id !== excludeReservationId));
  // The base needs with `extra` added, read through instead of copying them per decision.
  const needOf = (member: string | null) =>
    (base.needByMember.get(member) ?? 0) +
    (extra !== null && extra.memberId === member ? extra.amountMicros : 0);
  const latestOf = (member: string | null) =>
    Math.max(
      base.latestByMember.get(member) ?? Number.NEGATIVE_INFINITY,
      extra !== null && extra.memberId === member ? extra.holdUntil : Number.NEGATIVE_INFINITY,
    );
  const members = new Set(base.needByMember.keys());
  if (extra !== null) members.add(extra.memberId);
  if (members.size === 0) return 0;
  // The latest settlement of any hold: shared lots must outlive it.
  const latestOfAll = Math.max(base.latestOfAll, extra?.holdUntil ?? Number.NEGATIVE_INFINITY);
  const { claimable } = summary;
  const shared = claimable.sharedOutliving(latestOfAll);
  let totalNeed = 0;
  let totalExcess = 0;
  for (const member of members) {
    const need = needOf(member);
    totalNeed += need;
    totalExcess += Math.max(0, need - claimable.privateOutliving(member, latestOf(member)));
  }
  return Math.max(0, Math.min(totalExcess, totalNeed - shared));
}

/**
 * Whether new work of `amountMicros` for `memberId` may begin now (SPEC §4, §5).
 *
 * - It may begin only while the member's spendable amount is positive.
 * - Without overage, the hold must fit within spendable + `maxDeficitMicros`, so all outstanding
 *   holds together never exceed what lots can back plus the allowed deficit; and the worst-case
 *   deficit over every capture order (`worstCaseHoldDeficit`) must stay within the bound too.
 * - With overage, what lots cannot back comes from the period's overage headroom (cap − used −
 *   the overage part of other holds), refused once that headroom is gone.
 */
export function admission(state: WorkspaceState, request: AdmissionRequest, now: Instant): AdmissionDecision {
  assertNotDeleted(state);
  const amountMicros = assertNonNegativeMicros(request.amountMicros, 'amountMicros');
  const { policy } = state;
  const until = request.holdUntil ?? now;
  const { claimable } = summarizeHolds(state, now);
  const simulation = simulateHolds(state, now, request.excludeReservationId);
  // What the lots the request may draw have left, less what the holds claimed from them.
  let drawable = claimable.sharedOutliving(until) + claimable.privateOutliving(request.memberId, until);
  for (const [lot, claimedMicros] of simulation.claimed) {
    if (backs(policy, lot, request.memberId, until)) drawable -= claimedMicros;
  }
  const overageOn = policy.overage.enabled;
  const pendingDeficit = state.deficitMicros + (overageOn ? 0 : simulation.shortfallMicros);
  const spendableMicros = subtractMicros(drawable, pendingDeficit);
  const fromLotsMicros = spendableMicros > 0 ? minMicros(amountMicros, spendableMicros) : 0;
  const rest = amountMicros - fromLotsMicros;

  if (policy.hosting === 'self_hosted') {
    return { allowed: true, spendableMicros, fromLotsMicros: 0, fromOverageMicros: 0, metered: false };
  }

  const refuse = (code: AdmissionRefusalCode, message: string): AdmissionDecision => ({
    allowed: false,
    code,
    message,
    spendableMicros,
    fromLotsMicros: 0,
    fromOverageMicros: 0,
    metered: true,
  });

  if (overageOn) {
    if (rest > 0 || spendableMicros <= 0) {
      const cap = policy.overage.monthlyCapMicros;
      const headroom = cap === null ? null : cap - state.overageUsedMicros - simulation.shortfallMicros;
      if (headroom !== null && headroom <= 0) {
        return refuse(
          'overage_cap_reached',
          "This workspace has reached its monthly overage cap; an admin can raise the cap, or new work resumes when the period's credits reset.",
        );
      }
    }
    return { allowed: true, spendableMicros, fromLotsMicros, fromOverageMicros: rest, metered: true };
  }

  const refusalCode: AdmissionRefusalCode =
    policy.unit === 'credits' ? 'overage_disabled' : 'insufficient_credits';
  const refusalMessage =
    policy.unit === 'credits'
      ? 'Your included credits for this period are used up; ask a workspace admin to enable overage, or wait for the credits to reset.'
      : 'The workspace balance cannot cover new work; someone with billing access needs to add funds.';
  if (spendableMicros <= 0) return refuse(refusalCode, refusalMessage);
  const worstDeficit =
    state.deficitMicros +
    worstCaseHoldDeficit(
      state,
      now,
      { memberId: request.memberId, amountMicros, holdUntil: until },
      request.excludeReservationId,
    );
  if (amountMicros > spendableMicros + policy.maxDeficitMicros || worstDeficit > policy.maxDeficitMicros) {
    return refuse(
      refusalCode,
      policy.unit === 'credits'
        ? 'This task is estimated to cost more than your remaining included credits; ask a workspace admin to enable overage, or start a smaller task.'
        : 'This task is estimated to cost more than the workspace balance can cover; add funds or start a smaller task.',
    );
  }
  return { allowed: true, spendableMicros, fromLotsMicros, fromOverageMicros: 0, metered: true };
}
