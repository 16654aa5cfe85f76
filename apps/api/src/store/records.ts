import type * as C from '@aicredits/contract';
import type {
  Charge,
  Draw,
  Hosting,
  LedgerEntry,
  Lot,
  LotKind,
  LotScope,
  LotSource,
  Reservation,
  TaskKind,
  Unit,
  Usage,
} from '@aicredits/ledger';
import { toSafeInt, toSafeIntOrNull } from '../db/db.js';

/*
 * Row ↔ domain mapping. Rows come back from either driver with bigint columns as strings or
 * numbers; `toSafeInt` is the single place they become numbers.
 */

type Row = Record<string, unknown>;

const str = (v: unknown): string => String(v);
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const bool = (v: unknown): boolean => v === true || v === 't' || v === 'true';
const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));
export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export interface AlertState {
  /** Thresholds that fired and wait for the balance to recover above them before firing again. */
  low: number[];
  depleted: boolean;
  negative: boolean;
  /** Period starts for which the once-per-period events already fired. */
  overageStartedPeriod: number | null;
  capReachedPeriod: number | null;
  seatExhausted: Record<string, number>;
}

export const EMPTY_ALERT_STATE: AlertState = {
  low: [],
  depleted: false,
  negative: false,
  overageStartedPeriod: null,
  capReachedPeriod: null,
  seatExhausted: {},
};

export interface WorkspaceSettingsRecord {
  overage: { enabled: boolean; monthlyCapMicros: number | null };
  seatPooling: boolean;
  pinnedModel: string | null;
  lowBalanceThresholdsMicros: number[];
  expiryWarningDays: number[];
  includedMicrosPerSeat: number;
  maxDeficitMicros: number;
}

export interface WorkspaceRecord {
  id: string;
  name: string;
  plan: C.Plan;
  unit: Unit;
  hosting: Hosting;
  enterprise: boolean;
  settings: WorkspaceSettingsRecord;
  billingAnchor: number;
  deficitMicros: number;
  overagePeriodStart: number;
  overageUsedMicros: number;
  seatsGrantedPeriod: number | null;
  alertState: AlertState;
  billing: {
    name: string | null;
    address: C.BillingAddress | null;
    paymentMethodId: string | null;
    customerId: string | null;
  };
  createdAt: number;
  deletedAt: number | null;
  /** Bumped by every money batch that writes: an optimistic batch commits only on the version it read. */
  ledgerVersion: number;
}

export function workspaceFromRow(r: Row): WorkspaceRecord {
  return {
    id: str(r.id),
    name: str(r.name),
    plan: str(r.plan) as C.Plan,
    unit: str(r.unit) as Unit,
    hosting: str(r.hosting) as Hosting,
    enterprise: bool(r.enterprise),
    settings: {
      overage: {
        enabled: bool(r.overage_enabled),
        monthlyCapMicros: toSafeIntOrNull(r.overage_cap_micros, 'overage_cap_micros'),
      },
      seatPooling: bool(r.seat_pooling),
      pinnedModel: strOrNull(r.pinned_model),
      lowBalanceThresholdsMicros: json<number[]>(r.low_balance_thresholds_micros),
      expiryWarningDays: json<number[]>(r.expiry_warning_days),
      includedMicrosPerSeat: toSafeInt(r.included_micros_per_seat, 'included_micros_per_seat'),
      maxDeficitMicros: toSafeInt(r.max_deficit_micros, 'max_deficit_micros'),
    },
    billingAnchor: toSafeInt(r.billing_anchor, 'billing_anchor'),
    deficitMicros: toSafeInt(r.deficit_micros, 'deficit_micros'),
    overagePeriodStart: toSafeInt(r.overage_period_start, 'overage_period_start'),
    overageUsedMicros: toSafeInt(r.overage_used_micros, 'overage_used_micros'),
    seatsGrantedPeriod: toSafeIntOrNull(r.seats_granted_period, 'seats_granted_period'),
    alertState: { ...EMPTY_ALERT_STATE, ...json<Partial<AlertState>>(r.alert_state) },
    billing: {
      name: strOrNull(r.billing_name),
      address: r.billing_address === null ? null : json<C.BillingAddress>(r.billing_address),
      paymentMethodId: strOrNull(r.payment_method_id),
      customerId: strOrNull(r.customer_id),
    },
    createdAt: toSafeInt(r.created_at, 'created_at'),
    deletedAt: toSafeIntOrNull(r.deleted_at, 'deleted_at'),
    ledgerVersion: toSafeInt(r.ledger_version ?? 0, 'ledger_version'),
  };
}

