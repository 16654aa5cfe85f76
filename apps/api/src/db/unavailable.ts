/**
 * The database could not be reached or dropped the connection (a restart, a failover, a network
 * cut). Distinct from a query that failed on its own: the same request can succeed once the
 * database is back, so the API answers `503 service_unavailable` with Retry-After, and callers
 * retry with their idempotency key (a transaction cut off mid-COMMIT either committed, and the
 * retry replays it, or did not, and the retry applies it).
 */
export class DatabaseUnavailableError extends Error {
  readonly code = 'database_unavailable';

  constructor(cause: unknown) {
    super(`The database is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'DatabaseUnavailableError';
  }
}

/** Socket errors of a connection that failed or was cut. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** SQLSTATEs of a server going away or refusing connections for now. */
const SERVER_GONE_CODES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, recovering)
  '53300', // too_many_connections
]);

/**
 * The `pg` driver's own connection errors carry no code, only these fixed sentences (see
 * pg/lib/client.js and pg-pool); matching them is the only way to tell them apart.
 */
const DRIVER_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'is not queryable',
  'Connection ended',
];

export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || SERVER_GONE_CODES.has(code)) return true;
    // Class 08: connection exception.
    if (/^08[0-9A-Z]{3}$/.test(code)) return true;
    return false;
  }
  return DRIVER_MESSAGES.some((m) => error.message.includes(m));
}
