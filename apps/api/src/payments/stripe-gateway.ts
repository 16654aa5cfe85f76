import { createHash } from 'node:crypto';
import Stripe from 'stripe';
import { PaymentError, PaymentWebhookError } from './errors.js';
import { centsToMicros, microsToCents } from './money.js';
import type {
  BillingAddress,
  CardDetails,
  PaymentEvent,
  PaymentGateway,
  PaymentLogger,
  TopupPaymentResult,
} from './types.js';

/** Top-ups are sold in US dollars only (SPEC §7). */
const CURRENCY = 'usd';
/** Stripe's tax code for "General - Electronically Supplied Services"; AI credits are a digital service. */
const TAX_CODE_DIGITAL_SERVICE = 'txcd_10000000';
/**
 * The SDK retries network errors, 409s and 5xx with its own backoff, reusing the idempotency key we
 * pass, so a retried POST can never charge twice.
 */
const MAX_NETWORK_RETRIES = 2;

export interface StripeGatewayOptions {
  secretKey: string;
  webhookSecret?: string;
  apiBase?: string;
  logger: PaymentLogger;
}

interface StripeHostOptions {
  host: string;
  port: number;
  protocol: 'http' | 'https';
}

/** Splits `STRIPE_API_BASE` into the SDK's host/port/protocol options (it takes no base URL). */
export function parseApiBase(apiBase: string): StripeHostOptions {
  let url: URL;
  try {
    url = new URL(apiBase);
  } catch (cause) {
    throw new PaymentError('payment_provider_error', `STRIPE_API_BASE is not a URL: ${apiBase}`, { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PaymentError('payment_provider_error', `STRIPE_API_BASE must be http or https: ${apiBase}`);
  }
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  const port = url.port === '' ? (protocol === 'http' ? 80 : 443) : Number(url.port);
  return { host: url.hostname, port, protocol };
}

/** The address shape both `customers` and `tax.calculations` accept (the latter requires a country). */
interface StripeAddress {
  country: string;
  state?: string;
  postal_code?: string;
  city?: string;
  line1?: string;
}

function toStripeAddress(address: BillingAddress): StripeAddress {
  return {
    country: address.country,
    ...(address.state === undefined ? {} : { state: address.state }),
    ...(address.postalCode === undefined ? {} : { postal_code: address.postalCode }),
    ...(address.city === undefined ? {} : { city: address.city }),
    ...(address.line1 === undefined ? {} : { line1: address.line1 }),
  };
}

function isStripeError(error: unknown): error is Stripe.errors.StripeError {
  return error instanceof Stripe.errors.StripeError;
}

/** The decline code is the most specific reason (`insufficient_funds`); the error code (`card_declined`) is the fallback. */
function failureFromCardError(error: Stripe.errors.StripeError): {
  failureCode: string;
  failureMessage: string;
} {
  return {
    failureCode: error.decline_code ?? error.code ?? 'card_declined',
    failureMessage: error.message,
  };
}

function failureFromIntent(intent: Stripe.PaymentIntent): { failureCode: string; failureMessage: string } {
  const lastError = intent.last_payment_error;
  return {
    failureCode: lastError?.decline_code ?? lastError?.code ?? 'payment_failed',
    failureMessage: lastError?.message ?? 'The payment could not be completed.',
  };
}

/** Stripe's errors become ours with a stable code; the original stays reachable as `cause`. */
function toPaymentError(error: unknown, action: string): PaymentError {
  if (error instanceof PaymentError) return error;
  if (isStripeError(error)) {
    const code =
      error.type === 'StripeIdempotencyError'
        ? 'idempotency_conflict'
        : error.code === 'customer_tax_location_invalid'
          ? 'tax_location_invalid'
          : 'payment_provider_error';
    return new PaymentError(code, `Stripe ${action} failed: ${error.message}`, { cause: error });
  }
  return new PaymentError('payment_provider_error', `Stripe ${action} failed`, { cause: error });
}

/** Runs one Stripe call, converting its errors to PaymentError. */
async function call<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toPaymentError(error, action);
  }
}

function metadataString(metadata: Stripe.Metadata | null | undefined, key: string): string | null {
  const value = metadata?.[key];
  return typeof value === 'string' && value !== '' ? value : null;
}

