/**
 * Public types of the ledger engine. The engine is pure: every function takes the state it
 * needs and the current instant, and returns the new state plus immutable ledger entries.
 * Persisting them is the caller's job (the credits API does it in one transaction).
 */

/** An integer amount of micros of the workspace's unit (1 USD or 1 credit = 1,000,000 micros). Always a safe integer. */
export type Micros = number;

/** Milliseconds since the Unix epoch (UTC). Always passed in; the engine never reads a clock. */
export type Instant = number;

export type Unit = 'usd' | 'credits';
export type Hosting = 'cloud' | 'self_hosted';

/** Lot kinds, listed in the order they are consumed. */
export type LotKind = 'promotional' | 'included' | 'support' | 'purchased';

/** `workspace` lots are pooled; `member:<id>` lots are one seat's included credits. */
export type LotScope = 'workspace' | `member:${string}`;

/** Where a lot's value came from. `test_funds` marks top-ups made without a payment (no-payment mode). */
export type LotSource = 'payment' | 'test_funds' | 'promotion' | 'plan_period' | 'support_ticket';

export interface Lot {
  readonly id: string;
  readonly workspaceId: string;
  readonly kind: LotKind;
  readonly scope: LotScope;
  readonly originalMicros: Micros;
  readonly remainingMicros: Micros;
  readonly grantedAt: Instant;
  /** The lot cannot be drawn before this instant. */
  readonly effectiveAt: Instant;
  /** Exclusive: at this instant the lot is already expired. `null` never expires. */
  readonly expiresAt: Instant | null;
  readonly source: LotSource;
  readonly note: string | null;
  /** For support adjustments: the charge the adjustment compensates. */
  readonly chargeId: string | null;
  /** For purchased lots: the top-up that created it. */
  readonly topupId: string | null;
  /** Set once the lot is closed by expiry or workspace deletion; its remainder was forfeited. */
  readonly closedAt: Instant | null;
  readonly closeReason: 'expired' | 'forfeited' | null;
}

export interface OverageSettings {
  readonly enabled: boolean;
  /** Stops new work once the period's overage reaches it. `null` = no cap. */
  readonly monthlyCapMicros: Micros | null;
}

/** The workspace rules the engine needs; the API stores the rest of the workspace. */
export interface WorkspacePolicy {
  readonly id: string;
  readonly unit: Unit;
  readonly hosting: Hosting;
  readonly enterprise: boolean;
  readonly overage: OverageSettings;
  /** When true, members' included seat lots are drawable by every member. */
  readonly seatPooling: boolean;
  /**
   * The bound on how far concurrent work may push the balance below zero (see README).
   * A hold is admitted only while the sum of holds stays within available + this bound.
   */
  readonly maxDeficitMicros: Micros;
  /** Set when the workspace is deleted; every operation but reads is then refused. */
  readonly deletedAt: Instant | null;
}

/** A billing period `[start, end)`: seat grants and overage are counted per period. */
export interface BillingPeriod {
  readonly start: Instant;
  readonly end: Instant;
}

export type ReservationStatus = 'held' | 'captured' | 'voided' | 'expired';

export interface Reservation {
  readonly id: string;
  readonly workspaceId: string;
  readonly memberId: string | null;
  readonly feature: string;
  /** What the hold currently covers (estimate plus extensions). */
  readonly heldMicros: Micros;
  /** False for self-hosted workspaces: nothing is held or charged. */
  readonly metered: boolean;
  readonly createdAt: Instant;
  /** Exclusive TTL: at this instant an uncaptured hold has lapsed. */
  readonly expiresAt: Instant;
  readonly status: ReservationStatus;
  readonly settledAt: Instant | null;
  /** The charge that captured it, once captured. */
  readonly chargeId: string | null;
}

/** Model usage of one task, as reported by the task. */
export interface Usage {
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedInputTokens: number;
  readonly sandboxSeconds: number;
}

export type ChargeOutcome = 'succeeded' | 'failed' | 'partial';

/** One lot's part in paying for a charge. */
export interface Draw {
  readonly lotId: string;
  readonly kind: LotKind;
  readonly scope: LotScope;
  readonly amountMicros: Micros;
}

export interface Charge {
  readonly id: string;
  readonly workspaceId: string;
  readonly reservationId: string | null;
  readonly memberId: string | null;
  readonly feature: string;
  readonly amountMicros: Micros;
  readonly outcome: ChargeOutcome;
  readonly usage: Usage | null;
  /** The price-table version the usage was priced with, when priced from usage. */
  readonly priceVersion: string | null;
  /** Per-lot draws in burn order; their sum plus deficit plus overage equals `amountMicros`. */
  readonly draws: readonly Draw[];
  /** The part no lot could pay, added to the workspace deficit (overage off). */
  readonly deficitMicros: Micros;
  /** The part billed as workspace overage for the period (overage on). */
  readonly overageMicros: Micros;
  /** How far the charge went beyond its hold (0 when within the hold or without a hold). */
  readonly overrunMicros: Micros;
  readonly at: Instant;
}

