import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  balance,
  expectError,
  grant,
  type Harness,
  startHarness,
  type TestWorkspace,
  topUp,
  USD,
  uniqueId,
} from './harness.js';

/** What member tokens may do on the guard's routes, who a key is (`/v1/me`), and members' balances. */
let h: Harness;
const CREDIT = 1_000_000;

beforeAll(async () => {
  h = await startHarness();
  await h.setClock('2031-03-01T00:00:00.000Z');
});
afterAll(async () => {
  await h?.close();
});

const path = (ws: TestWorkspace, rest: string) => `/v1/workspaces/${ws.id}/${rest}`;

describe('member tokens on reservations and charges', () => {
  it('a member token reserves, extends, captures and voids for its own member', async () => {
    const ws = await h.workspace();
    await topUp(h, ws, 20 * USD);
    const own = await h.call('POST', path(ws, 'reservations'), {
      key: ws.member,
      body: { feature: 'coding_session', estimateMicros: 2 * USD },
    });
    expect(own.status, JSON.stringify(own.body)).toBe(201);
    expect(own.body.memberId).toBe('member');
    const named = await h.call('POST', path(ws, 'reservations'), {
      key: ws.member,
      body: { feature: 'coding_session', estimateMicros: 1 * USD, memberId: 'member' },
    });
    expect(named.status).toBe(201);
    expect(named.body.memberId).toBe('member');

    const read = await h.call('GET', path(ws, `reservations/${own.body.id}`), { key: ws.member });
    expect(read.status).toBe(200);
    const extended = await h.call('POST', path(ws, `reservations/${own.body.id}/extend`), {
      key: ws.member,
      body: { additionalMicros: 1 * USD },
    });
    expect(extended.status, JSON.stringify(extended.body)).toBe(200);
    expect(extended.body.heldMicros).toBe(3 * USD);
    const captured = await h.call('POST', path(ws, `reservations/${own.body.id}/capture`), {
      key: ws.member,
      body: { amountMicros: 2_500_000 },
    });
    expect(captured.status, JSON.stringify(captured.body)).toBe(200);
    expect(captured.body.charge).toMatchObject({ memberId: 'member', amountMicros: 2_500_000 });
    const charge = await h.call('GET', path(ws, `charges/${captured.body.charge.id}`), { key: ws.member });
    expect(charge.status).toBe(200);
    const voided = await h.call('POST', path(ws, `reservations/${named.body.id}/void`), { key: ws.member });
    expect(voided.status).toBe(200);
    expect(voided.body.status).toBe('voided');

    const oneStep = await h.call('POST', path(ws, 'charges'), {
      key: ws.member,
      body: { feature: 'coding_session', amountMicros: 1 * USD },
    });
    expect(oneStep.status, JSON.stringify(oneStep.body)).toBe(201);
    expect(oneStep.body.memberId).toBe('member');
  });

  it('a member token may not name another member, whatever its role', async () => {
    const ws = await h.workspace();
    await topUp(h, ws, 20 * USD);
    for (const key of [ws.member, ws.admin, ws.owner]) {
      expectError(
        await h.call('POST', path(ws, 'reservations'), {
          key,
          body: { feature: 'coding_session', estimateMicros: 1 * USD, memberId: 'nobody_else' },
        }),
        403,
        'forbidden',
      );
    }
    expectError(
      await h.call('POST', path(ws, 'charges'), {
        key: ws.member,
        body: { feature: 'coding_session', amountMicros: 1 * USD, memberId: 'admin' },
      }),
      403,
      'forbidden',
    );
    // Nothing was held or charged.
    expect((await balance(h, ws)).reservedMicros).toBe(0);
  });

  it('other members’ and workspace-level reservations and charges are not found', async () => {
    const ws = await h.workspace();
    await topUp(h, ws, 20 * USD);
    const admins = await h.call('POST', path(ws, 'reservations'), {
      key: ws.server,
      body: { feature: 'coding_session', estimateMicros: 1 * USD, memberId: 'admin' },
    });
    const pooled = await h.call('POST', path(ws, 'reservations'), {
      key: ws.server,
      body: { feature: 'coding_session', estimateMicros: 1 * USD },
    });
    const adminCharge = await h.call('POST', path(ws, 'charges'), {
      key: ws.admin,
      body: { feature: 'coding_session', amountMicros: 1 * USD },
    });
    expect([admins.status, pooled.status, adminCharge.status]).toEqual([201, 201, 201]);
    for (const id of [admins.body.id, pooled.body.id, 'res_never_made']) {
      expectError(await h.call('GET', path(ws, `reservations/${id}`), { key: ws.member }), 404, 'not_found');
      expectError(
        await h.call('POST', path(ws, `reservations/${id}/extend`), {
          key: ws.member,
          body: { additionalMicros: 1 },
        }),
        404,
        'not_found',
      );
      expectError(
        await h.call('POST', path(ws, `reservations/${id}/capture`), {
          key: ws.member,
          body: { amountMicros: 1 },
        }),
        404,
        'not_found',
      );
      expectError(
        await h.call('POST', path(ws, `reservations/${id}/void`), { key: ws.member }),
        404,
        'not_found',
      );
    }
    expectError(
      await h.call('GET', path(ws, `charges/${adminCharge.body.id}`), { key: ws.member }),
      404,
      'not_found',
    );
    // The holds are untouched, and server keys still act for any member.
    const byServer = await h.call('POST', path(ws, `reservations/${admins.body.id}/capture`), {
      key: ws.server,
      body: { amountMicros: 1 * USD },
    });
    expect(byServer.status).toBe(200);
    expect(byServer.body.charge.memberId).toBe('admin');
    expect((await h.call('GET', path(ws, `charges/${adminCharge.body.id}`), { key: ws.server })).status).toBe(
      200,
    );
    // A member token of another workspace does not even find the workspace.
    const other = await h.workspace();
    expectError(
      await h.call('POST', path(ws, 'reservations'), {
        key: other.member,
        body: { feature: 'coding_session', estimateMicros: 1 * USD },
      }),
      404,
      'not_found',
    );
  });

  it('two members never replay each other’s request under one idempotency key', async () => {
    const ws = await h.workspace();
    await topUp(h, ws, 20 * USD);
    const headers = { 'idempotency-key': uniqueId('idem') };
    const body = { feature: 'coding_session', estimateMicros: 1 * USD };
    const first = await h.call('POST', path(ws, 'reservations'), { key: ws.member, body, headers });
    expect(first.status).toBe(201);
    const again = await h.call('POST', path(ws, 'reservations'), { key: ws.member, body, headers });
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expectError(
      await h.call('POST', path(ws, 'reservations'), { key: ws.admin, body, headers }),
      409,
      'idempotency_mismatch',
    );
  });
});

