import type { LanguageModelV3 } from '@ai-sdk/provider';
import {
  type AicreditsVariables,
  aicreditsMiddleware,
  createGuard,
  type GuardHooks,
  honoGuard,
} from '@aicredits/guard';
import type { AicreditsClient } from '@aicredits/sdk';
import { generateText, streamText, wrapLanguageModel } from 'ai';
import { Hono } from 'hono';
import { demoModel } from './model.js';

export interface AppOptions {
  client: AicreditsClient;
  workspaceId: string;
  model?: LanguageModelV3;
  hooks?: GuardHooks;
}

/** Hold this much per requested 1,000 characters of prompt: generous, the capture settles the truth. */
const ESTIMATE_MICROS_PER_KILOCHAR = 2_000;

export function createApp(options: AppOptions) {
  const guard = createGuard({
    client: options.client,
    feature: 'coding_session',
    ttlSeconds: 120,
    hooks: options.hooks ?? {
      onRefuse: ({ memberId, error }) => console.warn(`refused ${memberId ?? 'pool'}: ${error.reason}`),
      onCapture: ({ memberId, charge, outcome }) =>
        console.log(`charged ${memberId ?? 'pool'} ${charge.amountMicros} micros (${outcome})`),
      onError: ({ stage, error }) => console.error(`guard ${stage} error`, error),
    },
  });
  // Every model call is metered into the request's guarded task, automatically.
  const model = wrapLanguageModel({ model: options.model ?? demoModel(), middleware: aicreditsMiddleware() });

  const app = new Hono<{ Variables: AicreditsVariables }>();
  app.get('/', (c) =>
    c.text('POST /summarize or /chat with JSON {"prompt": "…"} and an x-member-id header.\n'),
  );

  const guarded = honoGuard(guard, {
    workspaceId: () => options.workspaceId,
    // A real app takes the member from its session, never from a header the client controls.
    memberId: (c) => c.req.header('x-member-id'),
    estimate: async (c) => {
      const { prompt } = await c.req.json<{ prompt?: string }>().catch(() => ({ prompt: undefined }));
      const kilochars = Math.ceil((prompt?.length ?? 0) / 1_000) + 1;
      return { amountMicros: kilochars * ESTIMATE_MICROS_PER_KILOCHAR };
    },
  });

  app.post('/summarize', guarded, async (c) => {
    const { prompt } = await c.req.json<{ prompt: string }>();
    const result = await generateText({ model, prompt, abortSignal: c.get('aicredits').signal });
    return c.json({ text: result.text, usage: result.usage });
  });

  app.post('/chat', guarded, async (c) => {
    const { prompt } = await c.req.json<{ prompt: string }>();
    // The guard settles once the streamed body has been sent, so the final usage is counted.
    return streamText({ model, prompt, abortSignal: c.get('aicredits').signal }).toTextStreamResponse();
  });

  return app;
}
