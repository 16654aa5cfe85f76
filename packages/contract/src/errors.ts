import { z } from 'zod';

/**
 * Every stable error code the API returns. Clients switch on `code`, never on message text.
 * Adding a code is a minor change; renaming or removing one is breaking.
 */
export const ErrorCodeSchema = z.enum([
  'invalid_request',
  'invalid_amount',
  'unauthorized',
  'forbidden',
  'billing_access_required',
  'not_found',
  'conflict',
  'idempotency_mismatch',
  'idempotency_in_progress',
  'insufficient_credits',
  'overage_disabled',
  'overage_cap_reached',
  'reservation_voided',
  'reservation_captured',
  'reservation_expired',
  'unknown_model',
  'workspace_deleted',
  'confirmation_required',
  'rule_violation',
  'topup_amount_out_of_range',
  'payment_method_required',
  'payment_failed',
  'webhook_signature_invalid',
  'clock_backwards',
  'payload_too_large',
  'rate_limited',
  'test_clock_disabled',
  'internal_error',
  'service_unavailable',
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

/** The one mapping from error code to HTTP status (SPEC §13). */
export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_amount: 400,
  confirmation_required: 400,
  webhook_signature_invalid: 400,
  unauthorized: 401,
  insufficient_credits: 402,
  overage_disabled: 402,
  overage_cap_reached: 402,
  payment_failed: 402,
  forbidden: 403,
  billing_access_required: 403,
  test_clock_disabled: 403,
  not_found: 404,
  conflict: 409,
  idempotency_mismatch: 409,
  idempotency_in_progress: 409,
  reservation_voided: 409,
  reservation_captured: 409,
  reservation_expired: 409,
  workspace_deleted: 409,
  payload_too_large: 413,
  unknown_model: 422,
  rule_violation: 422,
  topup_amount_out_of_range: 422,
  payment_method_required: 422,
  clock_backwards: 422,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const satisfies Record<ErrorCode, number>;

export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

export const ErrorBodySchema = z.object({
  error: z.object({
    code: ErrorCodeSchema,
    message: z.string(),
    requestId: z.string(),
    /** Machine-readable extras, e.g. validation issues or the roles that may retry. */
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** One validation issue as reported in `details.issues` of an `invalid_request` error. */
export const ValidationIssueSchema = z.object({
  path: z.string(),
  message: z.string(),
  code: z.string(),
});
export type ValidationIssue = z.infer<typeof ValidationIssueSchema>;
