import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  balance,
  expectError,
  grant,
  type Harness,
  outboxTypes,
  startHarness,
  type TestWorkspace,
  topUp,
  USD,
} from './harness.js';

/** Plane-style included credits: seats, pooling, overage; plus self-hosted mode and deletion. */
let h: Harness;
const CREDIT = 1_000_000;
const DAY = 86_400_000;

beforeAll(async () => {
  h = await startHarness();
  await h.setClock('2030-06-01T00:00:00.000Z');
});
afterAll(async () => {
  await h?.close();
});

const reserve = (ws: TestWorkspace, body: Record<string, unknown>) =>
  h.call('POST', `/v1/workspaces/${ws.id}/reservations`, {
    key: ws.server,
    body: { feature: 'coding_session', ...body },
  });
const charge = (ws: TestWorkspace, body: Record<string, unknown>) =>
  h.call('POST', `/v1/workspaces/${ws.id}/charges`, {
    key: ws.server,
    body: { feature: 'coding_session', ...body },
  });
const creditsWorkspace = (settings: Record<string, unknown>, seats = { member: true, admin: true }) =>
  h.workspace({ unit: 'credits', plan: 'pro', settings: { maxDeficitMicros: 0, ...settings }, seats });

describe('seats and included credits', () => {
  it('active paid seats get their own included lot; unpaid seats get nothing; no pooling by default', async () => {
    const ws = await creditsWorkspace({ includedMicrosPerSeat: 10 * CREDIT });
    const member = await balance(h, ws, 'member');
    expect(member.memberIncludedRemainingMicros).toBe(10 * CREDIT);
    expect(member.spendableMicros).toBe(10 * CREDIT);
    expect((await balance(h, ws, 'owner')).memberIncludedRemainingMicros).toBe(0);
    const lots = await h.call('GET', `/v1/workspaces/${ws.id}/lots`, { key: ws.admin });
    expect(lots.body.data.map((l: { scope: string }) => l.scope).sort()).toEqual([
      'member:admin',
      'member:member',
    ]);
    const seatLot = lots.body.data.find((l: { scope: string }) => l.scope === 'member:member');
    expect(seatLot).toMatchObject({ kind: 'included', source: 'plan_period' });
    // Included seat credits expire at the end of the billing period.
    const workspace = await h.call('GET', `/v1/workspaces/${ws.id}`, { key: ws.member });
    expect(seatLot.expiresAt).toBe(workspace.body.billingPeriod.end);

    const r1 = await reserve(ws, { memberId: 'member', estimateMicros: 6 * CREDIT });
    expect(r1.status).toBe(201);
    const c1 = await h.call('POST', `/v1/workspaces/${ws.id}/reservations/${r1.body.id}/capture`, {
      key: ws.server,
      body: { amountMicros: 6 * CREDIT },
    });
    expect(c1.body.charge.draws).toEqual([
      expect.objectContaining({ scope: 'member:member', amountMicros: 6 * CREDIT }),
    ]);
    expectError(
      await reserve(ws, { memberId: 'member', estimateMicros: 5 * CREDIT }),
      402,
      'overage_disabled',
    );
    const c2 = await charge(ws, { memberId: 'member', amountMicros: 4 * CREDIT });
    expect(c2.status).toBe(201);
    expectError(await reserve(ws, { memberId: 'member', estimateMicros: 1 }), 402, 'overage_disabled');
    expect(await outboxTypes(h, ws.id)).toContain('seat.exhausted');
    // The admin's seat is untouched and not shared.
    expect((await reserve(ws, { memberId: 'admin', estimateMicros: 1 * CREDIT })).status).toBe(201);
    expectError(await reserve(ws, { memberId: 'owner', estimateMicros: 1 }), 402, 'overage_disabled');
    expectError(await reserve(ws, { estimateMicros: 1 }), 402, 'overage_disabled');

    // Pooling on: the member may now draw from the admin's seat.
    await h.call('PATCH', `/v1/workspaces/${ws.id}/settings`, { key: ws.admin, body: { seatPooling: true } });
    const pooled = await charge(ws, { memberId: 'member', amountMicros: 2 * CREDIT });
    expect(pooled.status).toBe(201);
    expect(pooled.body.draws).toEqual([
      expect.objectContaining({ scope: 'member:admin', amountMicros: 2 * CREDIT }),
    ]);
  });

  it('a seat that becomes paid mid-period gets its credits at once, once', async () => {
    const ws = await creditsWorkspace({ includedMicrosPerSeat: 3 * CREDIT }, { member: false, admin: false });
    expect((await balance(h, ws, 'member')).memberIncludedRemainingMicros).toBe(0);
    await h.call('PUT', `/v1/workspaces/${ws.id}/members/member`, {
      key: ws.admin,
      body: { role: 'member', seat: { paid: true, active: true } },
    });
    await h.call('PUT', `/v1/workspaces/${ws.id}/members/member`, {
      key: ws.admin,
      body: { role: 'member', seat: { paid: true, active: true } },
    });
    expect((await balance(h, ws, 'member')).memberIncludedRemainingMicros).toBe(3 * CREDIT);
    expect((await balance(h, ws)).byKind.included).toBe(3 * CREDIT);
  });

  it('a seat change whose credits the ledger cannot hold is refused whole, writing nothing', async () => {
    const ws = await creditsWorkspace({ includedMicrosPerSeat: 3 * CREDIT }, { member: false, admin: false });
    // Lots already as large as a safe integer allows: one more seat's credits would overflow.
    await grant(h, ws, { kind: 'promotional', amountMicros: Number.MAX_SAFE_INTEGER - CREDIT });
    const before = await h.call('GET', `/v1/workspaces/${ws.id}/members/member`);
    const refused = await h.call('PUT', `/v1/workspaces/${ws.id}/members/member`, {
      key: ws.admin,
      body: { role: 'admin', seat: { paid: true, active: true }, name: 'Promoted' },
    });
    expectError(refused, 400, 'invalid_amount');
    // The member is as it was: neither the role nor the seat changed.
    expect((await h.call('GET', `/v1/workspaces/${ws.id}/members/member`)).body).toEqual(before.body);
    expect((await balance(h, ws, 'member')).memberIncludedRemainingMicros).toBe(0);
  });

  it('a new period expires the old seat credits and grants new ones', async () => {
    const ws = await creditsWorkspace({ includedMicrosPerSeat: 5 * CREDIT });
    await charge(ws, { memberId: 'member', amountMicros: 2 * CREDIT });
    const period = (await h.call('GET', `/v1/workspaces/${ws.id}`, { key: ws.member })).body.billingPeriod;
    const now = await h.now();
    await h.advance((Date.parse(period.end) - now) / 1000);
    const b = await balance(h, ws, 'member');
    expect(b.memberIncludedRemainingMicros).toBe(5 * CREDIT);
    expect(b.overage.period.start).toBe(period.end);
    const tx = await h.call('GET', `/v1/workspaces/${ws.id}/transactions?limit=100`, { key: ws.admin });
    const expired = tx.body.data.filter((e: { type: string }) => e.type === 'lot_expired');
    expect(
      expired.map((e: { amountMicros: number }) => e.amountMicros).sort((a: number, b: number) => a - b),
    ).toEqual([-5 * CREDIT, -3 * CREDIT]);
  });
});

