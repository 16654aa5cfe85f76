import { z } from 'zod';
import {
  BillingPeriodSchema,
  ChargeOutcomeSchema,
  CountSchema,
  FeatureSchema,
  HostingSchema,
  IdSchema,
  LotKindSchema,
  LotScopeSchema,
  LotSourceSchema,
  MemberIdSchema,
  MicrosSchema,
  PlanSchema,
  PositiveMicrosSchema,
  QueryIntSchema,
  ReservationStatusSchema,
  RoleSchema,
  SignedMicrosSchema,
  TaskKindSchema,
  TimestampSchema,
  UnitSchema,
  UsageSchema,
  WorkspaceIdSchema,
} from './primitives.js';

/*
 * Naming: `XSchema` validates a value; `X` (z.infer) is what the server returns; request types
 * are `z.input` of their schema (what a caller may send, before defaults are applied).
 * Request bodies are strict objects: an unknown field is a 400, so typos never pass silently.
 */

// ---------------------------------------------------------------------------------------------
// Lists

export const ListQuerySchema = z.object({
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor: z.string().min(1).max(512).optional(),
  limit: QueryIntSchema.min(1).max(100).default(25),
});
export type ListQuery = z.input<typeof ListQuerySchema>;

/**
 * Lists that answered in one page before they were paged (members, API keys, webhook endpoints,
 * lots): the default page stays large, so a caller that reads one page still sees up to 1000.
 */
export const LargeListQuerySchema = z.object({
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor: z.string().min(1).max(512).optional(),
  limit: QueryIntSchema.min(1).max(1000).default(1000),
});
export type LargeListQuery = z.input<typeof LargeListQuerySchema>;

/** The page shape shared by every list route. */
export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable() });
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

// ---------------------------------------------------------------------------------------------
// Workspaces

export const OverageSettingsSchema = z.object({
  enabled: z.boolean(),
  /** New work stops once the period's overage reaches this; `null` = no cap. */
  monthlyCapMicros: MicrosSchema.nullable(),
});

export const WorkspaceSettingsSchema = z.object({
  overage: OverageSettingsSchema,
  /** When true, members' included seat credits are drawable by every member. */
  seatPooling: z.boolean(),
  /** `null` = Coding Sessions use the latest model of the price table. */
  pinnedModel: z.string().min(1).max(128).nullable(),
  /** `balance.low` fires when the spendable balance crosses below each of these. */
  lowBalanceThresholdsMicros: z.array(MicrosSchema).max(10),
  /** `lots.expiring` fires this many days before funds expire. */
  expiryWarningDays: z.array(z.number().int().min(1).max(365)).max(10),
  /** Monthly included amount per active paid seat. */
  includedMicrosPerSeat: MicrosSchema,
  /** How far concurrent work may push the balance below zero (the overshoot bound). */
  maxDeficitMicros: MicrosSchema,
});
export type WorkspaceSettings = z.infer<typeof WorkspaceSettingsSchema>;

export const WorkspaceSchema = z.object({
  id: WorkspaceIdSchema,
  name: z.string(),
  plan: PlanSchema,
  unit: UnitSchema,
  hosting: HostingSchema,
  enterprise: z.boolean(),
  settings: WorkspaceSettingsSchema,
  /** Billing periods start at this instant and recur monthly. */
  billingAnchor: TimestampSchema,
  billingPeriod: BillingPeriodSchema,
  deficitMicros: MicrosSchema,
  createdAt: TimestampSchema,
  deletedAt: TimestampSchema.nullable(),
});
export type Workspace = z.infer<typeof WorkspaceSchema>;

