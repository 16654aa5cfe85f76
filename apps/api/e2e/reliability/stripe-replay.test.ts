import { type StripeStandin, startStripeStandin, type TestCardKind } from '@aicredits/stripe-standin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedgerInvariants } from '../../src/invariants.js';
import { balance, type Harness, startHarness, type TestWorkspace, USD } from '../harness.js';
import { ledgerDigest } from './support.js';

/**
 * Stripe webhooks replayed, concurrent and out of order. Stripe delivers at least once, in no
 * guaranteed order, and retries whatever did not get a 2xx; the credits API must credit each
 * paid top-up exactly once whatever arrives, and a failed payment never.
 */
let stripe: StripeStandin;
let h: Harness;

beforeAll(async () => {
  // Deliveries are driven by hand so the order and the repetitions are the test's choice.
  stripe = await startStripeStandin({ webhookSecret: 'whsec_reliability_replay', autoDeliver: false });
  h = await startHarness({
    stripe: { secretKey: stripe.apiKey, webhookSecret: stripe.webhookSecret, apiBase: stripe.url },
  });
  await h.service.background.stop();
  stripe.setWebhookUrl(`${h.url}/v1/stripe/webhook`);
});
afterAll(async () => {
  await h?.close();
  await stripe?.close();
});

async function billed(card: TestCardKind): Promise<TestWorkspace> {
  const ws = await h.workspace();
  const address = await h.call('PUT', `/v1/workspaces/${ws.id}/billing`, {
    key: ws.owner,
    body: { address: { country: 'US', state: 'NY', postalCode: '10001' } },
  });
  expect(address.status, JSON.stringify(address.body)).toBe(200);
  const paymentMethodId = stripe.createTestCard(card, address.body.customerId);
  const put = await h.call('PUT', `/v1/workspaces/${ws.id}/billing`, {
    key: ws.owner,
    body: { paymentMethodId },
  });
  expect(put.status).toBe(200);
  return ws;
}

const eventsOf = (paymentIntentId: string) =>
  stripe.events.filter((e) => (e.data.object as { id?: string }).id === paymentIntentId);

async function creditedLots(ws: TestWorkspace): Promise<number> {
  const { rows } = await h.service.services.db.query<{ n: string }>(
    "SELECT count(*) AS n FROM lots WHERE workspace_id = $1 AND kind = 'purchased'",
    [ws.id],
  );
  return Number(rows[0]?.n);
}

describe('Stripe webhooks replayed and out of order', () => {
  it('credits a synchronously paid top-up once, however often and concurrently its webhook is replayed', async () => {
    const ws = await billed('visa');
    const t = await h.call('POST', `/v1/workspaces/${ws.id}/topups`, {
      key: ws.admin,
      body: { amountMicros: 40 * USD },
      headers: { 'idempotency-key': 'sync-topup' },
    });
    expect(t.status, JSON.stringify(t.body)).toBe(201);
    expect(t.body.status).toBe('succeeded');
    const events = eventsOf(t.body.paymentIntentId);
    expect(events.length).toBeGreaterThan(0);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        stripe.redeliver((events[i % events.length] ?? events[0])?.id ?? ''),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect((await balance(h, ws)).availableMicros).toBe(40 * USD);
    expect(await creditedLots(ws)).toBe(1);
    // The client's own retry of the same request replays the top-up, charging nothing more.
    const again = await h.call('POST', `/v1/workspaces/${ws.id}/topups`, {
      key: ws.admin,
      body: { amountMicros: 40 * USD },
      headers: { 'idempotency-key': 'sync-topup' },
    });
    expect(again.body.id).toBe(t.body.id);
    expect(stripe.listPaymentIntents().filter((pi) => pi.metadata.topupId === t.body.id)).toHaveLength(1);
  });

  it('credits asynchronously settled top-ups once each when their webhooks arrive newest first and repeated', async () => {
    const ws = await billed('processing');
    const ids: string[] = [];
    for (const amount of [10, 20, 30]) {
      const t = await h.call('POST', `/v1/workspaces/${ws.id}/topups`, {
        key: ws.admin,
        body: { amountMicros: amount * USD },
      });
      expect(t.status, JSON.stringify(t.body)).toBe(201);
      expect(t.body.status).toBe('pending');
      ids.push(t.body.id);
    }
    expect((await balance(h, ws)).availableMicros).toBe(0);
    stripe.settlePending();
    await stripe.deliverPending('newest_first');
    // Stripe retries: every event again, in reverse, twice over, concurrently.
    const all = stripe.events.filter((e) =>
      ids.includes((e.data.object as { metadata?: { topupId?: string } }).metadata?.topupId ?? ''),
    );
    await Promise.all([...all, ...all].reverse().map((e) => stripe.redeliver(e.id)));
    expect((await balance(h, ws)).availableMicros).toBe(60 * USD);
    expect(await creditedLots(ws)).toBe(3);
    for (const id of ids) {
      const t = await h.call('GET', `/v1/workspaces/${ws.id}/topups/${id}`, { key: ws.admin });
      expect(t.body.status).toBe('succeeded');
    }
  });

  it('never credits a failed payment, whatever is replayed, and refuses forged events', async () => {
    const ws = await billed('processing_declined');
    const t = await h.call('POST', `/v1/workspaces/${ws.id}/topups`, {
      key: ws.admin,
      body: { amountMicros: 25 * USD },
    });
    expect(t.body.status).toBe('pending');
    stripe.settlePending();
    await stripe.deliverPending();
    const events = eventsOf(t.body.paymentIntentId);
    await Promise.all(events.map((e) => stripe.redeliver(e.id)));
    const after = await h.call('GET', `/v1/workspaces/${ws.id}/topups/${t.body.id}`, { key: ws.admin });
    expect(after.body.status).toBe('failed');
    expect((await balance(h, ws)).availableMicros).toBe(0);

    // A "succeeded" event signed with the wrong secret is refused and changes nothing.
    const before = await ledgerDigest(h.service.services.db);
    for (const e of events) {
      const forged = await stripe.redeliver(e.id, { secret: 'whsec_not_the_right_one' });
      expect(forged.status).toBe(400);
      expect(JSON.parse(forged.body).error.code).toBe('webhook_signature_invalid');
    }
    expect(await ledgerDigest(h.service.services.db)).toBe(before);
  });

  it('keeps the whole ledger consistent', async () => {
    const report = await checkLedgerInvariants(h.service.services.db, { now: await h.now() });
    expect(report.violations).toEqual([]);
    expect(report.counts.topups).toBeGreaterThanOrEqual(5);
  });
});
