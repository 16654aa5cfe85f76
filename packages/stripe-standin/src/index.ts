/**
 * A local stand-in for the part of Stripe's HTTP API the credits API uses, good enough for the
 * real `stripe` SDK to talk to it. For tests and development only; see README.md for its limits.
 */
export { CARD_PROFILES, MAGIC_PAYMENT_METHODS, MAGIC_TOKENS, type TestCardKind } from './cards.js';
export type {
  CustomerObject,
  EventObject,
  InvoiceItemObject,
  InvoiceObject,
  PaymentIntentObject,
  PaymentMethodObject,
  TaxCalculationObject,
} from './resources.js';
export {
  type CreateCustomerWithCardInput,
  type DeliverOptions,
  type RecordedRequest,
  type StripeStandin,
  type StripeStandinOptions,
  startStripeStandin,
  type WebhookDelivery,
} from './server.js';
export { signWebhookPayload } from './signature.js';
export { STANDIN_API_VERSION } from './state.js';
export { rateFor, taxForLine, US_DEFAULT_RATE_MILLI_PERCENT, US_STATE_RATES_MILLI_PERCENT } from './tax.js';
