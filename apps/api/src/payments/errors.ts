export type PaymentWebhookErrorCode = 'invalid_signature' | 'invalid_payload';

/** Thrown by `parseWebhook`; the HTTP layer maps the code to a 400 without reading the message. */
export class PaymentWebhookError extends Error {
  readonly code: PaymentWebhookErrorCode;

  constructor(code: PaymentWebhookErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PaymentWebhookError';
    this.code = code;
  }
}

/**
 * - `invalid_amount`: not a whole number of cents (or negative); a bug upstream, never retried.
 * - `tax_location_invalid`: Stripe Tax cannot place the billing address; ask the user for a full one.
 * - `idempotency_conflict`: the idempotency key was already used for a different request.
 * - `payment_provider_error`: Stripe refused or was unreachable after the SDK's own retries.
 */
export type PaymentErrorCode =
  | 'invalid_amount'
  | 'tax_location_invalid'
  | 'idempotency_conflict'
  | 'payment_provider_error';

/** A failure that is not a card decline (a decline is a `failed` result, not an exception). */
export class PaymentError extends Error {
  readonly code: PaymentErrorCode;

  constructor(code: PaymentErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PaymentError';
    this.code = code;
  }
}