export function createStripeGateway(options: StripeGatewayOptions): PaymentGateway {
  const { logger, webhookSecret } = options;
  const stripe = new Stripe(options.secretKey, {
    maxNetworkRetries: MAX_NETWORK_RETRIES,
    timeout: 30_000,
    appInfo: { name: 'aicredits' },
    ...(options.apiBase === undefined ? {} : parseApiBase(options.apiBase)),
  });

  /**
   * Each top-up gets its own invoice (never the subscription's): a draft that excludes pending
   * invoice items, our own lines, finalized, then the PaymentIntent attached. Stripe credits an
   * attached PaymentIntent to the invoice when it succeeds, so a `processing` payment marks the
   * invoice paid later without us having to act on the webhook.
   */
  async function createTopupInvoice(input: {
    topupId: string;
    workspaceId: string;
    customerId: string;
    amountCents: number;
    taxCents: number;
    paymentIntentId: string;
    idempotencyKey: string;
  }): Promise<string> {
    const metadata = { workspaceId: input.workspaceId, topupId: input.topupId };
    const key = (step: string) => ({ idempotencyKey: `${input.idempotencyKey}:${step}` });
    const invoice = await stripe.invoices.create(
      {
        customer: input.customerId,
        currency: CURRENCY,
        collection_method: 'charge_automatically',
        auto_advance: false,
        pending_invoice_items_behavior: 'exclude',
        description: 'AI credits top-up',
        metadata,
      },
      key('invoice'),
    );
    await stripe.invoiceItems.create(
      {
        customer: input.customerId,
        invoice: invoice.id,
        currency: CURRENCY,
        amount: input.amountCents,
        description: 'AI credits',
        metadata,
      },
      key('invoice_item_credits'),
    );
    if (input.taxCents > 0) {
      // The tax was computed by Stripe Tax before the charge; the invoice shows that same amount.
      await stripe.invoiceItems.create(
        {
          customer: input.customerId,
          invoice: invoice.id,
          currency: CURRENCY,
          amount: input.taxCents,
          description: 'Sales tax',
          metadata,
        },
        key('invoice_item_tax'),
      );
    }
    await stripe.invoices.finalizeInvoice(invoice.id, { auto_advance: false }, key('invoice_finalize'));
    await stripe.invoices.attachPayment(
      invoice.id,
      { payment_intent: input.paymentIntentId },
      key('invoice_attach_payment'),
    );
    return invoice.id;
  }

  return {
    mode: 'stripe',

    async calculateTax({ amountMicros, address, customerId }) {
      const amountCents = microsToCents(amountMicros);
      if (amountCents === 0) return { taxMicros: 0 };
      let location: Pick<Stripe.Tax.CalculationCreateParams, 'customer' | 'customer_details'>;
      if (address !== null) {
        location = { customer_details: { address: toStripeAddress(address), address_source: 'billing' } };
      } else if (customerId !== null) {
        // Stripe Tax reads the address saved on the customer.
        location = { customer: customerId };
      } else {
        // Stripe Tax needs a location; without one we cannot know the jurisdiction.
        logger.warn({ amountMicros }, 'tax calculation skipped: no billing address and no customer');
        return { taxMicros: 0 };
      }
      const calculation = await call('tax calculation', () =>
        stripe.tax.calculations.create({
          currency: CURRENCY,
          line_items: [
            {
              amount: amountCents,
              reference: 'ai_credits',
              tax_behavior: 'exclusive',
              tax_code: TAX_CODE_DIGITAL_SERVICE,
            },
          ],
          ...location,
        }),
      );
      return { taxMicros: centsToMicros(calculation.tax_amount_exclusive) };
    },

    async ensureCustomer({ workspaceId, name, customerId, address }) {
      const fields = {
        name,
        metadata: { workspaceId },
        ...(address === null ? {} : { address: toStripeAddress(address) }),
      };
      if (customerId !== null) {
        // Keep the billing address Stripe Tax and the invoice use in step with ours.
        if (address !== null)
          await call('customer update', () => stripe.customers.update(customerId, fields));
        return customerId;
      }
      // Keyed on the workspace and the exact fields: two racing calls make one customer, while a
      // later call with a corrected address is a new request rather than an idempotency conflict.
      const fingerprint = createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 24);
      const customer = await call('customer creation', () =>
        stripe.customers.create(fields, { idempotencyKey: `customer:${workspaceId}:${fingerprint}` }),
      );
      return customer.id;
    },

    async chargeTopup(input): Promise<TopupPaymentResult> {
      const amountCents = microsToCents(input.amountMicros);
      const taxCents = microsToCents(input.taxMicros);
      const metadata = { workspaceId: input.workspaceId, topupId: input.topupId };
      let intent: Stripe.PaymentIntent;
      try {
        intent = await stripe.paymentIntents.create(
          {
            amount: amountCents + taxCents,
            currency: CURRENCY,
            customer: input.customerId,
            payment_method: input.paymentMethodId,
            // No redirect-based methods: the customer is not present to follow a redirect.
            automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
            off_session: true,
            confirm: true,
            description: 'AI credits top-up',
            metadata,
          },
          { idempotencyKey: `${input.idempotencyKey}:payment_intent` },
        );
      } catch (error) {
        if (isStripeError(error) && error.type === 'StripeCardError') {
          return {
            status: 'failed',
            paymentIntentId: error.payment_intent?.id ?? null,
            invoiceId: null,
            ...failureFromCardError(error),
          };
        }
        throw toPaymentError(error, 'payment');
      }

      if (intent.status === 'requires_payment_method' || intent.status === 'canceled') {
        return {
          status: 'failed',
          paymentIntentId: intent.id,
          invoiceId: null,
          ...failureFromIntent(intent),
        };
      }

      let invoiceId: string | null = null;
      try {
        invoiceId = await createTopupInvoice({
          ...input,
          amountCents,
          taxCents,
          paymentIntentId: intent.id,
        });
      } catch (error) {
        // The money moved; a missing invoice must not turn a paid top-up into a failed one. Retrying
        // chargeTopup with the same idempotency key replays the payment and resumes the invoice.
        logger.warn(
          { err: error, topupId: input.topupId, paymentIntentId: intent.id },
          'top-up invoice could not be created',
        );
      }

      if (intent.status === 'succeeded') {
        return { status: 'succeeded', paymentIntentId: intent.id, invoiceId };
      }
      // processing / requires_action / requires_confirmation: the webhook settles it.
      return { status: 'processing', paymentIntentId: intent.id, invoiceId };
    },

    async describePaymentMethod(paymentMethodId): Promise<CardDetails | null> {
      let paymentMethod: Stripe.PaymentMethod;
      try {
        paymentMethod = await stripe.paymentMethods.retrieve(paymentMethodId);
      } catch (error) {
        // A detached or mistyped id is a fact about the saved card, not an outage.
        if (isStripeError(error) && error.code === 'resource_missing') return null;
        throw toPaymentError(error, 'payment method retrieval');
      }
      const card = paymentMethod.card;
      if (card === undefined || card === null) return null;
      return {
        paymentMethodId: paymentMethod.id,
        brand: card.brand,
        last4: card.last4,
        expMonth: card.exp_month,
        expYear: card.exp_year,
      };
    },

    parseWebhook(rawBody, signatureHeader): PaymentEvent {
      if (webhookSecret === undefined) {
        throw new PaymentWebhookError('invalid_signature', 'STRIPE_WEBHOOK_SECRET is not configured');
      }
      if (signatureHeader === undefined || signatureHeader === '') {
        throw new PaymentWebhookError('invalid_signature', 'missing Stripe-Signature header');
      }
      let event: Stripe.Event;
      try {
        event = stripe.webhooks.constructEvent(rawBody, signatureHeader, webhookSecret);
      } catch (error) {
        if (isStripeError(error) && error.type === 'StripeSignatureVerificationError') {
          throw new PaymentWebhookError('invalid_signature', 'Stripe webhook signature verification failed', {
            cause: error,
          });
        }
        throw new PaymentWebhookError('invalid_payload', 'Stripe webhook body is not a valid event', {
          cause: error,
        });
      }

      if (event.type !== 'payment_intent.succeeded' && event.type !== 'payment_intent.payment_failed') {
        return { type: 'ignored', eventId: event.id };
      }
      const intent = event.data.object;
      const topupId = metadataString(intent.metadata, 'topupId');
      const workspaceId = metadataString(intent.metadata, 'workspaceId');
      if (topupId === null || workspaceId === null) {
        // A PaymentIntent from elsewhere on the same Stripe account (e.g. a subscription): not ours.
        return { type: 'ignored', eventId: event.id };
      }
      if (event.type === 'payment_intent.succeeded') {
        return {
          type: 'topup.succeeded',
          eventId: event.id,
          topupId,
          workspaceId,
          paymentIntentId: intent.id,
        };
      }
      return {
        type: 'topup.failed',
        eventId: event.id,
        topupId,
        workspaceId,
        paymentIntentId: intent.id,
        ...failureFromIntent(intent),
      };
    },
  };
}