export interface MemberRecord {
  workspaceId: string;
  id: string;
  role: C.Role;
  seatPaid: boolean;
  seatActive: boolean;
  name: string | null;
  email: string | null;
  createdAt: number;
  updatedAt: number;
}

export function memberFromRow(r: Row): MemberRecord {
  return {
    workspaceId: str(r.workspace_id),
    id: str(r.id),
    role: str(r.role) as C.Role,
    seatPaid: bool(r.seat_paid),
    seatActive: bool(r.seat_active),
    name: strOrNull(r.name),
    email: strOrNull(r.email),
    createdAt: toSafeInt(r.created_at, 'created_at'),
    updatedAt: toSafeInt(r.updated_at, 'updated_at'),
  };
}

export function lotFromRow(r: Row): Lot {
  return {
    id: str(r.id),
    workspaceId: str(r.workspace_id),
    kind: str(r.kind) as LotKind,
    scope: str(r.scope) as LotScope,
    originalMicros: toSafeInt(r.original_micros, 'original_micros'),
    remainingMicros: toSafeInt(r.remaining_micros, 'remaining_micros'),
    grantedAt: toSafeInt(r.granted_at, 'granted_at'),
    effectiveAt: toSafeInt(r.effective_at, 'effective_at'),
    expiresAt: toSafeIntOrNull(r.expires_at, 'expires_at'),
    source: str(r.source) as LotSource,
    note: strOrNull(r.note),
    chargeId: strOrNull(r.charge_id),
    topupId: strOrNull(r.topup_id),
    closedAt: toSafeIntOrNull(r.closed_at, 'closed_at'),
    closeReason: strOrNull(r.close_reason) as Lot['closeReason'],
  };
}

/** Reservations carry the task kind beside the engine's fields (for estimate calibration). */
export type ReservationRecord = Reservation & { taskKind?: TaskKind | null };

export function reservationFromRow(r: Row): ReservationRecord {
  return {
    id: str(r.id),
    workspaceId: str(r.workspace_id),
    memberId: strOrNull(r.member_id),
    feature: str(r.feature),
    heldMicros: toSafeInt(r.held_micros, 'held_micros'),
    metered: bool(r.metered),
    createdAt: toSafeInt(r.created_at, 'created_at'),
    expiresAt: toSafeInt(r.expires_at, 'expires_at'),
    status: str(r.status) as Reservation['status'],
    settledAt: toSafeIntOrNull(r.settled_at, 'settled_at'),
    chargeId: strOrNull(r.charge_id),
    taskKind: strOrNull(r.task_kind) as TaskKind | null,
  };
}

export type ChargeRecord = Charge & { taskKind?: TaskKind | null };

export function chargeFromRow(r: Row, draws: readonly Draw[]): ChargeRecord {
  return {
    id: str(r.id),
    workspaceId: str(r.workspace_id),
    reservationId: strOrNull(r.reservation_id),
    memberId: strOrNull(r.member_id),
    feature: str(r.feature),
    amountMicros: toSafeInt(r.amount_micros, 'amount_micros'),
    outcome: str(r.outcome) as Charge['outcome'],
    usage: r.usage === null ? null : json<Usage>(r.usage),
    priceVersion: strOrNull(r.price_version),
    draws,
    deficitMicros: toSafeInt(r.deficit_micros, 'deficit_micros'),
    overageMicros: toSafeInt(r.overage_micros, 'overage_micros'),
    overrunMicros: toSafeInt(r.overrun_micros, 'overrun_micros'),
    at: toSafeInt(r.at, 'at'),
    taskKind: strOrNull(r.task_kind) as TaskKind | null,
  };
}

