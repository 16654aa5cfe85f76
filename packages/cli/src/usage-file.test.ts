import type { ChargeOutcome, Meter, ModelUsage } from '@aicredits/guard';
import { describe, expect, it } from 'vitest';
import { CliError } from './errors.js';
import { applyUsage, parseUsageFile } from './usage-file.js';

class RecordingMeter {
  calls: ModelUsage[] = [];
  sandboxSeconds = 0;
  amountMicros: number | undefined;
  outcome: ChargeOutcome | undefined;
  addUsage(usage: ModelUsage) {
    this.calls.push(usage);
  }
  addSandboxSeconds(seconds: number) {
    this.sandboxSeconds += seconds;
  }
  setAmountMicros(amountMicros: number) {
    this.amountMicros = amountMicros;
  }
  setOutcome(outcome: ChargeOutcome) {
    this.outcome = outcome;
  }
}

function meter(): RecordingMeter & Meter {
  return new RecordingMeter() as RecordingMeter & Meter;
}

describe('parseUsageFile', () => {
  it('reads one object, an array, or JSON Lines', () => {
    expect(parseUsageFile('{"model":"m","inputTokens":10,"outputTokens":2}')).toEqual([
      { model: 'm', inputTokens: 10, outputTokens: 2 },
    ]);
    expect(parseUsageFile('[{"amountMicros":5},{"amountMicros":7}]')).toHaveLength(2);
    expect(parseUsageFile('{"inputTokens":1}\n\n{"sandboxSeconds":30}\n')).toEqual([
      { inputTokens: 1 },
      { sandboxSeconds: 30 },
    ]);
  });

  it('treats an empty file as nothing reported and ignores unknown fields', () => {
    expect(parseUsageFile('  \n')).toEqual([]);
    expect(parseUsageFile('{"inputTokens":1,"note":"x"}')).toEqual([{ inputTokens: 1 }]);
  });

  it('rejects bad JSON, floats and negative counts with a stable code', () => {
    for (const text of [
      '{nope',
      '{"inputTokens":1.5}',
      '{"outputTokens":-1}',
      '"text"',
      '{"outcome":"maybe"}',
    ]) {
      expect(() => parseUsageFile(text)).toThrow(CliError);
      try {
        parseUsageFile(text);
      } catch (error) {
        expect((error as CliError).code).toBe('invalid_usage_file');
      }
    }
  });
});

describe('applyUsage', () => {
  it('reports tokens per record, sandbox time and outcome to the meter', () => {
    const m = meter();
    applyUsage(
      m,
      [
        { model: 'a', inputTokens: 100, outputTokens: 10 },
        { inputTokens: 5, cachedInputTokens: 3 },
        { sandboxSeconds: 60, outcome: 'partial' },
      ],
      'default-model',
    );
    expect(m.calls).toEqual([
      { model: 'a', inputTokens: 100, outputTokens: 10, cachedInputTokens: 0 },
      { model: 'default-model', inputTokens: 5, outputTokens: 0, cachedInputTokens: 3 },
    ]);
    expect(m.sandboxSeconds).toBe(60);
    expect(m.outcome).toBe('partial');
    expect(m.amountMicros).toBeUndefined();
  });

  it('sums priced amounts, which then replace token pricing', () => {
    const m = meter();
    applyUsage(m, [{ amountMicros: 1_500_000 }, { amountMicros: 250_000 }], undefined);
    expect(m.amountMicros).toBe(1_750_000);
  });

  it('needs a model for tokens', () => {
    expect(() => applyUsage(meter(), [{ inputTokens: 1 }], undefined)).toThrow(/no model/);
  });
});
