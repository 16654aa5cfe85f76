import { GuardCaptureError, GuardError, GuardRefusedError, GuardUnavailableError } from '@aicredits/guard';
import {
  APIError,
  AuthenticationError,
  BadRequestError,
  ConfigurationError,
  ConnectionError,
  InsufficientCreditsError,
  InternalServerError,
  MoneyError,
  PermissionDeniedError,
  RateLimitError,
  TimeoutError,
} from '@aicredits/sdk';
import { CommanderError } from 'commander';

/** Exit codes are part of the CLI's contract: scripts branch on them (README, "Exit codes"). */
export const EXIT_CODES = {
  ok: 0,
  /** An API error or anything unexpected. */
  error: 1,
  /** Bad arguments or configuration; nothing was sent, or the API rejected the input (400). */
  usage: 2,
  /** 402: insufficient_credits, overage_disabled, overage_cap_reached — work may not begin. */
  insufficientCredits: 3,
  /** 401/403: the key is unknown, revoked, or may not do this. */
  auth: 4,
  /** The API could not be reached, timed out, was rate limited or answered 5xx. */
  unavailable: 5,
} as const;
export type ExitCodeName = keyof typeof EXIT_CODES;

/** An error the CLI raises itself, with a stable code and the exit code it maps to. */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode: ExitCodeName;
  readonly hint: string | undefined;

  constructor(params: {
    code: string;
    exitCode: ExitCodeName;
    message: string;
    hint?: string;
    cause?: unknown;
  }) {
    super(params.message, params.cause === undefined ? undefined : { cause: params.cause });
    this.name = 'CliError';
    this.code = params.code;
    this.exitCode = params.exitCode;
    this.hint = params.hint;
  }
}

export function usageError(code: string, message: string, hint?: string): CliError {
  return new CliError({ code, exitCode: 'usage', message, ...(hint === undefined ? {} : { hint }) });
}

/** What is printed for a failure: `--json` prints code, message and requestId; humans also get the hint. */
export interface ErrorReport {
  code: string;
  message: string;
  requestId: string | null;
  exitCode: number;
  hint: string | undefined;
}

const HINTS: Record<string, string> = {
  insufficient_credits:
    'Add funds with `aicredits topup <amount>` (needs billing access), or wait for included credits to reset next period.',
  overage_disabled:
    "The member's included credits are used up. Ask a workspace admin to enable overage, add funds, or wait for the next period.",
  overage_cap_reached: 'Ask a workspace admin to raise the monthly overage cap, or wait for the next period.',
  unauthorized: 'Check the key passed with --api-key or AICREDITS_API_KEY; it may be wrong or revoked.',
  billing_access_required:
    'Only members with billing access add funds (admins; owners on Enterprise). Use such a member’s key or ask one of them.',
  forbidden: 'This key may not do that. Ask a workspace admin for a key with the right role.',
  connection_error: 'Check --api-url / AICREDITS_API_URL and that the credits API is running.',
  timeout: 'The credits API is slow or unreachable. Retry shortly; check --api-url / AICREDITS_API_URL.',
  credits_unavailable: 'The credits API is unavailable. Retry shortly; check --api-url / AICREDITS_API_URL.',
  rate_limited: 'Too many requests. Wait a moment and retry.',
  payment_failed:
    'The card was declined; nothing was credited. Update the saved card or pass --payment-method.',
};

function hintFor(code: string, status: number | undefined): string | undefined {
  const hint = HINTS[code];
  if (hint !== undefined) return hint;
  if (status === 401) return HINTS.unauthorized;
  if (status === 403) return HINTS.forbidden;
  if (status === 402) return HINTS.insufficient_credits;
  if (status !== undefined && status >= 500) return HINTS.credits_unavailable;
  return undefined;
}

function exitForApiError(error: APIError): ExitCodeName {
  if (error instanceof InsufficientCreditsError) return 'insufficientCredits';
  if (error instanceof AuthenticationError || error instanceof PermissionDeniedError) return 'auth';
  if (
    error instanceof ConnectionError ||
    error instanceof TimeoutError ||
    error instanceof RateLimitError ||
    error instanceof InternalServerError
  ) {
    return 'unavailable';
  }
  // The CLI passes the user's input straight through: a 400 means the arguments were wrong.
  if (error instanceof BadRequestError) return 'usage';
  return 'error';
}

function report(
  code: string,
  message: string,
  exitCode: ExitCodeName,
  requestId?: string,
  hint?: string,
): ErrorReport {
  return { code, message, requestId: requestId ?? null, exitCode: EXIT_CODES[exitCode], hint };
}

/** Maps anything thrown to what the user sees and the exit code. */
export function describeError(error: unknown): ErrorReport {
  if (error instanceof CliError)
    return report(error.code, error.message, error.exitCode, undefined, error.hint);
  if (error instanceof CommanderError) {
    return report(
      'invalid_arguments',
      error.message.replace(/^error:\s*/, ''),
      'usage',
      undefined,
      error.code === 'commander.unknownOption'
        ? 'See `aicredits <command> --help`. A command wrapped by `run` goes after `--`.'
        : 'See `aicredits <command> --help`.',
    );
  }
  if (error instanceof MoneyError) {
    return report(
      error.code,
      error.message,
      'usage',
      undefined,
      'Write amounts as dollars, e.g. 50 or 12.34.',
    );
  }
  if (error instanceof ConfigurationError) return report(error.code, error.message, 'usage');
  if (error instanceof GuardRefusedError) {
    const code = error.apiCode ?? error.reason;
    return report(code, error.message, 'insufficientCredits', error.requestId, hintFor(code, 402));
  }
  if (error instanceof GuardUnavailableError) {
    return report(error.code, error.message, 'unavailable', error.requestId, HINTS.credits_unavailable);
  }
  if (error instanceof GuardCaptureError) {
    const cause = describeError(error.cause);
    return {
      code: error.code,
      message: `${error.message} (${cause.code}: ${cause.message})`,
      requestId: cause.requestId,
      exitCode: cause.exitCode === EXIT_CODES.unavailable ? EXIT_CODES.unavailable : EXIT_CODES.error,
      hint: `Nothing was charged twice: the capture used idempotency key ${error.idempotencyKey}; the hold lapses at its TTL if never captured.`,
    };
  }
  if (error instanceof APIError) {
    return report(
      error.code,
      error.message,
      exitForApiError(error),
      error.requestId,
      hintFor(error.code, error.status),
    );
  }
  if (error instanceof GuardError) return report(error.code, error.message, 'error');
  const message = error instanceof Error ? error.message : String(error);
  return report('internal_error', message, 'error');
}
