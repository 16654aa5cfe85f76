import { canDraw, inBurnOrder, isSpendable, scopeMember } from './burn-order.js';
import { minMicros } from './money.js';
import type { Instant, Lot, Micros, Reservation, WorkspacePolicy, WorkspaceState } from './types.js';

/*
 * What a state's outstanding holds amount to at an instant, for admission: the holds in creation
 * order, what each lot has left once they claimed their part, the part no lot could back, and
 * each member's need and latest settlement (the worst-case deficit). States are immutable, so the
 * summary of one is computed once; and a state made from another by adding the newest hold (every
 * reservation) extends the other's summary instead of replaying every hold. A batch of
 * reservations then costs O(holds × lots) once and O(lots + members) per reservation, instead of
 * O(holds × lots) each.
 */

/** Creation order: oldest first, ties by id. */
export function compareCreation(a: Reservation, b: Reservation): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Whether `hold` counts against the balance at `now`: held, metered, not lapsed, not empty. */
export function isOutstanding(hold: Reservation, now: Instant): boolean {
  return hold.status === 'held' && hold.metered && hold.expiresAt > now && hold.heldMicros > 0;
}

export function outlives(lot: Lot, until: Instant): boolean {
  return lot.expiresAt === null || lot.expiresAt >= until;
}

/** Whether `lot` can back work of `memberId` that settles by `until`. */
export function backs(policy: WorkspacePolicy, lot: Lot, memberId: string | null, until: Instant): boolean {
  return outlives(lot, until) && canDraw(policy, memberId, lot);
}

/**
 * A state's spendable lots at an instant, grouped the way a simulated hold claims them: its
 * member's private (unpooled seat) lots first, then shared lots, each in burn order. Claiming
 * private lots first is what makes the deficit bound independent of the order in which captures
 * later arrive (see README: the negative-balance bound). Grouped once per state and instant, a hold
 * walks only the lots it may draw, and sums over many lots are remembered, so a decision costs
 * the same with a thousand seat lots as with three.
 */
export interface ClaimableLots {
  /** Each member's private lots, in burn order. */
  readonly privateByMember: ReadonlyMap<string, readonly Lot[]>;
  /** Lots any work may draw, in burn order. */
  readonly shared: readonly Lot[];
  /** What the shared lots that outlive `until` have left (holds not counted). */
  sharedOutliving(until: Instant): Micros;
  /** What the member's private lots that outlive `until` have left (holds not counted). */
  privateOutliving(memberId: string | null, until: Instant): Micros;
}

export function claimableLots(state: WorkspaceState, now: Instant): ClaimableLots {
  const shared: Lot[] = [];
  const privateByMember = new Map<string, Lot[]>();
  for (const lot of inBurnOrder(state.lots)) {
    if (!isSpendable(lot, now)) continue;
    const owner = state.policy.seatPooling ? null : scopeMember(lot.scope);
    if (owner === null) {
      shared.push(lot);
      continue;
    }
    const own = privateByMember.get(owner);
    if (own === undefined) privateByMember.set(owner, [lot]);
    else own.push(lot);
  }
  const sums = new Map<Instant, Micros>();
  return {
    privateByMember,
    shared,
    sharedOutliving(until) {
      let sum = sums.get(until);
      if (sum === undefined) {
        sum = remainingOutliving(shared, until);
        sums.set(until, sum);
      }
      return sum;
    },
    privateOutliving(memberId, until) {
      return memberId === null ? 0 : remainingOutliving(privateByMember.get(memberId), until);
    },
  };
}

/** What `lots` that outlive `until` have left. */
function remainingOutliving(lots: readonly Lot[] | undefined, until: Instant): Micros {
  let sum = 0;
  for (const lot of lots ?? []) if (outlives(lot, until)) sum += lot.remainingMicros;
  return sum;
}

/** Spendable lots in the order simulated holds claim them: all private lots, then shared ones, each in burn order. */
export function claimOrder(state: WorkspaceState, now: Instant): Lot[] {
  const isPrivate = (lot: Lot) => lot.scope !== 'workspace' && !state.policy.seatPooling;
  const spendable = inBurnOrder(state.lots).filter((lot) => isSpendable(lot, now));
  return [...spendable.filter(isPrivate), ...spendable.filter((lot) => !isPrivate(lot))];
}

/** Per member (null: work not tied to one): what their holds need and when the last settles. */
export interface HoldNeeds {
  readonly needByMember: ReadonlyMap<string | null, Micros>;
  readonly latestByMember: ReadonlyMap<string | null, Instant>;
  /** The latest settlement of any hold (−∞ with none). */
  readonly latestOfAll: Instant;
}

export interface HoldsSummary extends HoldNeeds {
  /** Outstanding holds in creation order. */
  readonly holds: readonly Reservation[];
  /** The state's spendable lots, grouped for claiming. */
  readonly claimable: ClaimableLots;
  /** What the holds claimed from each lot; a lot they did not touch is absent. */
  readonly claimed: ReadonlyMap<Lot, Micros>;
  /** The part of the holds no lot could back. */
  readonly shortfallMicros: Micros;
}

interface Stored extends HoldsSummary {
  readonly now: Instant;
  readonly lots: readonly Lot[];
  readonly policy: WorkspacePolicy;
}

