import { z } from 'zod';
import {
  BillingPeriodSchema,
  IdSchema,
  LotKindSchema,
  LotScopeSchema,
  MemberIdSchema,
  MicrosSchema,
  SignedMicrosSchema,
  TimestampSchema,
  UnitSchema,
  WorkspaceIdSchema,
} from './primitives.js';

/*
 * Webhook signatures (the same scheme as Stripe's): each delivery carries
 *   aicredits-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 * Receivers recompute the HMAC over the raw body bytes, compare in constant time, and reject
 * timestamps older than WEBHOOK_TOLERANCE_SECONDS (replay protection). Several `v1=` entries
 * may appear while a secret is being rotated; any match is valid. Deliveries are at least once:
 * de-duplicate on the event `id` (also sent as the `aicredits-event-id` header).
 */
export const WEBHOOK_SIGNATURE_HEADER = 'aicredits-signature';
export const WEBHOOK_EVENT_ID_HEADER = 'aicredits-event-id';
export const WEBHOOK_SIGNATURE_SCHEME = 'v1';
export const WEBHOOK_SIGNATURE_ALGORITHM = 'HMAC-SHA256';
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** The exact string that is signed: `<t>.<rawBody>`. */
export function webhookSignedPayload(timestampSeconds: number, rawBody: string): string {
  return `${timestampSeconds}.${rawBody}`;
}

/** Formats the signature header from a timestamp and hex HMAC digests. */
export function formatWebhookSignatureHeader(
  timestampSeconds: number,
  hexSignatures: readonly string[],
): string {
  return [`t=${timestampSeconds}`, ...hexSignatures.map((s) => `${WEBHOOK_SIGNATURE_SCHEME}=${s}`)].join(',');
}

/** Parses the signature header; `null` when it is malformed. Verification itself needs crypto. */
export function parseWebhookSignatureHeader(
  header: string,
): { timestampSeconds: number; signatures: string[] } | null {
  let timestampSeconds: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestampSeconds = Number(value);
    else if (key === WEBHOOK_SIGNATURE_SCHEME && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestampSeconds === null || signatures.length === 0) return null;
  return { timestampSeconds, signatures };
}

export const WEBHOOK_EVENT_TYPES = [
  'balance.low',
  'balance.depleted',
  'balance.negative',
  'balance.recovered',
  'lots.expiring',
  'seat.exhausted',
  'overage.started',
  'overage.cap_reached',
  'topup.succeeded',
  'topup.failed',
] as const;
export const WebhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof WebhookEventTypeSchema>;

const eventBase = {
  /** Unique per event; the de-duplication key for at-least-once delivery. */
  id: z.string().min(1),
  createdAt: TimestampSchema,
  workspaceId: WorkspaceIdSchema,
};

const BalanceFigures = {
  unit: UnitSchema,
  availableMicros: MicrosSchema,
  reservedMicros: MicrosSchema,
  spendableMicros: SignedMicrosSchema,
  deficitMicros: MicrosSchema,
};

