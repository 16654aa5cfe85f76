import { canDraw, inBurnOrder, isSpendable, markBurnOrdered } from './burn-order.js';
import { LedgerError } from './errors.js';
import { addMicros, minMicros, subtractMicros } from './money.js';
import type {
  Charge,
  Draw,
  EntryType,
  Instant,
  LedgerEntry,
  Lot,
  Micros,
  Outcome,
  Reservation,
  WorkspaceState,
} from './types.js';

// Shared plumbing of the operations: building states and entries, and drawing from lots.

export function assertNotDeleted(state: WorkspaceState): void {
  if (state.policy.deletedAt !== null) {
    throw new LedgerError(
      'workspace_deleted',
      'This workspace was deleted; its balance was forfeited and it accepts no further changes.',
      { workspaceId: state.policy.id, deletedAt: state.policy.deletedAt },
    );
  }
}

/**
 * A new frozen state with `changes` applied. Its lists are read-only by type, and the engine never
 * changes a list it was given or made, so a new state shares every list it did not change with
 * the one before — an unchanged list keeps its identity, which is what the holds' summary and the
 * burn-order check are remembered by. They are not frozen element by element: that costs ~35 ns
 * per element on Node 20, ~35 µs per operation for a workspace with a thousand open holds or lots.
 */
export function nextState(state: WorkspaceState, changes: Partial<WorkspaceState>): WorkspaceState {
  return Object.freeze({ ...state, ...changes });
}

export function outcome<T>(
  state: WorkspaceState,
  entries: readonly LedgerEntry[],
  value: T,
  replayed = false,
): Outcome<T> {
  return Object.freeze({ state, entries: Object.freeze([...entries]), value, replayed });
}

export function replayOf<T>(state: WorkspaceState, value: T): Outcome<T> {
  return outcome(state, [], value, true);
}

export interface EntryRefs {
  readonly lotId?: string | null;
  readonly reservationId?: string | null;
  readonly chargeId?: string | null;
  readonly topupId?: string | null;
  readonly memberId?: string | null;
  readonly feature?: string | null;
}

export function makeEntry(
  state: WorkspaceState,
  id: string,
  type: EntryType,
  amountMicros: Micros,
  at: Instant,
  refs: EntryRefs,
): LedgerEntry {
  return Object.freeze({
    id,
    workspaceId: state.policy.id,
    type,
    amountMicros,
    at,
    lotId: refs.lotId ?? null,
    reservationId: refs.reservationId ?? null,
    chargeId: refs.chargeId ?? null,
    topupId: refs.topupId ?? null,
    memberId: refs.memberId ?? null,
    feature: refs.feature ?? null,
  });
}

export function replaceById<T extends { readonly id: string }>(
  items: readonly T[],
  updated: readonly T[],
): T[] {
  const next = items.slice();
  if (updated.length <= 4) {
    // The usual case (one capture, one or two drawn lots): compare ids instead of hashing them.
    for (const item of updated) {
      const at = lastIndexById(next, item.id);
      if (at !== -1) next[at] = item;
    }
  } else {
    const byId = new Map(updated.map((item) => [item.id, item]));
    for (let i = 0; i < next.length; i += 1) next[i] = byId.get((next[i] as T).id) ?? (next[i] as T);
  }
  return next;
}

/** Where `id` is, searching from the end: holds are kept in creation order and the newest settle first. */
function lastIndexById(items: readonly { readonly id: string }[], id: string): number {
  for (let i = items.length - 1; i >= 0; i -= 1) if ((items[i] as { id: string }).id === id) return i;
  return -1;
}

export function findById<T extends { readonly id: string }>(items: readonly T[], id: string): T | undefined {
  const at = lastIndexById(items, id);
  return at === -1 ? undefined : (items[at] as T);
}

export function freezeLot(lot: Lot): Lot {
  return Object.freeze({ ...lot });
}

export function freezeReservation(reservation: Reservation): Reservation {
  return Object.freeze({ ...reservation });
}

