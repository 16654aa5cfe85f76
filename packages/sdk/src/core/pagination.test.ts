import { TransactionListSchema } from '@aicredits/contract';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { entry } from '../../test/fixtures';
import { startTestServer } from '../../test/http-server';
import { createClient } from '../client';
import { AicreditsError, NotFoundError } from './errors';
import { PagePromise } from './pagination';

const server = await startTestServer();
afterAll(() => server.close());
beforeEach(() => server.reset());

/** Serves entries e1…e7 in pages of `limit`, using the index as the opaque cursor. */
function paginate(total: number) {
  server.fallback = (request) => {
    const limit = Number(request.url.searchParams.get('limit') ?? '25');
    const start = Number(request.url.searchParams.get('cursor') ?? '0');
    const end = Math.min(start + limit, total);
    const data = Array.from({ length: end - start }, (_, i) => entry(`e${start + i + 1}`));
    return { status: 200, body: { data, nextCursor: end < total ? String(end) : null } };
  };
}

const client = () => createClient({ baseUrl: server.url, apiKey: 'ak_member_x', maxRetries: 0 });

describe('list pagination', () => {
  it('iterates every item across pages with for await, following nextCursor', async () => {
    paginate(7);
    const ids: string[] = [];
    for await (const item of client().transactions.list('ws_1', { limit: 3 })) ids.push(item.id);
    expect(ids).toEqual(['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7']);
    expect(server.requests.map((r) => r.url.search)).toEqual([
      '?limit=3',
      '?limit=3&cursor=3',
      '?limit=3&cursor=6',
    ]);
    expect(server.requests[0]?.url.pathname).toBe('/v1/workspaces/ws_1/transactions');
  });

  it('awaits to exactly one page, with manual page navigation', async () => {
    paginate(5);
    const page = await client().transactions.list('ws_1', { limit: 2 });
    expect(page.data.map((e) => e.id)).toEqual(['e1', 'e2']);
    expect(page.hasNextPage()).toBe(true);
    expect(server.requests).toHaveLength(1);
    const next = await page.getNextPage();
    expect(next.data.map((e) => e.id)).toEqual(['e3', 'e4']);
    const pages = [];
    for await (const p of page.iterPages()) pages.push(p.data.length);
    expect(pages).toEqual([2, 2, 1]);
  });

  it('starts from a caller cursor and stops on the last page', async () => {
    paginate(4);
    const page = await client().transactions.list('ws_1', { limit: 10, cursor: '2' });
    expect(page.data.map((e) => e.id)).toEqual(['e3', 'e4']);
    expect(page.hasNextPage()).toBe(false);
    await expect(page.getNextPage()).rejects.toMatchObject({ code: 'no_next_page' });
    await expect(page.getNextPage()).rejects.toBeInstanceOf(AicreditsError);
  });

  it('sends nothing until awaited or iterated, and sends the first request once', async () => {
    paginate(1);
    const list = client().transactions.list('ws_1');
    expect(list).toBeInstanceOf(PagePromise);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.requests).toHaveLength(0);
    await list;
    await list;
    expect(server.requests).toHaveLength(1);
  });

  it('surfaces an error from a later page inside the loop', async () => {
    server.reply(
      { status: 200, body: { data: [entry('e1')], nextCursor: 'next' } },
      { status: 404, body: { error: { code: 'not_found', message: 'gone', requestId: 'r' } } },
    );
    const seen: string[] = [];
    const loop = async () => {
      for await (const item of client().transactions.list('ws_1')) seen.push(item.id);
    };
    await expect(loop()).rejects.toBeInstanceOf(NotFoundError);
    expect(seen).toEqual(['e1']);
  });

  it('validates each page with the contract', () => {
    expect(TransactionListSchema.safeParse({ data: [entry('e1')], nextCursor: null }).success).toBe(true);
  });
});
