import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  formatWebhookSignatureHeader,
  parseWebhookSignatureHeader,
  WEBHOOK_TOLERANCE_SECONDS,
  webhookSignedPayload,
} from '@aicredits/contract';

/** Which attempt this is (1 for the first); lets receivers tell a retry from a first delivery. */
export const WEBHOOK_DELIVERY_ATTEMPT_HEADER = 'aicredits-delivery-attempt';
/** The event type, so a receiver can route before parsing the body. */
export const WEBHOOK_EVENT_TYPE_HEADER = 'aicredits-event-type';

/** Hex HMAC-SHA256 of `"<t>.<body>"` with the endpoint secret (the contract's `v1` scheme). */
export function webhookSignatureHex(secret: string, body: string, timestampSeconds: number): string {
  return createHmac('sha256', secret).update(webhookSignedPayload(timestampSeconds, body)).digest('hex');
}

/**
 * The full signature header value for a delivery: `t=<unix seconds>,v1=<hex>`. Exported for the
 * SDK's and the Slack bot's tests, which need to produce deliveries exactly as the service does.
 */
export function signWebhookPayload(secret: string, body: string, timestampSeconds: number): string {
  return formatWebhookSignatureHeader(timestampSeconds, [
    webhookSignatureHex(secret, body, timestampSeconds),
  ]);
}

export type WebhookVerification =
  | { ok: true; timestampSeconds: number }
  | { ok: false; code: 'signature_malformed' | 'timestamp_out_of_tolerance' | 'signature_mismatch' };

/**
 * Checks a signature header the way a receiver should: any `v1` entry matching in constant time,
 * and a timestamp within the tolerance of `nowSeconds` (replay protection).
 */
export function verifyWebhookSignature(
  secret: string,
  body: string,
  header: string,
  nowSeconds: number,
  toleranceSeconds: number = WEBHOOK_TOLERANCE_SECONDS,
): WebhookVerification {
  const parsed = parseWebhookSignatureHeader(header);
  if (parsed === null) return { ok: false, code: 'signature_malformed' };
  if (Math.abs(nowSeconds - parsed.timestampSeconds) > toleranceSeconds) {
    return { ok: false, code: 'timestamp_out_of_tolerance' };
  }
  const expected = Buffer.from(webhookSignatureHex(secret, body, parsed.timestampSeconds), 'hex');
  const matches = parsed.signatures.some((s) => {
    const given = Buffer.from(s, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches
    ? { ok: true, timestampSeconds: parsed.timestampSeconds }
    : { ok: false, code: 'signature_mismatch' };
}
