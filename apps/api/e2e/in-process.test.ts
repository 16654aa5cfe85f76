import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness, USD } from './harness.js';

/*
 * `RunningService.fetch` answers a request in the same process without a socket (an application
 * embedding the API hands it to the SDK as `fetch`). It must be the same API: the same auth,
 * validation, error model and money path as over HTTP.
 */
describe('the in-process request handler', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  const inProcess = (
    path: string,
    init: { method?: string; key?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) =>
    h.service.fetch(
      new Request(`${h.url}${path}`, {
        method: init.method ?? 'GET',
        headers: {
          ...(init.key === undefined ? {} : { authorization: `Bearer ${init.key}` }),
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...init.headers,
        },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      }),
    );

  it('reserves through the same money path and answers as HTTP does', async () => {
    const ws = await h.workspace();
    await h.call('POST', `/v1/workspaces/${ws.id}/lots`, {
      body: { kind: 'promotional', amountMicros: 10 * USD, expiresAt: null, reason: 'test' },
    });
    const reserved = await inProcess(`/v1/workspaces/${ws.id}/reservations`, {
      method: 'POST',
      key: ws.server,
      body: { feature: 'chat', estimateMicros: 2 * USD, ttlSeconds: 300 },
      headers: { 'idempotency-key': 'in-process-1' },
    });
    expect(reserved.status).toBe(201);
    const body = (await reserved.json()) as { id: string; heldMicros: number };
    expect(body.heldMicros).toBe(2 * USD);
    // Over HTTP: the same reservation, and the same key replays the same answer.
    const seen = await h.call('GET', `/v1/workspaces/${ws.id}/reservations/${body.id}`, { key: ws.server });
    expect(seen.body).toMatchObject({ id: body.id, status: 'held', heldMicros: 2 * USD });
    const replay = await h.call('POST', `/v1/workspaces/${ws.id}/reservations`, {
      key: ws.server,
      body: { feature: 'chat', estimateMicros: 2 * USD, ttlSeconds: 300 },
      headers: { 'idempotency-key': 'in-process-1' },
    });
    expect(replay.body).toEqual(body);
    const balance = (await (
      await inProcess(`/v1/workspaces/${ws.id}/balance`, { key: ws.server })
    ).json()) as {
      asOf: string;
    };
    const overHttp = await h.call('GET', `/v1/workspaces/${ws.id}/balance`, { key: ws.server });
    expect(balance).toEqual({ ...overHttp.body, asOf: balance.asOf });
    expect(balance).toMatchObject({ availableMicros: 10 * USD, spendableMicros: 8 * USD });
  });

  it('refuses as HTTP does: no key, bad body', async () => {
    const ws = await h.workspace();
    const anonymous = await inProcess(`/v1/workspaces/${ws.id}/balance`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: 'unauthorized' } });
    const bad = await inProcess(`/v1/workspaces/${ws.id}/reservations`, {
      method: 'POST',
      key: ws.server,
      body: { feature: 'chat', estimateMicros: -1, ttlSeconds: 300 },
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_request' } });
  });
});