export const CreateWorkspaceRequestSchema = z.strictObject({
  /** Optional caller-chosen id (e.g. the host product's workspace id); generated when absent. */
  id: WorkspaceIdSchema.optional(),
  name: z.string().min(1).max(200),
  plan: PlanSchema.default('free'),
  unit: UnitSchema.default('usd'),
  hosting: HostingSchema.default('cloud'),
  enterprise: z.boolean().default(false),
  /** Defaults to the creation instant. */
  billingAnchor: TimestampSchema.optional(),
  settings: z
    .strictObject({
      overage: z.strictObject({ enabled: z.boolean(), monthlyCapMicros: MicrosSchema.nullable() }).optional(),
      seatPooling: z.boolean().optional(),
      pinnedModel: z.string().min(1).max(128).nullable().optional(),
      lowBalanceThresholdsMicros: z.array(MicrosSchema).max(10).optional(),
      expiryWarningDays: z.array(z.number().int().min(1).max(365)).max(10).optional(),
      includedMicrosPerSeat: MicrosSchema.optional(),
      maxDeficitMicros: MicrosSchema.optional(),
    })
    .optional(),
});
export type CreateWorkspaceRequest = z.input<typeof CreateWorkspaceRequestSchema>;

/**
 * Settings a workspace admin may change. `includedMicrosPerSeat` and `maxDeficitMicros` are plan
 * terms: only the platform key may change them.
 */
export const UpdateSettingsRequestSchema = z.strictObject({
  overage: z
    .strictObject({ enabled: z.boolean().optional(), monthlyCapMicros: MicrosSchema.nullable().optional() })
    .optional(),
  seatPooling: z.boolean().optional(),
  pinnedModel: z.string().min(1).max(128).nullable().optional(),
  lowBalanceThresholdsMicros: z.array(MicrosSchema).max(10).optional(),
  expiryWarningDays: z.array(z.number().int().min(1).max(365)).max(10).optional(),
  includedMicrosPerSeat: MicrosSchema.optional(),
  maxDeficitMicros: MicrosSchema.optional(),
  /** Platform only. */
  plan: PlanSchema.optional(),
  /** Platform only. */
  enterprise: z.boolean().optional(),
});
export type UpdateSettingsRequest = z.input<typeof UpdateSettingsRequestSchema>;

export const DeleteWorkspaceQuerySchema = z.object({
  /** Must equal the workspace id: deletion is irreversible. */
  confirm: z.string().max(128).optional(),
});

export const ForfeitedLotSchema = z.object({
  lotId: IdSchema,
  kind: LotKindSchema,
  scope: LotScopeSchema,
  remainingMicros: MicrosSchema,
  expiresAt: TimestampSchema.nullable(),
});
export type ForfeitedLot = z.infer<typeof ForfeitedLotSchema>;

export const DeletionPreviewSchema = z.object({
  workspaceId: WorkspaceIdSchema,
  /** Every lot that still holds value; all of it is forfeited on deletion. */
  lots: z.array(ForfeitedLotSchema),
  forfeitedMicros: MicrosSchema,
  byKind: z.object({
    promotional: MicrosSchema,
    included: MicrosSchema,
    support: MicrosSchema,
    purchased: MicrosSchema,
  }),
  deficitMicros: MicrosSchema,
  heldReservations: CountSchema,
  /** Pass this as `?confirm=` to `DELETE /v1/workspaces/{ws}`. */
  confirm: z.string(),
  asOf: TimestampSchema,
});
export type DeletionPreview = z.infer<typeof DeletionPreviewSchema>;

export const DeletedWorkspaceSchema = z.object({
  workspaceId: WorkspaceIdSchema,
  deletedAt: TimestampSchema,
  forfeitedMicros: MicrosSchema,
  lots: z.array(ForfeitedLotSchema),
});
export type DeletedWorkspace = z.infer<typeof DeletedWorkspaceSchema>;

// ---------------------------------------------------------------------------------------------
// Members and API keys

export const SeatSchema = z.object({ paid: z.boolean(), active: z.boolean() });

