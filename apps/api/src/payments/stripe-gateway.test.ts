import { type StripeStandin, startStripeStandin } from '@aicredits/stripe-standin';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentGateway, PaymentError, type PaymentGateway, PaymentWebhookError } from './index.js';
import { parseApiBase } from './stripe-gateway.js';
import { recordingLogger, startWebhookReceiver, type WebhookReceiver } from './test-support.js';

const WEBHOOK_SECRET = 'whsec_gateway_test';
const USD = 1_000_000;

let standin: StripeStandin;
let receiver: WebhookReceiver;
let gateway: PaymentGateway;
const logger = recordingLogger();
let seq = 0;

function topupIds() {
  seq += 1;
  return { topupId: `tu_${seq}`, workspaceId: `ws_${seq}`, idempotencyKey: `topup:tu_${seq}` };
}

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  standin = await startStripeStandin({ webhookSecret: WEBHOOK_SECRET, webhookUrl: receiver.url });
  gateway = createPaymentGateway({
    secretKey: standin.apiKey,
    webhookSecret: WEBHOOK_SECRET,
    apiBase: standin.url,
    logger,
  });
});

afterEach(async () => {
  await standin.idle();
});

afterAll(async () => {
  await standin.close();
  await receiver.close();
});

describe('createPaymentGateway with a secret key', () => {
  it('runs in stripe mode and parses the API base into host, port and protocol', () => {
    expect(gateway.mode).toBe('stripe');
    expect(parseApiBase('http://127.0.0.1:12111')).toEqual({
      host: '127.0.0.1',
      port: 12111,
      protocol: 'http',
    });
    expect(parseApiBase('https://api.stripe.com')).toEqual({
      host: 'api.stripe.com',
      port: 443,
      protocol: 'https',
    });
    expect(() => parseApiBase('ftp://x')).toThrow(PaymentError);
  });
});

describe('calculateTax', () => {
  it('adds sales tax on top by billing address (Stripe Tax, exclusive)', async () => {
    const tax = (address: Parameters<PaymentGateway['calculateTax']>[0]['address']) =>
      gateway.calculateTax({ amountMicros: 100 * USD, address, customerId: null });
    expect(await tax({ country: 'US', state: 'CA', postalCode: '94107' })).toEqual({ taxMicros: 7_250_000 });
    expect(await tax({ country: 'US', state: 'NY', postalCode: '10001' })).toEqual({ taxMicros: 8_880_000 }); // $8.875 → $8.88
    expect(await tax({ country: 'US', state: 'OR', postalCode: '97201' })).toEqual({ taxMicros: 0 });
    expect(await tax({ country: 'DE', postalCode: '10115' })).toEqual({ taxMicros: 0 });
  });

  it("falls back to the customer's saved address, and to no tax (with a warning) when there is none", async () => {
    const customerId = await gateway.ensureCustomer({
      workspaceId: 'ws_tax',
      name: 'Tax Co',
      customerId: null,
      address: { country: 'US', state: 'TX', postalCode: '73301' },
    });
    expect(await gateway.calculateTax({ amountMicros: 10 * USD, address: null, customerId })).toEqual({
      taxMicros: 630_000,
    });
    const before = logger.warnings.length;
    expect(await gateway.calculateTax({ amountMicros: 10 * USD, address: null, customerId: null })).toEqual({
      taxMicros: 0,
    });
    expect(logger.warnings.length).toBe(before + 1);
  });

  it('maps an address Stripe Tax cannot place to tax_location_invalid', async () => {
    await expect(
      gateway.calculateTax({ amountMicros: 10 * USD, address: { country: 'US' }, customerId: null }),
    ).rejects.toMatchObject({ code: 'tax_location_invalid' });
  });

  it('refuses amounts that are not whole cents', async () => {
    await expect(
      gateway.calculateTax({
        amountMicros: 10 * USD + 1,
        address: { country: 'US', state: 'CA' },
        customerId: null,
      }),
    ).rejects.toMatchObject({ name: 'PaymentError', code: 'invalid_amount' });
  });
});

