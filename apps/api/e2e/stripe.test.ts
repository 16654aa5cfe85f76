import { type StripeStandin, startStripeStandin, type TestCardKind } from '@aicredits/stripe-standin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balance, expectError, type Harness, startHarness, type TestWorkspace, USD } from './harness.js';

/** Top-ups against the local Stripe stand-in: tax, invoices, declines, async confirmation by webhook. */
let stripe: StripeStandin;
let h: Harness;

beforeAll(async () => {
  stripe = await startStripeStandin({ webhookSecret: 'whsec_test_credits_api' });
  h = await startHarness({
    stripe: { secretKey: stripe.apiKey, webhookSecret: stripe.webhookSecret, apiBase: stripe.url },
  });
  stripe.setWebhookUrl(`${h.url}/v1/stripe/webhook`);
});
afterAll(async () => {
  await h?.close();
  await stripe?.close();
});

/** Sets the billing address (which creates the Stripe customer), then saves a card on that customer. */
async function billedWorkspace(card: TestCardKind): Promise<TestWorkspace> {
  const ws = await h.workspace();
  const address = await h.call('PUT', `/v1/workspaces/${ws.id}/billing`, {
    key: ws.owner,
    body: { address: { country: 'US', state: 'CA', postalCode: '94107' } },
  });
  expect(address.status, JSON.stringify(address.body)).toBe(200);
  expect(address.body.customerId).toEqual(expect.any(String));
  const paymentMethodId = stripe.createTestCard(card, address.body.customerId);
  const put = await h.call('PUT', `/v1/workspaces/${ws.id}/billing`, {
    key: ws.owner,
    body: { paymentMethodId },
  });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
  return ws;
}

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (ok(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('top-ups through Stripe', () => {
  it('charges amount + tax on the saved card, issues an invoice, credits the amount once', async () => {
    const ws = await billedWorkspace('visa');
    const t = await h.call('POST', `/v1/workspaces/${ws.id}/topups`, {
      key: ws.admin,
      body: { amountMicros: 50 * USD },
    });
    expect(t.status, JSON.stringify(t.body)).toBe(201);
    expect(t.body).toMatchObject({
      status: 'succeeded',
      paid: true,
      testFunds: false,
      amountMicros: 50 * USD,
    });
    expect(t.body.taxMicros).toBeGreaterThan(0);
    expect(t.body.totalMicros).toBe(50 * USD + t.body.taxMicros);
    expect(t.body.invoiceId).toEqual(expect.any(String));
    expect(t.body.paymentIntentId).toEqual(expect.any(String));
    // The webhook for the same payment arrives too; it must not credit again.
    await eventually(
      async () => stripe.deliveries.length,
      (n) => n > 0,
    );
    await new Promise((r) => setTimeout(r, 300));
    const b = await balance(h, ws);
    expect(b.availableMicros).toBe(50 * USD);
    const lot = (await h.call('GET', `/v1/workspaces/${ws.id}/lots`, { key: ws.admin })).body.data[0];
    expect(lot).toMatchObject({ kind: 'purchased', source: 'payment', originalMicros: 50 * USD });
  });

  it('billing shows the saved card as Stripe describes it', async () => {
    const ws = await billedWorkspace('visa');
    const billing = await h.call('GET', `/v1/workspaces/${ws.id}/billing`, { key: ws.admin });
    expect(billing.status, JSON.stringify(billing.body)).toBe(200);
    const paymentMethod = stripe.getPaymentMethod(billing.body.paymentMethodId);
    expect(billing.body.card).toEqual({
      paymentMethodId: billing.body.paymentMethodId,
      brand: 'visa',
      last4: '4242',
      expMonth: paymentMethod?.card.exp_month,
      expYear: paymentMethod?.card.exp_year,
    });
    // PUT answers with the new card, and a card Stripe does not know shows as none.
    const mastercard = stripe.createTestCard('mastercard', billing.body.customerId);
    const put = await h.call('PUT', `/v1/workspaces/${ws.id}/billing`, {
      key: ws.owner,
      body: { paymentMethodId: mastercard },
    });
    expect(put.body.card).toMatchObject({ paymentMethodId: mastercard, brand: 'mastercard', last4: '4444' });
    const unknown = await h.call('PUT', `/v1/workspaces/${ws.id}/billing`, {
      key: ws.owner,
      body: { paymentMethodId: 'pm_unknown_to_stripe' },
    });
    expect(unknown.status, JSON.stringify(unknown.body)).toBe(200);
    expect(unknown.body.card).toBeNull();
  });

  it('quotes the exact tax and total for the billing address and names the card, charging nothing', async () => {
    const ws = await billedWorkspace('visa');
    const quote = await h.call('POST', `/v1/workspaces/${ws.id}/topups/quote`, {
      key: ws.admin,
      body: { amountMicros: 50 * USD },
    });
    expect(quote.status, JSON.stringify(quote.body)).toBe(200);
    // California: 7.25% of $50.00 = $3.625, rounded half up to $3.63.
    expect(quote.body).toMatchObject({
      amountMicros: 50 * USD,
      taxMicros: 3_630_000,
      totalMicros: 53_630_000,
      currency: 'usd',
      billingAddress: { country: 'US', state: 'CA', postalCode: '94107' },
      paymentMethod: { brand: 'visa', last4: '4242', expMonth: 12 },
      testFunds: false,
    });
    expect(stripe.listPaymentIntents().filter((p) => p.metadata.workspaceId === ws.id)).toEqual([]);
    expectError(
      await h.call('POST', `/v1/workspaces/${ws.id}/topups/quote`, {
        key: ws.admin,
        body: { amountMicros: 50 * USD + 1 },
      }),
      400,
      'invalid_amount',
    );
    expectError(
      await h.call('POST', `/v1/workspaces/${ws.id}/topups/quote`, {
        key: ws.member,
        body: { amountMicros: 50 * USD },
      }),
      403,
      'billing_access_required',
    );
    // The top-up charges exactly what was quoted.
    const t = await h.call('POST', `/v1/workspaces/${ws.id}/topups`, {
      key: ws.admin,
      body: { amountMicros: 50 * USD },
    });
    expect(t.body).toMatchObject({ taxMicros: quote.body.taxMicros, totalMicros: quote.body.totalMicros });
  });

  it('a declined card credits nothing and says so', async () => {
    const ws = await billedWorkspace('declined');
    const t = await h.call('POST', `/v1/workspaces/${ws.id}/topups`, {
      key: ws.admin,
      body: { amountMicros: 20 * USD },
    });
    expectError(t, 402, 'payment_failed');
    expect((await balance(h, ws)).availableMicros).toBe(0);
    const list = await h.call('GET', `/v1/workspaces/${ws.id}/topups`, { key: ws.admin });
    expect(list.body.data[0]).toMatchObject({ status: 'failed', failure: { code: expect.any(String) } });
  });

  it('a processing payment stays pending until the signed webhook confirms it', async () => {
    const ws = await billedWorkspace('processing');
    const t = await h.call('POST', `/v1/workspaces/${ws.id}/topups`, {
      key: ws.admin,
      body: { amountMicros: 10 * USD },
    });
    expect(t.status, JSON.stringify(t.body)).toBe(201);
    expect(t.body.status).toBe('pending');
    expect((await balance(h, ws)).availableMicros).toBe(0);
    stripe.settlePending();
    const final = await eventually(
      async () =>
        (await h.call('GET', `/v1/workspaces/${ws.id}/topups/${t.body.id}`, { key: ws.admin })).body,
      (body) => body.status !== 'pending',
    );
    expect(final.status).toBe('succeeded');
    expect((await balance(h, ws)).availableMicros).toBe(10 * USD);
  });

  it('needs a saved card; refuses unsigned webhooks', async () => {
    const ws = await h.workspace();
    expectError(
      await h.call('POST', `/v1/workspaces/${ws.id}/topups`, {
        key: ws.admin,
        body: { amountMicros: 10 * USD },
      }),
      422,
      'payment_method_required',
    );
    expectError(
      await h.call('POST', '/v1/stripe/webhook', {
        key: null,
        rawBody: '{"id":"evt_1"}',
        headers: { 'stripe-signature': 't=1,v1=00' },
      }),
      400,
      'webhook_signature_invalid',
    );
    const health = await h.call('GET', '/healthz', { key: null });
    expect(health.body.paymentMode).toBe('stripe');
  });
});
