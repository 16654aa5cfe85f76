/**
 * One error class per kind of failure, in the shape of openai-node's `core/error.ts`: callers branch
 * with `instanceof` or on the stable `code`, never on message text.
 */

/** Codes the SDK itself produces (the server's codes come from `@aicredits/contract`). */
export type SdkErrorCode =
  | 'connection_error'
  | 'timeout'
  | 'request_aborted'
  | 'response_validation_failed'
  | 'missing_base_url'
  | 'missing_api_key'
  | 'invalid_base_url'
  | 'invalid_option'
  | 'http_error'
  | 'no_next_page';

import type { ErrorCode } from '@aicredits/contract';

/** Base of every error the SDK throws. `code` is stable across releases. */
export class AicreditsError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Invalid client configuration (no base URL, no API key, bad option). */
export class ConfigurationError extends AicreditsError {}

/**
 * A server code from the contract, an SDK code, or a code added to the API after this SDK was
 * built (kept as a string so an older SDK never loses it).
 */
export type APIErrorCode = ErrorCode | SdkErrorCode | (string & {});

export interface APIErrorInit {
  status: number | undefined;
  code: APIErrorCode;
  message: string;
  requestId?: string | undefined;
  details?: unknown;
  headers?: Headers | undefined;
  cause?: unknown;
}

/**
 * A request that did not produce a valid response. `status` is undefined when no response arrived
 * (connection errors and timeouts).
 */
export class APIError extends AicreditsError {
  declare readonly code: APIErrorCode;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  /** Extra, code-specific information the server attached to the error body. */
  readonly details: unknown;
  readonly headers: Headers | undefined;

  constructor(init: APIErrorInit) {
    super(init.code, init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.requestId = init.requestId;
    this.details = init.details;
    this.headers = init.headers;
  }
}

/** 400: the request was malformed or failed validation. */
export class BadRequestError extends APIError {}
/** 401: missing, unknown or revoked API key. */
export class AuthenticationError extends APIError {}
/** 403: the key is valid but may not do this (role, scope or another workspace). */
export class PermissionDeniedError extends APIError {}
/** 404: the resource does not exist or is not visible to this key. */
export class NotFoundError extends APIError {}
/** 409: conflicting state, or an idempotency key reused with a different body. */
export class ConflictError extends APIError {}
/** 422: the request is well formed but breaks a business rule. */
export class UnprocessableEntityError extends APIError {}
/** 5xx: the service failed. */
export class InternalServerError extends APIError {}

/** The 402 codes the contract uses for "work may not begin". */
export type InsufficientCreditsCode = 'insufficient_credits' | 'overage_disabled' | 'overage_cap_reached';
export const INSUFFICIENT_CREDITS_CODES: readonly InsufficientCreditsCode[] = [
  'insufficient_credits',
  'overage_disabled',
  'overage_cap_reached',
];

/** 402: the workspace (or member) may not begin new work. Branch on `code` for the reason. */
export class InsufficientCreditsError extends APIError {
  declare readonly code: InsufficientCreditsCode;
}

/** 402 `payment_failed`: a top-up's card payment was declined; nothing was credited. */
export class PaymentFailedError extends APIError {}

/** 429: too many requests. `retryAfterSeconds` comes from the `Retry-After` header when present. */
export class RateLimitError extends APIError {
  readonly retryAfterSeconds: number | undefined;

  constructor(init: APIErrorInit & { retryAfterSeconds?: number | undefined }) {
    super(init);
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** No response arrived: DNS failure, refused or reset connection, body cut short. */
export class ConnectionError extends APIError {
  constructor(init: { message?: string; cause?: unknown }) {
    super({
      status: undefined,
      code: 'connection_error',
      message: init.message ?? 'Could not reach the aicredits API.',
      cause: init.cause,
    });
  }
}

/** No response arrived within `timeoutMs` (after every retry). */
export class TimeoutError extends APIError {
  constructor(init: { timeoutMs: number; cause?: unknown }) {
    super({
      status: undefined,
      code: 'timeout',
      message: `The aicredits API did not answer within ${init.timeoutMs} ms.`,
      cause: init.cause,
    });
  }
}

/** The caller's `AbortSignal` fired. Never retried. */
export class RequestAbortedError extends APIError {
  constructor(init: { cause?: unknown }) {
    super({
      status: undefined,
      code: 'request_aborted',
      message: 'The request was aborted.',
      cause: init.cause,
    });
  }
}

/** A 2xx response whose body does not match the contract schema. */
export class ResponseValidationError extends APIError {
  /** The zod issues, so the mismatch can be diagnosed without logging the whole body. */
  readonly issues: readonly unknown[];

  constructor(init: {
    status: number;
    requestId: string | undefined;
    headers: Headers;
    issues: readonly unknown[];
    message: string;
  }) {
    super({
      status: init.status,
      code: 'response_validation_failed',
      message: init.message,
      requestId: init.requestId,
      headers: init.headers,
      details: init.issues,
    });
    this.issues = init.issues;
  }
}

/** Picks the error class for a non-2xx response: the status decides, the 402 codes refine. */
export function errorForStatus(init: APIErrorInit & { retryAfterSeconds?: number | undefined }): APIError {
  const { status, code } = init;
  if ((INSUFFICIENT_CREDITS_CODES as readonly string[]).includes(code)) {
    return new InsufficientCreditsError(init);
  }
  if (code === 'payment_failed') return new PaymentFailedError(init);
  switch (status) {
    case 400:
      return new BadRequestError(init);
    case 402:
      // A 402 with a code this SDK does not know yet: still "may not begin".
      return new InsufficientCreditsError(init);
    case 401:
      return new AuthenticationError(init);
    case 403:
      return new PermissionDeniedError(init);
    case 404:
      return new NotFoundError(init);
    case 409:
      return new ConflictError(init);
    case 422:
      return new UnprocessableEntityError(init);
    case 429:
      return new RateLimitError(init);
    default:
      if (status !== undefined && status >= 500) return new InternalServerError(init);
      return new APIError(init);
  }
}