describe('ensureCustomer', () => {
  it('creates a Stripe customer with the workspace in metadata and updates the address later', async () => {
    const customerId = await gateway.ensureCustomer({
      workspaceId: 'ws_c',
      name: 'Acme',
      customerId: null,
      address: { country: 'US', state: 'CA', postalCode: '94107', city: 'San Francisco', line1: '1 Main St' },
    });
    expect(customerId).toMatch(/^cus_/);
    expect(standin.getCustomer(customerId)).toMatchObject({
      name: 'Acme',
      metadata: { workspaceId: 'ws_c' },
      address: {
        country: 'US',
        state: 'CA',
        postal_code: '94107',
        city: 'San Francisco',
        line1: '1 Main St',
      },
    });
    const again = await gateway.ensureCustomer({
      workspaceId: 'ws_c',
      name: 'Acme',
      customerId,
      address: { country: 'US', state: 'NY', postalCode: '10001' },
    });
    expect(again).toBe(customerId);
    expect(standin.getCustomer(customerId)?.address?.state).toBe('NY');
  });
});

describe('describePaymentMethod', () => {
  it("describes the saved card from Stripe's PaymentMethod: brand, last 4, expiry", async () => {
    const { paymentMethodId } = standin.createCustomerWithCard({ card: 'mastercard' });
    const card = standin.getPaymentMethod(paymentMethodId)?.card;
    expect(card).toBeDefined();
    expect(await gateway.describePaymentMethod(paymentMethodId)).toEqual({
      paymentMethodId,
      brand: 'mastercard',
      last4: '4444',
      expMonth: card?.exp_month,
      expYear: card?.exp_year,
    });
  });

  it('answers null for a payment method Stripe does not have', async () => {
    expect(await gateway.describePaymentMethod('pm_does_not_exist')).toBeNull();
  });
});

