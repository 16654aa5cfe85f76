import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeClient, FakeConnectionError } from '../../test/fake-client.js';
import { adapters, type Running } from '../../test/servers.js';
import { createGuard } from '../guard.js';

describe.each(adapters)('$name adapter', ({ start }) => {
  const client = new FakeClient();
  client.balances.set('ws_funded', 1_000_000);
  client.balances.set('ws_empty', 0);
  client.failures.push((call) => (call.workspaceId === 'ws_down' ? new FakeConnectionError() : undefined));
  const onCapture = vi.fn();
  const guard = createGuard({ client, feature: 'coding_session', hooks: { onCapture } });
  let server: Running;

  beforeAll(async () => {
    server = await start(guard, { workspaceId: 'ws_funded', memberId: 'm1' });
  });
  afterAll(() => server.close());

  const post = (path: string, workspace: string) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'x-workspace': workspace } });

  it('passes a funded request to the handler and captures what it reported', async () => {
    const response = await post('/ai', 'ws_funded');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, mode: 'metered' });
    await vi.waitFor(() =>
      expect(client.callsOf('capture').at(-1)?.body).toEqual({ amountMicros: 1_234, outcome: 'succeeded' }),
    );
  });

  it('answers 402 with the API error body when refused, without running the handler', async () => {
    const captures = client.callsOf('capture').length;
    const response = await post('/ai', 'ws_empty');
    expect(response.status).toBe(402);
    const body = (await response.json()) as { error: { code: string; message: string; requestId: string } };
    expect(body.error.code).toBe('insufficient_credits');
    expect(body.error.requestId).toBe('req_fake');
    expect(body.error.message).toMatch(/top up/i);
    expect(client.callsOf('capture')).toHaveLength(captures);
  });

  it('answers 503 credits_unavailable when the API is unreachable', async () => {
    const response = await post('/ai', 'ws_down');
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe('credits_unavailable');
  });

  it('runs the handler inside the meter context, so the AI SDK middleware finds it', async () => {
    const response = await post('/current', 'ws_funded');
    expect(await response.json()).toEqual({ same: true });
  });

  it('captures an error response as a failed run', async () => {
    const response = await post('/broken', 'ws_funded');
    expect(response.status).toBe(500);
    await vi.waitFor(() =>
      expect(client.callsOf('capture').at(-1)?.body).toEqual({ amountMicros: 500, outcome: 'failed' }),
    );
  });
});

describe('hono adapter with a streamed body', () => {
  it('settles after the stream has been sent', async () => {
    const client = new FakeClient();
    client.balances.set('ws_funded', 1_000_000);
    const guard = createGuard({ client, feature: 'coding_session' });
    const { startHono } = await import('../../test/servers.js');
    const server = await startHono(guard, { workspaceId: 'ws_funded' });
    try {
      const response = await fetch(`${server.url}/stream`, { method: 'POST' });
      expect(await response.text()).toBe('part one;part two');
      await vi.waitFor(() =>
        expect(client.callsOf('capture').at(-1)?.body).toEqual({ amountMicros: 300, outcome: 'succeeded' }),
      );
    } finally {
      await server.close();
    }
  });
});
