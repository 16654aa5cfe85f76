import { type RunningService, startService } from '@aicredits/api';
import { type AicreditsClient, createClient } from '@aicredits/sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from './app.js';

let service: RunningService;
let platform: AicreditsClient;

beforeAll(async () => {
  service = await startService({
    port: 0,
    host: '127.0.0.1',
    dataDir: 'memory://',
    testClock: true,
    logLevel: 'error',
  });
  platform = createClient({ baseUrl: service.url, apiKey: service.platformKey ?? '' });
}, 120_000);
afterAll(() => service?.close());

async function workspaceWith(fundsMicros: number) {
  const workspace = await platform.workspaces.create({ name: 'example', settings: {} });
  await platform.members.upsert(workspace.id, 'mia', { role: 'member', seat: { paid: true, active: true } });
  if (fundsMicros > 0) {
    await platform.lots.grant(workspace.id, {
      kind: 'promotional',
      amountMicros: fundsMicros,
      expiresAt: null,
      reason: 'example',
    });
  }
  const key = await platform.apiKeys.create(workspace.id, { type: 'server' });
  const client = createClient({ baseUrl: service.url, apiKey: key.secret });
  return { workspaceId: workspace.id, client };
}

const quiet = { onError: () => undefined };
const ask = (path: string) =>
  new Request(`http://example${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-member-id': 'mia' },
    body: JSON.stringify({ prompt: 'Explain idempotency keys in two sentences.' }),
  });

describe('the guarded endpoint example', () => {
  it('answers and charges the tokens the model used', async () => {
    const { workspaceId, client } = await workspaceWith(5_000_000);
    // The guard settles after the answer's body has gone out: wait for that capture, not a guess.
    let captured: () => void = () => undefined;
    const capture = new Promise<void>((resolve) => {
      captured = resolve;
    });
    const app = createApp({ client, workspaceId, hooks: { ...quiet, onCapture: () => captured() } });
    const response = await app.fetch(ask('/summarize'));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { text: string };
    expect(body.text).toMatch(/^Summary:/);
    await capture;
    const balance = await client.balance.retrieve(workspaceId);
    expect(balance.availableMicros).toBeLessThan(5_000_000);
    expect(balance.reservedMicros).toBe(0);
  });

  it('streams an answer and charges it once the stream is sent', async () => {
    const { workspaceId, client } = await workspaceWith(5_000_000);
    const app = createApp({ client, workspaceId, hooks: quiet });
    const response = await app.fetch(ask('/chat'));
    expect(await response.text()).toMatch(/^Summary:/);
    await vi.waitFor(async () => {
      const balance = await client.balance.retrieve(workspaceId);
      expect(balance.reservedMicros).toBe(0);
      expect(balance.availableMicros).toBeLessThan(5_000_000);
    });
  });

  it('answers 402 before calling the model when the workspace cannot pay', async () => {
    const { workspaceId, client } = await workspaceWith(0);
    const app = createApp({ client, workspaceId, hooks: quiet });
    const response = await app.fetch(ask('/summarize'));
    expect(response.status).toBe(402);
    expect(await response.json()).toMatchObject({ error: { code: 'insufficient_credits' } });
  });
});
