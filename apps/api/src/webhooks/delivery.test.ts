import { createHmac } from 'node:crypto';
import { WEBHOOK_EVENT_ID_HEADER, WEBHOOK_SIGNATURE_HEADER, WebhookEventSchema } from '@aicredits/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningService, startService } from '../service.js';
import { MAX_DELIVERY_ATTEMPTS } from './delivery.js';
import { verifyWebhookSignature, WEBHOOK_DELIVERY_ATTEMPT_HEADER } from './signing.js';
import {
  type ApiClient,
  apiClient,
  type Receiver,
  startReceiver,
  uniqueId,
  waitFor,
} from './test-support.js';

const PLATFORM_KEY = 'ak_platform_webhookdeliverytests0001';
const USD = 1_000_000;

let service: RunningService;
let api: ApiClient;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  service = await startService({
    port: 0,
    dataDir: 'memory://',
    platformKey: PLATFORM_KEY,
    testClock: true,
    logLevel: 'silent',
  });
  api = apiClient(service);
  await api.setClock({ now: '2031-03-01T00:00:00.000Z' });
});

afterAll(async () => {
  await service?.close();
  await receiver?.close();
});

async function workspace(settings: Record<string, unknown> = {}): Promise<string> {
  const id = uniqueId('ws');
  await api.post('/v1/workspaces', { id, name: id, settings });
  return id;
}

async function endpoint(ws: string, path: string, events: string[]): Promise<{ id: string; secret: string }> {
  const body = await api.post(`/v1/workspaces/${ws}/webhook-endpoints`, {
    url: `${receiver.url}${path}`,
    events,
  });
  return { id: String(body.id), secret: String(body.secret) };
}

const deliveriesTo = (path: string) => receiver.received.filter((r) => r.path === path);

async function deliveryRow(eventId: string) {
  const { rows } = await service.services.db.query<Record<string, unknown>>(
    'SELECT status, attempts, next_attempt_at, last_status, last_error FROM deliveries WHERE event_id = $1',
    [eventId],
  );
  return rows;
}