describe('chargeTopup', () => {
  it('charges amount plus tax on the saved card and produces its own paid invoice', async () => {
    const { customerId, paymentMethodId } = standin.createCustomerWithCard({ name: 'Payer' });
    // A pending subscription-style item on the same customer must stay off the top-up invoice.
    await fetch(`${standin.url}/v1/invoiceitems`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${standin.apiKey}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: `customer=${customerId}&amount=1234&currency=usd&description=seat`,
    });
    const ids = topupIds();
    const result = await gateway.chargeTopup({
      ...ids,
      customerId,
      paymentMethodId,
      amountMicros: 50 * USD,
      taxMicros: 3_630_000,
    });
    expect(result.status).toBe('succeeded');
    if (result.status !== 'succeeded') return;
    const intent = standin.getPaymentIntent(result.paymentIntentId);
    expect(intent).toMatchObject({
      status: 'succeeded',
      amount: 5_363,
      currency: 'usd',
      customer: customerId,
      metadata: { workspaceId: ids.workspaceId, topupId: ids.topupId },
    });
    expect(result.invoiceId).toMatch(/^in_/);
    const invoice = standin.getInvoice(result.invoiceId ?? '');
    expect(invoice).toMatchObject({
      status: 'paid',
      customer: customerId,
      total: 5_363,
      amount_paid: 5_363,
      metadata: { workspaceId: ids.workspaceId, topupId: ids.topupId },
    });
    expect(invoice?.lines.data.map((line) => [line.description, line.amount])).toEqual([
      ['AI credits', 5_000],
      ['Sales tax', 363],
    ]);
    expect(invoice?.payments.data[0]?.payment).toEqual({
      type: 'payment_intent',
      payment_intent: intent?.id,
    });
  });

  it('gives each top-up its own invoice', async () => {
    const { customerId, paymentMethodId } = standin.createCustomerWithCard();
    const a = await gateway.chargeTopup({
      ...topupIds(),
      customerId,
      paymentMethodId,
      amountMicros: 5 * USD,
      taxMicros: 0,
    });
    const b = await gateway.chargeTopup({
      ...topupIds(),
      customerId,
      paymentMethodId,
      amountMicros: 5 * USD,
      taxMicros: 0,
    });
    expect(a.invoiceId).not.toBeNull();
    expect(b.invoiceId).not.toBeNull();
    expect(a.invoiceId).not.toBe(b.invoiceId);
    expect(standin.getInvoice(b.invoiceId ?? '')?.lines.data).toHaveLength(1);
  });

  it.each([
    ['insufficient_funds', 'insufficient_funds', 'Your card has insufficient funds.'],
    ['declined', 'generic_decline', 'Your card was declined.'],
  ] as const)('returns failed with the decline code for a %s card, and no invoice', async (card, code, message) => {
    const { customerId, paymentMethodId } = standin.createCustomerWithCard({ card });
    const result = await gateway.chargeTopup({
      ...topupIds(),
      customerId,
      paymentMethodId,
      amountMicros: 20 * USD,
      taxMicros: 0,
    });
    expect(result).toMatchObject({
      status: 'failed',
      invoiceId: null,
      failureCode: code,
      failureMessage: message,
    });
    if (result.status !== 'failed') return;
    expect(result.paymentIntentId).toMatch(/^pi_/);
    expect(standin.getPaymentIntent(result.paymentIntentId ?? '')?.status).toBe('requires_payment_method');
  });

  it('reports processing, then settles through a signed webhook and the invoice gets paid', async () => {
    const { customerId, paymentMethodId } = standin.createCustomerWithCard({ card: 'processing' });
    const ids = topupIds();
    const result = await gateway.chargeTopup({
      ...ids,
      customerId,
      paymentMethodId,
      amountMicros: 25 * USD,
      taxMicros: 0,
    });
    expect(result.status).toBe('processing');
    if (result.status !== 'processing') return;
    expect(standin.getInvoice(result.invoiceId ?? '')?.status).toBe('open');

    standin.settlePending();
    const delivery = await receiver.waitFor(result.paymentIntentId);
    const event = gateway.parseWebhook(delivery.body, delivery.signature);
    expect(event).toMatchObject({
      type: 'topup.succeeded',
      topupId: ids.topupId,
      workspaceId: ids.workspaceId,
      paymentIntentId: result.paymentIntentId,
    });
    expect(event.eventId).toMatch(/^evt_/);
    expect(standin.getInvoice(result.invoiceId ?? '')?.status).toBe('paid');
  });

  it('maps a processing payment that later fails to topup.failed', async () => {
    const { customerId, paymentMethodId } = standin.createCustomerWithCard({ card: 'processing_declined' });
    const ids = topupIds();
    const result = await gateway.chargeTopup({
      ...ids,
      customerId,
      paymentMethodId,
      amountMicros: 25 * USD,
      taxMicros: 0,
    });
    if (result.status !== 'processing') throw new Error(`expected processing, got ${result.status}`);
    standin.settlePending();
    const delivery = await receiver.waitFor(result.paymentIntentId);
    expect(gateway.parseWebhook(delivery.body, delivery.signature)).toMatchObject({
      type: 'topup.failed',
      topupId: ids.topupId,
      failureCode: 'generic_decline',
    });
  });

  it('returns the same PaymentIntent for a reused idempotency key, charging once', async () => {
    const { customerId, paymentMethodId } = standin.createCustomerWithCard();
    const input = { ...topupIds(), customerId, paymentMethodId, amountMicros: 10 * USD, taxMicros: 730_000 };
    const first = await gateway.chargeTopup(input);
    const second = await gateway.chargeTopup(input);
    expect(second).toEqual(first);
    expect(standin.listPaymentIntents().filter((pi) => pi.customer === customerId)).toHaveLength(1);
    expect(standin.listInvoices().filter((inv) => inv.customer === customerId)).toHaveLength(1);
  });

  it('refuses the same idempotency key with a different amount', async () => {
    const { customerId, paymentMethodId } = standin.createCustomerWithCard();
    const input = { ...topupIds(), customerId, paymentMethodId, amountMicros: 10 * USD, taxMicros: 0 };
    await gateway.chargeTopup(input);
    await expect(gateway.chargeTopup({ ...input, amountMicros: 11 * USD })).rejects.toMatchObject({
      name: 'PaymentError',
      code: 'idempotency_conflict',
    });
    expect(standin.listPaymentIntents().filter((pi) => pi.customer === customerId)).toHaveLength(1);
  });

  it('survives a lost response: the SDK retries with the same key and the card is charged once', async () => {
    const { customerId, paymentMethodId } = standin.createCustomerWithCard();
    standin.loseNextResponses(1);
    const result = await gateway.chargeTopup({
      ...topupIds(),
      customerId,
      paymentMethodId,
      amountMicros: 7 * USD,
      taxMicros: 0,
    });
    expect(result.status).toBe('succeeded');
    expect(standin.listPaymentIntents().filter((pi) => pi.customer === customerId)).toHaveLength(1);
    expect(standin.requests.some((r) => r.path === '/v1/payment_intents' && r.replayed)).toBe(true);
  });

  it('refuses amounts that are not whole cents before calling Stripe', async () => {
    const { customerId, paymentMethodId } = standin.createCustomerWithCard();
    const before = standin.requests.length;
    await expect(
      gateway.chargeTopup({
        ...topupIds(),
        customerId,
        paymentMethodId,
        amountMicros: 5 * USD + 5_000,
        taxMicros: 0,
      }),
    ).rejects.toBeInstanceOf(PaymentError);
    expect(standin.requests.length).toBe(before);
  });
});

