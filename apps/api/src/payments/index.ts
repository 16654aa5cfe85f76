/**
 * Payments for top-ups (SPEC §7): Stripe PaymentIntents on a saved card, Stripe Tax on top, one
 * invoice per top-up, signature-verified webhooks; or, without a secret key, no-payment mode.
 */
import { createNoPaymentGateway } from './no-payment.js';
import { createStripeGateway } from './stripe-gateway.js';
import type { CreatePaymentGatewayOptions, PaymentGateway } from './types.js';

export {
  PaymentError,
  type PaymentErrorCode,
  PaymentWebhookError,
  type PaymentWebhookErrorCode,
} from './errors.js';
export { MICROS_PER_CENT } from './money.js';
export type {
  BillingAddress,
  CardDetails,
  CreatePaymentGatewayOptions,
  PaymentEvent,
  PaymentGateway,
  PaymentLogger,
  TopupPaymentResult,
} from './types.js';

export function createPaymentGateway(options: CreatePaymentGatewayOptions): PaymentGateway {
  if (options.secretKey === undefined || options.secretKey === '') {
    return createNoPaymentGateway(options.logger);
  }
  return createStripeGateway({
    secretKey: options.secretKey,
    logger: options.logger,
    ...(options.webhookSecret === undefined ? {} : { webhookSecret: options.webhookSecret }),
    ...(options.apiBase === undefined ? {} : { apiBase: options.apiBase }),
  });
}