describe('webhook delivery', () => {
  it('delivers a signed balance.low exactly once when the balance crosses below the threshold', async () => {
    const ws = await workspace({ lowBalanceThresholdsMicros: [10 * USD] });
    const path = `/low/${ws}`;
    const { secret } = await endpoint(ws, path, ['balance.low']);
    await api.post(`/v1/workspaces/${ws}/topups`, { amountMicros: 50 * USD });
    await api.post(`/v1/workspaces/${ws}/charges`, { feature: 'coding_session', amountMicros: 45 * USD });
    await service.background.runOnce();
    await waitFor(() => deliveriesTo(path).length === 1, 10_000, 'the balance.low delivery');

    const [delivery] = deliveriesTo(path);
    if (delivery === undefined) throw new Error('no delivery');
    const event = WebhookEventSchema.parse(JSON.parse(delivery.body));
    expect(event.type).toBe('balance.low');
    expect(event.workspaceId).toBe(ws);
    if (event.type !== 'balance.low') throw new Error('wrong type');
    expect(event.data.thresholdMicros).toBe(10 * USD);
    expect(event.data.spendableMicros).toBe(5 * USD);
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(delivery.headers[WEBHOOK_EVENT_ID_HEADER]).toBe(event.id);
    expect(delivery.headers[WEBHOOK_DELIVERY_ATTEMPT_HEADER]).toBe('1');

    // The signature verifies with the endpoint secret, computed independently over the raw body.
    const header = String(delivery.headers[WEBHOOK_SIGNATURE_HEADER]);
    const t = Number(/^t=(\d+)/.exec(header)?.[1]);
    expect(header).toBe(
      `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${delivery.body}`).digest('hex')}`,
    );
    expect(verifyWebhookSignature(secret, delivery.body, header, Math.floor(Date.now() / 1000)).ok).toBe(
      true,
    );
    expect(verifyWebhookSignature('whsec_wrong', delivery.body, header, t).ok).toBe(false);

    // Staying below the threshold fires nothing more; running the jobs again re-sends nothing.
    await api.post(`/v1/workspaces/${ws}/charges`, { feature: 'coding_session', amountMicros: 1 * USD });
    await service.background.runOnce();
    await service.background.runOnce();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(deliveriesTo(path)).toHaveLength(1);
    expect(await deliveryRow(event.id)).toEqual([
      expect.objectContaining({ status: 'delivered', attempts: 1, last_status: 200, last_error: null }),
    ]);
  });

  it('retries a failing endpoint with backoff after the clock moves, with the same event id', async () => {
    const ws = await workspace();
    const path = `/down/${ws}`;
    await endpoint(ws, path, ['topup.succeeded']);
    receiver.respond(path, 503);
    const topup = await api.post(`/v1/workspaces/${ws}/topups`, { amountMicros: 20 * USD });
    const eventId = `evt_topup_succeeded_${String(topup.id)}`;
    await service.background.runOnce();
    await waitFor(() => deliveriesTo(path).length === 1, 10_000, 'the first attempt');
    await waitFor(
      async () => (await deliveryRow(eventId))[0]?.last_status === 503,
      5_000,
      'the failure recorded',
    );

    const [failed] = await deliveryRow(eventId);
    const now = service.services.clock.now();
    expect(failed).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_status: 503,
      last_error: 'HTTP 503',
    });
    // First retry 10 s later, ±20% jitter.
    const retryIn = Number(failed?.next_attempt_at) - now;
    expect(retryIn).toBeGreaterThanOrEqual(8_000);
    expect(retryIn).toBeLessThanOrEqual(12_000);

    // Not due yet: nothing is sent however often the jobs run.
    await service.background.runOnce();
    expect(deliveriesTo(path)).toHaveLength(1);

    // Still down at the second attempt: the next wait is longer (30 s ± 20%).
    await api.setClock({ advanceSeconds: 15 });
    await service.background.runOnce();
    await waitFor(() => deliveriesTo(path).length === 2, 10_000, 'the second attempt');
    await waitFor(async () => (await deliveryRow(eventId))[0]?.attempts === 2, 5_000, 'the second failure');
    await waitFor(
      async () =>
        Number((await deliveryRow(eventId))[0]?.next_attempt_at) > service.services.clock.now() + 20_000,
      5_000,
      'the second backoff',
    );

    receiver.respond(path, 200);
    await api.setClock({ advanceSeconds: 40 });
    await service.background.runOnce();
    await waitFor(() => deliveriesTo(path).length === 3, 10_000, 'the successful retry');
    const attempts = deliveriesTo(path);
    expect(attempts.map((a) => a.status)).toEqual([503, 503, 200]);
    expect(attempts.map((a) => a.headers[WEBHOOK_EVENT_ID_HEADER])).toEqual([eventId, eventId, eventId]);
    expect(attempts.map((a) => a.headers[WEBHOOK_DELIVERY_ATTEMPT_HEADER])).toEqual(['1', '2', '3']);
    expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
    await waitFor(async () => (await deliveryRow(eventId))[0]?.status === 'delivered', 5_000, 'delivered');
    expect((await deliveryRow(eventId))[0]).toMatchObject({
      attempts: 3,
      last_status: 200,
      last_error: null,
    });
  });

  it('delivers only subscribed types, to enabled endpoints registered before the event', async () => {
    const ws = await workspace();
    const all = `/all/${ws}`;
    const lowOnly = `/low-only/${ws}`;
    const removed = `/removed/${ws}`;
    await endpoint(ws, all, ['*']);
    await endpoint(ws, lowOnly, ['balance.low']);
    const gone = await endpoint(ws, removed, ['*']);
    await api.ok('DELETE', `/v1/workspaces/${ws}/webhook-endpoints/${gone.id}`);
    const topup = await api.post(`/v1/workspaces/${ws}/topups`, { amountMicros: 10 * USD });
    const eventId = `evt_topup_succeeded_${String(topup.id)}`;
    const { rows } = await service.services.db.query<{ id: string }>(
      'SELECT id FROM outbox_events WHERE workspace_id = $1 ORDER BY seq',
      [ws],
    );
    expect(rows.map((r) => r.id)).toContain(eventId);
    await service.background.runOnce();
    await waitFor(() => deliveriesTo(all).length === rows.length, 10_000, 'the wildcard deliveries');
    const late = `/late/${ws}`;
    await endpoint(ws, late, ['*']);
    await service.background.runOnce();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Every event of the workspace, each once, and nothing from other workspaces.
    expect(deliveriesTo(all).map((d) => JSON.parse(d.body).id)).toEqual(rows.map((r) => r.id));
    expect(deliveriesTo(lowOnly)).toHaveLength(0);
    expect(deliveriesTo(removed)).toHaveLength(0);
    expect(deliveriesTo(late)).toHaveLength(0);
  });

  it('records a network failure and keeps retrying', async () => {
    const ws = await workspace();
    // Port 9 (discard) on localhost: nothing listens there, so the connection is refused.
    const body = await api.post(`/v1/workspaces/${ws}/webhook-endpoints`, {
      url: 'http://127.0.0.1:9/hook',
      events: ['topup.succeeded'],
    });
    expect(body.secret).toMatch(/^whsec_/);
    const topup = await api.post(`/v1/workspaces/${ws}/topups`, { amountMicros: 10 * USD });
    const eventId = `evt_topup_succeeded_${String(topup.id)}`;
    await service.background.runOnce();
    await waitFor(async () => (await deliveryRow(eventId))[0]?.attempts === 1, 10_000, 'the attempt');
    await waitFor(
      async () => (await deliveryRow(eventId))[0]?.last_error !== null,
      5_000,
      'the error recorded',
    );
    const [row] = await deliveryRow(eventId);
    expect(row).toMatchObject({ status: 'pending', last_status: null });
    expect(String(row?.last_error)).toMatch(/ECONNREFUSED|fetch failed/);
  });
  it('marks a delivery failed after the last retry, and cancels one whose endpoint was deleted', async () => {
    const ws = await workspace();
    const broken = `/broken/${ws}`;
    const deleted = `/deleted/${ws}`;
    await endpoint(ws, broken, ['topup.succeeded']);
    const doomed = await endpoint(ws, deleted, ['topup.succeeded']);
    receiver.respond(broken, 500);
    receiver.respond(deleted, 500);
    const topup = await api.post(`/v1/workspaces/${ws}/topups`, { amountMicros: 10 * USD });
    const eventId = `evt_topup_succeeded_${String(topup.id)}`;
    const statusOf = async (path: string) =>
      (
        await service.services.db.query<{ status: string; attempts: number }>(
          `SELECT d.status, d.attempts FROM deliveries d JOIN webhook_endpoints ep ON ep.id = d.endpoint_id
           WHERE d.event_id = $1 AND ep.url LIKE $2`,
          [eventId, `%${path}`],
        )
      ).rows[0];
    await service.background.runOnce();
    await waitFor(async () => (await statusOf(deleted))?.attempts === 1, 10_000, 'the first attempts');
    await api.ok('DELETE', `/v1/workspaces/${ws}/webhook-endpoints/${doomed.id}`);

    // The longest wait is 8 h + 20%: ten hours per step walks through the whole schedule.
    for (let attempt = 2; attempt <= MAX_DELIVERY_ATTEMPTS; attempt += 1) {
      await api.setClock({ advanceSeconds: 10 * 3600 });
      await service.background.runOnce();
      await waitFor(async () => (await statusOf(broken))?.attempts === attempt, 10_000, `attempt ${attempt}`);
    }
    await waitFor(async () => (await statusOf(broken))?.status === 'failed', 10_000, 'the delivery to fail');
    await api.setClock({ advanceSeconds: 10 * 3600 });
    await service.background.runOnce();
    expect(deliveriesTo(broken)).toHaveLength(MAX_DELIVERY_ATTEMPTS);
    expect(await statusOf(broken)).toEqual({ status: 'failed', attempts: MAX_DELIVERY_ATTEMPTS });
    // The deleted endpoint got its first attempt only.
    expect(deliveriesTo(deleted)).toHaveLength(1);
    expect((await statusOf(deleted))?.status).toBe('cancelled');
  });
});
