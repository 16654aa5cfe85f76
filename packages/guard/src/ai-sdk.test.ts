import { generateText, streamText, wrapLanguageModel } from 'ai';
import { convertArrayToReadableStream, MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { FakeClient } from '../test/fake-client.js';
import { aicreditsMiddleware, usageFromLanguageModel } from './ai-sdk.js';
import { createGuard } from './guard.js';

const usage = {
  inputTokens: { total: 120, noCache: 100, cacheRead: 20, cacheWrite: 0 },
  outputTokens: { total: 30, text: 25, reasoning: 5 },
};

function mockModel() {
  return new MockLanguageModelV3({
    modelId: 'orion-4',
    doGenerate: async () => ({
      content: [{ type: 'text', text: 'hello' }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage,
      warnings: [],
    }),
    doStream: async () => ({
      stream: convertArrayToReadableStream([
        { type: 'text-start', id: '1' },
        { type: 'text-delta', id: '1', delta: 'hel' },
        { type: 'text-delta', id: '1', delta: 'lo' },
        { type: 'text-end', id: '1' },
        { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage },
      ]),
    }),
  });
}

function setup() {
  const client = new FakeClient();
  client.balances.set('ws', 1_000_000);
  const guard = createGuard({ client, feature: 'coding_session' });
  const model = wrapLanguageModel({ model: mockModel(), middleware: aicreditsMiddleware() });
  return { client, guard, model };
}

describe('usageFromLanguageModel', () => {
  it('splits cache reads out of the input tokens', () => {
    expect(usageFromLanguageModel('m', usage)).toEqual({
      model: 'm',
      inputTokens: 100,
      outputTokens: 30,
      cachedInputTokens: 20,
    });
  });

  it('counts missing numbers as zero', () => {
    const empty = {
      inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined },
      outputTokens: { total: undefined, text: 7, reasoning: undefined },
    };
    expect(usageFromLanguageModel('m', empty)).toEqual({
      model: 'm',
      inputTokens: 0,
      outputTokens: 7,
      cachedInputTokens: 0,
    });
  });
});

describe('aicreditsMiddleware', () => {
  it('meters every generate call into the current task', async () => {
    const { client, guard, model } = setup();
    await guard.run({ workspaceId: 'ws', estimate: { amountMicros: 5_000 } }, async () => {
      await generateText({ model, prompt: 'hi' });
      await generateText({ model, prompt: 'again' });
    });
    expect(client.callsOf('capture')[0]?.body).toEqual({
      usage: {
        model: 'orion-4',
        inputTokens: 200,
        outputTokens: 60,
        cachedInputTokens: 40,
        sandboxSeconds: 0,
      },
      outcome: 'succeeded',
    });
  });

  it('meters a stream when it finishes', async () => {
    const { client, guard, model } = setup();
    await guard.run({ workspaceId: 'ws', estimate: { amountMicros: 5_000 } }, async () => {
      const result = streamText({ model, prompt: 'hi' });
      expect(await result.text).toBe('hello');
    });
    expect(client.callsOf('capture')[0]?.body).toMatchObject({
      usage: { model: 'orion-4', inputTokens: 100, outputTokens: 30, cachedInputTokens: 20 },
    });
  });

  it('refuses a model call outside a guarded task unless told to ignore it', async () => {
    const { model } = setup();
    await expect(generateText({ model, prompt: 'hi', maxRetries: 0 })).rejects.toMatchObject({
      code: 'no_active_meter',
    });
    const lenient = wrapLanguageModel({
      model: mockModel(),
      middleware: aicreditsMiddleware({ whenNoMeter: 'ignore' }),
    });
    await expect(generateText({ model: lenient, prompt: 'hi' })).resolves.toMatchObject({ text: 'hello' });
  });

  it('starts no model call once the task was told to stop', async () => {
    const { guard, model } = setup();
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(
      guard.run({ workspaceId: 'ws', estimate: { amountMicros: 5_000 }, signal: controller.signal }, () =>
        generateText({ model, prompt: 'hi', maxRetries: 0 }),
      ),
    ).rejects.toThrow();
  });
});
