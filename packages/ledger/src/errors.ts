import type { LedgerErrorCode } from './types.js';

/**
 * A domain refusal. `code` is stable (callers map it to an HTTP status); `message` is a sentence
 * that tells a person what to do next; `details` carries the numbers behind the decision.
 */
export class LedgerError extends Error {
  readonly code: LedgerErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: LedgerErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'LedgerError';
    this.code = code;
    this.details = details;
  }
}

export function isLedgerError(error: unknown, code?: LedgerErrorCode): error is LedgerError {
  return error instanceof LedgerError && (code === undefined || error.code === code);
}
