import { ERROR_STATUS, type ErrorCode } from '@aicredits/contract';
import { LedgerError, type LedgerErrorCode } from '@aicredits/ledger';

/** Every refusal the API makes: a stable contract code, a human sentence, optional details. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  /** Seconds, for 429 and 503 answers. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    details?: Record<string, unknown>,
    options?: { retryAfterSeconds?: number; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = details;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** The engine's refusal codes in contract terms. */
const LEDGER_CODE: Record<LedgerErrorCode, ErrorCode> = {
  invalid_amount: 'invalid_amount',
  insufficient_credits: 'insufficient_credits',
  overage_disabled: 'overage_disabled',
  overage_cap_reached: 'overage_cap_reached',
  reservation_not_found: 'not_found',
  reservation_voided: 'reservation_voided',
  reservation_captured: 'reservation_captured',
  reservation_expired: 'reservation_expired',
  idempotency_conflict: 'idempotency_mismatch',
  invalid_lot: 'rule_violation',
  workspace_deleted: 'workspace_deleted',
  unknown_model: 'unknown_model',
};

export function fromLedgerError(error: LedgerError): ApiError {
  return new ApiError(
    LEDGER_CODE[error.code] ?? 'rule_violation',
    error.message,
    sanitizeDetails(error.details),
    {
      cause: error,
    },
  );
}

/** Converts anything thrown by an operation into an ApiError, or returns null for real faults. */
export function toApiError(error: unknown): ApiError | null {
  if (error instanceof ApiError) return error;
  if (error instanceof LedgerError) return fromLedgerError(error);
  return null;
}

/** Engine details carry epoch-ms instants; the API speaks ISO strings for anything ending in `At`. */
function sanitizeDetails(details: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (details === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    out[key] = key.endsWith('At') && typeof value === 'number' ? new Date(value).toISOString() : value;
  }
  return out;
}

export const notFound = (what: string) => new ApiError('not_found', `${what} was not found.`);
