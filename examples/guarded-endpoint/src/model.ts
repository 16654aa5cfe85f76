import type { LanguageModelV3, LanguageModelV3Usage } from '@ai-sdk/provider';

/**
 * A stand-in language model so the example runs offline: it "answers" by echoing a summary and
 * reports token usage like a real provider would. Swap it for a real one, e.g.
 * `openai('gpt-4.1-mini')` from `@ai-sdk/openai`, and map its id to a priced model name with the
 * middleware's `modelName` option.
 */
export function demoModel(modelId = 'orion-4-mini'): LanguageModelV3 {
  const usageOf = (promptChars: number, answer: string): LanguageModelV3Usage => {
    // Roughly four characters per token, as for English text.
    const inputTokens = Math.max(1, Math.ceil(promptChars / 4));
    const outputTokens = Math.max(1, Math.ceil(answer.length / 4));
    return {
      inputTokens: { total: inputTokens, noCache: inputTokens, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: outputTokens, text: outputTokens, reasoning: 0 },
    };
  };
  const answerTo = (prompt: string) => `Summary: ${prompt.slice(0, 120)}${prompt.length > 120 ? '…' : ''}`;
  const promptText = (options: Parameters<LanguageModelV3['doGenerate']>[0]) => {
    const texts: string[] = [];
    for (const message of options.prompt) {
      if (typeof message.content === 'string') {
        texts.push(message.content);
        continue;
      }
      for (const part of message.content) if (part.type === 'text') texts.push(part.text);
    }
    return texts.join(' ');
  };

  return {
    specificationVersion: 'v3',
    provider: 'demo',
    modelId,
    supportedUrls: {},
    async doGenerate(options) {
      const prompt = promptText(options);
      const answer = answerTo(prompt);
      return {
        content: [{ type: 'text', text: answer }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: usageOf(prompt.length, answer),
        warnings: [],
      };
    },
    async doStream(options) {
      const prompt = promptText(options);
      const answer = answerTo(prompt);
      const words = answer.split(/(?<= )/);
      const stream = new ReadableStream({
        start(controller) {
          controller.enqueue({ type: 'stream-start', warnings: [] });
          controller.enqueue({ type: 'text-start', id: 't' });
          for (const word of words) controller.enqueue({ type: 'text-delta', id: 't', delta: word });
          controller.enqueue({ type: 'text-end', id: 't' });
          controller.enqueue({
            type: 'finish',
            finishReason: { unified: 'stop', raw: 'stop' },
            usage: usageOf(prompt.length, answer),
          });
          controller.close();
        },
      });
      return { stream };
    },
  };
}
