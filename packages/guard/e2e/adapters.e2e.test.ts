import { generateText, streamText, wrapLanguageModel } from 'ai';
import { convertArrayToReadableStream, MockLanguageModelV3 } from 'ai/test';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { aicreditsMiddleware, createGuard } from '../src/index.js';
import { adapters, type Running } from '../test/servers.js';
import { type Api, createWorkspace, startApi, type TestWorkspace } from './harness.js';

let api: Api;
let funded: TestWorkspace;
let empty: TestWorkspace;

beforeAll(async () => {
  api = await startApi();
  funded = await createWorkspace(api, { fundsMicros: 10_000_000, members: ['m1'] });
  empty = await createWorkspace(api, { members: ['m1'] });
}, 120_000);
afterAll(() => api?.close());

describe.each(adapters)('$name adapter over real HTTP against the real API', ({ start }) => {
  let server: Running;

  beforeAll(async () => {
    // One server key can only act on its own workspace, so the apps use the platform key here
    // to serve both the funded and the empty workspace from one server.
    const guard = createGuard({ client: api.platform, feature: 'coding_session' });
    server = await start(guard, { workspaceId: funded.workspaceId, memberId: 'm1', estimateMicros: 50_000 });
  });
  afterAll(() => server.close());

  const post = (path: string, workspaceId: string) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'x-workspace': workspaceId } });

  it('answers 402 with the API error body when the workspace cannot pay', async () => {
    const response = await post('/ai', empty.workspaceId);
    expect(response.status).toBe(402);
    const body = (await response.json()) as { error: { code: string; message: string; requestId: string } };
    expect(body.error.code).toBe('insufficient_credits');
    expect(body.error.message).toEqual(expect.any(String));
    expect(body.error.requestId).toMatch(/\S/);
    const balance = await api.platform.balance.retrieve(empty.workspaceId);
    expect(balance.reservedMicros).toBe(0);
  });

  it('passes a funded request and charges what the handler reported', async () => {
    const before = await api.platform.balance.retrieve(funded.workspaceId);
    const response = await post('/ai', funded.workspaceId);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, mode: 'metered' });
    await vi.waitFor(async () => {
      const after = await api.platform.balance.retrieve(funded.workspaceId);
      expect(after.reservedMicros).toBe(0);
      expect(before.availableMicros - after.availableMicros).toBe(1_234);
    });
  });

  it('charges an error response as a failed run', async () => {
    const before = await api.platform.balance.retrieve(funded.workspaceId);
    expect((await post('/broken', funded.workspaceId)).status).toBe(500);
    await vi.waitFor(async () => {
      const after = await api.platform.balance.retrieve(funded.workspaceId);
      expect(before.availableMicros - after.availableMicros).toBe(500);
    });
  });
});

describe('the AI SDK middleware', () => {
  const usage = {
    inputTokens: { total: 1_200, noCache: 1_000, cacheRead: 200, cacheWrite: 0 },
    outputTokens: { total: 400, text: 400, reasoning: 0 },
  };
  const model = wrapLanguageModel({
    model: new MockLanguageModelV3({
      modelId: 'orion-4',
      doGenerate: async () => ({
        content: [{ type: 'text', text: 'a fix' }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage,
        warnings: [],
      }),
      doStream: async () => ({
        stream: convertArrayToReadableStream([
          { type: 'text-start', id: '1' },
          { type: 'text-delta', id: '1', delta: 'a fix' },
          { type: 'text-end', id: '1' },
          { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage },
        ]),
      }),
    }),
    middleware: aicreditsMiddleware(),
  });

  it('meters the tokens of every model call into the task, priced by the API', async () => {
    const ws = await createWorkspace(api, { fundsMicros: 10_000_000, members: ['m1'] });
    const guard = createGuard({ client: ws.server, feature: 'coding_session' });
    await guard.run(
      { workspaceId: ws.workspaceId, memberId: 'm1', estimate: { amountMicros: 100_000 } },
      async () => {
        await generateText({ model, prompt: 'fix the bug' });
        const streamed = streamText({ model, prompt: 'and explain it' });
        await streamed.text;
      },
    );
    // Two calls of orion-4: 2,000 input × $3/M + 400 cached × $0.30/M + 800 output × $15/M
    // = 6,000 + 120 + 12,000 micros.
    const balance = await ws.server.balance.retrieve(ws.workspaceId);
    expect(balance.availableMicros).toBe(10_000_000 - 18_120);
    const entries = (await api.platform.transactions.list(ws.workspaceId, { limit: 100 })).data;
    expect(entries.filter((entry) => entry.type === 'charge_draw')).toHaveLength(1);
  });
});