export const BalanceLowEventSchema = z.object({
  ...eventBase,
  type: z.literal('balance.low'),
  data: z.object({ thresholdMicros: MicrosSchema, ...BalanceFigures }),
});
export const BalanceDepletedEventSchema = z.object({
  ...eventBase,
  type: z.literal('balance.depleted'),
  data: z.object({ ...BalanceFigures }),
});
export const BalanceNegativeEventSchema = z.object({
  ...eventBase,
  type: z.literal('balance.negative'),
  data: z.object({ ...BalanceFigures }),
});
export const BalanceRecoveredEventSchema = z.object({
  ...eventBase,
  type: z.literal('balance.recovered'),
  /** The highest threshold the balance climbed back above (`null`: recovered from depletion only). */
  data: z.object({ thresholdMicros: MicrosSchema.nullable(), ...BalanceFigures }),
});
export const LotsExpiringEventSchema = z.object({
  ...eventBase,
  type: z.literal('lots.expiring'),
  data: z.object({
    unit: UnitSchema,
    withinDays: z.number().int().min(0),
    totalMicros: MicrosSchema,
    earliestExpiresAt: TimestampSchema,
    lots: z.array(
      z.object({
        lotId: IdSchema,
        kind: LotKindSchema,
        scope: LotScopeSchema,
        remainingMicros: MicrosSchema,
        expiresAt: TimestampSchema,
      }),
    ),
  }),
});
export const SeatExhaustedEventSchema = z.object({
  ...eventBase,
  type: z.literal('seat.exhausted'),
  data: z.object({ memberId: MemberIdSchema, period: BillingPeriodSchema, unit: UnitSchema }),
});
export const OverageStartedEventSchema = z.object({
  ...eventBase,
  type: z.literal('overage.started'),
  data: z.object({
    memberId: MemberIdSchema.nullable(),
    period: BillingPeriodSchema,
    usedMicros: MicrosSchema,
    capMicros: MicrosSchema.nullable(),
    unit: UnitSchema,
  }),
});
export const OverageCapReachedEventSchema = z.object({
  ...eventBase,
  type: z.literal('overage.cap_reached'),
  data: z.object({
    period: BillingPeriodSchema,
    usedMicros: MicrosSchema,
    capMicros: MicrosSchema,
    unit: UnitSchema,
  }),
});
export const TopupSucceededEventSchema = z.object({
  ...eventBase,
  type: z.literal('topup.succeeded'),
  data: z.object({
    topupId: IdSchema,
    amountMicros: MicrosSchema,
    taxMicros: MicrosSchema,
    totalMicros: MicrosSchema,
    coveredDeficitMicros: MicrosSchema,
    lotId: IdSchema.nullable(),
    testFunds: z.boolean(),
    invoiceId: z.string().nullable(),
    paymentIntentId: z.string().nullable(),
  }),
});
export const TopupFailedEventSchema = z.object({
  ...eventBase,
  type: z.literal('topup.failed'),
  data: z.object({
    topupId: IdSchema,
    amountMicros: MicrosSchema,
    paymentIntentId: z.string().nullable(),
    failureCode: z.string(),
    failureMessage: z.string(),
  }),
});

export const WebhookEventSchema = z.discriminatedUnion('type', [
  BalanceLowEventSchema,
  BalanceDepletedEventSchema,
  BalanceNegativeEventSchema,
  BalanceRecoveredEventSchema,
  LotsExpiringEventSchema,
  SeatExhaustedEventSchema,
  OverageStartedEventSchema,
  OverageCapReachedEventSchema,
  TopupSucceededEventSchema,
  TopupFailedEventSchema,
]);
export type WebhookEvent = z.infer<typeof WebhookEventSchema>;
/** The event of one type, e.g. `WebhookEventOf<'balance.low'>`. */
export type WebhookEventOf<T extends WebhookEventType> = Extract<WebhookEvent, { type: T }>;

// ---------------------------------------------------------------------------------------------
// Webhook endpoints

export const CreateWebhookEndpointRequestSchema = z.strictObject({
  url: z
    .string()
    .url()
    .max(2048)
    .refine((u) => /^https?:\/\//i.test(u), 'url must be http(s)'),
  /** Event types to deliver; `["*"]` for all. */
  events: z
    .array(z.union([WebhookEventTypeSchema, z.literal('*')]))
    .min(1)
    .max(WEBHOOK_EVENT_TYPES.length + 1),
  description: z.string().max(500).optional(),
});
export type CreateWebhookEndpointRequest = z.input<typeof CreateWebhookEndpointRequestSchema>;

export const WebhookEndpointSchema = z.object({
  id: IdSchema,
  workspaceId: WorkspaceIdSchema,
  url: z.string(),
  events: z.array(z.union([WebhookEventTypeSchema, z.literal('*')])),
  description: z.string().nullable(),
  enabled: z.boolean(),
  createdAt: TimestampSchema,
});
export type WebhookEndpoint = z.infer<typeof WebhookEndpointSchema>;

/** Returned only by the create call: the signing secret is never shown again. */
export const CreatedWebhookEndpointSchema = WebhookEndpointSchema.extend({ secret: z.string() });
export type CreatedWebhookEndpoint = z.infer<typeof CreatedWebhookEndpointSchema>;