describe('GET /v1/me', () => {
  it('says what each kind of key is and may do', async () => {
    const ws = await h.workspace({ unit: 'credits' });
    const workspace = {
      id: ws.id,
      name: `Workspace ${ws.id}`,
      unit: 'credits',
      hosting: 'cloud',
      enterprise: false,
    };
    const me = async (key: string) => {
      const r = await h.call('GET', '/v1/me', { key });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body;
    };
    expect(await me(h.platformKey)).toEqual({
      keyType: 'platform',
      workspaceId: null,
      memberId: null,
      role: null,
      billingAccess: true,
    });
    expect(await me(ws.server)).toEqual({
      keyType: 'server',
      workspaceId: ws.id,
      memberId: null,
      role: null,
      billingAccess: false,
      workspace,
    });
    expect(await me(ws.owner)).toMatchObject({
      keyType: 'member',
      memberId: 'owner',
      role: 'owner',
      billingAccess: true,
    });
    expect(await me(ws.admin)).toMatchObject({ memberId: 'admin', role: 'admin', billingAccess: true });
    expect(await me(ws.member)).toEqual({
      keyType: 'member',
      workspaceId: ws.id,
      memberId: 'member',
      role: 'member',
      billingAccess: false,
      workspace,
    });

    // On Enterprise workspaces only owners have billing access; a role change shows at once.
    const enterprise = await h.workspace({ enterprise: true });
    expect((await me(enterprise.admin)).billingAccess).toBe(false);
    expect((await me(enterprise.owner)).billingAccess).toBe(true);
    await h.call('PUT', `/v1/workspaces/${enterprise.id}/members/member`, { body: { role: 'owner' } });
    expect(await me(enterprise.member)).toMatchObject({ role: 'owner', billingAccess: true });

    expectError(await h.call('GET', '/v1/me', { key: null }), 401, 'unauthorized');
    const doc = await h.call('GET', '/openapi.json', { key: null });
    expect(Object.keys(doc.body.paths)).toContain('/v1/me');
  });
});

describe('a member’s balance counts only what that member may draw', () => {
  it('excludes other members’ unpooled seat credits from available, by kind and by scope', async () => {
    const ws = await h.workspace({
      unit: 'credits',
      plan: 'pro',
      settings: { includedMicrosPerSeat: 17 * CREDIT },
      seats: { member: true, admin: true },
    });
    await grant(h, ws, { kind: 'promotional', amountMicros: 5 * CREDIT, lotId: 'promo' });
    // The member spends part of their seat, so the two seat lots differ.
    const spent = await h.call('POST', path(ws, 'charges'), {
      key: ws.member,
      body: { feature: 'coding_session', amountMicros: 14 * CREDIT },
    });
    expect(spent.status, JSON.stringify(spent.body)).toBe(201);
    // Burn order: the pooled promotion first, then the member's own seat lot.
    expect(
      spent.body.draws.map((d: { scope: string; amountMicros: number }) => [d.scope, d.amountMicros]),
    ).toEqual([
      ['workspace', 5 * CREDIT],
      ['member:member', 9 * CREDIT],
    ]);

    const own = await h.call('GET', path(ws, 'balance'), { key: ws.member });
    expect(own.status).toBe(200);
    const asked = await balance(h, ws, 'member');
    for (const view of [own.body, asked]) {
      expect(view).toMatchObject({
        memberId: 'member',
        availableMicros: 8 * CREDIT,
        spendableMicros: 8 * CREDIT,
        byKind: { promotional: 0, included: 8 * CREDIT, support: 0, purchased: 0 },
        byScope: [{ scope: 'member:member', availableMicros: 8 * CREDIT }],
        memberIncludedRemainingMicros: 8 * CREDIT,
      });
    }
    // The admin's view of the workspace is the whole pool.
    const pool = await h.call('GET', path(ws, 'balance'), { key: ws.admin });
    expect(pool.body).toMatchObject({
      memberId: null,
      availableMicros: 25 * CREDIT,
      byKind: { included: 25 * CREDIT },
    });
    // With pooling on, every seat lot is the member's to draw.
    await h.call('PATCH', path(ws, 'settings'), { key: ws.admin, body: { seatPooling: true } });
    expect(await balance(h, ws, 'member')).toMatchObject({
      availableMicros: 25 * CREDIT,
      spendableMicros: 25 * CREDIT,
      byKind: { included: 25 * CREDIT },
    });
  });
});
