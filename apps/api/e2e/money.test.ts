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
  uniqueId,
} from './harness.js';

let h: Harness;
const iso = (ms: number) => new Date(ms).toISOString();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

beforeAll(async () => {
  h = await startHarness();
  await h.setClock('2030-03-01T00:00:00.000Z');
});
afterAll(async () => {
  await h?.close();
});

const reserve = (ws: TestWorkspace, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  h.call('POST', `/v1/workspaces/${ws.id}/reservations`, {
    key: ws.server,
    body: { feature: 'coding_session', ...body },
    headers,
  });
const captureRes = (
  ws: TestWorkspace,
  id: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
) => h.call('POST', `/v1/workspaces/${ws.id}/reservations/${id}/capture`, { key: ws.server, body, headers });
const chargeNow = (ws: TestWorkspace, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  h.call('POST', `/v1/workspaces/${ws.id}/charges`, {
    key: ws.server,
    body: { feature: 'coding_session', ...body },
    headers,
  });

describe('burn order', () => {
  it('draws promotional → included → support → purchased, soonest expiry first, never-expiring last', async () => {
    const ws = await h.workspace();
    const now = await h.now();
    await topUp(h, ws, 10 * USD);
    await grant(h, ws, { kind: 'support', amountMicros: 1 * USD, lotId: `${ws.id}_support` });
    await grant(h, ws, {
      kind: 'included',
      amountMicros: 1 * USD,
      expiresAt: iso(now + 10 * DAY),
      lotId: `${ws.id}_incl`,
    });
    await grant(h, ws, {
      kind: 'promotional',
      amountMicros: 1 * USD,
      expiresAt: null,
      lotId: `${ws.id}_promo_never`,
    });
    await grant(h, ws, {
      kind: 'promotional',
      amountMicros: 1 * USD,
      expiresAt: iso(now + 5 * DAY),
      lotId: `${ws.id}_promo_5d`,
    });
    await grant(h, ws, {
      kind: 'promotional',
      amountMicros: 1 * USD,
      expiresAt: iso(now + 2 * DAY),
      lotId: `${ws.id}_promo_2d`,
    });

    const lots = await h.call('GET', `/v1/workspaces/${ws.id}/lots`, { key: ws.member });
    expect(lots.status).toBe(200);
    expect(lots.body.data.map((l: { id: string }) => l.id)).toEqual([
      `${ws.id}_promo_2d`,
      `${ws.id}_promo_5d`,
      `${ws.id}_promo_never`,
      `${ws.id}_incl`,
      `${ws.id}_support`,
      expect.stringMatching(/^lot_tu_/),
    ]);

    const charge = await chargeNow(ws, { amountMicros: 6_500_000 });
    expect(charge.status, JSON.stringify(charge.body)).toBe(201);
    expect(
      charge.body.draws.map((d: { lotId: string; amountMicros: number }) => [d.lotId, d.amountMicros]),
    ).toEqual([
      [`${ws.id}_promo_2d`, 1 * USD],
      [`${ws.id}_promo_5d`, 1 * USD],
      [`${ws.id}_promo_never`, 1 * USD],
      [`${ws.id}_incl`, 1 * USD],
      [`${ws.id}_support`, 1 * USD],
      [expect.stringMatching(/^lot_tu_/), 1_500_000],
    ]);
    expect(charge.body.deficitMicros).toBe(0);
    const b = await balance(h, ws);
    expect(b.availableMicros).toBe(8_500_000);
    expect(b.byKind).toEqual({ promotional: 0, included: 0, support: 0, purchased: 8_500_000 });

    const fetched = await h.call('GET', `/v1/workspaces/${ws.id}/charges/${charge.body.id}`, {
      key: ws.server,
    });
    expect(fetched.body.draws).toHaveLength(6);
    const depleted = await h.call('GET', `/v1/workspaces/${ws.id}/lots?status=depleted`, { key: ws.admin });
    expect(depleted.body.data).toHaveLength(5);
  });

  it('an expired lot is unspendable from its exact expiry instant, and expiry writes a ledger entry', async () => {
    const ws = await h.workspace();
    const now = await h.now();
    await topUp(h, ws, 5 * USD);
    await grant(h, ws, {
      kind: 'promotional',
      amountMicros: 2 * USD,
      expiresAt: iso(now + HOUR),
      lotId: `${ws.id}_p`,
    });
    await h.advance(3599);
    expect((await balance(h, ws)).byKind.promotional).toBe(2 * USD);
    expect(
      (await h.call('GET', `/v1/workspaces/${ws.id}/lots?expiringWithinDays=1`, { key: ws.admin })).body.data,
    ).toHaveLength(1);
    await h.advance(1);
    const b = await balance(h, ws);
    expect(b.byKind.promotional).toBe(0);
    expect(b.availableMicros).toBe(5 * USD);
    const charge = await chargeNow(ws, { amountMicros: 1 * USD });
    expect(charge.body.draws).toEqual([
      expect.objectContaining({ kind: 'purchased', amountMicros: 1 * USD }),
    ]);
    const tx = await h.call('GET', `/v1/workspaces/${ws.id}/transactions?limit=100`, { key: ws.admin });
    const expired = tx.body.data.find((e: { type: string }) => e.type === 'lot_expired');
    expect(expired).toMatchObject({ lotId: `${ws.id}_p`, amountMicros: -2 * USD });
    const lots = await h.call('GET', `/v1/workspaces/${ws.id}/lots?status=expired`, { key: ws.admin });
    expect(lots.body.data[0]).toMatchObject({ id: `${ws.id}_p`, status: 'expired', remainingMicros: 0 });
  });

  it('refuses grants that are already expired', async () => {
    const ws = await h.workspace();
    const r = await h.call('POST', `/v1/workspaces/${ws.id}/lots`, {
      body: { kind: 'promotional', amountMicros: USD, expiresAt: '2020-01-01T00:00:00.000Z', reason: 'late' },
    });
    expectError(r, 422, 'rule_violation');
  });
});

describe('reservations', () => {
  it('capture below the hold releases the rest; above it draws more', async () => {
    const ws = await h.workspace();
    await topUp(h, ws, 20 * USD);
    const r = await reserve(ws, { estimateMicros: 5 * USD, memberId: 'member' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ heldMicros: 5 * USD, status: 'held', metered: true, memberId: 'member' });
    let b = await balance(h, ws);
    expect(b.reservedMicros).toBe(5 * USD);
    expect(b.spendableMicros).toBe(15 * USD);
    const cap = await captureRes(ws, r.body.id, { amountMicros: 3 * USD });
    expect(cap.status).toBe(200);
    expect(cap.body.reservation.status).toBe('captured');
    expect(cap.body.charge).toMatchObject({
      amountMicros: 3 * USD,
      overrunMicros: 0,
      reservationId: r.body.id,
    });
    b = await balance(h, ws);
    expect(b).toMatchObject({ reservedMicros: 0, availableMicros: 17 * USD, spendableMicros: 17 * USD });

    const r2 = await reserve(ws, { estimateMicros: 1 * USD });
    const cap2 = await captureRes(ws, r2.body.id, {
      usage: {
        model: 'orion-4',
        inputTokens: 1_000_000,
        outputTokens: 100_000,
        cachedInputTokens: 0,
        sandboxSeconds: 3600,
      },
      outcome: 'failed',
    });
    expect(cap2.status).toBe(200);
    // 1M input × $3 + 100k output × $15/M + 1 h sandbox; failed runs are billable.
    expect(cap2.body.charge).toMatchObject({ outcome: 'failed', priceVersion: expect.any(String) });
    expect(cap2.body.charge.amountMicros).toBeGreaterThan(1 * USD);
    expect(cap2.body.charge.overrunMicros).toBe(cap2.body.charge.amountMicros - 1 * USD);
    expect(cap2.body.charge.usage.model).toBe('orion-4');
  });

  it('void releases a hold; captured and voided holds refuse the other action', async () => {
    const ws = await h.workspace();
    await topUp(h, ws, 10 * USD);
    const r = await reserve(ws, { estimateMicros: 4 * USD });
    const v = await h.call('POST', `/v1/workspaces/${ws.id}/reservations/${r.body.id}/void`, {
      key: ws.server,
    });
    expect(v.status).toBe(200);
    expect(v.body.status).toBe('voided');
    expect((await balance(h, ws)).reservedMicros).toBe(0);
    expectError(await captureRes(ws, r.body.id, { amountMicros: 1 }), 409, 'reservation_voided');

    const r2 = await reserve(ws, { estimateMicros: 1 * USD });
    await captureRes(ws, r2.body.id, { amountMicros: 1 * USD, chargeId: `${r2.body.id}_c1` });
    expectError(
      await captureRes(ws, r2.body.id, { amountMicros: 1 * USD, chargeId: `${r2.body.id}_c2` }),
      409,
      'reservation_captured',
    );
    expectError(
      await h.call('POST', `/v1/workspaces/${ws.id}/reservations/${r2.body.id}/void`, { key: ws.server }),
      409,
      'reservation_captured',
    );
    expectError(await captureRes(ws, 'res_missing', { amountMicros: 1 }), 404, 'not_found');
    expectError(await captureRes(ws, r2.body.id, {}), 400, 'invalid_request');
  });

  it('a hold lapses at its TTL exactly: extension refused, hold released, a late capture still settles', async () => {
    const ws = await h.workspace();
    await topUp(h, ws, 10 * USD);
    const r = await reserve(ws, { estimateMicros: 2 * USD, ttlSeconds: 60 });
    await h.advance(59);
    const ext = await h.call('POST', `/v1/workspaces/${ws.id}/reservations/${r.body.id}/extend`, {
      key: ws.server,
      body: { additionalMicros: 1 * USD, ttlSeconds: 120 },
    });
    expect(ext.status).toBe(200);
    expect(ext.body.heldMicros).toBe(3 * USD);
    await h.advance(120);
    expect((await balance(h, ws)).reservedMicros).toBe(0);
    const got = await h.call('GET', `/v1/workspaces/${ws.id}/reservations/${r.body.id}`, { key: ws.server });
    expect(got.body.status).toBe('expired');
    expectError(
      await h.call('POST', `/v1/workspaces/${ws.id}/reservations/${r.body.id}/extend`, {
        key: ws.server,
        body: { additionalMicros: 1 },
      }),
      409,
      'reservation_expired',
    );
    const late = await captureRes(ws, r.body.id, { amountMicros: 2 * USD });
    expect(late.status).toBe(200);
    expect((await balance(h, ws)).availableMicros).toBe(8 * USD);
  });

  it('usage estimates price the hold from the token prices', async () => {
    const ws = await h.workspace();
    await topUp(h, ws, 10 * USD);
    const r = await reserve(ws, { usageEstimate: { inputTokens: 1_000_000, outputTokens: 0 } });
    expect(r.status).toBe(201);
    expect(r.body.heldMicros).toBe(3 * USD);
    expectError(
      await reserve(ws, { usageEstimate: { model: 'nope', inputTokens: 1, outputTokens: 1 } }),
      422,
      'unknown_model',
    );
  });
});

describe('deficits and top-ups', () => {
  it('work cannot begin without a positive balance; a top-up covers the deficit first (−$1 + $50 → $49)', async () => {
    const ws = await h.workspace();
    expectError(await reserve(ws, { estimateMicros: 1 }), 402, 'insufficient_credits');
    await topUp(h, ws, 5 * USD);
    const r = await reserve(ws, { estimateMicros: 5 * USD });
    const cap = await captureRes(ws, r.body.id, { amountMicros: 6 * USD });
    expect(cap.body.charge).toMatchObject({ deficitMicros: 1 * USD, overrunMicros: 1 * USD });
    let b = await balance(h, ws);
    expect(b).toMatchObject({
      availableMicros: 0,
      deficitMicros: 1 * USD,
      spendableMicros: -1 * USD,
      canBegin: false,
    });
    expectError(await reserve(ws, { estimateMicros: 1 }), 402, 'insufficient_credits');
    expectError(await chargeNow(ws, { amountMicros: 1 }), 402, 'insufficient_credits');
    const t = await topUp(h, ws, 50 * USD);
    expect(t).toMatchObject({
      amountMicros: 50 * USD,
      coveredDeficitMicros: 1 * USD,
      status: 'succeeded',
      paid: false,
      testFunds: true,
    });
    b = await balance(h, ws);
    expect(b).toMatchObject({
      availableMicros: 49 * USD,
      deficitMicros: 0,
      spendableMicros: 49 * USD,
      canBegin: true,
    });
    const lot = (await h.call('GET', `/v1/workspaces/${ws.id}/lots`, { key: ws.admin })).body.data[0];
    expect(lot).toMatchObject({
      kind: 'purchased',
      source: 'test_funds',
      originalMicros: 49 * USD,
      topupId: t.id,
    });
    // Purchased funds expire 12 months after purchase.
    expect(Date.parse(lot.expiresAt) - Date.parse(lot.grantedAt)).toBeGreaterThanOrEqual(365 * DAY);
    const types = await outboxTypes(h, ws.id);
    expect(types).toEqual(
      expect.arrayContaining(['balance.negative', 'topup.succeeded', 'balance.recovered']),
    );
  });

  it('validates top-ups: whole cents, limits, billing access', async () => {
    const ws = await h.workspace();
    const body = (amountMicros: number) => ({ key: ws.admin, body: { amountMicros } });
    expectError(
      await h.call('POST', `/v1/workspaces/${ws.id}/topups`, body(5_000_001)),
      400,
      'invalid_amount',
    );
    expectError(
      await h.call('POST', `/v1/workspaces/${ws.id}/topups`, body(4_990_000)),
      422,
      'topup_amount_out_of_range',
    );
    expectError(
      await h.call('POST', `/v1/workspaces/${ws.id}/topups`, body(10_000_010_000)),
      422,
      'topup_amount_out_of_range',
    );
    const member = await h.call('POST', `/v1/workspaces/${ws.id}/topups`, {
      key: ws.member,
      body: { amountMicros: 5 * USD },
    });
    expectError(member, 403, 'billing_access_required');
    expect(member.body.error.message).toMatch(/admins and owners/);
    expectError(
      await h.call('POST', `/v1/workspaces/${ws.id}/topups`, {
        key: ws.server,
        body: { amountMicros: 5 * USD },
      }),
      403,
      'billing_access_required',
    );
    const list = await h.call('GET', `/v1/workspaces/${ws.id}/topups`, { key: ws.admin });
    expect(list.body).toEqual({ data: [], nextCursor: null });
  });

  it('on Enterprise only owners add funds', async () => {
    const ws = await h.workspace({ enterprise: true, plan: 'enterprise' });
    const admin = await h.call('POST', `/v1/workspaces/${ws.id}/topups`, {
      key: ws.admin,
      body: { amountMicros: 5 * USD },
    });
    expectError(admin, 403, 'billing_access_required');
    expect(admin.body.error.message).toMatch(/owners/);
    const owner = await h.call('POST', `/v1/workspaces/${ws.id}/topups`, {
      key: ws.owner,
      body: { amountMicros: 5 * USD },
    });
    expect(owner.status).toBe(201);
    const one = await h.call('GET', `/v1/workspaces/${ws.id}/topups/${owner.body.id}`, { key: ws.owner });
    expect(one.body.status).toBe('succeeded');
  });

  it('quotes a top-up without charging: no tax and test funds in no-payment mode, same rules as a top-up', async () => {
    const ws = await h.workspace({ enterprise: true, plan: 'enterprise' });
    const quote = (key: string, amountMicros: number) =>
      h.call('POST', `/v1/workspaces/${ws.id}/topups/quote`, { key, body: { amountMicros } });
    const q = await quote(ws.owner, 25 * USD);
    expect(q.status, JSON.stringify(q.body)).toBe(200);
    expect(q.body).toEqual({
      amountMicros: 25 * USD,
      taxMicros: 0,
      totalMicros: 25 * USD,
      currency: 'usd',
      billingAddress: null,
      paymentMethod: null,
      testFunds: true,
    });
    expectError(await quote(ws.owner, 5_000_001), 400, 'invalid_amount');
    expectError(await quote(ws.owner, 4_990_000), 422, 'topup_amount_out_of_range');
    expectError(await quote(ws.owner, 10_000_010_000), 422, 'topup_amount_out_of_range');
    expectError(await quote(ws.admin, 25 * USD), 403, 'billing_access_required');
    expectError(await quote(ws.member, 25 * USD), 403, 'billing_access_required');
    expectError(
      await h.call('POST', `/v1/workspaces/${ws.id}/topups/quote`, {
        key: ws.owner,
        body: { amountMicros: 25 * USD, extra: 1 },
      }),
      400,
      'invalid_request',
    );
    const billing = await h.call('GET', `/v1/workspaces/${ws.id}/billing`, { key: ws.owner });
    expect(billing.body.card).toBeNull();
    // A quote is only a look: nothing was created or credited.
    expect((await h.call('GET', `/v1/workspaces/${ws.id}/topups`, { key: ws.owner })).body.data).toEqual([]);
    expect((await balance(h, ws)).availableMicros).toBe(0);
  });
});

describe('idempotency', () => {
  it('replays a reservation and refuses a reused key with another body', async () => {
    const ws = await h.workspace();
    await topUp(h, ws, 10 * USD);
    const key = { 'idempotency-key': uniqueId('k') };
    const a = await reserve(ws, { estimateMicros: 2 * USD }, key);
    const b = await reserve(ws, { estimateMicros: 2 * USD }, key);
    expect(b.status).toBe(201);
    expect(b.body).toEqual(a.body);
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    expect((await balance(h, ws)).reservedMicros).toBe(2 * USD);
    expectError(await reserve(ws, { estimateMicros: 3 * USD }, key), 409, 'idempotency_mismatch');
  });

  it('never charges twice for a replayed charge, capture or top-up', async () => {
    const ws = await h.workspace();
    const tkey = { 'idempotency-key': uniqueId('t') };
    const t1 = await h.call('POST', `/v1/workspaces/${ws.id}/topups`, {
      key: ws.admin,
      body: { amountMicros: 10 * USD },
      headers: tkey,
    });
    const t2 = await h.call('POST', `/v1/workspaces/${ws.id}/topups`, {
      key: ws.admin,
      body: { amountMicros: 10 * USD },
      headers: tkey,
    });
    expect(t2.body).toEqual(t1.body);
    expect((await balance(h, ws)).availableMicros).toBe(10 * USD);
    expectError(
      await h.call('POST', `/v1/workspaces/${ws.id}/topups`, {
        key: ws.admin,
        body: { amountMicros: 20 * USD },
        headers: tkey,
      }),
      409,
      'idempotency_mismatch',
    );

    const ckey = { 'idempotency-key': uniqueId('c') };
    const c1 = await chargeNow(ws, { amountMicros: 1 * USD }, ckey);
    const c2 = await chargeNow(ws, { amountMicros: 1 * USD }, ckey);
    expect(c2.body.id).toBe(c1.body.id);
    expect((await balance(h, ws)).availableMicros).toBe(9 * USD);

    const r = await reserve(ws, { estimateMicros: 1 * USD });
    const k = { 'idempotency-key': uniqueId('cap') };
    const cap1 = await captureRes(ws, r.body.id, { amountMicros: 500_000 }, k);
    const cap2 = await captureRes(ws, r.body.id, { amountMicros: 500_000 }, k);
    expect(cap2.body).toEqual(cap1.body);
    // Without a key, a second identical capture is recognised by its derived charge id.
    const cap3 = await captureRes(ws, r.body.id, { amountMicros: 500_000 });
    expect(cap3.status).toBe(200);
    expect(cap3.body.charge.id).toBe(cap1.body.charge.id);
    expect((await balance(h, ws)).availableMicros).toBe(8_500_000);

    // Caller-chosen ids are idempotent on their own too.
    const g1 = await grant(h, ws, { kind: 'support', amountMicros: USD, lotId: `${ws.id}_adj` });
    const g2 = await grant(h, ws, { kind: 'support', amountMicros: USD, lotId: `${ws.id}_adj` });
    expect(g2.id).toBe(g1.id);
    expect((await balance(h, ws)).availableMicros).toBe(9_500_000);
  });

  it('rejects malformed idempotency keys', async () => {
    const ws = await h.workspace();
    expectError(
      await reserve(ws, { estimateMicros: 1 }, { 'idempotency-key': 'x'.repeat(300) }),
      400,
      'invalid_request',
    );
  });
});

describe('concurrency', () => {
  it('64 concurrent reservations on one workspace never hold beyond available + the deficit bound', async () => {
    const ws = await h.workspace({ settings: { maxDeficitMicros: 2 * USD } });
    await topUp(h, ws, 10 * USD);
    const replies = await Promise.all(
      Array.from({ length: 64 }, () => reserve(ws, { estimateMicros: 500_000 })),
    );
    const accepted = replies.filter((r) => r.status === 201);
    const refused = replies.filter((r) => r.status !== 201);
    for (const r of refused) expect(r.body.error.code).toBe('insufficient_credits');
    const held = accepted.length * 500_000;
    expect(held).toBeGreaterThanOrEqual(10 * USD);
    expect(held).toBeLessThanOrEqual(12 * USD);
    // Capture every hold at its full amount, concurrently: the deficit stays within the bound.
    await Promise.all(accepted.map((r) => captureRes(ws, r.body.id, { amountMicros: 500_000 })));
    const b = await balance(h, ws);
    expect(b.reservedMicros).toBe(0);
    expect(b.deficitMicros).toBeLessThanOrEqual(2 * USD);
    expect(b.availableMicros - b.deficitMicros).toBe(10 * USD - held);
  });
});

describe('reports', () => {
  it('transactions are newest first and paginate with a cursor', async () => {
    const ws = await h.workspace();
    await topUp(h, ws, 10 * USD);
    for (let i = 0; i < 3; i += 1) await chargeNow(ws, { amountMicros: 100_000 });
    const first = await h.call('GET', `/v1/workspaces/${ws.id}/transactions?limit=2`, { key: ws.admin });
    expect(first.body.data).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await h.call(
      'GET',
      `/v1/workspaces/${ws.id}/transactions?limit=2&cursor=${first.body.nextCursor}`,
      {
        key: ws.admin,
      },
    );
    const all = await h.call('GET', `/v1/workspaces/${ws.id}/transactions?limit=100`, { key: ws.admin });
    expect(all.body.data.map((e: { id: string }) => e.id).slice(0, 4)).toEqual(
      [...first.body.data, ...second.body.data].map((e: { id: string }) => e.id),
    );
    expect(all.body.data.at(-1).type).toBe('lot_granted');
    expectError(
      await h.call('GET', `/v1/workspaces/${ws.id}/transactions?limit=1000`, { key: ws.admin }),
      400,
      'invalid_request',
    );
  });

  it('usage by feature, member and day; members see only their own', async () => {
    const ws = await h.workspace();
    await topUp(h, ws, 20 * USD);
    await chargeNow(ws, { amountMicros: 1 * USD, memberId: 'member' });
    await chargeNow(ws, { amountMicros: 2 * USD, memberId: 'admin' });
    await chargeNow(ws, { amountMicros: 3 * USD, memberId: 'admin', feature: 'review' });
    const byFeature = await h.call('GET', `/v1/workspaces/${ws.id}/usage?groupBy=feature`, { key: ws.admin });
    expect(byFeature.body.groups).toEqual([
      { key: 'coding_session', amountMicros: 3 * USD, overageMicros: 0, charges: 2 },
      { key: 'review', amountMicros: 3 * USD, overageMicros: 0, charges: 1 },
    ]);
    expect(byFeature.body.totalMicros).toBe(6 * USD);
    const byMember = await h.call('GET', `/v1/workspaces/${ws.id}/usage?groupBy=member`, { key: ws.admin });
    expect(byMember.body.groups.map((g: { key: string }) => g.key)).toEqual(['admin', 'member']);
    const byDay = await h.call('GET', `/v1/workspaces/${ws.id}/usage?groupBy=day`, { key: ws.admin });
    expect(byDay.body.groups[0].key).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const own = await h.call('GET', `/v1/workspaces/${ws.id}/usage?groupBy=feature`, { key: ws.member });
    expect(own.body.memberId).toBe('member');
    expect(own.body.totalMicros).toBe(1 * USD);
    expectError(
      await h.call('GET', `/v1/workspaces/${ws.id}/usage?memberId=admin`, { key: ws.member }),
      403,
      'forbidden',
    );
  });
});

describe('estimates', () => {
  it('estimates from the price table, then from the workspace history', async () => {
    const ws = await h.workspace();
    const empty = await h.call('POST', `/v1/workspaces/${ws.id}/estimates`, {
      key: ws.member,
      body: { taskKind: 'bug_fix' },
    });
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({
      basis: 'price_table',
      model: 'orion-4',
      covered: false,
      sampleSize: 0,
    });
    expect(empty.body.lowMicros).toBeLessThanOrEqual(empty.body.highMicros);
    await topUp(h, ws, 100 * USD);
    const covered = await h.call('POST', `/v1/workspaces/${ws.id}/estimates`, {
      key: ws.member,
      body: { taskKind: 'bug_fix' },
    });
    expect(covered.body.covered).toBe(true);
    for (let i = 0; i < 6; i += 1) {
      await chargeNow(ws, {
        usage: {
          model: 'orion-4',
          inputTokens: 100_000 * (i + 1),
          outputTokens: 10_000,
          cachedInputTokens: 0,
          sandboxSeconds: 60,
        },
        taskKind: 'bug_fix',
        memberId: 'member',
      });
    }
    const history = await h.call('POST', `/v1/workspaces/${ws.id}/estimates`, {
      key: ws.member,
      body: { taskKind: 'bug_fix' },
    });
    expect(history.body).toMatchObject({ basis: 'history', sampleSize: 6 });
    expectError(
      await h.call('POST', `/v1/workspaces/${ws.id}/estimates`, {
        key: ws.member,
        body: { taskKind: 'bug_fix', model: 'zzz' },
      }),
      422,
      'unknown_model',
    );
    await h.call('PATCH', `/v1/workspaces/${ws.id}/settings`, {
      key: ws.admin,
      body: { pinnedModel: 'orion-4-mini' },
    });
    const pinned = await h.call('POST', `/v1/workspaces/${ws.id}/estimates`, {
      key: ws.member,
      body: { taskKind: 'feature' },
    });
    expect(pinned.body.model).toBe('orion-4-mini');
  });
});

describe('alerts', () => {
  it('balance.low fires once per crossing and re-arms after recovering', async () => {
    const ws = await h.workspace({ settings: { lowBalanceThresholdsMicros: [5 * USD] } });
    await topUp(h, ws, 10 * USD);
    await chargeNow(ws, { amountMicros: 6 * USD });
    await chargeNow(ws, { amountMicros: 1 * USD });
    let types = await outboxTypes(h, ws.id);
    expect(types.filter((t) => t === 'balance.low')).toHaveLength(1);
    await topUp(h, ws, 10 * USD);
    await chargeNow(ws, { amountMicros: 10 * USD });
    types = await outboxTypes(h, ws.id);
    expect(types.filter((t) => t === 'balance.low')).toHaveLength(2);
    expect(types.filter((t) => t === 'balance.recovered').length).toBeGreaterThanOrEqual(2);
    await chargeNow(ws, { amountMicros: 3 * USD });
    types = await outboxTypes(h, ws.id);
    expect(types).toContain('balance.depleted');
    const { rows } = await h.service.services.db.query<{ payload: unknown }>(
      "SELECT payload FROM outbox_events WHERE workspace_id = $1 AND type = 'balance.low' ORDER BY seq LIMIT 1",
      [ws.id],
    );
    const payload =
      typeof rows[0]?.payload === 'string' ? JSON.parse(rows[0].payload as string) : rows[0]?.payload;
    expect(payload).toMatchObject({
      type: 'balance.low',
      workspaceId: ws.id,
      data: { thresholdMicros: 5 * USD, spendableMicros: 4 * USD },
    });
  });
});
