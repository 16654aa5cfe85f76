import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, type Harness, startHarness, type TestWorkspace, uniqueId } from './harness.js';

let h: Harness;
let ws: TestWorkspace;

beforeAll(async () => {
  h = await startHarness();
  await h.setClock('2030-01-01T00:00:00.000Z');
  ws = await h.workspace();
});
afterAll(async () => {
  await h?.close();
});

describe('system routes', () => {
  it('serves health, an OpenAPI 3.1 document and the reference UI', async () => {
    const health = await h.call('GET', '/healthz', { key: null });
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'ok',
      database: 'ok',
      storage: 'pglite',
      paymentMode: 'no_payment',
    });
    const doc = await h.call('GET', '/openapi.json', { key: null });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    for (const path of [
      '/v1/workspaces',
      '/v1/workspaces/{ws}/reservations/{id}/capture',
      '/v1/workspaces/{ws}/topups',
      '/v1/test-clock',
      '/v1/stripe/webhook',
    ]) {
      expect(Object.keys(doc.body.paths)).toContain(path);
    }
    const docs = await h.call('GET', '/docs', { key: null });
    expect(docs.status).toBe(200);
    expect(String(docs.body)).toContain('openapi.json');
  });

  it('echoes a request id and invents one when absent', async () => {
    const given = await h.call('GET', '/healthz', { key: null, headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const made = await h.call('GET', `/v1/workspaces/${ws.id}`, { key: 'nope' });
    expectError(made, 401, 'unauthorized');
    expect(made.body.error.requestId).toBe(made.headers.get('x-request-id'));
    // Every kind of answer carries it: success, validation refusal, unknown route, oversize body, docs.
    const answers = [
      await h.call('GET', `/v1/workspaces/${ws.id}/balance`, { headers: { 'x-request-id': 'r-1' } }),
      await h.call('POST', `/v1/workspaces/${ws.id}/reservations`, {
        body: {},
        headers: { 'x-request-id': 'r-2' },
      }),
      await h.call('GET', '/v1/nothing-here', { headers: { 'x-request-id': 'r-3' } }),
      await h.call('POST', '/v1/workspaces', {
        rawBody: JSON.stringify({ name: 'x'.repeat(400_000) }),
        headers: { 'x-request-id': 'r-4' },
      }),
      await h.call('GET', '/openapi.json', { key: null, headers: { 'x-request-id': 'r-5' } }),
    ];
    expect(answers.map((a) => [a.status, a.headers.get('x-request-id')])).toEqual([
      [200, 'r-1'],
      [400, 'r-2'],
      [404, 'r-3'],
      [413, 'r-4'],
      [200, 'r-5'],
    ]);
  });

  it('answers unknown routes with the error shape', async () => {
    expectError(await h.call('GET', '/v1/nothing-here'), 404, 'not_found');
  });

  it('refuses bodies over the size limit with 413', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(400_000) });
    expectError(await h.call('POST', '/v1/workspaces', { rawBody: big }), 413, 'payload_too_large');
  });

  it('rejects malformed JSON and floats as invalid requests', async () => {
    expectError(await h.call('POST', '/v1/workspaces', { rawBody: '{"name":' }), 400, 'invalid_request');
    const float = await h.call('POST', `/v1/workspaces/${ws.id}/reservations`, {
      key: ws.server,
      body: { feature: 'coding_session', estimateMicros: 1.5 },
    });
    expectError(float, 400, 'invalid_request');
    expect(float.body.error.details.issues[0].path).toBe('estimateMicros');
    const unsafe = await h.call('POST', `/v1/workspaces/${ws.id}/charges`, {
      key: ws.server,
      body: { feature: 'coding_session', amountMicros: Number.MAX_SAFE_INTEGER + 2 },
    });
    expectError(unsafe, 400, 'invalid_request');
  });

  it('refuses text with the NUL character (PostgreSQL cannot store it) with 400, writing nothing', async () => {
    const cursor = await h.call('GET', `/v1/workspaces/${ws.id}/lots?cursor=%00&status=active`, {
      key: ws.admin,
    });
    expectError(cursor, 400, 'invalid_request');
    expect(cursor.body.error.details.issues[0].path).toBe('cursor');
    const reservationId = uniqueId('res');
    const feature = await h.call('POST', `/v1/workspaces/${ws.id}/reservations`, {
      key: ws.server,
      body: { reservationId, feature: 'coding\u0000session', estimateMicros: 1_000 },
    });
    expectError(feature, 400, 'invalid_request');
    expect(feature.body.error.details.issues[0].path).toBe('feature');
    expectError(
      await h.call('GET', `/v1/workspaces/${ws.id}/reservations/${reservationId}`, { key: ws.server }),
      404,
      'not_found',
    );
  });
});

