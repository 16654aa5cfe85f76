import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { API_KEY_PREFIXES, type ApiKeyType } from '@aicredits/contract';

/**
 * API keys: `ak_<type>_<lookup>_<secret>` where `lookup` (12 chars) finds the row and the whole
 * key is verified against its SHA-256 hash. Keys are high-entropy random, so a fast hash is the
 * right tool (no password stretching needed); only the hash is stored.
 */
const LOOKUP_LENGTH = 12;

function randomToken(bytes: number): string {
  return randomBytes(bytes)
    .toString('base64url')
    .replace(/[-_]/g, '')
    .slice(0, Math.ceil((bytes * 4) / 3));
}

export function generateApiKey(type: ApiKeyType): {
  secret: string;
  lookup: string;
  hash: string;
  prefix: string;
} {
  const lookup = randomToken(12).slice(0, LOOKUP_LENGTH).padEnd(LOOKUP_LENGTH, '0');
  const secret = `${API_KEY_PREFIXES[type]}${lookup}${randomToken(32)}`;
  return {
    secret,
    lookup,
    hash: hashSecret(secret),
    prefix: secret.slice(0, API_KEY_PREFIXES[type].length + 6),
  };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Splits a presented key into its type and lookup part; null when it is not one of ours. */
export function parseApiKey(secret: string): { type: ApiKeyType; lookup: string } | null {
  for (const [type, prefix] of Object.entries(API_KEY_PREFIXES) as [ApiKeyType, string][]) {
    if (secret.startsWith(prefix)) {
      const lookup = secret.slice(prefix.length, prefix.length + LOOKUP_LENGTH);
      return lookup.length === LOOKUP_LENGTH ? { type, lookup } : null;
    }
  }
  return null;
}

export function hashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

export function randomId(prefix: string): string {
  return `${prefix}_${randomToken(16)}`;
}

let orderedAt = 0;
let orderedCount = 0;

/**
 * An id that sorts after every earlier one this process made (a fixed-width hex clock and
 * counter, then randomness). Holds made in one instant are ordered by id, so a batch's new
 * reservations stay in the order they were made: each one extends the holds' summary instead of
 * re-walking every hold (packages/ledger, holds.ts), and index inserts land at the end.
 */
export function orderedId(prefix: string): string {
  const now = Date.now();
  if (now > orderedAt) {
    orderedAt = now;
    orderedCount = 0;
  } else {
    orderedCount += 1;
  }
  return `${prefix}_${orderedAt.toString(16).padStart(12, '0')}${orderedCount.toString(16).padStart(6, '0')}${randomToken(8)}`;
}

/** Stable hash of a request (method, path, canonical body) to detect a reused idempotency key. */
export function fingerprint(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n${canonicalJson(body)}`)
    .digest('hex');
}

function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
