import { PaymentWebhookError } from './errors.js';
import { microsToCents } from './money.js';
import type { PaymentGateway, PaymentLogger } from './types.js';

/**
 * Local development without Stripe: every top-up succeeds at once and the API marks the funds as
 * unpaid test funds. The `test_` prefix on ids keeps them from ever being mistaken for Stripe's.
 */
export function createNoPaymentGateway(logger: PaymentLogger): PaymentGateway {
  logger.warn(
    { paymentMode: 'no_payment' },
    'no-payment mode: top-ups are credited as unpaid test funds (set STRIPE_SECRET_KEY to take real payments)',
  );
  return {
    mode: 'no_payment',
    async calculateTax() {
      return { taxMicros: 0 };
    },
    async ensureCustomer({ workspaceId, customerId }) {
      return customerId ?? `test_cus_${workspaceId}`;
    },
    async chargeTopup({ topupId, amountMicros, taxMicros }) {
      // Same validation as the Stripe path so a bad amount fails the same way in development.
      microsToCents(amountMicros);
      microsToCents(taxMicros);
      return { status: 'succeeded', paymentIntentId: `test_pi_${topupId}`, invoiceId: `test_in_${topupId}` };
    },
    async describePaymentMethod() {
      // No card is ever charged in this mode, so there is none to describe.
      return null;
    },
    parseWebhook() {
      throw new PaymentWebhookError('invalid_signature', 'no-payment mode accepts no Stripe webhooks');
    },
  };
}