const summaries = new WeakMap<readonly Reservation[], Stored>();
// The summary a list's is extended from, not the list itself: a chain of lists each holding its
// predecessor would keep every earlier list of a long run of reservations alive.
const additions = new WeakMap<readonly Reservation[], { base: Stored; hold: Reservation }>();

/** Records that `to` is `from` with `hold` added, so its summary can extend `from`'s (if known). */
export function noteAddedHold(
  from: readonly Reservation[],
  to: readonly Reservation[],
  hold: Reservation,
): void {
  const base = summaries.get(from);
  if (base !== undefined) additions.set(to, { base, hold });
}

export function summarizeHolds(state: WorkspaceState, now: Instant): HoldsSummary {
  const fits = (s: Stored | undefined): s is Stored =>
    s !== undefined && s.now === now && s.lots === state.lots && s.policy === state.policy;
  const known = summaries.get(state.reservations);
  if (fits(known)) return known;
  const addition = additions.get(state.reservations);
  const base = addition?.base;
  const last = base?.holds.at(-1);
  const summary =
    addition !== undefined && fits(base) && (last === undefined || compareCreation(last, addition.hold) < 0)
      ? extend(base, addition.hold, now)
      : replay(state, now);
  const stored: Stored = { ...summary, now, lots: state.lots, policy: state.policy };
  summaries.set(state.reservations, stored);
  return stored;
}

function replay(state: WorkspaceState, now: Instant): HoldsSummary {
  const holds = state.reservations.filter((r) => isOutstanding(r, now));
  // States are normally kept in creation order (`insertInCreationOrder`); checking is cheaper than sorting.
  for (let i = 1; i < holds.length; i += 1) {
    if (compareCreation(holds[i - 1] as Reservation, holds[i] as Reservation) > 0) {
      holds.sort(compareCreation);
      break;
    }
  }
  const claimable = claimableLots(state, now);
  const { claimed, shortfallMicros } = claimLots(claimable, holds);
  return { holds, claimable, claimed, shortfallMicros, ...needsOf(holds) };
}

function extend(base: HoldsSummary, hold: Reservation, now: Instant): HoldsSummary {
  if (!isOutstanding(hold, now)) return base;
  // Only the lots holds touched are copied, not every lot.
  const claimed = new Map(base.claimed);
  const left = claim(base.claimable, claimed, hold);
  const needByMember = new Map(base.needByMember);
  const latestByMember = new Map(base.latestByMember);
  addNeed(needByMember, latestByMember, hold);
  return {
    holds: [...base.holds, hold],
    claimable: base.claimable,
    claimed,
    shortfallMicros: base.shortfallMicros + left,
    needByMember,
    latestByMember,
    latestOfAll: Math.max(base.latestOfAll, hold.expiresAt),
  };
}

/** Lets `holds` claim lots in order, as if each were captured in full. */
export function claimLots(
  claimable: ClaimableLots,
  holds: readonly Reservation[],
): { claimed: Map<Lot, Micros>; shortfallMicros: Micros } {
  const claimed = new Map<Lot, Micros>();
  let shortfallMicros = 0;
  for (const hold of holds) shortfallMicros += claim(claimable, claimed, hold);
  return { claimed, shortfallMicros };
}

/** Claims `hold` from the lots it may draw (`claimed` updated in place); answers the part no lot could back. */
function claim(claimable: ClaimableLots, claimed: Map<Lot, Micros>, hold: Reservation): Micros {
  // With seats pooled no lot is private, so the member has none of their own.
  const own = hold.memberId === null ? undefined : claimable.privateByMember.get(hold.memberId);
  const left = claimFrom(own, claimed, hold.heldMicros, hold.expiresAt);
  return claimFrom(claimable.shared, claimed, left, hold.expiresAt);
}

function claimFrom(
  lots: readonly Lot[] | undefined,
  claimed: Map<Lot, Micros>,
  amountMicros: Micros,
  until: Instant,
): Micros {
  let left = amountMicros;
  for (const lot of lots ?? []) {
    if (left === 0) break;
    if (!outlives(lot, until)) continue;
    const already = claimed.get(lot) ?? 0;
    const taken = minMicros(left, lot.remainingMicros - already);
    if (taken > 0) claimed.set(lot, already + taken);
    left -= taken;
  }
  return left;
}

export function needsOf(holds: readonly Reservation[]): HoldNeeds {
  let latestOfAll = Number.NEGATIVE_INFINITY;
  const latestByMember = new Map<string | null, Instant>();
  const needByMember = new Map<string | null, Micros>();
  for (const h of holds) {
    addNeed(needByMember, latestByMember, h);
    latestOfAll = Math.max(latestOfAll, h.expiresAt);
  }
  return { needByMember, latestByMember, latestOfAll };
}

function addNeed(
  needByMember: Map<string | null, Micros>,
  latestByMember: Map<string | null, Instant>,
  hold: Reservation,
): void {
  needByMember.set(hold.memberId, (needByMember.get(hold.memberId) ?? 0) + hold.heldMicros);
  latestByMember.set(
    hold.memberId,
    Math.max(latestByMember.get(hold.memberId) ?? Number.NEGATIVE_INFINITY, hold.expiresAt),
  );
}
