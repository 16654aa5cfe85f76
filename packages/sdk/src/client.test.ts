import http from 'node:http';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { balance, charge, reservation, workspace } from '../test/fixtures';
import { errorBody, startTestServer } from '../test/http-server';
import { createClient } from './client';
import { ConfigurationError, InsufficientCreditsError } from './core/errors';

const server = await startTestServer();
afterAll(() => server.close());
beforeEach(() => server.reset());
afterEach(() => vi.unstubAllEnvs());

describe('configuration', () => {
  it('falls back to AICREDITS_API_URL and AICREDITS_API_KEY', async () => {
    vi.stubEnv('AICREDITS_API_URL', `${server.url}/`);
    vi.stubEnv('AICREDITS_API_KEY', 'ak_server_env');
    server.reply({ status: 200, body: workspace });
    const client = createClient();
    expect(client.baseUrl).toBe(server.url);
    await client.workspaces.retrieve('ws_1');
    expect(server.requests[0]?.headers.authorization).toBe('Bearer ak_server_env');
  });

  it('prefers explicit options over the environment', async () => {
    vi.stubEnv('AICREDITS_API_URL', 'http://env.invalid');
    vi.stubEnv('AICREDITS_API_KEY', 'ak_env');
    server.reply({ status: 200, body: workspace });
    await createClient({ baseUrl: server.url, apiKey: 'ak_explicit' }).workspaces.retrieve('ws_1');
    expect(server.requests[0]?.headers.authorization).toBe('Bearer ak_explicit');
  });

  it('says clearly which setting is missing', () => {
    vi.stubEnv('AICREDITS_API_URL', '');
    vi.stubEnv('AICREDITS_API_KEY', '');
    const missingUrl = () => createClient({ apiKey: 'k' });
    expect(missingUrl).toThrow(ConfigurationError);
    expect(missingUrl).toThrow(/AICREDITS_API_URL/);
    expect(() => createClient({ baseUrl: server.url })).toThrow(
      expect.objectContaining({
        code: 'missing_api_key',
        message: expect.stringContaining('AICREDITS_API_KEY'),
      }),
    );
    expect(() => createClient({ apiKey: 'k' })).toThrow(
      expect.objectContaining({ code: 'missing_base_url' }),
    );
  });

  it('sends through node:http on Node unless given a fetch', async () => {
    const sent = vi.spyOn(http, 'request');
    try {
      server.reply({ status: 200, body: workspace }, { status: 200, body: workspace });
      const client = createClient({ baseUrl: server.url, apiKey: 'k' });
      await client.workspaces.retrieve('ws_1');
      expect(sent).toHaveBeenCalledTimes(1);
      let given = 0;
      const fetch: typeof globalThis.fetch = (input, init) => {
        given += 1;
        return globalThis.fetch(input, init);
      };
      await createClient({ baseUrl: server.url, apiKey: 'k', fetch }).workspaces.retrieve('ws_1');
      expect(given).toBe(1);
      expect(sent).toHaveBeenCalledTimes(1);
    } finally {
      sent.mockRestore();
    }
  });

  it('rejects a bad base URL and bad numeric options', () => {
    expect(() => createClient({ baseUrl: 'not a url', apiKey: 'k' })).toThrow(
      expect.objectContaining({ code: 'invalid_base_url' }),
    );
    expect(() => createClient({ baseUrl: 'ftp://x', apiKey: 'k' })).toThrow(
      expect.objectContaining({ code: 'invalid_base_url' }),
    );
    expect(() => createClient({ baseUrl: server.url, apiKey: 'k', maxRetries: -1 })).toThrow(
      expect.objectContaining({ code: 'invalid_option' }),
    );
    expect(() => createClient({ baseUrl: server.url, apiKey: 'k', timeoutMs: 0 })).toThrow(
      expect.objectContaining({ code: 'invalid_option' }),
    );
    expect(() => createClient({ baseUrl: server.url, apiKey: 'k', maxRetries: 1.5 })).toThrow(
      expect.objectContaining({ code: 'invalid_option' }),
    );
  });

  it('loads where process does not exist (browsers, edge)', () => {
    vi.stubGlobal('process', undefined);
    try {
      expect(() => createClient()).toThrow(expect.objectContaining({ code: 'missing_base_url' }));
      expect(createClient({ baseUrl: 'https://credits.example', apiKey: 'k' }).baseUrl).toBe(
        'https://credits.example',
      );
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('uses a caller-supplied fetch', async () => {
    const seen: string[] = [];
    const client = createClient({
      baseUrl: server.url,
      apiKey: 'k',
      fetch: (input, init) => {
        seen.push(input instanceof Request ? input.url : String(input));
        return fetch(input, init);
      },
    });
    server.reply({ status: 200, body: workspace });
    await client.workspaces.retrieve('ws_1');
    expect(seen).toEqual([`${server.url}/v1/workspaces/ws_1`]);
  });
});

describe('real timers', () => {
  it('waits out Retry-After before retrying', async () => {
    server.reply(
      { status: 429, body: errorBody('rate_limited'), headers: { 'retry-after': '1' } },
      { status: 200, body: workspace },
    );
    await createClient({ baseUrl: server.url, apiKey: 'k' }).workspaces.retrieve('ws_1');
    const [first, second] = server.requests;
    expect((second?.atMs ?? 0) - (first?.atMs ?? 0)).toBeGreaterThanOrEqual(990);
  });

  it('backs off 375–500 ms before the first retry', async () => {
    server.reply({ status: 503, body: errorBody('service_unavailable') }, { status: 200, body: workspace });
    await createClient({ baseUrl: server.url, apiKey: 'k' }).workspaces.retrieve('ws_1');
    const [first, second] = server.requests;
    const gap = (second?.atMs ?? 0) - (first?.atMs ?? 0);
    expect(gap).toBeGreaterThanOrEqual(370);
    expect(gap).toBeLessThan(700);
  });
});

describe('namespaces', () => {
  type C = ReturnType<typeof client>;
  const client = () => createClient({ baseUrl: server.url, apiKey: 'ak_server_x', maxRetries: 0 });
  const last = () => {
    const request = server.requests.at(-1);
    return {
      method: request?.method,
      path: `${request?.url.pathname}${request?.url.search}`,
      body: request?.body ? JSON.parse(request.body) : undefined,
    };
  };

  it('routes the guard calls', async () => {
    const c = client();
    server.reply({ status: 200, body: balance });
    expect(await c.balance.retrieve('ws_1', { memberId: 'm_1' })).toEqual(balance);
    expect(last()).toEqual({
      method: 'GET',
      path: '/v1/workspaces/ws_1/balance?memberId=m_1',
      body: undefined,
    });

    server.reply({ status: 201, body: reservation });
    const body = { feature: 'coding_session', memberId: 'm_1', estimateMicros: 2_000_000, ttlSeconds: 600 };
    await c.reservations.create('ws_1', body, { idempotencyKey: 'task-1' });
    expect(last()).toEqual({ method: 'POST', path: '/v1/workspaces/ws_1/reservations', body });
    expect(server.requests.at(-1)?.headers['idempotency-key']).toBe('task-1');

    server.reply({ status: 200, body: { reservation: { ...reservation, status: 'captured' }, charge } });
    const captured = await c.reservations.capture('ws_1', 'res_1', {
      amountMicros: 1_500_000,
      outcome: 'succeeded',
    });
    expect(captured.charge?.draws).toEqual(charge.draws);
    expect(last().path).toBe('/v1/workspaces/ws_1/reservations/res_1/capture');

    server.reply({ status: 200, body: { ...reservation, status: 'voided' } });
    await c.reservations.void('ws_1', 'res_1');
    expect(last()).toMatchObject({ method: 'POST', path: '/v1/workspaces/ws_1/reservations/res_1/void' });

    server.reply({ status: 200, body: reservation });
    await c.reservations.extend('ws_1', 'res_1', { additionalMicros: 1_000, ttlSeconds: 60 });
    expect(last()).toEqual({
      method: 'POST',
      path: '/v1/workspaces/ws_1/reservations/res_1/extend',
      body: { additionalMicros: 1_000, ttlSeconds: 60 },
    });
  });

  it('asks who the key is with me.retrieve()', async () => {
    const me = {
      keyType: 'member',
      workspaceId: 'ws_1',
      memberId: 'm_1',
      role: 'member',
      billingAccess: false,
      workspace: { id: 'ws_1', name: 'One', unit: 'usd', hosting: 'cloud', enterprise: false },
    };
    server.reply({ status: 200, body: me });
    expect(await client().me.retrieve()).toEqual(me);
    expect(last()).toEqual({ method: 'GET', path: '/v1/me', body: undefined });
    const platform = {
      keyType: 'platform',
      workspaceId: null,
      memberId: null,
      role: null,
      billingAccess: true,
    };
    server.reply({ status: 200, body: platform });
    expect(await client().me.retrieve()).toEqual(platform);
  });

  it('quotes a top-up with topups.quote() and reads the card in billing', async () => {
    const card = { paymentMethodId: 'pm_1', brand: 'visa', last4: '4242', expMonth: 12, expYear: 2030 };
    const quote = {
      amountMicros: 50_000_000,
      taxMicros: 3_630_000,
      totalMicros: 53_630_000,
      currency: 'usd',
      billingAddress: { country: 'US', state: 'CA', postalCode: '94107' },
      paymentMethod: card,
      testFunds: false,
    };
    server.reply({ status: 200, body: quote });
    expect(await client().topups.quote('ws_1', { amountMicros: 50_000_000 })).toEqual(quote);
    expect(last()).toEqual({
      method: 'POST',
      path: '/v1/workspaces/ws_1/topups/quote',
      body: { amountMicros: 50_000_000 },
    });
    const billing = {
      workspaceId: 'ws_1',
      mode: 'stripe',
      address: null,
      paymentMethodId: 'pm_1',
      card,
      customerId: 'cus_1',
      name: 'One',
      topupLimits: { minMicros: 5_000_000, maxMicros: 10_000_000_000 },
      billingAccess: 'admins_and_owners',
    };
    server.reply({ status: 200, body: billing });
    expect((await client().billing.retrieve('ws_1')).card).toEqual(card);
  });

  it('encodes ids so they cannot escape their path segment', async () => {
    server.reply({ status: 200, body: workspace });
    await client().workspaces.retrieve('../admin?x=1');
    expect(server.requests[0]?.url.pathname).toBe('/v1/workspaces/..%2Fadmin%3Fx%3D1');
  });

  it('maps a 402 from reservations.create to InsufficientCreditsError', async () => {
    server.reply({ status: 402, body: errorBody('overage_disabled') });
    const error = await client()
      .reservations.create('ws_1', { feature: 'coding_session', estimateMicros: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientCreditsError);
    expect((error as InsufficientCreditsError).code).toBe('overage_disabled');
  });

  it.each([
    [
      'workspaces.create',
      (c: ReturnType<typeof client>) => c.workspaces.create({ name: 'A' }),
      'POST',
      '/v1/workspaces',
    ],
    [
      'workspaces.updateSettings',
      (c: ReturnType<typeof client>) => c.workspaces.updateSettings('w', { seatPooling: true }),
      'PATCH',
      '/v1/workspaces/w/settings',
    ],
    [
      'workspaces.deletionPreview',
      (c: ReturnType<typeof client>) => c.workspaces.deletionPreview('w'),
      'GET',
      '/v1/workspaces/w/deletion-preview',
    ],
    [
      'workspaces.delete',
      (c: ReturnType<typeof client>) => c.workspaces.delete('w', { confirm: 'w' }),
      'DELETE',
      '/v1/workspaces/w?confirm=w',
    ],
    [
      'members.upsert',
      (c: ReturnType<typeof client>) => c.members.upsert('w', 'm', { role: 'admin' }),
      'PUT',
      '/v1/workspaces/w/members/m',
    ],
    ['members.retrieve', (c: C) => c.members.retrieve('w', 'm'), 'GET', '/v1/workspaces/w/members/m'],
    ['members.list', (c: C) => c.members.list('w', { limit: 5 }), 'GET', '/v1/workspaces/w/members?limit=5'],
    ['charges.retrieve', (c: C) => c.charges.retrieve('w', 'ch'), 'GET', '/v1/workspaces/w/charges/ch'],
    ['topups.list', (c: C) => c.topups.list('w'), 'GET', '/v1/workspaces/w/topups'],
    ['topups.retrieve', (c: C) => c.topups.retrieve('w', 't'), 'GET', '/v1/workspaces/w/topups/t'],
    [
      'topups.quote',
      (c: C) => c.topups.quote('w', { amountMicros: 5_000_000 }),
      'POST',
      '/v1/workspaces/w/topups/quote',
    ],
    [
      'webhookEndpoints.list',
      (c: C) => c.webhookEndpoints.list('w'),
      'GET',
      '/v1/workspaces/w/webhook-endpoints',
    ],
    [
      'webhookEndpoints.delete',
      (c: C) => c.webhookEndpoints.delete('w', 'e'),
      'DELETE',
      '/v1/workspaces/w/webhook-endpoints/e',
    ],
    ['testClock.retrieve', (c: C) => c.testClock.retrieve(), 'GET', '/v1/test-clock'],
    ['apiKeys.list', (c: C) => c.apiKeys.list('w'), 'GET', '/v1/workspaces/w/api-keys'],
    ['apiKeys.revoke', (c: C) => c.apiKeys.revoke('w', 'key_1'), 'DELETE', '/v1/workspaces/w/api-keys/key_1'],
    [
      'apiKeys.create',
      (c: ReturnType<typeof client>) => c.apiKeys.create('w', { type: 'server' }),
      'POST',
      '/v1/workspaces/w/api-keys',
    ],
    [
      'lots.list',
      (c: ReturnType<typeof client>) => c.lots.list('w', { status: 'all', expiringWithinDays: 7 }),
      'GET',
      '/v1/workspaces/w/lots?status=all&expiringWithinDays=7',
    ],
    [
      'lots.grant',
      (c: ReturnType<typeof client>) =>
        c.lots.grant('w', { kind: 'promotional', amountMicros: 1, reason: 'r' }),
      'POST',
      '/v1/workspaces/w/lots',
    ],
    [
      'billing.retrieve',
      (c: ReturnType<typeof client>) => c.billing.retrieve('w'),
      'GET',
      '/v1/workspaces/w/billing',
    ],
    [
      'billing.update',
      (c: ReturnType<typeof client>) => c.billing.update('w', { address: { country: 'US' } }),
      'PUT',
      '/v1/workspaces/w/billing',
    ],
    [
      'topups.create',
      (c: ReturnType<typeof client>) => c.topups.create('w', { amountMicros: 5_000_000 }),
      'POST',
      '/v1/workspaces/w/topups',
    ],
    [
      'reservations.retrieve',
      (c: ReturnType<typeof client>) => c.reservations.retrieve('w', 'r'),
      'GET',
      '/v1/workspaces/w/reservations/r',
    ],
    [
      'charges.create',
      (c: ReturnType<typeof client>) => c.charges.create('w', { feature: 'f', amountMicros: 1 }),
      'POST',
      '/v1/workspaces/w/charges',
    ],
    [
      'usage.retrieve',
      (c: ReturnType<typeof client>) => c.usage.retrieve('w', { groupBy: 'member' }),
      'GET',
      '/v1/workspaces/w/usage?groupBy=member',
    ],
    [
      'estimates.create',
      (c: ReturnType<typeof client>) =>
        c.estimates.create('w', { feature: 'coding_session', taskKind: 'bug_fix' }),
      'POST',
      '/v1/workspaces/w/estimates',
    ],
    ['prices.retrieve', (c: ReturnType<typeof client>) => c.prices.retrieve(), 'GET', '/v1/prices'],
    [
      'webhookEndpoints.create',
      (c: ReturnType<typeof client>) => c.webhookEndpoints.create('w', { url: 'https://x', events: ['*'] }),
      'POST',
      '/v1/workspaces/w/webhook-endpoints',
    ],
    [
      'testClock.advance',
      (c: ReturnType<typeof client>) => c.testClock.advance(60),
      'POST',
      '/v1/test-clock',
    ],
    ['health', (c: ReturnType<typeof client>) => c.health(), 'GET', '/healthz'],
  ] as const)('%s → %s %s', async (_name, call, method, path) => {
    // The reply is an error so any method can be exercised without a fixture per schema.
    server.reply({ status: 404, body: errorBody('not_found') });
    await expect(call(client())).rejects.toMatchObject({ code: 'not_found' });
    expect(last()).toMatchObject({ method, path });
  });
});
