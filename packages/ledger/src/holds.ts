import { canDraw, isSpendable, sortInBurnOrder } from './burn-order.js';
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
 * Spendable lots in the order a simulated hold claims them: private (unpooled) seat lots first,
 * then shared lots, each in burn order. Claiming private lots first is what makes the deficit
 * bound independent of the order in which captures later arrive (see README: the negative-balance
 * bound). Each hold walks it, skipping what it cannot use.
 */
export function claimOrder(state: WorkspaceState, now: Instant): Lot[] {
  const isPrivate = (lot: Lot) => lot.scope !== 'workspace' && !state.policy.seatPooling;
  // A stable split of the lots in burn order: each group keeps it.
  const privateLots: Lot[] = [];
  const shared: Lot[] = [];
  for (const lot of sortInBurnOrder(state.lots.filter((lot) => isSpendable(lot, now)))) {
    (isPrivate(lot) ? privateLots : shared).push(lot);
  }
  return privateLots.concat(shared);
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
  /** `claimOrder` of the state. */
  readonly ordered: readonly Lot[];
  /** What each lot has left once the holds have claimed their part. */
  readonly remaining: ReadonlyMap<string, Micros>;
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
      ? extend(base, state.policy, addition.hold, now)
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
  const ordered = claimOrder(state, now);
  const { remaining, shortfallMicros } = claimLots(state.policy, state.lots, ordered, holds);
  return { holds, ordered, remaining, shortfallMicros, ...needsOf(holds) };
}

function extend(base: HoldsSummary, policy: WorkspacePolicy, hold: Reservation, now: Instant): HoldsSummary {
  if (!isOutstanding(hold, now)) return base;
  const remaining = new Map(base.remaining);
  const left = claim(policy, base.ordered, remaining, hold);
  const needByMember = new Map(base.needByMember);
  const latestByMember = new Map(base.latestByMember);
  addNeed(needByMember, latestByMember, hold);
  return {
    holds: [...base.holds, hold],
    ordered: base.ordered,
    remaining,
    shortfallMicros: base.shortfallMicros + left,
    needByMember,
    latestByMember,
    latestOfAll: Math.max(base.latestOfAll, hold.expiresAt),
  };
}

/** Lets `holds` claim lots in order, as if each were captured in full. */
export function claimLots(
  policy: WorkspacePolicy,
  lots: readonly Lot[],
  ordered: readonly Lot[],
  holds: readonly Reservation[],
): { remaining: Map<string, Micros>; shortfallMicros: Micros } {
  const remaining = new Map<string, Micros>();
  for (const lot of lots) remaining.set(lot.id, lot.remainingMicros);
  let shortfallMicros = 0;
  for (const hold of holds) shortfallMicros += claim(policy, ordered, remaining, hold);
  return { remaining, shortfallMicros };
}

/** Claims `hold` from `remaining` (updated in place); answers the part no lot could back. */
function claim(
  policy: WorkspacePolicy,
  ordered: readonly Lot[],
  remaining: Map<string, Micros>,
  hold: Reservation,
): Micros {
  let left = hold.heldMicros;
  for (const lot of ordered) {
    if (left === 0) break;
    if (!backs(policy, lot, hold.memberId, hold.expiresAt)) continue;
    const available = remaining.get(lot.id) ?? 0;
    const claimed = minMicros(left, available);
    remaining.set(lot.id, available - claimed);
    left -= claimed;
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
