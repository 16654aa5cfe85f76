import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, grant, type Harness, startHarness, type TestWorkspace, topUp, USD } from './harness.js';

/** Cursor paging of members, API keys, webhook endpoints and lots; TTL-only extensions. */
let h: Harness;
const DAY = 86_400_000;

beforeAll(async () => {
  h = await startHarness();
  await h.setClock('2031-09-01T00:00:00.000Z');
});
afterAll(async () => {
  await h?.close();
});

/** Every item of a list, page by page, checking that pages do not overlap. */
async function allPages(key: string, path: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const url: string = `${path}${sep}limit=${limit}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const r = await h.call('GET', url, { key });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.data.length).toBeLessThanOrEqual(limit);
    ids.push(...r.body.data.map((item: { id: string }) => item.id));
    cursor = r.body.nextCursor;
    pages += 1;
  } while (cursor !== null && pages < 50);
  expect(new Set(ids).size).toBe(ids.length);
  return { ids, pages };
}

async function firstPageIds(key: string, path: string): Promise<string[]> {
  const r = await h.call('GET', path, { key });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  expect(r.body.nextCursor).toBeNull();
  return r.body.data.map((item: { id: string }) => item.id);
}

describe('cursor paging', () => {
  it('pages members, API keys and webhook endpoints', async () => {
    const ws = await h.workspace();
    for (const id of ['m_a', 'm_b', 'm_c']) {
      const m = await h.call('PUT', `/v1/workspaces/${ws.id}/members/${id}`, { body: { role: 'member' } });
      expect(m.status).toBe(200);
    }
    const members = `/v1/workspaces/${ws.id}/members`;
    const page1 = await h.call('GET', `${members}?limit=2`, { key: ws.admin });
    expect(page1.body.data.map((m: { id: string }) => m.id)).toEqual(['admin', 'm_a']);
    const page2 = await h.call('GET', `${members}?limit=2&cursor=${page1.body.nextCursor}`, {
      key: ws.admin,
    });
    expect(page2.body.data.map((m: { id: string }) => m.id)).toEqual(['m_b', 'm_c']);
    const all = await firstPageIds(ws.admin, members);
    expect(all).toEqual(['admin', 'm_a', 'm_b', 'm_c', 'member', 'owner']);
    expect((await allPages(ws.admin, members, 2)).ids).toEqual(all);

    // Four keys (three member keys and a server key), in creation order.
    const keys = `/v1/workspaces/${ws.id}/api-keys`;
    const keyPages = await allPages(ws.admin, keys, 3);
    expect(keyPages).toEqual({ ids: await firstPageIds(ws.admin, keys), pages: 2 });
    expect(keyPages.ids).toHaveLength(4);
    expectError(await h.call('GET', `${keys}?cursor=nonsense`, { key: ws.admin }), 400, 'invalid_request');

    const endpoints = `/v1/workspaces/${ws.id}/webhook-endpoints`;
    for (let i = 0; i < 3; i += 1) {
      const e = await h.call('POST', endpoints, {
        key: ws.admin,
        body: { url: `https://hooks.example.com/${i}`, events: ['*'] },
      });
      expect(e.status, JSON.stringify(e.body)).toBe(201);
    }
    const endpointPages = await allPages(ws.admin, endpoints, 2);
    expect(endpointPages).toEqual({ ids: await firstPageIds(ws.admin, endpoints), pages: 2 });
    expect(endpointPages.ids).toHaveLength(3);
  });

  it('pages lots in burn order, open and closed alike', async () => {
    const ws = await h.workspace();
    const now = await h.now();
    await topUp(h, ws, 10 * USD);
    await grant(h, ws, { kind: 'support', amountMicros: 1 * USD, lotId: 'support_1' });
    await grant(h, ws, {
      kind: 'promotional',
      amountMicros: 1 * USD,
      lotId: 'promo_late',
      expiresAt: iso(now + 9 * DAY),
    });
    await grant(h, ws, {
      kind: 'promotional',
      amountMicros: 1 * USD,
      lotId: 'promo_soon',
      expiresAt: iso(now + 2 * DAY),
    });
    await grant(h, ws, {
      kind: 'promotional',
      amountMicros: 1 * USD,
      lotId: 'promo_gone',
      expiresAt: iso(now + DAY),
    });
    await grant(h, ws, {
      kind: 'included',
      amountMicros: 1 * USD,
      lotId: 'incl_gone',
      expiresAt: iso(now + DAY),
    });
    await grant(h, ws, {
      kind: 'support',
      amountMicros: 1 * USD,
      lotId: 'support_member',
      memberId: 'member',
    });

    const lots = `/v1/workspaces/${ws.id}/lots`;
    const open = await firstPageIds(ws.admin, lots);
    expect(open.slice(0, 4)).toEqual(['promo_gone', 'promo_soon', 'promo_late', 'incl_gone']);
    expect(open).toHaveLength(7);
    expect(await allPages(ws.admin, lots, 2)).toEqual({ ids: open, pages: 4 });

    // Two lots expire and a money operation closes them; `all` pages through open and closed.
    await h.advance(36 * 3600);
    await grant(h, ws, { kind: 'support', amountMicros: 1 * USD, lotId: 'support_2' });
    const closed = await h.call('GET', `${lots}?status=expired`, { key: ws.admin });
    expect(
      closed.body.data.map((l: { id: string; closedAt: string | null }) => [l.id, l.closedAt !== null]),
    ).toEqual([
      ['promo_gone', true],
      ['incl_gone', true],
    ]);
    const all = await firstPageIds(ws.admin, `${lots}?status=all`);
    expect(all).toHaveLength(8);
    expect(all.slice(0, 4)).toEqual(['promo_gone', 'promo_soon', 'promo_late', 'incl_gone']);
    for (const limit of [1, 3]) {
      expect((await allPages(ws.admin, `${lots}?status=all`, limit)).ids).toEqual(all);
    }
    // Filters apply before paging: a plain member sees only lots they may draw.
    const mine = await allPages(ws.member, `${lots}?status=all`, 2);
    expect(mine.ids).toEqual(all);
    const theirs = await allPages(ws.owner, `${lots}?status=all&memberId=owner`, 2);
    expect(theirs.ids).toEqual(all.filter((id) => id !== 'support_member'));
    expectError(await h.call('GET', `${lots}?cursor=lot_never`, { key: ws.admin }), 400, 'invalid_request');
  });
});