describe('overage', () => {
  it('with overage on, work continues as workspace overage up to the cap', async () => {
    const ws = await creditsWorkspace({
      includedMicrosPerSeat: 5 * CREDIT,
      overage: { enabled: true, monthlyCapMicros: 3 * CREDIT },
    });
    const c1 = await charge(ws, { memberId: 'member', amountMicros: 6 * CREDIT });
    expect(c1.status).toBe(201);
    expect(c1.body).toMatchObject({ overageMicros: 1 * CREDIT, deficitMicros: 0 });
    let b = await balance(h, ws, 'member');
    expect(b.overage).toMatchObject({ enabled: true, usedMicros: 1 * CREDIT, capMicros: 3 * CREDIT });
    expect(b.canBegin).toBe(true);
    expect((await reserve(ws, { memberId: 'member', estimateMicros: 1 * CREDIT })).status).toBe(201);
    await charge(ws, { memberId: 'member', amountMicros: 2 * CREDIT });
    b = await balance(h, ws, 'member');
    expect(b.overage.usedMicros).toBe(3 * CREDIT);
    expectError(await reserve(ws, { memberId: 'member', estimateMicros: 1 }), 402, 'overage_cap_reached');
    const types = await outboxTypes(h, ws.id);
    expect(types).toEqual(
      expect.arrayContaining(['seat.exhausted', 'overage.started', 'overage.cap_reached']),
    );
    const usage = await h.call('GET', `/v1/workspaces/${ws.id}/usage?groupBy=member`, { key: ws.admin });
    expect(usage.body.overageMicros).toBe(3 * CREDIT);
    expect(usage.body.groups).toEqual([
      expect.objectContaining({ key: 'member', overageMicros: 3 * CREDIT }),
    ]);

    // Only admins toggle overage; with it off, new work stops.
    expectError(
      await h.call('PATCH', `/v1/workspaces/${ws.id}/settings`, {
        key: ws.member,
        body: { overage: { enabled: false } },
      }),
      403,
      'forbidden',
    );
    await h.call('PATCH', `/v1/workspaces/${ws.id}/settings`, {
      key: ws.admin,
      body: { overage: { enabled: false } },
    });
    expectError(await reserve(ws, { memberId: 'member', estimateMicros: 1 }), 402, 'overage_disabled');
  });

  it('with overage on and no cap, work never stops', async () => {
    const ws = await creditsWorkspace({
      includedMicrosPerSeat: 1 * CREDIT,
      overage: { enabled: true, monthlyCapMicros: null },
    });
    for (let i = 0; i < 3; i += 1)
      expect((await charge(ws, { memberId: 'member', amountMicros: 5 * CREDIT })).status).toBe(201);
    expect((await balance(h, ws, 'member')).overage.usedMicros).toBe(14 * CREDIT);
  });
});

