import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type StripeStandin, startStripeStandin } from './index.js';

const WEBHOOK_SECRET = 'whsec_standin_test';

let standin: StripeStandin;
let stripe: Stripe;
let receiver: Server;
const received: Array<{ body: string; signature: string | undefined }> = [];

function sdk(apiKey: string): Stripe {
  const base = new URL(standin.url);
  return new Stripe(apiKey, {
    host: base.hostname,
    port: Number(base.port),
    protocol: 'http',
    maxNetworkRetries: 2,
  });
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const signature = req.headers['stripe-signature'];
      received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: typeof signature === 'string' ? signature : undefined,
      });
      res.writeHead(200).end('{"received":true}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as AddressInfo).port;
  standin = await startStripeStandin({
    webhookSecret: WEBHOOK_SECRET,
    webhookUrl: `http://127.0.0.1:${port}/hook`,
  });
  stripe = sdk(standin.apiKey);
});

afterAll(async () => {
  await standin.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

afterEach(async () => {
  await standin.idle();
});

describe('authentication and errors', () => {
  it('refuses a wrong secret key with 401', async () => {
    await expect(sdk('sk_test_wrong_key_000000').customers.create({ name: 'x' })).rejects.toMatchObject({
      type: 'StripeAuthenticationError',
      statusCode: 401,
    });
  });

  it('refuses unknown parameters and missing objects like Stripe', async () => {
    await expect(
      stripe.customers.create({ nmae: 'typo' } as unknown as Stripe.CustomerCreateParams),
    ).rejects.toMatchObject({ type: 'StripeInvalidRequestError', code: 'parameter_unknown', param: 'nmae' });
    await expect(stripe.customers.retrieve('cus_missing')).rejects.toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
    });
  });
});

describe('customers and payment methods', () => {
  it('creates, retrieves and updates a customer with nested address and metadata', async () => {
    const created = await stripe.customers.create({
      name: 'Acme',
      address: { country: 'US', state: 'CA', postal_code: '94107' },
      metadata: { workspaceId: 'ws_1' },
    });
    expect(created.id).toMatch(/^cus_/);
    expect(created.object).toBe('customer');
    expect(created.livemode).toBe(false);
    expect(created.address?.state).toBe('CA');
    const updated = await stripe.customers.update(created.id, {
      metadata: { plan: 'pro' },
      address: { country: 'DE' },
    });
    expect(updated.metadata).toEqual({ workspaceId: 'ws_1', plan: 'pro' });
    const fetched = await stripe.customers.retrieve(created.id);
    expect(fetched).toMatchObject({ id: created.id, address: { country: 'DE', state: null } });
  });

  it('attaches a magic test card as a new payment method of the customer', async () => {
    const customer = await stripe.customers.create({ name: 'Cards' });
    const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    expect(pm.id).toMatch(/^pm_/);
    expect(pm.customer).toBe(customer.id);
    expect(pm.card?.last4).toBe('4242');
  });

  it("describes each saved card like Stripe's PaymentMethod: brand, last 4 and expiry", async () => {
    // Test cards expire in December three years after the stand-in's clock, like a fresh real card.
    const dated = await startStripeStandin({
      webhookSecret: WEBHOOK_SECRET,
      now: () => Date.parse('2027-03-01T00:00:00Z'),
    });
    try {
      const base = new URL(dated.url);
      const client = new Stripe(dated.apiKey, {
        host: base.hostname,
        port: Number(base.port),
        protocol: 'http',
      });
      const { paymentMethodId } = dated.createCustomerWithCard({ card: 'visa' });
      const visa = await client.paymentMethods.retrieve(paymentMethodId);
      expect(visa.type).toBe('card');
      expect(visa.card).toMatchObject({ brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030 });
      const mastercard = await client.paymentMethods.retrieve(dated.createTestCard('mastercard'));
      expect(mastercard.card).toMatchObject({
        brand: 'mastercard',
        last4: '4444',
        exp_month: 12,
        exp_year: 2030,
      });
    } finally {
      await dated.close();
    }
  });
});

