import { canDraw, compareBurnOrder, isSpendable } from './burn-order.js';
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

/** Creation order: oldest first, ties by id. */
export function compareCreation(a: Reservation, b: Reservation): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * `reservations` with `added` placed in creation order. A new hold is nearly always the newest,
 * so the search starts at the end; kept in order, the holds need no sort per decision.
 */
export function insertInCreationOrder(
  reservations: readonly Reservation[],
  added: Reservation,
): Reservation[] {
  let at = reservations.length;
  while (at > 0 && compareCreation(reservations[at - 1] as Reservation, added) > 0) at -= 1;
  return [...reservations.slice(0, at), added, ...reservations.slice(at)];
}

/** Held, metered reservations that have not lapsed at `now`, in creation order. */
export function outstandingHolds(state: WorkspaceState, now: Instant): Reservation[] {
  const holds = state.reservations.filter(
    (r) => r.status === 'held' && r.metered && r.expiresAt > now && r.heldMicros > 0,
  );
  // Every decision asks for these (twice); a state kept in creation order only needs checking.
  for (let i = 1; i < holds.length; i += 1) {
    if (compareCreation(holds[i - 1] as Reservation, holds[i] as Reservation) > 0)
      return holds.sort(compareCreation);
  }
  return holds;
}

function outlives(lot: Lot, until: Instant): boolean {
  return lot.expiresAt === null || lot.expiresAt >= until;
}

/**
 * Spendable lots in the order a simulated hold claims them: private (unpooled) seat lots first,
 * then shared lots, each in burn order. Claiming private lots first is what makes the deficit
 * bound independent of the order in which captures later arrive (see README: the negative-balance
 * bound). Sorted once per decision; each hold then walks it, skipping what it cannot use.
 */
function claimOrder(state: WorkspaceState, now: Instant): Lot[] {
  const isPrivate = (lot: Lot) => lot.scope !== 'workspace' && !state.policy.seatPooling;
  return state.lots
    .filter((lot) => isSpendable(lot, now))
    .sort((a, b) => Number(isPrivate(b)) - Number(isPrivate(a)) || compareBurnOrder(a, b));
}

/** Whether `lot` can back work of `memberId` that settles by `until`. */
function backs(state: WorkspaceState, lot: Lot, memberId: string | null, until: Instant): boolean {
  return outlives(lot, until) && canDraw(state.policy, memberId, lot);
}

export interface HoldSimulation {
  /** What each lot has left once the outstanding holds have claimed their part. */
  readonly remaining: ReadonlyMap<string, Micros>;
  /** The part of outstanding holds no lot could back. */
  readonly shortfallMicros: Micros;
}

/** Lets the outstanding holds claim lots in creation order, as if each were captured in full. */
export function simulateHolds(
  state: WorkspaceState,
  now: Instant,
  excludeReservationId?: string,
): HoldSimulation {
  return simulate(state, now, claimOrder(state, now), excludeReservationId);
}

function simulate(
  state: WorkspaceState,
  now: Instant,
  ordered: readonly Lot[],
  excludeReservationId?: string,
): HoldSimulation {
  const remaining = new Map<string, Micros>();
  for (const lot of state.lots) remaining.set(lot.id, lot.remainingMicros);
  let shortfallMicros = 0;
  for (const hold of outstandingHolds(state, now)) {
    if (hold.id === excludeReservationId) continue;
    let left = hold.heldMicros;
    for (const lot of ordered) {
      if (left === 0) break;
      if (!backs(state, lot, hold.memberId, hold.expiresAt)) continue;
      const available = remaining.get(lot.id) ?? 0;
      const claimed = minMicros(left, available);
      remaining.set(lot.id, available - claimed);
      left -= claimed;
    }
    shortfallMicros += left;
  }
  return { remaining, shortfallMicros };
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
  const holds: { memberId: string | null; amountMicros: Micros; until: Instant }[] = outstandingHolds(
    state,
    now,
  )
    .filter((r) => r.id !== excludeReservationId)
    .map((r) => ({ memberId: r.memberId, amountMicros: r.heldMicros, until: r.expiresAt }));
  if (extra !== null)
    holds.push({ memberId: extra.memberId, amountMicros: extra.amountMicros, until: extra.holdUntil });
  if (holds.length === 0) return 0;
  // The latest settlement of any hold (shared lots must outlive it) and of each member's holds.
  let latestOfAll = Number.NEGATIVE_INFINITY;
  const latestByMember = new Map<string | null, Instant>();
  const needByMember = new Map<string | null, Micros>();
  for (const h of holds) {
    needByMember.set(h.memberId, (needByMember.get(h.memberId) ?? 0) + h.amountMicros);
    latestOfAll = Math.max(latestOfAll, h.until);
    latestByMember.set(
      h.memberId,
      Math.max(latestByMember.get(h.memberId) ?? Number.NEGATIVE_INFINITY, h.until),
    );
  }
  let shared = 0;
  const privateByMember = new Map<string | null, Micros>();
  for (const lot of state.lots) {
    if (!isSpendable(lot, now)) continue;
    const owner =
      lot.scope === 'workspace' || state.policy.seatPooling ? undefined : lot.scope.slice('member:'.length);
    if (owner === undefined) {
      if (outlives(lot, latestOfAll)) shared += lot.remainingMicros;
    } else if (needByMember.has(owner) && outlives(lot, latestByMember.get(owner) ?? latestOfAll)) {
      privateByMember.set(owner, (privateByMember.get(owner) ?? 0) + lot.remainingMicros);
    }
  }
  let totalNeed = 0;
  let totalExcess = 0;
  for (const [memberId, need] of needByMember) {
    totalNeed += need;
    totalExcess += Math.max(0, need - (privateByMember.get(memberId) ?? 0));
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
  const ordered = claimOrder(state, now);
  const simulation = simulate(state, now, ordered, request.excludeReservationId);
  let drawable = 0;
  for (const lot of ordered) {
    if (backs(state, lot, request.memberId, until)) drawable += simulation.remaining.get(lot.id) ?? 0;
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