export function findReservation(state: WorkspaceState, reservationId: string): Reservation {
  const reservation = findById(state.reservations, reservationId);
  if (reservation === undefined) {
    throw new LedgerError(
      'reservation_not_found',
      `No reservation "${reservationId}" in this workspace; reserve before capturing or voiding.`,
      { reservationId },
    );
  }
  return reservation;
}

export function findCharge(state: WorkspaceState, chargeId: string): Charge | undefined {
  return state.charges === undefined ? undefined : findById(state.charges, chargeId);
}

export function assertTtlSeconds(ttlSeconds: unknown): number {
  if (
    typeof ttlSeconds !== 'number' ||
    !Number.isSafeInteger(ttlSeconds) ||
    ttlSeconds < 1 ||
    ttlSeconds > 86_400
  ) {
    throw new LedgerError(
      'invalid_amount',
      `ttlSeconds must be a whole number of seconds from 1 to 86400 (24 hours); got ${String(ttlSeconds)}.`,
      { ttlSeconds: String(ttlSeconds) },
    );
  }
  return ttlSeconds;
}

export interface SettleInput {
  readonly chargeId: string;
  readonly reservationId: string | null;
  readonly memberId: string | null;
  readonly feature: string;
  readonly amountMicros: Micros;
}

export interface Settlement {
  readonly lots: Lot[];
  readonly draws: Draw[];
  readonly deficitMicros: Micros;
  readonly overageMicros: Micros;
  readonly entries: LedgerEntry[];
}

/**
 * Pays `amountMicros` from the member's spendable lots in burn order, one draw per lot; what the
 * lots cannot pay becomes overage (overage on) or deficit. Expired lots are skipped even when no
 * sweeper has closed them yet.
 */
export function settle(state: WorkspaceState, input: SettleInput, now: Instant): Settlement {
  const refs: EntryRefs = {
    chargeId: input.chargeId,
    reservationId: input.reservationId,
    memberId: input.memberId,
    feature: input.feature,
  };
  const lots: Lot[] = [];
  const draws: Draw[] = [];
  const entries: LedgerEntry[] = [];
  let left = input.amountMicros;
  // Walks the lots in burn order only as far as the amount needs (usually the first lot).
  for (const lot of inBurnOrder(state.lots)) {
    if (left === 0) break;
    if (!isSpendable(lot, now) || !canDraw(state.policy, input.memberId, lot)) continue;
    const amount = minMicros(left, lot.remainingMicros);
    left = subtractMicros(left, amount);
    lots.push(freezeLot({ ...lot, remainingMicros: subtractMicros(lot.remainingMicros, amount) }));
    draws.push(Object.freeze({ lotId: lot.id, kind: lot.kind, scope: lot.scope, amountMicros: amount }));
    entries.push(
      makeEntry(state, `${input.chargeId}:draw:${draws.length - 1}`, 'charge_draw', -amount, now, {
        ...refs,
        lotId: lot.id,
      }),
    );
  }
  let deficitMicros = 0;
  let overageMicros = 0;
  if (left > 0) {
    if (state.policy.overage.enabled) {
      overageMicros = left;
      entries.push(makeEntry(state, `${input.chargeId}:overage`, 'charge_overage', left, now, refs));
    } else {
      deficitMicros = left;
      entries.push(makeEntry(state, `${input.chargeId}:deficit`, 'charge_deficit', left, now, refs));
    }
  }
  return { lots, draws, deficitMicros, overageMicros, entries };
}

/** Applies a settlement to the state's lots and workspace totals. */
export function applySettlement(state: WorkspaceState, settlement: Settlement): Partial<WorkspaceState> {
  const lots = replaceById(state.lots, settlement.lots);
  // A draw changes what a lot has left, which is not part of the burn order.
  if (inBurnOrder(state.lots) === state.lots) markBurnOrdered(lots);
  return {
    lots,
    deficitMicros: addMicros(state.deficitMicros, settlement.deficitMicros),
    overageUsedMicros: addMicros(state.overageUsedMicros, settlement.overageMicros),
  };
}
