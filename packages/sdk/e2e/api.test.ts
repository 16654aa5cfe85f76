/**
 * The SDK against the real credits API: a fresh in-memory service for this file, driven only
 * through the public client. Proves that routes, auth, error codes and every response body agree
 * with the contract, end to end.
 */
import { type RunningService, startService } from '@aicredits/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AicreditsClient,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  createClient,
  InsufficientCreditsError,
  NotFoundError,
  PermissionDeniedError,
  parseAmountToMicros,
} from '../src/index';

const PLATFORM_KEY = 'ak_platform_sdke2e000001_0123456789abcdef0123456789abcdef';

let service: RunningService;
let platform: AicreditsClient;
const ws = 'ws_sdk_e2e';
const other = 'ws_sdk_e2e_other';
/** Clients keyed by who holds the key. */
const as: Record<'server' | 'owner' | 'admin' | 'member' | 'otherServer', AicreditsClient> = {} as never;

function clientWith(apiKey: string, extra: Parameters<typeof createClient>[0] = {}): AicreditsClient {
  return createClient({ baseUrl: service.url, apiKey, maxRetries: 0, ...extra });
}

beforeAll(async () => {
  service = await startService({
    port: 0,
    dataDir: 'memory://',
    platformKey: PLATFORM_KEY,
    testClock: true,
    logLevel: 'silent',
  });
  platform = clientWith(service.platformKey ?? PLATFORM_KEY);

  await platform.workspaces.create({ id: ws, name: 'SDK e2e', plan: 'pro', unit: 'usd' });
  await platform.workspaces.create({ id: other, name: 'Someone else', plan: 'pro', unit: 'usd' });
  await platform.members.upsert(ws, 'owner_1', { role: 'owner', seat: { paid: true, active: true } });
  await platform.members.upsert(ws, 'admin_1', { role: 'admin', seat: { paid: true, active: true } });
  await platform.members.upsert(ws, 'member_1', { role: 'member', seat: { paid: true, active: true } });

  const server = await platform.apiKeys.create(ws, { type: 'server', name: 'guard' });
  const owner = await platform.apiKeys.create(ws, { type: 'member', memberId: 'owner_1' });
  const admin = await platform.apiKeys.create(ws, { type: 'member', memberId: 'admin_1' });
  const member = await platform.apiKeys.create(ws, { type: 'member', memberId: 'member_1' });
  const otherServer = await platform.apiKeys.create(other, { type: 'server' });
  as.server = clientWith(server.secret);
  as.owner = clientWith(owner.secret);
  as.admin = clientWith(admin.secret);
  as.member = clientWith(member.secret);
  as.otherServer = clientWith(otherServer.secret);
}, 120_000);

afterAll(async () => {
  await service?.close();
});

describe('workspaces, members and keys', () => {
  it('retrieves the workspace with hosting, unit and settings', async () => {
    const workspace = await as.server.workspaces.retrieve(ws);
    expect(workspace).toMatchObject({ id: ws, hosting: 'cloud', unit: 'usd', plan: 'pro' });
    expect(workspace.settings.overage.enabled).toBe(false);
  });

  it('lists members and keys (admin) and reads the service health and prices', async () => {
    const members = [];
    for await (const member of as.admin.members.list(ws, { limit: 1 })) members.push(member.id);
    expect(members.sort()).toEqual(['admin_1', 'member_1', 'owner_1']);
    const keys = await as.admin.apiKeys.list(ws);
    expect(keys.data.every((key) => !('secret' in key))).toBe(true);
    expect((await platform.health()).status).toBe('ok');
    const prices = await as.member.prices.retrieve();
    expect(prices.models.map((m) => m.model)).toContain(prices.latestModel);
  });

  it('rejects an unknown key with AuthenticationError', async () => {
    const error = await clientWith('ak_server_doesnotexist_xxxxxxxxxxxx')
      .workspaces.retrieve(ws)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: 'unauthorized' });
    expect((error as AuthenticationError).requestId).toEqual(expect.any(String));
  });
});