export function drawFromRow(r: Row): Draw & { chargeId: string; seq: number } {
  return {
    chargeId: str(r.charge_id),
    seq: toSafeInt(r.seq, 'seq'),
    lotId: str(r.lot_id),
    kind: str(r.kind) as LotKind,
    scope: str(r.scope) as LotScope,
    amountMicros: toSafeInt(r.amount_micros, 'amount_micros'),
  };
}

export function entryFromRow(r: Row): LedgerEntry & { seq: number } {
  return {
    seq: toSafeInt(r.seq, 'seq'),
    id: str(r.id),
    workspaceId: str(r.workspace_id),
    type: str(r.type) as LedgerEntry['type'],
    amountMicros: toSafeInt(r.amount_micros, 'amount_micros'),
    at: toSafeInt(r.at, 'at'),
    lotId: strOrNull(r.lot_id),
    reservationId: strOrNull(r.reservation_id),
    chargeId: strOrNull(r.charge_id),
    topupId: strOrNull(r.topup_id),
    memberId: strOrNull(r.member_id),
    feature: strOrNull(r.feature),
  };
}

/** A change of seat pooling or the deficit bound, placed after the entry `afterEntrySeq` (migration 6). */
export interface PolicyChangeRecord {
  afterEntrySeq: number;
  oldSeatPooling: boolean;
  newSeatPooling: boolean;
  oldMaxDeficitMicros: number;
  newMaxDeficitMicros: number;
}

export function policyChangeFromRow(r: Row): PolicyChangeRecord {
  return {
    afterEntrySeq: toSafeInt(r.after_entry_seq, 'after_entry_seq'),
    oldSeatPooling: bool(r.old_seat_pooling),
    newSeatPooling: bool(r.new_seat_pooling),
    oldMaxDeficitMicros: toSafeInt(r.old_max_deficit_micros, 'old_max_deficit_micros'),
    newMaxDeficitMicros: toSafeInt(r.new_max_deficit_micros, 'new_max_deficit_micros'),
  };
}

export interface TopupRecord {
  id: string;
  workspaceId: string;
  amountMicros: number;
  taxMicros: number;
  status: 'pending' | 'succeeded' | 'failed';
  paid: boolean;
  testFunds: boolean;
  coveredDeficitMicros: number;
  lotId: string | null;
  invoiceId: string | null;
  paymentIntentId: string | null;
  paymentMethodId: string | null;
  failureCode: string | null;
  failureMessage: string | null;
  createdAt: number;
  completedAt: number | null;
}

export function topupFromRow(r: Row): TopupRecord {
  return {
    id: str(r.id),
    workspaceId: str(r.workspace_id),
    amountMicros: toSafeInt(r.amount_micros, 'amount_micros'),
    taxMicros: toSafeInt(r.tax_micros, 'tax_micros'),
    status: str(r.status) as TopupRecord['status'],
    paid: bool(r.paid),
    testFunds: bool(r.test_funds),
    coveredDeficitMicros: toSafeInt(r.covered_deficit_micros, 'covered_deficit_micros'),
    lotId: strOrNull(r.lot_id),
    invoiceId: strOrNull(r.invoice_id),
    paymentIntentId: strOrNull(r.payment_intent_id),
    paymentMethodId: strOrNull(r.payment_method_id),
    failureCode: strOrNull(r.failure_code),
    failureMessage: strOrNull(r.failure_message),
    createdAt: toSafeInt(r.created_at, 'created_at'),
    completedAt: toSafeIntOrNull(r.completed_at, 'completed_at'),
  };
}

// ---------------------------------------------------------------------------------------------
// Domain → contract

export function serializeWorkspace(w: WorkspaceRecord, period: { start: number; end: number }): C.Workspace {
  return {
    id: w.id,
    name: w.name,
    plan: w.plan,
    unit: w.unit,
    hosting: w.hosting,
    enterprise: w.enterprise,
    settings: { ...w.settings, overage: { ...w.settings.overage } },
    billingAnchor: iso(w.billingAnchor),
    billingPeriod: { start: iso(period.start), end: iso(period.end) },
    deficitMicros: w.deficitMicros,
    createdAt: iso(w.createdAt),
    deletedAt: isoOrNull(w.deletedAt),
  };
}

