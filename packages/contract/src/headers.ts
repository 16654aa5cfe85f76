/** Request and response header names shared by the server and its clients. */
export const AUTHORIZATION_HEADER = 'authorization';
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** Sent back as `true` when a response is the stored result of an earlier request with the same key. */
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';
export const REQUEST_ID_HEADER = 'x-request-id';
export const RETRY_AFTER_HEADER = 'retry-after';

/** Idempotency keys: 1–255 printable ASCII characters, scoped to the workspace (or platform). */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;

/** API keys look like `ak_<type>_<random>`; the type is readable without a lookup. */
export const API_KEY_PREFIXES = {
  platform: 'ak_platform_',
  server: 'ak_server_',
  member: 'ak_member_',
} as const;

/** Top-up amounts are whole US cents: micros divisible by this. */
export const MICROS_PER_CENT = 10_000;
export const MICROS_PER_UNIT = 1_000_000;
export const DEFAULT_TOPUP_MIN_MICROS = 5 * MICROS_PER_UNIT;
export const DEFAULT_TOPUP_MAX_MICROS = 10_000 * MICROS_PER_UNIT;

export const API_VERSION = 'v1';