describe('funding', () => {
  it('grants a promotional lot (platform) and tops up (admin)', async () => {
    const lot = await platform.lots.grant(ws, {
      kind: 'promotional',
      amountMicros: parseAmountToMicros('2.00'),
      expiresAt: null,
      reason: 'welcome credit',
    });
    expect(lot).toMatchObject({ kind: 'promotional', remainingMicros: 2_000_000, scope: 'workspace' });

    const topup = await as.admin.topups.create(ws, { amountMicros: parseAmountToMicros('10') });
    expect(topup).toMatchObject({
      status: 'succeeded',
      amountMicros: 10_000_000,
      testFunds: true,
      paid: false,
    });
    expect((await as.admin.topups.retrieve(ws, topup.id)).id).toBe(topup.id);

    const balance = await as.server.balance.retrieve(ws);
    expect(balance).toMatchObject({ availableMicros: 12_000_000, reservedMicros: 0, deficitMicros: 0 });
    expect(balance.byKind).toMatchObject({ promotional: 2_000_000, purchased: 10_000_000 });
  });

  it('lists lots in burn order: promotional before purchased', async () => {
    const kinds = [];
    for await (const lot of as.admin.lots.list(ws)) kinds.push(lot.kind);
    expect(kinds).toEqual(['promotional', 'purchased']);
  });

  it('refuses a top-up from a plain member with PermissionDeniedError', async () => {
    const error = await as.member.topups.create(ws, { amountMicros: 5_000_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(error).toMatchObject({ status: 403, code: 'billing_access_required' });
  });

  it('lets a member key reserve only for its own member', async () => {
    const own = await as.member.reservations.create(ws, { feature: 'coding_session', estimateMicros: 1_000 });
    expect(own.memberId).toBe('member_1');
    await as.member.reservations.void(ws, own.id);
    const error = await as.member.reservations
      .create(ws, { feature: 'coding_session', estimateMicros: 1_000, memberId: 'admin_1' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(error).toMatchObject({ code: 'forbidden' });
  });

  it('says who each key is', async () => {
    expect(await platform.me.retrieve()).toMatchObject({ keyType: 'platform', workspaceId: null });
    expect(await as.server.me.retrieve()).toMatchObject({ keyType: 'server', workspaceId: ws, role: null });
    const member = await as.member.me.retrieve();
    expect(member).toMatchObject({
      keyType: 'member',
      memberId: 'member_1',
      role: 'member',
      billingAccess: false,
    });
    expect(member.workspace).toMatchObject({ id: ws, unit: 'usd', hosting: 'cloud', enterprise: false });
    expect((await as.admin.me.retrieve()).billingAccess).toBe(true);
  });
});

describe('reserve, capture, void, extend', () => {
  it('captures less than held, drawing promotional funds first', async () => {
    const hold = await as.server.reservations.create(ws, {
      feature: 'coding_session',
      memberId: 'member_1',
      estimateMicros: 3_000_000,
      ttlSeconds: 600,
    });
    expect(hold).toMatchObject({ status: 'held', heldMicros: 3_000_000, metered: true });
    expect((await as.server.balance.retrieve(ws)).reservedMicros).toBe(3_000_000);

    const extended = await as.server.reservations.extend(ws, hold.id, {
      additionalMicros: 500_000,
      ttlSeconds: 900,
    });
    expect(extended.heldMicros).toBe(3_500_000);

    const { reservation, charge } = await as.server.reservations.capture(ws, hold.id, {
      amountMicros: 2_500_000,
      outcome: 'succeeded',
    });
    expect(reservation.status).toBe('captured');
    expect(charge?.amountMicros).toBe(2_500_000);
    expect(charge?.draws.map((d) => [d.kind, d.amountMicros])).toEqual([
      ['promotional', 2_000_000],
      ['purchased', 500_000],
    ]);
    const balance = await as.server.balance.retrieve(ws);
    expect(balance).toMatchObject({ availableMicros: 9_500_000, reservedMicros: 0 });
  });

  it('voids a hold and releases it', async () => {
    const hold = await as.server.reservations.create(ws, {
      feature: 'coding_session',
      estimateMicros: 1_000_000,
    });
    const voided = await as.server.reservations.void(ws, hold.id);
    expect(voided.status).toBe('voided');
    expect((await as.server.reservations.retrieve(ws, hold.id)).status).toBe('voided');
    expect((await as.server.balance.retrieve(ws)).reservedMicros).toBe(0);
    const again = await as.server.reservations
      .capture(ws, hold.id, { amountMicros: 1, outcome: 'succeeded' })
      .catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ConflictError);
    expect(again).toMatchObject({ code: 'reservation_voided' });
  });

  it('charges in one step and estimates before a task', async () => {
    const charge = await as.server.charges.create(ws, { feature: 'coding_session', amountMicros: 100_000 });
    expect((await as.server.charges.retrieve(ws, charge.id)).amountMicros).toBe(100_000);
    const estimate = await as.member.estimates.create(ws, { feature: 'coding_session', taskKind: 'bug_fix' });
    expect(estimate.highMicros).toBeGreaterThanOrEqual(estimate.lowMicros);
    expect(typeof estimate.covered).toBe('boolean');
  });

  it('answers 402 with InsufficientCreditsError when work may not begin', async () => {
    const error = await as.otherServer.reservations
      .create(other, { feature: 'coding_session', estimateMicros: 1_000_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientCreditsError);
    expect(error).toMatchObject({ status: 402, code: 'insufficient_credits' });
  });

  it('rejects bad input with BadRequestError and a stable code', async () => {
    const error = await as.server.reservations
      .create(ws, {
        feature: 'coding_session',
        estimateMicros: 1,
        usageEstimate: { inputTokens: 1, outputTokens: 1 },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_request' });
  });
});

describe('isolation', () => {
  it('answers 404 for another workspace, whatever the route', async () => {
    for (const call of [
      () => as.otherServer.workspaces.retrieve(ws),
      () => as.otherServer.balance.retrieve(ws),
      () => as.otherServer.reservations.create(ws, { feature: 'coding_session', estimateMicros: 1 }),
    ]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error).toMatchObject({ status: 404, code: 'not_found' });
    }
  });
});

describe('idempotency', () => {
  it('replays a capture whose answer was lost, charging once', async () => {
    const hold = await as.server.reservations.create(ws, {
      feature: 'coding_session',
      estimateMicros: 400_000,
    });
    const before = (await as.server.balance.retrieve(ws)).availableMicros;

    // A fetch that lets the first request reach the API, then loses the answer: the SDK sees a
    // network error after the server committed, and must retry with the same key.
    const keys: (string | null)[] = [];
    const replayed: (string | null)[] = [];
    let lost = false;
    const flaky = createClient({
      baseUrl: service.url,
      apiKey: (await platform.apiKeys.create(ws, { type: 'server' })).secret,
      maxRetries: 2,
      fetch: async (input, init) => {
        const request = new Request(input, init);
        keys.push(request.headers.get('idempotency-key'));
        const response = await fetch(request);
        replayed.push(response.headers.get('idempotent-replayed'));
        if (!lost) {
          lost = true;
          throw new TypeError('fetch failed: connection reset after the server answered');
        }
        return response;
      },
    });
    const { charge } = await flaky.reservations.capture(ws, hold.id, {
      amountMicros: 300_000,
      outcome: 'partial',
    });

    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(replayed).toEqual([null, 'true']);
    expect(charge?.amountMicros).toBe(300_000);
    expect((await as.server.balance.retrieve(ws)).availableMicros).toBe(before - 300_000);
  });

  it('returns the first result for a replayed key and 409 for the same key with another body', async () => {
    const key = `topup-${Date.now()}`;
    const first = await as.admin.topups.create(ws, { amountMicros: 5_000_000 }, { idempotencyKey: key });
    const second = await as.admin.topups.create(ws, { amountMicros: 5_000_000 }, { idempotencyKey: key });
    expect(second.id).toBe(first.id);
    const mismatch = await as.admin.topups
      .create(ws, { amountMicros: 6_000_000 }, { idempotencyKey: key })
      .catch((e: unknown) => e);
    expect(mismatch).toBeInstanceOf(ConflictError);
    expect(mismatch).toMatchObject({ status: 409, code: 'idempotency_mismatch' });
  });
});

describe('pagination and reports', () => {
  it('iterates every transaction across small pages, matching one large page', async () => {
    const all = await as.admin.transactions.list(ws, { limit: 100 });
    expect(all.data.length).toBeGreaterThan(4);
    expect(all.hasNextPage()).toBe(false);

    const ids: string[] = [];
    for await (const entry of as.admin.transactions.list(ws, { limit: 2 })) ids.push(entry.id);
    expect(ids).toEqual(all.data.map((entry) => entry.id));

    const firstPage = await as.admin.transactions.list(ws, { limit: 2 });
    expect(firstPage.data).toHaveLength(2);
    expect(firstPage.hasNextPage()).toBe(true);
  });

  it('reports usage by feature', async () => {
    const report = await as.admin.usage.retrieve(ws, { groupBy: 'feature' });
    expect(report.groups.find((g) => g.key === 'coding_session')?.amountMicros).toBe(2_900_000);
  });

  it('moves the test clock forward only (platform)', async () => {
    const { now } = await platform.testClock.retrieve();
    const moved = await platform.testClock.advance(60);
    expect(Date.parse(moved.now) - Date.parse(now)).toBeGreaterThanOrEqual(60_000);
    const forbidden = await as.admin.testClock.advance(1).catch((e: unknown) => e);
    expect(forbidden).toBeInstanceOf(PermissionDeniedError);
  });

  it('creates a webhook endpoint whose secret is returned once', async () => {
    const endpoint = await as.admin.webhookEndpoints.create(ws, {
      url: 'https://hooks.example/credits',
      events: ['*'],
    });
    expect(endpoint.secret.length).toBeGreaterThan(10);
    const listed = await as.admin.webhookEndpoints.list(ws);
    expect(listed.data.map((e) => e.id)).toContain(endpoint.id);
  });
});

describe('more of the surface, validated against the contract', () => {
  it('passes self-hosted work straight through, unmetered', async () => {
    const selfHosted = 'ws_sdk_e2e_self_hosted';
    await platform.workspaces.create({ id: selfHosted, name: 'Own keys', hosting: 'self_hosted' });
    const hold = await platform.reservations.create(selfHosted, {
      feature: 'coding_session',
      estimateMicros: 9_000_000,
    });
    expect(hold.metered).toBe(false);
    const { charge } = await platform.reservations.capture(selfHosted, hold.id, {
      amountMicros: 1,
      outcome: 'succeeded',
    });
    // Unmetered work settles as a zero-amount charge that draws nothing.
    expect(charge).toMatchObject({ amountMicros: 0, draws: [], deficitMicros: 0, overageMicros: 0 });
  });

  it('reads a member, the member balance, billing, settings and the deletion preview', async () => {
    expect((await as.member.members.retrieve(ws, 'member_1')).role).toBe('member');
    const balance = await as.member.balance.retrieve(ws, { memberId: 'member_1' });
    expect(balance.memberId).toBe('member_1');
    const billing = await as.admin.billing.retrieve(ws);
    expect(billing).toMatchObject({ mode: 'no_payment', billingAccess: 'admins_and_owners' });
    const updated = await as.admin.billing.update(ws, { address: { country: 'US', state: 'CA' } });
    expect(updated.address?.country).toBe('US');
    const settings = await as.admin.workspaces.updateSettings(ws, {
      lowBalanceThresholdsMicros: [5_000_000],
    });
    expect(settings.settings.lowBalanceThresholdsMicros).toEqual([5_000_000]);
    const preview = await as.owner.workspaces.deletionPreview(ws);
    expect(preview.forfeitedMicros).toBe((await as.owner.balance.retrieve(ws)).availableMicros);
  });

  it('deletes a workspace only with the confirmation (owner)', async () => {
    const doomed = 'ws_sdk_e2e_doomed';
    await platform.workspaces.create({ id: doomed, name: 'Doomed' });
    const refused = await platform.workspaces.delete(doomed, { confirm: 'wrong' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BadRequestError);
    expect(refused).toMatchObject({ code: 'confirmation_required' });
    const { confirm } = await platform.workspaces.deletionPreview(doomed);
    const deleted = await platform.workspaces.delete(doomed, { confirm });
    expect(deleted.workspaceId).toBe(doomed);
  });

  it('revokes a key, which then fails with AuthenticationError', async () => {
    const key = await as.admin.apiKeys.create(ws, { type: 'server', name: 'short-lived' });
    await as.admin.apiKeys.revoke(ws, key.id);
    const error = await clientWith(key.secret)
      .workspaces.retrieve(ws)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
  });
});
