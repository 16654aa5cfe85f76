import { admission, simulateHolds } from './admission.js';
import { canDraw, isSpendable, scopeMember } from './burn-order.js';
import { summarizeHolds } from './holds.js';
import { addMicros, subtractMicros, sumMicros } from './money.js';
import type { Instant, LedgerEntry, Lot, LotKind, Micros, WorkspaceState } from './types.js';

/**
 * With a member, every amount counts only the lots that member may draw (pooled lots, their own
 * seat lots, other members' seat lots only with `seatPooling`), so a member never sees credits
 * they cannot spend.
 */
export interface Balance {
  /** Total of every lot spendable now that the member (or, without one, anyone) may draw. */
  readonly availableMicros: Micros;
  /**
   * Without a member: outstanding holds that have not lapsed. With a member: the part of them
   * that claims lots the member may draw (holds backed by other members' own seat lots do not
   * reduce what this member can spend).
   */
  readonly reservedMicros: Micros;
  /**
   * Without a member: available − reserved − deficit. With a member: what that member could
   * still spend from the lots they may draw, after other holds and the deficit. May be negative.
   */
  readonly spendableMicros: Micros;
  readonly deficitMicros: Micros;
  /** `availableMicros` by lot kind. */
  readonly byKind: Readonly<Record<LotKind, Micros>>;
  /** The member's own included seat credits left (null without a member). */
  readonly memberIncludedRemainingMicros: Micros | null;
  readonly overageUsedMicros: Micros;
  readonly overageCapMicros: Micros | null;
  /** Whether new work may begin now (for the member, when given). */
  readonly canBegin: boolean;
  /** The soonest expiry among spendable lots and how much expires then. */
  readonly nextExpiry: { readonly at: Instant; readonly amountMicros: Micros } | null;
}

/** Balances at `now`, computed from the state; expired lots count as gone even before a sweep. */
export function balanceOf(state: WorkspaceState, now: Instant, memberId?: string): Balance {
  // One pass over the lots: alerts read a balance after every batch, of workspaces with a lot per seat.
  const spendableLots: Lot[] = [];
  const byKind: Record<LotKind, Micros> = { promotional: 0, included: 0, support: 0, purchased: 0 };
  let availableMicros = 0;
  let nextExpiry: { at: Instant; amountMicros: Micros } | null = null;
  for (const lot of state.lots) {
    if (!isSpendable(lot, now) || (memberId !== undefined && !canDraw(state.policy, memberId, lot))) continue;
    spendableLots.push(lot);
    byKind[lot.kind] = addMicros(byKind[lot.kind], lot.remainingMicros);
    availableMicros = addMicros(availableMicros, lot.remainingMicros);
    if (lot.expiresAt === null) continue;
    if (nextExpiry === null || lot.expiresAt < nextExpiry.at) {
      nextExpiry = { at: lot.expiresAt, amountMicros: lot.remainingMicros };
    } else if (lot.expiresAt === nextExpiry.at) {
      nextExpiry.amountMicros = addMicros(nextExpiry.amountMicros, lot.remainingMicros);
    }
  }
  let reservedMicros = sumMicros(summarizeHolds(state, now).holds.map((r) => r.heldMicros));
  if (memberId !== undefined) {
    // What the holds (claiming lots as admission does) take from the lots this member may draw.
    const { claimed } = simulateHolds(state, now);
    reservedMicros = sumMicros(spendableLots.map((lot) => claimed.get(lot) ?? 0));
  }
  const deleted = state.policy.deletedAt !== null;
  let spendableMicros = subtractMicros(subtractMicros(availableMicros, reservedMicros), state.deficitMicros);
  let canBegin = false;
  if (!deleted) {
    const decision = admission(state, { memberId: memberId ?? null, amountMicros: 0 }, now);
    if (memberId !== undefined) {
      spendableMicros = decision.spendableMicros;
      canBegin = decision.allowed;
    } else {
      // Workspace view: work can begin for someone while pooled spendable is positive, or when
      // work not tied to a member could (self-hosted, overage headroom).
      canBegin = spendableMicros > 0 || decision.allowed;
    }
  }
  const memberIncludedRemainingMicros =
    memberId === undefined
      ? null
      : sumMicros(
          spendableLots
            .filter((lot) => lot.kind === 'included' && scopeMember(lot.scope) === memberId)
            .map((lot) => lot.remainingMicros),
        );
  return Object.freeze({
    availableMicros,
    reservedMicros,
    spendableMicros,
    deficitMicros: state.deficitMicros,
    byKind: Object.freeze(byKind),
    memberIncludedRemainingMicros,
    overageUsedMicros: state.overageUsedMicros,
    overageCapMicros: state.policy.overage.monthlyCapMicros,
    canBegin,
    nextExpiry: nextExpiry === null ? null : Object.freeze(nextExpiry),
  });
}

export interface EntrySummary {
  /** Remaining of every lot that has an entry (closed lots end at 0). */
  readonly lotRemainingMicros: ReadonlyMap<string, Micros>;
  /** Sum of all lots' remaining, whether or not a lot has passed its expiry unswept. */
  readonly availableMicros: Micros;
  readonly deficitMicros: Micros;
  /** Holds not yet released (a lapsed hold counts until it is swept or settled). */
  readonly reservedMicros: Micros;
  /** All overage ever recorded (not per period). */
  readonly overageMicros: Micros;
}

/** Balances derived from ledger entries alone: what a store can rebuild without the state. */
export function summarizeEntries(entries: readonly LedgerEntry[]): EntrySummary {
  const lotRemainingMicros = new Map<string, Micros>();
  let deficitMicros = 0;
  let reservedMicros = 0;
  let overageMicros = 0;
  for (const entry of entries) {
    switch (entry.type) {
      case 'lot_granted':
      case 'charge_draw':
      case 'lot_expired':
      case 'lot_forfeited': {
        const lotId = entry.lotId ?? '';
        lotRemainingMicros.set(lotId, addMicros(lotRemainingMicros.get(lotId) ?? 0, entry.amountMicros));
        break;
      }
      case 'charge_deficit':
      case 'deficit_covered':
        deficitMicros = addMicros(deficitMicros, entry.amountMicros);
        break;
      case 'charge_overage':
        overageMicros = addMicros(overageMicros, entry.amountMicros);
        break;
      case 'reservation_held':
      case 'reservation_extended':
      case 'reservation_released':
        reservedMicros = addMicros(reservedMicros, entry.amountMicros);
        break;
    }
  }
  return {
    lotRemainingMicros,
    availableMicros: sumMicros(lotRemainingMicros.values()),
    deficitMicros,
    reservedMicros,
    overageMicros,
  };
}