describe('auth', () => {
  it('requires a key on every /v1 route', async () => {
    expectError(await h.call('GET', '/v1/prices', { key: null }), 401, 'unauthorized');
    expectError(await h.call('GET', '/v1/prices', { key: 'ak_server_short' }), 401, 'unauthorized');
    const prices = await h.call('GET', '/v1/prices', { key: ws.member });
    expect(prices.status).toBe(200);
    expect(prices.body.models.length).toBeGreaterThan(0);
    expect(Number.isInteger(prices.body.models[0].inputMicrosPerMillionTokens)).toBe(true);
  });

  it('only the platform key creates workspaces and grants lots', async () => {
    expectError(
      await h.call('POST', '/v1/workspaces', { key: ws.admin, body: { name: 'x' } }),
      403,
      'forbidden',
    );
    expectError(
      await h.call('POST', `/v1/workspaces/${ws.id}/lots`, {
        key: ws.owner,
        body: { kind: 'support', amountMicros: 1, reason: 'x', expiresAt: null },
      }),
      403,
      'forbidden',
    );
  });

  it('isolates workspaces: a key of A gets 404 for B', async () => {
    const other = await h.workspace();
    for (const key of [ws.server, ws.owner, ws.member]) {
      expectError(await h.call('GET', `/v1/workspaces/${other.id}`, { key }), 404, 'not_found');
      expectError(await h.call('GET', `/v1/workspaces/${other.id}/balance`, { key }), 404, 'not_found');
    }
    expectError(
      await h.call('POST', `/v1/workspaces/${other.id}/reservations`, {
        key: ws.server,
        body: { feature: 'coding_session', estimateMicros: 1 },
      }),
      404,
      'not_found',
    );
  });

  it('role checks: members read, admins administer, owners delete', async () => {
    expect((await h.call('GET', `/v1/workspaces/${ws.id}`, { key: ws.member })).status).toBe(200);
    expectError(
      await h.call('PATCH', `/v1/workspaces/${ws.id}/settings`, {
        key: ws.member,
        body: { seatPooling: true },
      }),
      403,
      'forbidden',
    );
    expectError(
      await h.call('PATCH', `/v1/workspaces/${ws.id}/settings`, {
        key: ws.server,
        body: { seatPooling: true },
      }),
      403,
      'forbidden',
    );
    const ok = await h.call('PATCH', `/v1/workspaces/${ws.id}/settings`, {
      key: ws.admin,
      body: { seatPooling: false },
    });
    expect(ok.status).toBe(200);
    expectError(
      await h.call('PATCH', `/v1/workspaces/${ws.id}/settings`, {
        key: ws.admin,
        body: { maxDeficitMicros: 1 },
      }),
      403,
      'forbidden',
    );
    expectError(
      await h.call('GET', `/v1/workspaces/${ws.id}/deletion-preview`, { key: ws.admin }),
      403,
      'forbidden',
    );
    expectError(
      await h.call('GET', `/v1/workspaces/${ws.id}/transactions`, { key: ws.member }),
      403,
      'forbidden',
    );
    expectError(
      await h.call('POST', `/v1/workspaces/${ws.id}/api-keys`, { key: ws.member, body: { type: 'server' } }),
      403,
      'forbidden',
    );
    expectError(
      // Member tokens reserve only for their own member.
      await h.call('POST', `/v1/workspaces/${ws.id}/reservations`, {
        key: ws.member,
        body: { feature: 'coding_session', estimateMicros: 1, memberId: 'admin' },
      }),
      403,
      'forbidden',
    );
    // Admins cannot promote anyone to owner.
    expectError(
      await h.call('PUT', `/v1/workspaces/${ws.id}/members/new_owner`, {
        key: ws.admin,
        body: { role: 'owner' },
      }),
      403,
      'forbidden',
    );
  });

  it('a role change applies to the member key at once', async () => {
    const w = await h.workspace();
    expectError(
      await h.call('GET', `/v1/workspaces/${w.id}/transactions`, { key: w.member }),
      403,
      'forbidden',
    );
    await h.call('PUT', `/v1/workspaces/${w.id}/members/member`, { key: w.owner, body: { role: 'admin' } });
    expect((await h.call('GET', `/v1/workspaces/${w.id}/transactions`, { key: w.member })).status).toBe(200);
  });

  it('revoked keys stop working', async () => {
    const w = await h.workspace();
    const list = await h.call('GET', `/v1/workspaces/${w.id}/api-keys`, { key: w.admin });
    expect(list.status).toBe(200);
    expect(list.body.data.every((k: { secret?: string }) => k.secret === undefined)).toBe(true);
    const server = list.body.data.find((k: { type: string }) => k.type === 'server');
    expect((await h.call('GET', `/v1/workspaces/${w.id}/balance`, { key: w.server })).status).toBe(200);
    const revoked = await h.call('DELETE', `/v1/workspaces/${w.id}/api-keys/${server.id}`, { key: w.admin });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    expectError(
      await h.call('GET', `/v1/workspaces/${w.id}/balance`, { key: w.server }),
      401,
      'unauthorized',
    );
  });

  it('stores only hashes of API keys', async () => {
    const { rows } = await h.service.services.db.query<{ secret_hash: string }>(
      'SELECT secret_hash FROM api_keys',
    );
    for (const row of rows) {
      expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.secret_hash).not.toContain('ak_');
    }
  });
});