describe('payment intents', () => {
  it('confirms off-session on a saved card and emits payment_intent.succeeded', async () => {
    const { customerId, paymentMethodId } = standin.createCustomerWithCard({ name: 'Pay' });
    const intent = await stripe.paymentIntents.create({
      amount: 2_000,
      currency: 'usd',
      customer: customerId,
      payment_method: paymentMethodId,
      off_session: true,
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      metadata: { topupId: 't_1' },
    });
    expect(intent).toMatchObject({ object: 'payment_intent', status: 'succeeded', amount_received: 2_000 });
    expect(intent.id).toMatch(/^pi_/);
    const events = standin.events.filter((e) => (e.data.object as { id?: string }).id === intent.id);
    expect(events.map((e) => e.type)).toEqual(['payment_intent.created', 'payment_intent.succeeded']);
  });

  it('answers a decline with 402 card_error carrying the PaymentIntent', async () => {
    const { customerId, paymentMethodId } = standin.createCustomerWithCard({ card: 'insufficient_funds' });
    const error = await stripe.paymentIntents
      .create({
        amount: 2_000,
        currency: 'usd',
        customer: customerId,
        payment_method: paymentMethodId,
        off_session: true,
        confirm: true,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    const cardError = error as Stripe.errors.StripeCardError;
    expect(cardError.statusCode).toBe(402);
    expect(cardError.code).toBe('card_declined');
    expect(cardError.decline_code).toBe('insufficient_funds');
    expect(cardError.payment_intent?.status).toBe('requires_payment_method');
  });

  it('requires allow_redirects=never (or a return_url) with automatic payment methods', async () => {
    const { customerId, paymentMethodId } = standin.createCustomerWithCard();
    await expect(
      stripe.paymentIntents.create({
        amount: 2_000,
        currency: 'usd',
        customer: customerId,
        payment_method: paymentMethodId,
        confirm: true,
        automatic_payment_methods: { enabled: true },
      }),
    ).rejects.toMatchObject({ param: 'return_url' });
  });

  it('refuses amounts below the $0.50 minimum', async () => {
    await expect(stripe.paymentIntents.create({ amount: 49, currency: 'usd' })).rejects.toMatchObject({
      code: 'amount_too_small',
    });
  });

  it('keeps a processing card pending until settlePending', async () => {
    const { customerId, paymentMethodId } = standin.createCustomerWithCard({ card: 'processing' });
    const intent = await stripe.paymentIntents.create({
      amount: 5_000,
      currency: 'usd',
      customer: customerId,
      payment_method: paymentMethodId,
      off_session: true,
      confirm: true,
    });
    expect(intent.status).toBe('processing');
    expect(standin.settlePending()).toContain(intent.id);
    expect((await stripe.paymentIntents.retrieve(intent.id)).status).toBe('succeeded');
  });
});

describe('idempotency', () => {
  it('replays the same answer for the same key and parameters', async () => {
    const { customerId, paymentMethodId } = standin.createCustomerWithCard();
    const params: Stripe.PaymentIntentCreateParams = {
      amount: 1_000,
      currency: 'usd',
      customer: customerId,
      payment_method: paymentMethodId,
      off_session: true,
      confirm: true,
    };
    const first = await stripe.paymentIntents.create(params, { idempotencyKey: 'idem-1' });
    const second = await stripe.paymentIntents.create(params, { idempotencyKey: 'idem-1' });
    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(standin.listPaymentIntents().filter((pi) => pi.customer === customerId)).toHaveLength(1);
  });

  it('rejects the same key with other parameters (400 idempotency_error)', async () => {
    await stripe.customers.create({ name: 'A' }, { idempotencyKey: 'idem-2' });
    await expect(stripe.customers.create({ name: 'B' }, { idempotencyKey: 'idem-2' })).rejects.toMatchObject({
      type: 'StripeIdempotencyError',
      statusCode: 400,
    });
  });

  it('lets the SDK retry a lost response without executing twice', async () => {
    standin.loseNextResponses(1);
    const before = standin.requests.length;
    const customer = await stripe.customers.create({ name: 'Retry' });
    const mine = standin.requests.slice(before);
    expect(mine.map((r) => [r.status, r.replayed])).toEqual([
      [500, false],
      [200, true],
    ]);
    expect(
      [...standin.events].filter(
        (e) => e.type === 'customer.created' && (e.data.object as { id: string }).id === customer.id,
      ),
    ).toHaveLength(1);
  });
});

describe('tax calculations', () => {
  it('adds exclusive tax by US state and none abroad', async () => {
    const calc = await stripe.tax.calculations.create({
      currency: 'usd',
      line_items: [{ amount: 10_000, reference: 'credits', tax_behavior: 'exclusive' }],
      customer_details: {
        address: { country: 'US', state: 'NY', postal_code: '10001' },
        address_source: 'billing',
      },
    });
    expect(calc.id).toMatch(/^taxcalc_/);
    expect(calc.tax_amount_exclusive).toBe(888);
    expect(calc.amount_total).toBe(10_888);
    const abroad = await stripe.tax.calculations.create({
      currency: 'usd',
      line_items: [{ amount: 10_000, tax_behavior: 'exclusive' }],
      customer_details: { address: { country: 'FR', postal_code: '75001' } },
    });
    expect(abroad.tax_amount_exclusive).toBe(0);
  });

  it('uses the saved customer address, and refuses when there is none', async () => {
    const withAddress = await stripe.customers.create({
      address: { country: 'US', state: 'TX', postal_code: '73301' },
    });
    const calc = await stripe.tax.calculations.create({
      currency: 'usd',
      customer: withAddress.id,
      line_items: [{ amount: 1_000, tax_behavior: 'exclusive' }],
    });
    expect(calc.tax_amount_exclusive).toBe(63);
    const without = await stripe.customers.create({ name: 'nowhere' });
    await expect(
      stripe.tax.calculations.create({
        currency: 'usd',
        customer: without.id,
        line_items: [{ amount: 1_000 }],
      }),
    ).rejects.toMatchObject({ code: 'customer_tax_location_invalid' });
  });
});

describe('invoices', () => {
  it('builds a separate invoice from items, finalizes it and marks it paid out of band', async () => {
    const customer = await stripe.customers.create({ name: 'Inv' });
    await stripe.invoiceItems.create({ customer: customer.id, amount: 999, currency: 'usd' }); // pending, not ours
    const invoice = await stripe.invoices.create({
      customer: customer.id,
      pending_invoice_items_behavior: 'exclude',
    });
    expect(invoice).toMatchObject({ status: 'draft', total: 0 });
    const item = await stripe.invoiceItems.create({
      customer: customer.id,
      invoice: invoice.id,
      amount: 2_500,
      currency: 'usd',
      description: 'AI credits',
    });
    expect(item.id).toMatch(/^ii_/);
    const finalized = await stripe.invoices.finalizeInvoice(invoice.id, { auto_advance: false });
    expect(finalized).toMatchObject({ status: 'open', total: 2_500, amount_due: 2_500 });
    expect(finalized.number).not.toBeNull();
    const paid = await stripe.invoices.pay(invoice.id, { paid_out_of_band: true });
    expect(paid).toMatchObject({ status: 'paid', amount_paid: 2_500, amount_remaining: 0 });
    expect((await stripe.invoices.retrieve(invoice.id)).lines.data).toHaveLength(1);
  });

  it('credits an attached PaymentIntent when it succeeds, even later', async () => {
    const { customerId, paymentMethodId } = standin.createCustomerWithCard({ card: 'processing' });
    const intent = await stripe.paymentIntents.create({
      amount: 3_000,
      currency: 'usd',
      customer: customerId,
      payment_method: paymentMethodId,
      off_session: true,
      confirm: true,
    });
    const invoice = await stripe.invoices.create({ customer: customerId });
    await stripe.invoiceItems.create({
      customer: customerId,
      invoice: invoice.id,
      amount: 3_000,
      currency: 'usd',
    });
    await stripe.invoices.finalizeInvoice(invoice.id);
    const attached = await stripe.invoices.attachPayment(invoice.id, { payment_intent: intent.id });
    expect(attached.status).toBe('open');
    standin.settlePaymentIntent(intent.id);
    expect(await stripe.invoices.retrieve(invoice.id)).toMatchObject({ status: 'paid', amount_paid: 3_000 });
  });
});

describe('webhooks', () => {
  it('delivers subscribed events signed so the SDK verifies them', async () => {
    const { customerId, paymentMethodId } = standin.createCustomerWithCard();
    const intent = await stripe.paymentIntents.create({
      amount: 1_500,
      currency: 'usd',
      customer: customerId,
      payment_method: paymentMethodId,
      off_session: true,
      confirm: true,
    });
    await standin.idle();
    const delivery = received.find((r) => r.body.includes(intent.id));
    expect(delivery?.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const event = stripe.webhooks.constructEvent(
      delivery?.body ?? '',
      delivery?.signature ?? '',
      WEBHOOK_SECRET,
    );
    expect(event.type).toBe('payment_intent.succeeded');
    // payment_intent.created is not subscribed by default
    expect(received.filter((r) => r.body.includes(intent.id))).toHaveLength(1);
    expect(() =>
      stripe.webhooks.constructEvent(delivery?.body ?? '', delivery?.signature ?? '', 'whsec_other'),
    ).toThrow(Stripe.errors.StripeSignatureVerificationError);
  });

  it('redelivers the same event and can deliver out of order', async () => {
    const manual = await startStripeStandin({ webhookSecret: WEBHOOK_SECRET, autoDeliver: false });
    try {
      const port = (receiver.address() as AddressInfo).port;
      manual.setWebhookUrl(`http://127.0.0.1:${port}/hook`);
      const client = new Stripe(manual.apiKey, {
        host: '127.0.0.1',
        port: Number(new URL(manual.url).port),
        protocol: 'http',
      });
      const ok = manual.createCustomerWithCard();
      const bad = manual.createCustomerWithCard({ card: 'declined' });
      const first = await client.paymentIntents.create({
        amount: 1_000,
        currency: 'usd',
        customer: ok.customerId,
        payment_method: ok.paymentMethodId,
        off_session: true,
        confirm: true,
      });
      await client.paymentIntents
        .create({
          amount: 1_000,
          currency: 'usd',
          customer: bad.customerId,
          payment_method: bad.paymentMethodId,
          off_session: true,
          confirm: true,
        })
        .catch(() => undefined);
      const before = received.length;
      const results = await manual.deliverPending('newest_first');
      expect(results.map((r) => r.status)).toEqual([200, 200]);
      const order = received.slice(before).map((r) => (JSON.parse(r.body) as { type: string }).type);
      expect(order).toEqual(['payment_intent.payment_failed', 'payment_intent.succeeded']);
      const succeeded = manual.events.find((e) => e.type === 'payment_intent.succeeded');
      expect((succeeded?.data.object as { id: string }).id).toBe(first.id);
      const again = await manual.redeliver(succeeded?.id ?? '');
      expect(again.status).toBe(200);
      expect(JSON.parse(received.at(-1)?.body ?? '{}')).toMatchObject({ id: succeeded?.id });
    } finally {
      await manual.close();
    }
  });
});