export function serializeMember(m: MemberRecord): C.Member {
  return {
    id: m.id,
    workspaceId: m.workspaceId,
    role: m.role,
    seat: { paid: m.seatPaid, active: m.seatActive },
    name: m.name,
    email: m.email,
    createdAt: iso(m.createdAt),
    updatedAt: iso(m.updatedAt),
  };
}

export function lotStatus(lot: Lot, now: number): C.LotStatus {
  if (lot.closedAt !== null) return lot.closeReason === 'forfeited' ? 'forfeited' : 'expired';
  if (lot.expiresAt !== null && now >= lot.expiresAt) return 'expired';
  if (lot.effectiveAt > now) return 'scheduled';
  if (lot.remainingMicros === 0) return 'depleted';
  return 'active';
}

export function serializeLot(lot: Lot, now: number): C.Lot {
  return {
    id: lot.id,
    workspaceId: lot.workspaceId,
    kind: lot.kind,
    scope: lot.scope,
    originalMicros: lot.originalMicros,
    remainingMicros: lot.remainingMicros,
    grantedAt: iso(lot.grantedAt),
    effectiveAt: iso(lot.effectiveAt),
    expiresAt: isoOrNull(lot.expiresAt),
    source: lot.source,
    note: lot.note,
    chargeId: lot.chargeId,
    topupId: lot.topupId,
    status: lotStatus(lot, now),
    closedAt: isoOrNull(lot.closedAt),
  };
}

export function serializeReservation(r: ReservationRecord, now: number): C.Reservation {
  // A hold past its TTL is expired from that instant, even before the sweeper records it.
  const status = r.status === 'held' && r.expiresAt <= now ? 'expired' : r.status;
  return {
    id: r.id,
    workspaceId: r.workspaceId,
    memberId: r.memberId,
    feature: r.feature,
    heldMicros: r.heldMicros,
    metered: r.metered,
    status,
    createdAt: iso(r.createdAt),
    expiresAt: iso(r.expiresAt),
    settledAt: isoOrNull(r.settledAt),
    chargeId: r.chargeId,
    taskKind: r.taskKind ?? null,
  };
}

export function serializeCharge(c: ChargeRecord): C.Charge {
  return {
    id: c.id,
    workspaceId: c.workspaceId,
    reservationId: c.reservationId,
    memberId: c.memberId,
    feature: c.feature,
    amountMicros: c.amountMicros,
    outcome: c.outcome,
    usage: c.usage === null ? null : { ...c.usage },
    priceVersion: c.priceVersion,
    taskKind: c.taskKind ?? null,
    draws: c.draws.map((d) => ({
      lotId: d.lotId,
      kind: d.kind,
      scope: d.scope,
      amountMicros: d.amountMicros,
    })),
    deficitMicros: c.deficitMicros,
    overageMicros: c.overageMicros,
    overrunMicros: c.overrunMicros,
    createdAt: iso(c.at),
  };
}

export function serializeEntry(e: LedgerEntry): C.LedgerEntry {
  return {
    id: e.id,
    workspaceId: e.workspaceId,
    type: e.type,
    amountMicros: e.amountMicros,
    at: iso(e.at),
    lotId: e.lotId,
    reservationId: e.reservationId,
    chargeId: e.chargeId,
    topupId: e.topupId,
    memberId: e.memberId,
    feature: e.feature,
  };
}

export function serializeTopup(t: TopupRecord): C.Topup {
  return {
    id: t.id,
    workspaceId: t.workspaceId,
    amountMicros: t.amountMicros,
    taxMicros: t.taxMicros,
    totalMicros: t.amountMicros + t.taxMicros,
    status: t.status,
    paid: t.paid,
    testFunds: t.testFunds,
    coveredDeficitMicros: t.coveredDeficitMicros,
    lotId: t.lotId,
    invoiceId: t.invoiceId,
    paymentIntentId: t.paymentIntentId,
    failure: t.failureCode === null ? null : { code: t.failureCode, message: t.failureMessage ?? '' },
    createdAt: iso(t.createdAt),
    completedAt: isoOrNull(t.completedAt),
  };
}