describe('workspaces, members and keys', () => {
  it('creates a workspace with defaults and returns it with settings', async () => {
    const id = uniqueId('ws');
    const r = await h.call('POST', '/v1/workspaces', { body: { id, name: 'Acme' } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      id,
      plan: 'free',
      unit: 'usd',
      hosting: 'cloud',
      enterprise: false,
      deficitMicros: 0,
      deletedAt: null,
      settings: {
        overage: { enabled: false, monthlyCapMicros: null },
        seatPooling: false,
        pinnedModel: null,
        expiryWarningDays: [30, 7],
      },
    });
    expectError(await h.call('POST', '/v1/workspaces', { body: { id, name: 'again' } }), 409, 'conflict');
    expectError(
      await h.call('POST', '/v1/workspaces', { body: { name: 'x', unit: 'eur' } }),
      400,
      'invalid_request',
    );
  });

  it('updates settings and validates the pinned model', async () => {
    const r = await h.call('PATCH', `/v1/workspaces/${ws.id}/settings`, {
      key: ws.admin,
      body: {
        overage: { enabled: true, monthlyCapMicros: 50_000_000 },
        pinnedModel: 'orion-4-mini',
        lowBalanceThresholdsMicros: [5_000_000],
        expiryWarningDays: [14],
      },
    });
    expect(r.status).toBe(200);
    expect(r.body.settings).toMatchObject({
      overage: { enabled: true, monthlyCapMicros: 50_000_000 },
      pinnedModel: 'orion-4-mini',
      lowBalanceThresholdsMicros: [5_000_000],
      expiryWarningDays: [14],
    });
    expectError(
      await h.call('PATCH', `/v1/workspaces/${ws.id}/settings`, {
        key: ws.admin,
        body: { pinnedModel: 'gpt-17' },
      }),
      422,
      'unknown_model',
    );
    expectError(
      await h.call('PATCH', `/v1/workspaces/${ws.id}/settings`, { key: ws.admin, body: { bogus: true } }),
      400,
      'invalid_request',
    );
    await h.call('PATCH', `/v1/workspaces/${ws.id}/settings`, {
      key: ws.admin,
      body: { overage: { enabled: false, monthlyCapMicros: null }, pinnedModel: null },
    });
  });

  it('upserts members and lets a member read only themselves', async () => {
    const up = await h.call('PUT', `/v1/workspaces/${ws.id}/members/zoe`, {
      key: ws.admin,
      body: { role: 'member', seat: { paid: true, active: false }, name: 'Zoe', email: 'zoe@example.com' },
    });
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({
      id: 'zoe',
      role: 'member',
      seat: { paid: true, active: false },
      name: 'Zoe',
    });
    const again = await h.call('PUT', `/v1/workspaces/${ws.id}/members/zoe`, {
      key: ws.admin,
      body: { role: 'admin' },
    });
    expect(again.body).toMatchObject({ role: 'admin', seat: { paid: true, active: false }, name: 'Zoe' });
    expect((await h.call('GET', `/v1/workspaces/${ws.id}/members/member`, { key: ws.member })).status).toBe(
      200,
    );
    expectError(
      await h.call('GET', `/v1/workspaces/${ws.id}/members/zoe`, { key: ws.member }),
      403,
      'forbidden',
    );
    const list = await h.call('GET', `/v1/workspaces/${ws.id}/members`, { key: ws.admin });
    expect(list.body.data.map((m: { id: string }) => m.id)).toEqual(
      expect.arrayContaining(['owner', 'admin', 'member', 'zoe']),
    );
  });

  it('member keys need an existing member; the secret is shown once', async () => {
    expectError(
      await h.call('POST', `/v1/workspaces/${ws.id}/api-keys`, {
        key: ws.admin,
        body: { type: 'member', memberId: 'ghost' },
      }),
      404,
      'not_found',
    );
    expectError(
      await h.call('POST', `/v1/workspaces/${ws.id}/api-keys`, { key: ws.admin, body: { type: 'member' } }),
      400,
      'invalid_request',
    );
    const k = await h.call('POST', `/v1/workspaces/${ws.id}/api-keys`, {
      key: ws.admin,
      body: { type: 'server', name: 'ci' },
    });
    expect(k.status).toBe(201);
    expect(k.body.secret).toMatch(/^ak_server_/);
    expect(k.body.prefix).toBe(k.body.secret.slice(0, k.body.prefix.length));
  });

  it('webhook endpoints: admin only, secret once, listed without it, deletable', async () => {
    expectError(
      await h.call('POST', `/v1/workspaces/${ws.id}/webhook-endpoints`, {
        key: ws.member,
        body: { url: 'https://example.com/hook', events: ['*'] },
      }),
      403,
      'forbidden',
    );
    expectError(
      await h.call('POST', `/v1/workspaces/${ws.id}/webhook-endpoints`, {
        key: ws.admin,
        body: { url: 'https://example.com/hook', events: ['balance.sideways'] },
      }),
      400,
      'invalid_request',
    );
    const created = await h.call('POST', `/v1/workspaces/${ws.id}/webhook-endpoints`, {
      key: ws.admin,
      body: { url: 'https://example.com/hook', events: ['balance.low', 'topup.succeeded'] },
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    const list = await h.call('GET', `/v1/workspaces/${ws.id}/webhook-endpoints`, { key: ws.admin });
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0].secret).toBeUndefined();
    const del = await h.call('DELETE', `/v1/workspaces/${ws.id}/webhook-endpoints/${created.body.id}`, {
      key: ws.admin,
    });
    expect(del.status).toBe(200);
    expect(del.body.enabled).toBe(false);
    expect(
      (await h.call('GET', `/v1/workspaces/${ws.id}/webhook-endpoints`, { key: ws.admin })).body.data,
    ).toHaveLength(0);
  });

  it('billing details need billing access', async () => {
    expectError(
      await h.call('GET', `/v1/workspaces/${ws.id}/billing`, { key: ws.member }),
      403,
      'billing_access_required',
    );
    const put = await h.call('PUT', `/v1/workspaces/${ws.id}/billing`, {
      key: ws.admin,
      body: { address: { country: 'US', state: 'CA', postalCode: '94107' }, paymentMethodId: 'pm_card_visa' },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      mode: 'no_payment',
      paymentMethodId: 'pm_card_visa',
      billingAccess: 'admins_and_owners',
      topupLimits: { minMicros: 5_000_000, maxMicros: 10_000_000_000 },
    });
  });
});

describe('test clock', () => {
  it('sets and advances, never backwards, platform only', async () => {
    const before = await h.now();
    await h.advance(60);
    expect(await h.now()).toBe(before + 60_000);
    expectError(
      await h.call('POST', '/v1/test-clock', { body: { now: '2029-01-01T00:00:00.000Z' } }),
      422,
      'clock_backwards',
    );
    expectError(
      await h.call('POST', '/v1/test-clock', { key: ws.admin, body: { advanceSeconds: 1 } }),
      403,
      'forbidden',
    );
    expectError(
      await h.call('POST', '/v1/test-clock', {
        body: { advanceSeconds: 1, now: '2031-01-01T00:00:00.000Z' },
      }),
      400,
      'invalid_request',
    );
    const health = await h.call('GET', '/healthz', { key: null });
    expect(Date.parse(health.body.now)).toBe(before + 60_000);
  });
});