/**
 * Entry types and what their signed `amountMicros` moves:
 * - lot_granted, charge_draw, lot_expired, lot_forfeited: the lot's remaining (`lotId` set)
 * - charge_deficit, deficit_covered: the workspace deficit (+ grows it, − covers it)
 * - charge_overage: the period's overage (+)
 * - reservation_held, reservation_extended, reservation_released: the amount held (+/−)
 */
export type EntryType =
  | 'lot_granted'
  | 'charge_draw'
  | 'lot_expired'
  | 'lot_forfeited'
  | 'charge_deficit'
  | 'deficit_covered'
  | 'charge_overage'
  | 'reservation_held'
  | 'reservation_extended'
  | 'reservation_released';

/** Immutable. Ids are deterministic (derived from the operation's own id), so storing them is idempotent. */
export interface LedgerEntry {
  readonly id: string;
  readonly workspaceId: string;
  readonly type: EntryType;
  readonly amountMicros: Micros;
  readonly at: Instant;
  readonly lotId: string | null;
  readonly reservationId: string | null;
  readonly chargeId: string | null;
  readonly topupId: string | null;
  readonly memberId: string | null;
  readonly feature: string | null;
}

/**
 * What an operation needs to know about one workspace. Callers load:
 * every open lot (not closed), every `held` reservation, plus any lot or reservation an
 * operation names by id (so replays can be recognised).
 */
export interface WorkspaceState {
  readonly policy: WorkspacePolicy;
  readonly lots: readonly Lot[];
  readonly reservations: readonly Reservation[];
  readonly deficitMicros: Micros;
  readonly period: BillingPeriod;
  /** Overage recorded so far in `period`. */
  readonly overageUsedMicros: Micros;
  /**
   * Charges the caller loaded by id (or every charge, in the in-memory ledger), so a replayed
   * one-step charge or capture is recognised. Operations append the charges they create.
   */
  readonly charges?: readonly Charge[];
  /**
   * Top-ups already applied. Needed because a top-up that only covers a deficit creates no lot,
   * so the lot's `topupId` alone cannot recognise its replay. Operations append to it.
   */
  readonly appliedTopupIds?: readonly string[];
}

/** The result of every state-changing operation. */
export interface Outcome<T> {
  readonly state: WorkspaceState;
  readonly entries: readonly LedgerEntry[];
  readonly value: T;
  /** True when the operation had already been applied: nothing changed, no entries. */
  readonly replayed: boolean;
}

/** Stable codes of the engine's refusals; the API maps each to an HTTP status. */
export type LedgerErrorCode =
  | 'invalid_amount'
  | 'insufficient_credits'
  | 'overage_disabled'
  | 'overage_cap_reached'
  | 'reservation_not_found'
  | 'reservation_voided'
  | 'reservation_captured'
  | 'reservation_expired'
  | 'idempotency_conflict'
  | 'invalid_lot'
  | 'workspace_deleted'
  | 'unknown_model';

export type PriceVersion = string;

export interface ModelPrice {
  readonly model: string;
  readonly displayName: string;
  readonly inputMicrosPerMillionTokens: Micros;
  readonly outputMicrosPerMillionTokens: Micros;
  readonly cachedInputMicrosPerMillionTokens: Micros;
  readonly releasedAt: Instant;
}

/** A versioned price table. A new version never reprices past charges. */
export interface PriceTable {
  readonly version: PriceVersion;
  readonly effectiveAt: Instant;
  /** The model Coding Sessions use unless the workspace pins another. */
  readonly latestModel: string;
  readonly sandboxMicrosPerHour: Micros;
  readonly models: readonly ModelPrice[];
}

export type TaskKind = 'bug_fix' | 'short_task' | 'feature' | 'refactor' | 'multi_turn';

export interface SettledSession {
  readonly taskKind: TaskKind;
  readonly model: string;
  readonly costMicros: Micros;
}

export interface Estimate {
  readonly model: string;
  readonly taskKind: TaskKind;
  readonly lowMicros: Micros;
  readonly highMicros: Micros;
  /** `history`: calibrated from the workspace's own settled sessions; `price_table`: from token profiles. */
  readonly basis: 'history' | 'price_table';
  /** How many settled sessions the calibration used (0 for `price_table`). */
  readonly sampleSize: number;
}
