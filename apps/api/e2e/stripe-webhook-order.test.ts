import { type StripeStandin, startStripeStandin } from '@aicredits/stripe-standin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  balance,
  type Harness,
  type Json,
  type Reply,
  startHarness,
  type TestWorkspace,
  USD,
} from './harness.js';

/**
 * A saved-card top-up is paid synchronously and Stripe also sends `payment_intent.succeeded`.
 * Whichever arrives first credits the top-up; the answer, the stored top-up and a retry with the
 * same Idempotency-Key must all carry the invoice, and the funds are credited once. Webhooks are
 * delivered by hand here so each order is the one the test says.
 */
let stripe: StripeStandin;
let h: Harness;

beforeAll(async () => {
  stripe = await startStripeStandin({ webhookSecret: 'whsec_test_webhook_order', autoDeliver: false });
  h = await startHarness({
    stripe: { secretKey: stripe.apiKey, webhookSecret: stripe.webhookSecret, apiBase: stripe.url },
  });
  stripe.setWebhookUrl(`${h.url}/v1/stripe/webhook`);
});
afterAll(async () => {
  await h?.close();
  await stripe?.close();
});

async function billedWorkspace(): Promise<TestWorkspace> {
  const ws = await h.workspace();
  const address = await h.call('PUT', `/v1/workspaces/${ws.id}/billing`, {
    key: ws.owner,
    body: { address: { country: 'US', state: 'CA', postalCode: '94107' } },
  });
  expect(address.status, JSON.stringify(address.body)).toBe(200);
  const paymentMethodId = stripe.createTestCard('visa', address.body.customerId);
  const put = await h.call('PUT', `/v1/workspaces/${ws.id}/billing`, {
    key: ws.owner,
    body: { paymentMethodId },
  });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
  return ws;
}

function topUp(ws: TestWorkspace, idempotencyKey?: string): Promise<Reply<Json>> {
  return h.call('POST', `/v1/workspaces/${ws.id}/topups`, {
    key: ws.admin,
    body: { amountMicros: 50 * USD },
    ...(idempotencyKey === undefined ? {} : { headers: { 'idempotency-key': idempotencyKey } }),
  });
}

/** The `payment_intent.succeeded` event emitted after `since` events, as soon as Stripe emits it. */
async function succeededEvent(since: number): Promise<string> {
  const until = Date.now() + 10_000;
  for (;;) {
    const event = stripe.events.slice(since).find((e) => e.type === 'payment_intent.succeeded');
    if (event !== undefined) return event.id;
    if (Date.now() > until) throw new Error('no payment_intent.succeeded event');
    await new Promise((r) => setTimeout(r, 1));
  }
}

async function deliver(eventId: string): Promise<void> {
  const delivery = await stripe.deliverEvent(eventId);
  expect(delivery.status).toBe(200);
}

/** The invoice id the `topup.succeeded` alert carried: null exactly when the webhook credited first. */
async function alertedInvoiceId(ws: TestWorkspace, topupId: string): Promise<string | null> {
  const { rows } = await h.service.services.db.query<{ payload: unknown }>(
    "SELECT payload FROM outbox_events WHERE workspace_id = $1 AND type = 'topup.succeeded'",
    [ws.id],
  );
  expect(rows).toHaveLength(1);
  const raw = rows[0]?.payload;
  const event = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Json;
  expect(event.data.topupId).toBe(topupId);
  return event.data.invoiceId;
}

async function expectInvoicedOnce(ws: TestWorkspace, topupId: string, invoiceId: string): Promise<void> {
  const stored = await h.call('GET', `/v1/workspaces/${ws.id}/topups/${topupId}`, { key: ws.admin });
  expect(stored.body).toMatchObject({ status: 'succeeded', invoiceId });
  expect(stripe.getInvoice(invoiceId)?.status).toBe('paid');
  expect((await balance(h, ws)).availableMicros).toBe(50 * USD);
}

describe('synchronous payment and the Stripe webhook, in either order', () => {
  for (const idempotencyKey of [undefined, 'order-key']) {
    const keyed = idempotencyKey === undefined ? 'without' : 'with';
    it(`webhook before the synchronous answer (${keyed} an Idempotency-Key)`, async () => {
      const ws = await billedWorkspace();
      const since = stripe.events.length;
      const pending = topUp(ws, idempotencyKey && `${idempotencyKey}-${ws.id}`);
      // Delivered while the request is still creating the invoice: the webhook credits first.
      await deliver(await succeededEvent(since));
      const t = await pending;
      expect(t.status, JSON.stringify(t.body)).toBe(201);
      expect(await alertedInvoiceId(ws, t.body.id)).toBeNull();
      expect(t.body.invoiceId).toEqual(expect.stringMatching(/^in_/));
      await expectInvoicedOnce(ws, t.body.id, t.body.invoiceId);
    });

    it(`webhook after the synchronous answer (${keyed} an Idempotency-Key)`, async () => {
      const ws = await billedWorkspace();
      const since = stripe.events.length;
      const t = await topUp(ws, idempotencyKey && `${idempotencyKey}-${ws.id}`);
      expect(t.status, JSON.stringify(t.body)).toBe(201);
      expect(t.body.invoiceId).toEqual(expect.stringMatching(/^in_/));
      expect(await alertedInvoiceId(ws, t.body.id)).toBe(t.body.invoiceId);
      await deliver(await succeededEvent(since));
      await expectInvoicedOnce(ws, t.body.id, t.body.invoiceId);
    });
  }

  it('a retry with the same key after the webhook credited, while the first request is still invoicing', async () => {
    // What a double click in Slack does: both requests carry one key. The retry used to answer
    // from the credited row (no invoice yet) and store that answer under the key.
    const ws = await billedWorkspace();
    const key = `double-${ws.id}`;
    const since = stripe.events.length;
    const first = topUp(ws, key);
    await deliver(await succeededEvent(since));
    const retry = await topUp(ws, key);
    const original = await first;
    expect(original.status, JSON.stringify(original.body)).toBe(201);
    expect(retry.status, JSON.stringify(retry.body)).toBe(201);
    expect(original.body.invoiceId).toEqual(expect.stringMatching(/^in_/));
    expect(retry.body).toEqual(original.body);
    await expectInvoicedOnce(ws, original.body.id, original.body.invoiceId);
    expect(stripe.listInvoices().filter((i) => i.metadata.topupId === original.body.id)).toHaveLength(1);
    expect(stripe.listPaymentIntents().filter((p) => p.metadata.topupId === original.body.id)).toHaveLength(
      1,
    );
    // A later replay answers the same again.
    expect((await topUp(ws, key)).body).toEqual(original.body);
  });
});
