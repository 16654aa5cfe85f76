/**
 * Verifies the signed webhooks of SPEC §8 with Web Crypto only (`globalThis.crypto.subtle`), so it
 * runs unchanged in Node 20+, browsers and edge runtimes. The header name and signature scheme
 * come from the contract; this module adds the crypto the contract deliberately leaves out.
 */
import {
  formatWebhookSignatureHeader,
  parseWebhookSignatureHeader,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TOLERANCE_SECONDS,
  type WebhookEvent,
  WebhookEventSchema,
} from '@aicredits/contract';
import { AicreditsError } from './core/errors';

export type WebhookVerificationErrorCode =
  | 'missing_secret'
  | 'missing_signature'
  | 'malformed_signature'
  | 'timestamp_out_of_tolerance'
  | 'signature_mismatch'
  | 'invalid_payload';

export class WebhookVerificationError extends AicreditsError {
  declare readonly code: WebhookVerificationErrorCode;

  // biome-ignore lint/complexity/noUselessConstructor: narrows `code` to this error's codes.
  constructor(code: WebhookVerificationErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The raw request body exactly as received: re-serialised JSON would not match the signature. */
export type WebhookPayload = string | Uint8Array | ArrayBuffer;

/**
 * The request headers (a `Headers`, Node's `IncomingHttpHeaders`, a plain object) or the value of
 * the signature header itself.
 */
export type WebhookHeaders = Headers | Record<string, string | readonly string[] | undefined> | string;

export interface VerifyWebhookOptions {
  /** Maximum age (and clock skew into the future) of the signature timestamp. Default 300. */
  toleranceSeconds?: number;
  /** The current time, for tests: a `Date` or epoch milliseconds. Default `Date.now()`. */
  now?: Date | number;
}

const encoder = new TextEncoder();

function toBytes(payload: WebhookPayload): Uint8Array {
  if (typeof payload === 'string') return encoder.encode(payload);
  if (payload instanceof Uint8Array) return payload;
  return new Uint8Array(payload);
}

function signatureHeaderFrom(headers: WebhookHeaders): string | undefined {
  if (typeof headers === 'string') return headers;
  if (typeof Headers !== 'undefined' && headers instanceof Headers) {
    return headers.get(WEBHOOK_SIGNATURE_HEADER) ?? undefined;
  }
  const record = headers as Record<string, string | readonly string[] | undefined>;
  // Node lowercases header names, other frameworks may not.
  const key = Object.keys(record).find((name) => name.toLowerCase() === WEBHOOK_SIGNATURE_HEADER);
  const value = key === undefined ? undefined : record[key];
  return typeof value === 'string' ? value : value?.join(',');
}

async function hmacSha256Hex(secret: string, timestampSeconds: number, body: Uint8Array): Promise<string> {
  const key = await globalThis.crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  // Sign the raw bytes rather than a decoded string so a body that is not valid UTF-8 (or has a
  // BOM) is verified exactly as it was sent.
  const prefix = encoder.encode(`${timestampSeconds}.`);
  const message = new Uint8Array(prefix.length + body.length);
  message.set(prefix, 0);
  message.set(body, prefix.length);
  const digest = new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', key, message));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Compares equal-length hex strings without an early exit, so timing reveals nothing. */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

function nowSeconds(now: Date | number | undefined): number {
  const ms = now === undefined ? Date.now() : typeof now === 'number' ? now : now.getTime();
  return Math.floor(ms / 1000);
}

/**
 * Verifies a webhook delivery and returns its contract-typed event. Throws
 * `WebhookVerificationError` (branch on `code`) when the signature is missing, malformed, stale,
 * or does not match any `v1=` entry for `secret`, or when the body is not a known event.
 *
 * De-duplicate on `event.id`: delivery is at least once.
 */
export async function verifyWebhook(
  payload: WebhookPayload,
  headers: WebhookHeaders,
  secret: string,
  options: VerifyWebhookOptions = {},
): Promise<WebhookEvent> {
  if (typeof secret !== 'string' || secret === '') {
    throw new WebhookVerificationError('missing_secret', 'A webhook signing secret is required.');
  }
  const header = signatureHeaderFrom(headers);
  if (header === undefined || header.trim() === '') {
    throw new WebhookVerificationError(
      'missing_signature',
      `The ${WEBHOOK_SIGNATURE_HEADER} header is missing.`,
    );
  }
  const parsed = parseWebhookSignatureHeader(header);
  if (parsed === null) {
    throw new WebhookVerificationError(
      'malformed_signature',
      `The ${WEBHOOK_SIGNATURE_HEADER} header is not of the form t=<unix>,v1=<hex>.`,
    );
  }
  const toleranceSeconds = options.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS;
  const ageSeconds = nowSeconds(options.now) - parsed.timestampSeconds;
  if (Math.abs(ageSeconds) > toleranceSeconds) {
    throw new WebhookVerificationError(
      'timestamp_out_of_tolerance',
      `The signature timestamp is ${ageSeconds} s from now, outside the ${toleranceSeconds} s tolerance.`,
    );
  }
  const body = toBytes(payload);
  const expected = await hmacSha256Hex(secret, parsed.timestampSeconds, body);
  // Several v1 entries appear while a secret is rotated: any match is valid.
  const matched = parsed.signatures.reduce(
    (found, candidate) => constantTimeEqual(candidate, expected) || found,
    false,
  );
  if (!matched) {
    throw new WebhookVerificationError('signature_mismatch', 'No signature matches the payload and secret.');
  }

  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch (cause) {
    throw new WebhookVerificationError('invalid_payload', 'The webhook body is not JSON.', { cause });
  }
  const event = WebhookEventSchema.safeParse(json);
  if (!event.success) {
    throw new WebhookVerificationError(
      'invalid_payload',
      'The webhook body is not a known aicredits event.',
      {
        cause: event.error,
      },
    );
  }
  return event.data;
}

/**
 * Produces the signature header for `payload`, as the API does. For testing webhook receivers
 * without a running API.
 */
export async function signWebhook(
  payload: WebhookPayload,
  secret: string,
  options: { timestampSeconds?: number } = {},
): Promise<string> {
  const timestampSeconds = options.timestampSeconds ?? nowSeconds(undefined);
  const signature = await hmacSha256Hex(secret, timestampSeconds, toBytes(payload));
  return formatWebhookSignatureHeader(timestampSeconds, [signature]);
}