describe('TTL-only reservation extensions', () => {
  const reserve = async (ws: TestWorkspace, ttlSeconds: number) => {
    const r = await h.call('POST', `/v1/workspaces/${ws.id}/reservations`, {
      key: ws.server,
      body: { feature: 'coding_session', estimateMicros: 2 * USD, memberId: 'member', ttlSeconds },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  };

  it('additionalMicros 0 with ttlSeconds pushes the expiry without a new hold', async () => {
    const ws = await h.workspace();
    await topUp(h, ws, 5 * USD);
    const hold = await reserve(ws, 60);
    const now = await h.now();
    const pushed = await h.call('POST', `/v1/workspaces/${ws.id}/reservations/${hold.id}/extend`, {
      key: ws.member,
      body: { additionalMicros: 0, ttlSeconds: 3600 },
    });
    expect(pushed.status, JSON.stringify(pushed.body)).toBe(200);
    expect(pushed.body).toMatchObject({
      heldMicros: 2 * USD,
      status: 'held',
      expiresAt: iso(now + 3600_000),
    });
    const entries = await h.call('GET', `/v1/workspaces/${ws.id}/transactions`, { key: ws.admin });
    expect(entries.body.data.map((e: { type: string }) => e.type)).not.toContain('reservation_extended');
    // Past the old expiry the hold still counts.
    await h.advance(120);
    const balance = await h.call('GET', `/v1/workspaces/${ws.id}/balance`, { key: ws.admin });
    expect(balance.body.reservedMicros).toBe(2 * USD);
  });

  it('refuses additionalMicros 0 without ttlSeconds with a clear 400', async () => {
    const ws = await h.workspace();
    await topUp(h, ws, 5 * USD);
    const hold = await reserve(ws, 600);
    const r = await h.call('POST', `/v1/workspaces/${ws.id}/reservations/${hold.id}/extend`, {
      key: ws.server,
      body: { additionalMicros: 0 },
    });
    expectError(r, 400, 'invalid_request');
    expect(r.body.error.message).toMatch(/ttlSeconds/);
  });
});

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