describe('self-hosted', () => {
  it('meters nothing and never blocks', async () => {
    const ws = await h.workspace({ hosting: 'self_hosted' });
    const r = await reserve(ws, { estimateMicros: 50 * USD, memberId: 'member' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ metered: false, heldMicros: 0 });
    const cap = await h.call('POST', `/v1/workspaces/${ws.id}/reservations/${r.body.id}/capture`, {
      key: ws.server,
      body: { amountMicros: 7 * USD },
    });
    expect(cap.status).toBe(200);
    // A zero-amount charge with no draws, recorded for visibility; no ledger entries.
    expect(cap.body.charge).toMatchObject({
      reservationId: r.body.id,
      amountMicros: 0,
      draws: [],
      deficitMicros: 0,
      overageMicros: 0,
    });
    const entries = await h.call('GET', `/v1/workspaces/${ws.id}/transactions`, { key: ws.admin });
    expect(entries.body.data).toEqual([]);
    expect((await charge(ws, { amountMicros: 3 * USD })).status).toBe(201);
    const b = await balance(h, ws);
    expect(b).toMatchObject({ canBegin: true, deficitMicros: 0, availableMicros: 0 });
    const est = await h.call('POST', `/v1/workspaces/${ws.id}/estimates`, {
      key: ws.member,
      body: { taskKind: 'feature' },
    });
    expect(est.body.covered).toBe(true);
  });
});

describe('workspace deletion', () => {
  it('previews what is forfeited, needs the owner and an explicit confirmation, then forfeits everything', async () => {
    const ws = await h.workspace();
    const now = await h.now();
    await topUp(h, ws, 20 * USD);
    await grant(h, ws, {
      kind: 'promotional',
      amountMicros: 2 * USD,
      expiresAt: new Date(now + 3 * DAY).toISOString(),
    });
    const held = await reserve(ws, { estimateMicros: 1 * USD });
    expectError(
      await h.call('GET', `/v1/workspaces/${ws.id}/deletion-preview`, { key: ws.admin }),
      403,
      'forbidden',
    );
    const preview = await h.call('GET', `/v1/workspaces/${ws.id}/deletion-preview`, { key: ws.owner });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({
      forfeitedMicros: 22 * USD,
      byKind: { promotional: 2 * USD, purchased: 20 * USD, included: 0, support: 0 },
      heldReservations: 1,
      confirm: ws.id,
    });
    expect(preview.body.lots).toHaveLength(2);
    expectError(
      await h.call('DELETE', `/v1/workspaces/${ws.id}`, { key: ws.owner }),
      400,
      'confirmation_required',
    );
    expectError(
      await h.call('DELETE', `/v1/workspaces/${ws.id}?confirm=nope`, { key: ws.owner }),
      400,
      'confirmation_required',
    );
    expectError(
      await h.call('DELETE', `/v1/workspaces/${ws.id}?confirm=${ws.id}`, { key: ws.admin }),
      403,
      'forbidden',
    );
    const del = await h.call('DELETE', `/v1/workspaces/${ws.id}?confirm=${ws.id}`, { key: ws.owner });
    expect(del.status).toBe(200);
    expect(del.body.forfeitedMicros).toBe(22 * USD);
    expect(del.body.lots).toHaveLength(2);

    const after = await h.call('GET', `/v1/workspaces/${ws.id}`, { key: ws.owner });
    expect(after.body.deletedAt).not.toBeNull();
    const b = await balance(h, ws);
    expect(b).toMatchObject({ availableMicros: 0, reservedMicros: 0, canBegin: false });
    expectError(await reserve(ws, { estimateMicros: 1 }), 409, 'workspace_deleted');
    expectError(
      await h.call('POST', `/v1/workspaces/${ws.id}/topups`, {
        key: ws.owner,
        body: { amountMicros: 5 * USD },
      }),
      409,
      'workspace_deleted',
    );
    const heldAfter = await h.call('GET', `/v1/workspaces/${ws.id}/reservations/${held.body.id}`, {
      key: ws.server,
    });
    expect(heldAfter.body.status).toBe('voided');
    const tx = await h.call('GET', `/v1/workspaces/${ws.id}/transactions?limit=100`, { key: ws.owner });
    const forfeited = tx.body.data.filter((e: { type: string }) => e.type === 'lot_forfeited');
    expect(forfeited.reduce((s: number, e: { amountMicros: number }) => s + e.amountMicros, 0)).toBe(
      -22 * USD,
    );
    const lots = await h.call('GET', `/v1/workspaces/${ws.id}/lots?status=forfeited`, { key: ws.owner });
    expect(lots.body.data).toHaveLength(2);
  });
});