describe('parseWebhook', () => {
  it('rejects a missing, wrong or tampered signature', async () => {
    const { customerId, paymentMethodId } = standin.createCustomerWithCard();
    const result = await gateway.chargeTopup({
      ...topupIds(),
      customerId,
      paymentMethodId,
      amountMicros: 5 * USD,
      taxMicros: 0,
    });
    const delivery = await receiver.waitFor(result.paymentIntentId ?? 'none');
    expect(() => gateway.parseWebhook(delivery.body, undefined)).toThrow(PaymentWebhookError);
    const invalid = (body: string, signature: string | undefined) => {
      try {
        gateway.parseWebhook(body, signature);
      } catch (error) {
        return error instanceof PaymentWebhookError ? error.code : 'other';
      }
      return 'accepted';
    };
    expect(invalid(delivery.body, undefined)).toBe('invalid_signature');
    expect(invalid(delivery.body, 't=1,v1=deadbeef')).toBe('invalid_signature');
    expect(invalid(delivery.body.replace('"succeeded"', '"canceled"'), delivery.signature)).toBe(
      'invalid_signature',
    );
    expect(invalid(delivery.body, standin.signPayload(delivery.body, undefined, 'whsec_someone_else'))).toBe(
      'invalid_signature',
    );
    // Too old: outside the SDK's default five-minute tolerance (replay protection).
    const stale = standin.signPayload(delivery.body, Math.floor(Date.now() / 1000) - 3_600);
    expect(invalid(delivery.body, stale)).toBe('invalid_signature');
    expect(invalid(delivery.body, delivery.signature)).toBe('accepted');
  });

  it('rejects a correctly signed body that is not an event', () => {
    const body = 'not json';
    expect(() => gateway.parseWebhook(body, standin.signPayload(body))).toThrow(
      expect.objectContaining({ code: 'invalid_payload' }),
    );
  });

  it('ignores other event types and PaymentIntents without top-up metadata', () => {
    const customerEvent = JSON.stringify({
      id: 'evt_1',
      object: 'event',
      type: 'customer.created',
      data: { object: {} },
    });
    expect(gateway.parseWebhook(customerEvent, standin.signPayload(customerEvent))).toEqual({
      type: 'ignored',
      eventId: 'evt_1',
    });
    const foreign = JSON.stringify({
      id: 'evt_2',
      object: 'event',
      type: 'payment_intent.succeeded',
      data: { object: { id: 'pi_x', object: 'payment_intent', metadata: {} } },
    });
    expect(gateway.parseWebhook(foreign, standin.signPayload(foreign))).toEqual({
      type: 'ignored',
      eventId: 'evt_2',
    });
  });

  it('maps a redelivered event to the same result (the API dedupes on eventId)', async () => {
    const { customerId, paymentMethodId } = standin.createCustomerWithCard();
    const ids = topupIds();
    const result = await gateway.chargeTopup({
      ...ids,
      customerId,
      paymentMethodId,
      amountMicros: 5 * USD,
      taxMicros: 0,
    });
    const first = await receiver.waitFor(result.paymentIntentId ?? 'none');
    const parsed = gateway.parseWebhook(first.body, first.signature);
    expect(parsed.type).toBe('topup.succeeded');
    await standin.redeliver(parsed.eventId);
    const second = await receiver.waitFor(parsed.eventId);
    expect(gateway.parseWebhook(second.body, second.signature)).toEqual(parsed);
  });
});
