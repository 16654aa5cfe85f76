import type { Meter } from '@aicredits/guard';
import { z } from 'zod';
import { CliError } from './errors.js';

/**
 * The usage-file protocol of `aicredits run`: the wrapped command may write what it used to the
 * file named by AICREDITS_USAGE_FILE, as one JSON object, a JSON array of objects, or JSON Lines
 * (one object per line, e.g. appended after each model call). Records add up.
 */

const Count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const UsageRecordSchema = z.object({
  /** The model the tokens were spent on; defaults to the run's model (--model, the estimate's, or the latest). */
  model: z.string().min(1).max(128).optional(),
  inputTokens: Count.optional(),
  outputTokens: Count.optional(),
  cachedInputTokens: Count.optional(),
  sandboxSeconds: Count.optional(),
  /** A total already priced by the command; when any record has it, the amounts are what is charged. */
  amountMicros: Count.optional(),
  /** Overrides the outcome taken from the exit code. */
  outcome: z.enum(['succeeded', 'failed', 'partial']).optional(),
});
export type UsageRecord = z.infer<typeof UsageRecordSchema>;

function parseJson(text: string): unknown[] {
  try {
    const whole: unknown = JSON.parse(text);
    return Array.isArray(whole) ? whole : [whole];
  } catch {
    // Not one JSON document: read it as JSON Lines below.
  }
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line, index) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        throw new CliError({
          code: 'invalid_usage_file',
          exitCode: 'error',
          message: `The usage file is not JSON (line ${index + 1}).`,
        });
      }
    });
}

/** Reads the file's text into validated records; an empty file reports nothing. */
export function parseUsageFile(text: string): UsageRecord[] {
  if (text.trim() === '') return [];
  return parseJson(text).map((raw, index) => {
    const parsed = UsageRecordSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
      throw new CliError({
        code: 'invalid_usage_file',
        exitCode: 'error',
        message: `Usage record ${index + 1} is invalid${where}: ${issue?.message ?? 'not an object'}.`,
      });
    }
    return parsed.data;
  });
}

export function hasTokens(record: UsageRecord): boolean {
  return (
    (record.inputTokens ?? 0) > 0 ||
    (record.outputTokens ?? 0) > 0 ||
    (record.cachedInputTokens ?? 0) > 0 ||
    record.model !== undefined
  );
}

/** Reports the records to the guard's meter. `defaultModel` names tokens reported without a model. */
export function applyUsage(
  meter: Meter,
  records: readonly UsageRecord[],
  defaultModel: string | undefined,
): void {
  let amountMicros: number | undefined;
  for (const record of records) {
    if (hasTokens(record)) {
      const model = record.model ?? defaultModel;
      if (model === undefined) {
        throw new CliError({
          code: 'invalid_usage_file',
          exitCode: 'error',
          message: 'A usage record has tokens but no model, and the run has no default model (pass --model).',
        });
      }
      meter.addUsage({
        model,
        inputTokens: record.inputTokens ?? 0,
        outputTokens: record.outputTokens ?? 0,
        cachedInputTokens: record.cachedInputTokens ?? 0,
      });
    }
    if (record.sandboxSeconds !== undefined && record.sandboxSeconds > 0)
      meter.addSandboxSeconds(record.sandboxSeconds);
    if (record.amountMicros !== undefined) amountMicros = (amountMicros ?? 0) + record.amountMicros;
    if (record.outcome !== undefined) meter.setOutcome(record.outcome);
  }
  if (amountMicros !== undefined) meter.setAmountMicros(amountMicros);
}
