import type { Instant, Lot, LotKind, WorkspacePolicy } from './types.js';

/** The order kinds are consumed in (SPEC §3). */
export const LOT_KIND_ORDER: readonly LotKind[] = Object.freeze([
  'promotional',
  'included',
  'support',
  'purchased',
]);

const kindRank: Record<LotKind, number> = { promotional: 0, included: 1, support: 2, purchased: 3 };

/**
 * Total, stable burn order: kind group, then soonest expiry (never-expiring last), then
 * granted-at, then id. Ids are unique, so no two distinct lots compare equal.
 */
export function compareBurnOrder(a: Lot, b: Lot): number {
  const byKind = kindRank[a.kind] - kindRank[b.kind];
  if (byKind !== 0) return byKind;
  if (a.expiresAt !== b.expiresAt) {
    if (a.expiresAt === null) return 1;
    if (b.expiresAt === null) return -1;
    return a.expiresAt - b.expiresAt;
  }
  if (a.grantedAt !== b.grantedAt) return a.grantedAt - b.grantedAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * A copy of `lots` in burn order. States keep their lots in it (`insertInBurnOrder`; loaders sort
 * once), so this is normally one pass that only checks: a per-operation sort of every open lot was
 * most of an operation's cost for a workspace with hundreds of lots (per-seat included credits).
 */
export function sortInBurnOrder<T extends Lot>(lots: readonly T[]): T[] {
  const copy = [...lots];
  for (let i = 1; i < copy.length; i += 1) {
    if (compareBurnOrder(copy[i - 1] as T, copy[i] as T) > 0) return copy.sort(compareBurnOrder);
  }
  return copy;
}

/** `lots` (in burn order) with `added` at its place in that order. */
export function insertInBurnOrder<T extends Lot>(lots: readonly T[], added: T): T[] {
  let at = lots.length;
  while (at > 0 && compareBurnOrder(lots[at - 1] as T, added) > 0) at -= 1;
  return markBurnOrdered([...lots.slice(0, at), added, ...lots.slice(at)]);
}

// Lists known to be in burn order. States are immutable, so a list checked once stays checked, and
// an operation that walks lots in order pays for the check once per list instead of every time.
const burnOrderedLists = new WeakSet<readonly Lot[]>();

/** Records that `lots` is in burn order (the caller made it so); answers it. */
export function markBurnOrdered<L extends readonly Lot[]>(lots: L): L {
  burnOrderedLists.add(lots);
  return lots;
}

/**
 * `lots` in burn order without copying when it already is: the list itself (checked once per
 * list), or a sorted copy. The caller must not change what it gets.
 */
export function inBurnOrder<T extends Lot>(lots: readonly T[]): readonly T[] {
  if (burnOrderedLists.has(lots)) return lots;
  for (let i = 1; i < lots.length; i += 1) {
    if (compareBurnOrder(lots[i - 1] as T, lots[i] as T) > 0) {
      return markBurnOrdered([...lots].sort(compareBurnOrder));
    }
  }
  return markBurnOrdered(lots);
}

/** Expired from the exact instant `expiresAt`, even if no sweeper has closed the lot yet. */
export function isExpired(lot: Lot, now: Instant): boolean {
  return lot.expiresAt !== null && now >= lot.expiresAt;
}

export function isSpendable(lot: Lot, now: Instant): boolean {
  return lot.closedAt === null && lot.remainingMicros > 0 && lot.effectiveAt <= now && !isExpired(lot, now);
}

const MEMBER_PREFIX = 'member:';

/** The member a `member:<id>` scope belongs to, or null for `workspace`. */
export function scopeMember(scope: Lot['scope']): string | null {
  return scope === 'workspace' ? null : scope.slice(MEMBER_PREFIX.length);
}

/** Whether `memberId` (null: work not tied to a member) may draw from `lot`. */
export function canDraw(policy: WorkspacePolicy, memberId: string | null, lot: Lot): boolean {
  if (lot.scope === 'workspace' || policy.seatPooling) return true;
  return memberId !== null && isScopeOf(lot.scope, memberId);
}

/** `scope === \`member:${memberId}\`` without building the string: it runs for every lot walked. */
function isScopeOf(scope: Lot['scope'], memberId: string): boolean {
  return (
    scope.length === MEMBER_PREFIX.length + memberId.length &&
    scope.startsWith(MEMBER_PREFIX) &&
    scope.endsWith(memberId)
  );
}