export const MemberSchema = z.object({
  id: MemberIdSchema,
  workspaceId: WorkspaceIdSchema,
  role: RoleSchema,
  seat: SeatSchema,
  name: z.string().nullable(),
  email: z.string().nullable(),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
});
export type Member = z.infer<typeof MemberSchema>;

export const UpsertMemberRequestSchema = z.strictObject({
  role: RoleSchema,
  /** Defaults to an active, unpaid seat (unpaid seats receive no included credits). */
  seat: z.strictObject({ paid: z.boolean(), active: z.boolean() }).optional(),
  name: z.string().min(1).max(200).nullable().optional(),
  email: z.string().email().max(320).nullable().optional(),
});
export type UpsertMemberRequest = z.input<typeof UpsertMemberRequestSchema>;

export const ApiKeyTypeSchema = z.enum(['platform', 'server', 'member']);
export type ApiKeyType = z.infer<typeof ApiKeyTypeSchema>;

export const ApiKeySchema = z.object({
  id: IdSchema,
  type: ApiKeyTypeSchema,
  workspaceId: WorkspaceIdSchema.nullable(),
  memberId: MemberIdSchema.nullable(),
  name: z.string().nullable(),
  /** The first characters of the secret, for recognising a key; never enough to use it. */
  prefix: z.string(),
  createdAt: TimestampSchema,
  revokedAt: TimestampSchema.nullable(),
});
export type ApiKey = z.infer<typeof ApiKeySchema>;

