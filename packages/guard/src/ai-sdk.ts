import type { LanguageModelMiddleware } from 'ai';
import { GuardError } from './errors.js';
import { currentMeter, type Meter, type ModelUsage } from './meter.js';

type V3Usage = {
  inputTokens: { total: number | undefined; noCache: number | undefined; cacheRead: number | undefined };
  outputTokens: { total: number | undefined; text: number | undefined; reasoning: number | undefined };
};

export interface AiSdkMiddlewareOptions {
  /** Where to meter. Default: the meter of the guarded task the call runs in (`guard.run`, an adapter). */
  meter?: () => Meter | undefined;
  /**
   * Maps a model to its name in the credits price table. Default: the model's `modelId`.
   */
  modelName?: (model: { provider: string; modelId: string }) => string;
  /**
   * A model call outside any guarded task: `throw` (default) so no AI usage escapes metering,
   * or `ignore` to let it through unmetered.
   */
  whenNoMeter?: 'throw' | 'ignore';
}

/**
 * Counts a call's tokens the way the credits API prices them: `inputTokens` are the uncached
 * input tokens (cache writes are priced as input), `cachedInputTokens` the cache reads.
 */
export function usageFromLanguageModel(model: string, usage: V3Usage): ModelUsage {
  const cachedInputTokens = usage.inputTokens.cacheRead ?? 0;
  const inputTokens =
    usage.inputTokens.total !== undefined
      ? Math.max(0, usage.inputTokens.total - cachedInputTokens)
      : (usage.inputTokens.noCache ?? 0);
  const outputTokens =
    usage.outputTokens.total ?? (usage.outputTokens.text ?? 0) + (usage.outputTokens.reasoning ?? 0);
  return { model, inputTokens, outputTokens, cachedInputTokens };
}

/**
 * A Vercel AI SDK language-model middleware (`wrapLanguageModel({ model, middleware })`) that
 * meters the tokens of every call into the current guarded task, and stops new calls once the
 * task's `meter.signal` has aborted (e.g. its hold could not be extended).
 */
export function aicreditsMiddleware(options: AiSdkMiddlewareOptions = {}): LanguageModelMiddleware {
  const findMeter = options.meter ?? currentMeter;
  const modelName = options.modelName ?? ((model) => model.modelId);
  const whenNoMeter = options.whenNoMeter ?? 'throw';

  function meterForCall(): Meter | undefined {
    const meter = findMeter();
    if (meter === undefined) {
      if (whenNoMeter === 'ignore') return undefined;
      throw new GuardError(
        'no_active_meter',
        'This model call runs outside a guarded task, so its usage could not be billed. Call it inside guard.run(…) or a guarded route, or pass whenNoMeter: "ignore".',
      );
    }
    // A task told to stop must not start another model call.
    meter.signal.throwIfAborted();
    return meter;
  }

  return {
    specificationVersion: 'v3',
    transformParams: async ({ params }) => {
      const meter = findMeter();
      if (meter === undefined) return params;
      const abortSignal = params.abortSignal
        ? AbortSignal.any([params.abortSignal, meter.signal])
        : meter.signal;
      return { ...params, abortSignal };
    },
    wrapGenerate: async ({ doGenerate, model }) => {
      const meter = meterForCall();
      const result = await doGenerate();
      meter?.addUsage(usageFromLanguageModel(modelName(model), result.usage));
      return result;
    },
    wrapStream: async ({ doStream, model }) => {
      const meter = meterForCall();
      const { stream, ...rest } = await doStream();
      if (meter === undefined) return { stream, ...rest };
      const name = modelName(model);
      const metered = stream.pipeThrough(
        new TransformStream({
          transform(part, controller) {
            if (part.type === 'finish') meter.addUsage(usageFromLanguageModel(name, part.usage));
            controller.enqueue(part);
          },
        }),
      );
      return { stream: metered, ...rest };
    },
  };
}
