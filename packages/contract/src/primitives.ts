import { z } from 'zod';

/** A non-negative integer amount of micros (1 USD or 1 credit = 1,000,000 micros). Never a float. */
export const MicrosSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** A strictly positive amount of micros. */
export const PositiveMicrosSchema = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
/** A signed amount of micros (ledger movements, balances that may be negative). */
export const SignedMicrosSchema = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);

/** ISO-8601 UTC instant with a `Z` suffix, e.g. `2025-01-31T12:00:00.000Z`. */
export const TimestampSchema = z.iso.datetime({ offset: false });

/** Caller-chosen or server-generated ids: letters, digits and `_-.:`, at most 128 characters. */
export const IdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'ids use letters, digits and _ . : -');
export const WorkspaceIdSchema = IdSchema;
export const MemberIdSchema = IdSchema;

/** A feature name from the feature registry, e.g. `coding_session`. */
export const FeatureSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9_.-]*$/, 'features are lowercase snake_case');

export const UnitSchema = z.enum(['usd', 'credits']);
export const HostingSchema = z.enum(['cloud', 'self_hosted']);
export const PlanSchema = z.enum(['free', 'basic', 'pro', 'business', 'enterprise']);
export const RoleSchema = z.enum(['owner', 'admin', 'member']);

export const LotKindSchema = z.enum(['promotional', 'included', 'support', 'purchased']);
/** `workspace` (pooled) or `member:<memberId>` (one seat's included credits). */
export const LotScopeSchema = z.union([
  z.literal('workspace'),
  z.templateLiteral(['member:', z.string().min(1).max(128)]),
]);
export const LotSourceSchema = z.enum([
  'payment',
  'test_funds',
  'promotion',
  'plan_period',
  'support_ticket',
]);

export const ChargeOutcomeSchema = z.enum(['succeeded', 'failed', 'partial']);
export const ReservationStatusSchema = z.enum(['held', 'captured', 'voided', 'expired']);
export const TaskKindSchema = z.enum(['bug_fix', 'short_task', 'feature', 'refactor', 'multi_turn']);

/** Token counts and sandbox seconds are non-negative safe integers. */
export const CountSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const UsageSchema = z.strictObject({
  model: z.string().min(1).max(128),
  inputTokens: CountSchema,
  outputTokens: CountSchema,
  cachedInputTokens: CountSchema.default(0),
  sandboxSeconds: CountSchema.default(0),
});

export const BillingPeriodSchema = z.object({ start: TimestampSchema, end: TimestampSchema });

/** Query-string integer (query values arrive as strings). */
export const QueryIntSchema = z.coerce.number().int();

export type Micros = z.infer<typeof MicrosSchema>;
export type SignedMicros = z.infer<typeof SignedMicrosSchema>;
export type Timestamp = z.infer<typeof TimestampSchema>;
export type Unit = z.infer<typeof UnitSchema>;
export type Hosting = z.infer<typeof HostingSchema>;
export type Plan = z.infer<typeof PlanSchema>;
export type Role = z.infer<typeof RoleSchema>;
export type LotKind = z.infer<typeof LotKindSchema>;
export type LotScope = z.infer<typeof LotScopeSchema>;
export type LotSource = z.infer<typeof LotSourceSchema>;
export type ChargeOutcome = z.infer<typeof ChargeOutcomeSchema>;
export type ReservationStatus = z.infer<typeof ReservationStatusSchema>;
export type TaskKind = z.infer<typeof TaskKindSchema>;
export type Usage = z.infer<typeof UsageSchema>;
export type UsageInput = z.input<typeof UsageSchema>;
export type BillingPeriod = z.infer<typeof BillingPeriodSchema>;
