import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedgerInvariants } from '../../src/invariants.js';
import { DELIVERY_TIMEOUT_MS, deliverDue, RETRY_DELAYS_MS } from '../../src/webhooks/delivery.js';
import { fanOutOutbox } from '../../src/webhooks/outbox.js';
import { type Harness, startHarness, type TestWorkspace, topUp, USD } from '../harness.js';
import { WebhookReceiver } from './support.js';

/**
 * A customer's webhook endpoint that is down, slow or hanging: each event is retried with the
 * documented backoff (never before it is due), keeps its id across attempts, and is delivered
 * once the endpoint answers — exactly once as far as a receiver de-duplicating by id can tell.
 * Background passes are run by hand and the test clock moved, so the schedule is exact.
 */
let h: Harness;
let receiver: WebhookReceiver;

beforeAll(async () => {
  h = await startHarness();
  await h.service.background.stop();
  await h.setClock('2034-05-01T00:00:00.000Z');
  receiver = new WebhookReceiver();
  await receiver.start();
});
afterAll(async () => {
  await h?.close();
  await receiver?.close();
});

async function endpointFor(ws: TestWorkspace, url: string): Promise<string> {
  const r = await h.call('POST', `/v1/workspaces/${ws.id}/webhook-endpoints`, {
    key: ws.admin,
    body: { url, events: ['*'] },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  receiver.secrets.push(r.body.secret);
  return r.body.id;
}

interface DeliveryRow {
  event_id: string;
  status: string;
  attempts: number;
  next_attempt_at: string;
}

async function deliveriesOf(endpointId: string): Promise<DeliveryRow[]> {
  const { rows } = await h.service.services.db.query<DeliveryRow>(
    'SELECT event_id, status, attempts, next_attempt_at FROM deliveries WHERE endpoint_id = $1 ORDER BY id',
    [endpointId],
  );
  return rows;
}

/**
 * One fan-out and one delivery pass, as the scheduler's `outbox.fanout` and `webhooks.deliver`
 * jobs run them (the timers are stopped so the test decides when passes happen).
 */
async function pass(): Promise<void> {
  const { db, clock, logger } = h.service.services;
  await fanOutOutbox(db, clock.now());
  await deliverDue({ db, logger, now: () => clock.now() });
}

describe('webhook endpoint down, slow or hanging', () => {
  it('retries a down endpoint on the backoff schedule and delivers once it is back (slowly)', async () => {
    const ws = await h.workspace();
    const endpointId = await endpointFor(ws, receiver.url);
    receiver.mode = 'down';
    await topUp(h, ws, 20 * USD);
    await pass();
    const first = await deliveriesOf(endpointId);
    expect(first.length).toBeGreaterThan(0);
    const eventIds = first.map((d) => d.event_id);
    let attemptsSoFar = receiver.received.length;
    expect(attemptsSoFar).toBe(eventIds.length);

    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const now = await h.now();
      for (const d of await deliveriesOf(endpointId)) {
        expect(d).toMatchObject({ status: 'pending', attempts: attempt });
        // The wait after attempt n is RETRY_DELAYS_MS[n-1] with ±20% jitter.
        const wait = Number(d.next_attempt_at) - now;
        const base = RETRY_DELAYS_MS[attempt - 1] ?? 0;
        expect(wait).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
        expect(wait).toBeLessThanOrEqual(Math.ceil(base * 1.2));
      }
      // Not due yet: a pass sends nothing.
      await h.advance(Math.floor(((RETRY_DELAYS_MS[attempt - 1] ?? 0) * 0.8) / 1000) - 1);
      await pass();
      expect(receiver.received.length).toBe(attemptsSoFar);
      // Due: the next attempt goes out (on the last round the endpoint is back, but slow).
      if (attempt === 3) receiver.mode = 'slow';
      await h.advance(Math.ceil(((RETRY_DELAYS_MS[attempt - 1] ?? 0) * 0.4) / 1000) + 2);
      await pass();
      expect(receiver.received.length).toBe(attemptsSoFar + eventIds.length);
      attemptsSoFar = receiver.received.length;
    }

    const final = await deliveriesOf(endpointId);
    expect(final.every((d) => d.status === 'delivered' && d.attempts === 4)).toBe(true);
    const accepted = receiver.accepted();
    for (const id of eventIds) {
      expect(accepted.get(id)).toBe(1);
      const attempts = receiver.received.filter((r) => r.eventId === id);
      // Same event id on every attempt, attempts numbered 1…4, each signed.
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
      expect(attempts.every((a) => a.signatureValid)).toBe(true);
    }
  }, 60_000);

  it('times out a hanging endpoint, retries it, and delivers when it answers', async () => {
    const ws = await h.workspace();
    const endpointId = await endpointFor(ws, receiver.url);
    receiver.mode = 'hang';
    await topUp(h, ws, 20 * USD);
    const started = Date.now();
    await pass();
    const elapsed = Date.now() - started;
    // The attempt was cut at the delivery timeout, not left hanging.
    expect(elapsed).toBeGreaterThanOrEqual(DELIVERY_TIMEOUT_MS - 500);
    expect(elapsed).toBeLessThan(DELIVERY_TIMEOUT_MS + 5_000);
    const pending = await deliveriesOf(endpointId);
    expect(pending.every((d) => d.status === 'pending' && d.attempts === 1)).toBe(true);
    receiver.mode = 'up';
    await h.advance(13);
    await pass();
    const done = await deliveriesOf(endpointId);
    expect(done.every((d) => d.status === 'delivered' && d.attempts === 2)).toBe(true);
    const accepted = receiver.accepted();
    for (const d of done) expect(accepted.get(d.event_id)).toBe(1);
  }, 60_000);

  it('leaves the ledger consistent (delivery never touches money)', async () => {
    const report = await checkLedgerInvariants(h.service.services.db, { now: await h.now() });
    expect(report.violations).toEqual([]);
  });
});