/** Returned only by the create call: the secret is stored hashed and never shown again. */
export const CreatedApiKeySchema = ApiKeySchema.extend({ secret: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;

export const CreateApiKeyRequestSchema = z
  .strictObject({
    type: z.enum(['server', 'member']),
    /** Required for `member` keys; must not be set for `server` keys. */
    memberId: MemberIdSchema.optional(),
    name: z.string().min(1).max(200).optional(),
  })
  .refine((v) => (v.type === 'member') === (v.memberId !== undefined), {
    message: 'memberId is required for member keys and not allowed for server keys',
    path: ['memberId'],
  });
export type CreateApiKeyRequest = z.input<typeof CreateApiKeyRequestSchema>;

/** `GET /v1/me`: who the calling key is and what it may do. */
export const MeSchema = z.object({
  keyType: ApiKeyTypeSchema,
  /** The key's workspace; `null` for the platform key. */
  workspaceId: WorkspaceIdSchema.nullable(),
  /** The member a member token acts for; `null` for server and platform keys. */
  memberId: MemberIdSchema.nullable(),
  /** The member's current role; `null` for server and platform keys. */
  role: RoleSchema.nullable(),
  /** Whether this key may add funds and change billing details (SPEC §7). */
  billingAccess: z.boolean(),
  /** The key's workspace, for workspace-bound keys. */
  workspace: z
    .object({
      id: WorkspaceIdSchema,
      name: z.string(),
      unit: UnitSchema,
      hosting: HostingSchema,
      enterprise: z.boolean(),
    })
    .optional(),
});
export type Me = z.infer<typeof MeSchema>;

// ---------------------------------------------------------------------------------------------
// Balance and lots

export const ByKindSchema = z.object({
  promotional: MicrosSchema,
  included: MicrosSchema,
  support: MicrosSchema,
  purchased: MicrosSchema,
});
export type ByKind = z.infer<typeof ByKindSchema>;

export const BalanceQuerySchema = z.object({ memberId: MemberIdSchema.optional() });

export const BalanceSchema = z.object({
  workspaceId: WorkspaceIdSchema,
  /** The member the balance was computed for (their seat lots count), or `null` for the pool. */
  memberId: MemberIdSchema.nullable(),
  unit: UnitSchema,
  /**
   * Remaining value of every spendable lot the member may draw (pooled lots, their own seat lots,
   * other members' seat lots only with `seatPooling`), or of every lot for the pool.
   */
  availableMicros: MicrosSchema,
  /**
   * Outstanding holds of uncaptured reservations; for a member, the part of them that claims lots
   * the member may draw.
   */
  reservedMicros: MicrosSchema,
  /** available − reserved − deficit; new work may begin only while this is positive. */
  spendableMicros: SignedMicrosSchema,
  deficitMicros: MicrosSchema,
  /** `availableMicros` by lot kind. */
  byKind: ByKindSchema,
  /** `availableMicros` by scope (for a member: only scopes they may draw). */
  byScope: z.array(z.object({ scope: LotScopeSchema, availableMicros: MicrosSchema })),
  /** The member's own included seat credits left this period (`null` without a member). */
  memberIncludedRemainingMicros: MicrosSchema.nullable(),
  overage: z.object({
    enabled: z.boolean(),
    usedMicros: MicrosSchema,
    capMicros: MicrosSchema.nullable(),
    period: BillingPeriodSchema,
  }),
  /** Whether new metered work may begin now (self-hosted workspaces: always). */
  canBegin: z.boolean(),
  nextExpiry: z.object({ at: TimestampSchema, amountMicros: MicrosSchema }).nullable(),
  asOf: TimestampSchema,
});
export type Balance = z.infer<typeof BalanceSchema>;

export const LotStatusSchema = z.enum(['active', 'scheduled', 'depleted', 'expired', 'forfeited']);
export type LotStatus = z.infer<typeof LotStatusSchema>;

export const LotSchema = z.object({
  id: IdSchema,
  workspaceId: WorkspaceIdSchema,
  kind: LotKindSchema,
  scope: LotScopeSchema,
  originalMicros: MicrosSchema,
  remainingMicros: MicrosSchema,
  grantedAt: TimestampSchema,
  effectiveAt: TimestampSchema,
  expiresAt: TimestampSchema.nullable(),
  source: LotSourceSchema,
  note: z.string().nullable(),
  chargeId: IdSchema.nullable(),
  topupId: IdSchema.nullable(),
  /** `scheduled`: not yet effective; `depleted`: used up; `expired`/`forfeited`: closed for good. */
  status: LotStatusSchema,
  closedAt: TimestampSchema.nullable(),
});
export type Lot = z.infer<typeof LotSchema>;

export const ListLotsQuerySchema = LargeListQuerySchema.extend({
  /** `open` (default): active and scheduled lots; `all`: every lot. */
  status: z.enum(['open', 'active', 'scheduled', 'depleted', 'expired', 'forfeited', 'all']).default('open'),
  expiringWithinDays: QueryIntSchema.min(0).max(3650).optional(),
  memberId: MemberIdSchema.optional(),
});
export type ListLotsQuery = z.input<typeof ListLotsQuerySchema>;

/** Lots in burn order (the order they will be consumed). */
export const LotListSchema = z.object({ data: z.array(LotSchema), nextCursor: z.string().nullable() });
export type LotList = z.infer<typeof LotListSchema>;

export const GrantLotRequestSchema = z.strictObject({
  /** Caller-chosen id; makes the grant idempotent on its own. Generated when absent. */
  lotId: IdSchema.optional(),
  kind: z.enum(['promotional', 'included', 'support']),
  amountMicros: PositiveMicrosSchema,
  /** `null` = never expires. Included seat lots default to the end of the current period. */
  expiresAt: TimestampSchema.nullable().optional(),
  effectiveAt: TimestampSchema.optional(),
  /** Scope the lot to one member's seat; pooled when absent. */
  memberId: MemberIdSchema.optional(),
  reason: z.string().min(1).max(500),
  /** For support adjustments: the charge this compensates. */
  chargeId: IdSchema.optional(),
});
export type GrantLotRequest = z.input<typeof GrantLotRequestSchema>;

// ---------------------------------------------------------------------------------------------
// Billing and top-ups

export const BillingAddressSchema = z.strictObject({
  /** ISO 3166-1 alpha-2 country code. */
  country: z.string().length(2),
  state: z.string().min(1).max(100).optional(),
  postalCode: z.string().min(1).max(20).optional(),
  city: z.string().min(1).max(100).optional(),
  line1: z.string().min(1).max(200).optional(),
});
export type BillingAddress = z.infer<typeof BillingAddressSchema>;

export const UpdateBillingRequestSchema = z.strictObject({
  address: BillingAddressSchema.nullable().optional(),
  /** The saved card used for AI-credit top-ups (may differ from the subscription card). */
  paymentMethodId: z.string().min(1).max(255).nullable().optional(),
  /** Name on invoices; defaults to the workspace name. */
  name: z.string().min(1).max(200).optional(),
});
export type UpdateBillingRequest = z.input<typeof UpdateBillingRequestSchema>;

/** The AI-credits card as Stripe describes it: enough to recognise it, never enough to charge it. */
export const CardSummarySchema = z.object({
  paymentMethodId: z.string(),
  /** Stripe's brand name (`visa`, `mastercard`, `amex`, …). */
  brand: z.string(),
  last4: z.string(),
  expMonth: z.number().int().min(1).max(12),
  expYear: z.number().int(),
});
export type CardSummary = z.infer<typeof CardSummarySchema>;

export const BillingSchema = z.object({
  workspaceId: WorkspaceIdSchema,
  mode: z.enum(['stripe', 'no_payment']),
  address: BillingAddressSchema.nullable(),
  paymentMethodId: z.string().nullable(),
  /** The saved card's details; `null` without a card, in no-payment mode, or when Stripe no longer has it. */
  card: CardSummarySchema.nullable(),
  customerId: z.string().nullable(),
  name: z.string(),
  topupLimits: z.object({ minMicros: MicrosSchema, maxMicros: MicrosSchema }),
  /** Who may add funds: owners on Enterprise, otherwise admins and owners. */
  billingAccess: z.enum(['owners', 'admins_and_owners']),
});
export type Billing = z.infer<typeof BillingSchema>;

export const TopupStatusSchema = z.enum(['pending', 'succeeded', 'failed']);

export const CreateTopupRequestSchema = z.strictObject({
  /** USD in micros, whole cents (a multiple of 10,000). */
  amountMicros: PositiveMicrosSchema,
  /** Overrides the workspace's saved card for this top-up. */
  paymentMethodId: z.string().min(1).max(255).optional(),
});
export type CreateTopupRequest = z.input<typeof CreateTopupRequestSchema>;

export const TopupQuoteRequestSchema = z.strictObject({
  /** USD in micros, whole cents (a multiple of 10,000); the same limits as a top-up. */
  amountMicros: PositiveMicrosSchema,
});
export type TopupQuoteRequest = z.input<typeof TopupQuoteRequestSchema>;

/** What a top-up of `amountMicros` would charge now, before anything is charged. */
export const TopupQuoteSchema = z.object({
  amountMicros: MicrosSchema,
  /** Sales tax from the billing address, added on top. */
  taxMicros: MicrosSchema,
  /** What the card would be charged: amount + tax. */
  totalMicros: MicrosSchema,
  currency: z.literal('usd'),
  /** The address the tax was computed for. */
  billingAddress: BillingAddressSchema.nullable(),
  /** The card that would be charged; `null` without a saved card (or in no-payment mode). */
  paymentMethod: CardSummarySchema.nullable(),
  /** True in no-payment mode: the top-up would be unpaid test funds and nothing is charged. */
  testFunds: z.boolean(),
});
export type TopupQuote = z.infer<typeof TopupQuoteSchema>;

export const TopupSchema = z.object({
  id: IdSchema,
  workspaceId: WorkspaceIdSchema,
  /** The funds added (before tax). */
  amountMicros: MicrosSchema,
  taxMicros: MicrosSchema,
  /** What the card is charged: amount + tax. */
  totalMicros: MicrosSchema,
  status: TopupStatusSchema,
  /** False for no-payment mode (test funds, nothing was charged). */
  paid: z.boolean(),
  testFunds: z.boolean(),
  /** Set once credited: the part that covered an existing deficit, and the new purchased lot. */
  coveredDeficitMicros: MicrosSchema,
  lotId: IdSchema.nullable(),
  invoiceId: z.string().nullable(),
  paymentIntentId: z.string().nullable(),
  failure: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAt: TimestampSchema,
  completedAt: TimestampSchema.nullable(),
});
export type Topup = z.infer<typeof TopupSchema>;

// ---------------------------------------------------------------------------------------------
// Reservations and charges

export const UsageEstimateSchema = z.strictObject({
  /** Defaults to the workspace's session model. */
  model: z.string().min(1).max(128).optional(),
  inputTokens: CountSchema,
  outputTokens: CountSchema,
  cachedInputTokens: CountSchema.default(0),
  sandboxSeconds: CountSchema.default(0),
});

export const CreateReservationRequestSchema = z
  .strictObject({
    /** Caller-chosen id (idempotent on its own); generated when absent. */
    reservationId: IdSchema.optional(),
    feature: FeatureSchema,
    memberId: MemberIdSchema.optional(),
    /** The amount to hold. Exactly one of `estimateMicros` and `usageEstimate`. */
    estimateMicros: PositiveMicrosSchema.optional(),
    usageEstimate: UsageEstimateSchema.optional(),
    ttlSeconds: z.number().int().min(1).max(86_400).default(900),
    /** The kind of task; settled sessions of a kind calibrate later estimates of that kind. */
    taskKind: TaskKindSchema.optional(),
  })
  .refine((v) => (v.estimateMicros === undefined) !== (v.usageEstimate === undefined), {
    message: 'send exactly one of estimateMicros and usageEstimate',
    path: ['estimateMicros'],
  });
export type CreateReservationRequest = z.input<typeof CreateReservationRequestSchema>;

export const ReservationSchema = z.object({
  id: IdSchema,
  workspaceId: WorkspaceIdSchema,
  memberId: MemberIdSchema.nullable(),
  feature: z.string(),
  heldMicros: MicrosSchema,
  /** False on self-hosted workspaces: nothing is held or charged. */
  metered: z.boolean(),
  status: ReservationStatusSchema,
  createdAt: TimestampSchema,
  expiresAt: TimestampSchema,
  settledAt: TimestampSchema.nullable(),
  chargeId: IdSchema.nullable(),
  taskKind: TaskKindSchema.nullable(),
});
export type Reservation = z.infer<typeof ReservationSchema>;

export const ExtendReservationRequestSchema = z
  .strictObject({
    /** Added to the hold; 0 with `ttlSeconds` only pushes the expiry (no new hold). */
    additionalMicros: MicrosSchema,
    /** A new time-to-live counted from now; the hold never gets shorter. */
    ttlSeconds: z.number().int().min(1).max(86_400).optional(),
  })
  .refine((v) => v.additionalMicros > 0 || v.ttlSeconds !== undefined, {
    message: 'send additionalMicros > 0, or ttlSeconds to only push the expiry',
    path: ['additionalMicros'],
  });
export type ExtendReservationRequest = z.input<typeof ExtendReservationRequestSchema>;

export const CaptureRequestSchema = z
  .strictObject({
    /** Caller-chosen charge id; generated when absent. */
    chargeId: IdSchema.optional(),
    /** The actual amount. Exactly one of `amountMicros` and `usage`. */
    amountMicros: MicrosSchema.optional(),
    usage: UsageSchema.optional(),
    /** Failed runs and partial completions are billable too. */
    outcome: ChargeOutcomeSchema.default('succeeded'),
  })
  .refine((v) => (v.amountMicros === undefined) !== (v.usage === undefined), {
    message: 'send exactly one of amountMicros and usage',
    path: ['amountMicros'],
  });
export type CaptureRequest = z.input<typeof CaptureRequestSchema>;

export const DrawSchema = z.object({
  lotId: IdSchema,
  kind: LotKindSchema,
  scope: LotScopeSchema,
  amountMicros: MicrosSchema,
});
export type Draw = z.infer<typeof DrawSchema>;

export const ChargeSchema = z.object({
  id: IdSchema,
  workspaceId: WorkspaceIdSchema,
  reservationId: IdSchema.nullable(),
  memberId: MemberIdSchema.nullable(),
  feature: z.string(),
  amountMicros: MicrosSchema,
  outcome: ChargeOutcomeSchema,
  usage: z
    .object({
      model: z.string(),
      inputTokens: CountSchema,
      outputTokens: CountSchema,
      cachedInputTokens: CountSchema,
      sandboxSeconds: CountSchema,
    })
    .nullable(),
  priceVersion: z.string().nullable(),
  taskKind: TaskKindSchema.nullable(),
  /** Per-lot draws in burn order; draws + deficit + overage = amount. */
  draws: z.array(DrawSchema),
  deficitMicros: MicrosSchema,
  overageMicros: MicrosSchema,
  overrunMicros: MicrosSchema,
  createdAt: TimestampSchema,
});
export type Charge = z.infer<typeof ChargeSchema>;

export const CaptureResponseSchema = z.object({
  reservation: ReservationSchema,
  /**
   * The settlement. Unmetered (self-hosted) reservations settle as a zero-amount charge with no
   * draws, recorded for visibility; nothing is drawn, held or billed.
   */
  charge: ChargeSchema,
});
export type CaptureResponse = z.infer<typeof CaptureResponseSchema>;

export const CreateChargeRequestSchema = z
  .strictObject({
    chargeId: IdSchema.optional(),
    feature: FeatureSchema,
    memberId: MemberIdSchema.optional(),
    amountMicros: MicrosSchema.optional(),
    usage: UsageSchema.optional(),
    outcome: ChargeOutcomeSchema.default('succeeded'),
    taskKind: TaskKindSchema.optional(),
  })
  .refine((v) => (v.amountMicros === undefined) !== (v.usage === undefined), {
    message: 'send exactly one of amountMicros and usage',
    path: ['amountMicros'],
  });
export type CreateChargeRequest = z.input<typeof CreateChargeRequestSchema>;

// ---------------------------------------------------------------------------------------------
// Transactions and usage

export const EntryTypeSchema = z.enum([
  'lot_granted',
  'charge_draw',
  'lot_expired',
  'lot_forfeited',
  'charge_deficit',
  'deficit_covered',
  'charge_overage',
  'reservation_held',
  'reservation_extended',
  'reservation_released',
]);
export type EntryType = z.infer<typeof EntryTypeSchema>;

export const LedgerEntrySchema = z.object({
  id: z.string(),
  workspaceId: WorkspaceIdSchema,
  type: EntryTypeSchema,
  /** Signed movement; see the entry type for what it moves. */
  amountMicros: SignedMicrosSchema,
  at: TimestampSchema,
  lotId: z.string().nullable(),
  reservationId: z.string().nullable(),
  chargeId: z.string().nullable(),
  topupId: z.string().nullable(),
  memberId: z.string().nullable(),
  feature: z.string().nullable(),
});
export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

export const TransactionListSchema = pageSchema(LedgerEntrySchema);
export type TransactionList = z.infer<typeof TransactionListSchema>;

export const UsageGroupBySchema = z.enum(['feature', 'member', 'day']);

export const UsageQuerySchema = z.object({
  /** Inclusive; defaults to 30 days before `to`. */
  from: TimestampSchema.optional(),
  /** Exclusive; defaults to now. */
  to: TimestampSchema.optional(),
  groupBy: UsageGroupBySchema.default('day'),
  /** Restrict to one member (members always see only their own usage). */
  memberId: MemberIdSchema.optional(),
  feature: FeatureSchema.optional(),
});
export type UsageQuery = z.input<typeof UsageQuerySchema>;

export const UsageGroupSchema = z.object({
  /** The feature name, member id (`null` member → `"workspace"`), or UTC day `YYYY-MM-DD`. */
  key: z.string(),
  amountMicros: MicrosSchema,
  overageMicros: MicrosSchema,
  charges: CountSchema,
});

export const UsageReportSchema = z.object({
  workspaceId: WorkspaceIdSchema,
  unit: UnitSchema,
  from: TimestampSchema,
  to: TimestampSchema,
  groupBy: UsageGroupBySchema,
  memberId: MemberIdSchema.nullable(),
  totalMicros: MicrosSchema,
  overageMicros: MicrosSchema,
  charges: CountSchema,
  groups: z.array(UsageGroupSchema),
});
export type UsageReport = z.infer<typeof UsageReportSchema>;

// ---------------------------------------------------------------------------------------------
// Estimates and prices

export const EstimateRequestSchema = z.strictObject({
  feature: FeatureSchema.default('coding_session'),
  taskKind: TaskKindSchema,
  /** Defaults to the pinned model, else the latest model. */
  model: z.string().min(1).max(128).optional(),
  /** Whose balance `covered` is computed against (defaults to the caller's member, else the pool). */
  memberId: MemberIdSchema.optional(),
});
export type EstimateRequest = z.input<typeof EstimateRequestSchema>;

export const EstimateSchema = z.object({
  feature: z.string(),
  taskKind: TaskKindSchema,
  model: z.string(),
  lowMicros: MicrosSchema,
  highMicros: MicrosSchema,
  /** `history`: calibrated from this workspace's settled sessions; `price_table`: token profiles. */
  basis: z.enum(['history', 'price_table']),
  sampleSize: CountSchema,
  /** Whether the spendable balance covers the high end of the estimate. */
  covered: z.boolean(),
  spendableMicros: SignedMicrosSchema,
  priceVersion: z.string(),
  unit: UnitSchema,
});
export type Estimate = z.infer<typeof EstimateSchema>;

export const ModelPriceSchema = z.object({
  model: z.string(),
  displayName: z.string(),
  inputMicrosPerMillionTokens: MicrosSchema,
  outputMicrosPerMillionTokens: MicrosSchema,
  cachedInputMicrosPerMillionTokens: MicrosSchema,
  releasedAt: TimestampSchema,
});
export type ModelPrice = z.infer<typeof ModelPriceSchema>;

export const PriceTableSchema = z.object({
  version: z.string(),
  effectiveAt: TimestampSchema,
  latestModel: z.string(),
  sandboxMicrosPerHour: MicrosSchema,
  models: z.array(ModelPriceSchema),
});
export type PriceTable = z.infer<typeof PriceTableSchema>;

// ---------------------------------------------------------------------------------------------
// Test clock and health

export const TestClockRequestSchema = z
  .strictObject({
    now: TimestampSchema.optional(),
    advanceSeconds: z
      .number()
      .int()
      .min(0)
      .max(10 * 366 * 86_400)
      .optional(),
  })
  .refine((v) => (v.now === undefined) !== (v.advanceSeconds === undefined), {
    message: 'send exactly one of now and advanceSeconds',
    path: ['now'],
  });
export type TestClockRequest = z.input<typeof TestClockRequestSchema>;

export const TestClockSchema = z.object({ now: TimestampSchema });
export type TestClock = z.infer<typeof TestClockSchema>;

export const HealthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  database: z.enum(['ok', 'unavailable']),
  storage: z.enum(['pglite', 'postgres']),
  paymentMode: z.enum(['stripe', 'no_payment']),
  now: TimestampSchema,
});
export type Health = z.infer<typeof HealthSchema>;
