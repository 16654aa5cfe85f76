import { describe, expect, it } from 'vitest';
import {
  captureIdempotencyKey,
  captureRequest,
  launcherEnvironment,
  launcherShell,
  outcomeOf,
  parsePendingSessions,
  readReport,
} from './session-capture';

describe('readReport', () => {
  it('accepts token usage and fills defaults', () => {
    const report = readReport(
      JSON.stringify({ usage: { model: 'gpt-5', inputTokens: 1000, outputTokens: 200 } }),
    );
    expect(report).toEqual({
      kind: 'reported',
      file: {
        usage: {
          model: 'gpt-5',
          inputTokens: 1000,
          outputTokens: 200,
          cachedInputTokens: 0,
          sandboxSeconds: 0,
        },
      },
    });
  });

  it('accepts a plain amount and an explicit outcome', () => {
    expect(readReport('{"amountMicros": 4250000, "outcome": "partial"}')).toEqual({
      kind: 'reported',
      file: { amountMicros: 4_250_000, outcome: 'partial' },
    });
  });

  it('reports nothing for a missing, empty, non-JSON or invalid file, saying why', () => {
    expect(readReport(null)).toEqual({ kind: 'none', problem: 'the launcher wrote no usage file' });
    expect(readReport('  \n')).toEqual({ kind: 'none', problem: 'the usage file is empty' });
    expect(readReport('{oops')).toMatchObject({ kind: 'none', problem: expect.stringContaining('not JSON') });
    expect(readReport('{"amountMicros": 1.5}')).toMatchObject({
      kind: 'none',
      problem: expect.stringContaining('at "amountMicros"'),
    });
    expect(readReport('{}')).toMatchObject({ kind: 'none', problem: expect.stringContaining('exactly one') });
    expect(
      readReport('{"amountMicros": 1, "usage": {"model": "m", "inputTokens": 1, "outputTokens": 1}}'),
    ).toMatchObject({ kind: 'none' });
  });
});

describe('outcomeOf', () => {
  it('prefers the reported outcome, else follows the exit code', () => {
    expect(outcomeOf({ amountMicros: 1, outcome: 'partial' }, 0)).toBe('partial');
    expect(outcomeOf({ amountMicros: 1 }, 0)).toBe('succeeded');
    expect(outcomeOf({ amountMicros: 1 }, 2)).toBe('failed');
    expect(outcomeOf({ amountMicros: 1 }, undefined)).toBe('partial');
  });
});

describe('captureRequest', () => {
  it('sends exactly one of usage and amount', () => {
    expect(captureRequest({ amountMicros: 5 }, 1)).toEqual({ amountMicros: 5, outcome: 'failed' });
    const usage = {
      model: 'gpt-5',
      inputTokens: 1,
      outputTokens: 2,
      cachedInputTokens: 0,
      sandboxSeconds: 3,
    };
    expect(captureRequest({ usage }, 0)).toEqual({ usage, outcome: 'succeeded' });
  });

  it('uses one idempotency key per reservation', () => {
    expect(captureIdempotencyKey('rsv_1')).toBe(captureIdempotencyKey('rsv_1'));
    expect(captureIdempotencyKey('rsv_1')).not.toBe(captureIdempotencyKey('rsv_2'));
  });
});

describe('launcherEnvironment', () => {
  it('passes the reservation and where to report, never a key', () => {
    const env = launcherEnvironment({
      reservationId: 'rsv_1',
      workspaceId: 'ws_acme',
      apiUrl: 'http://127.0.0.1:8787',
      memberId: null,
      taskKind: 'bug_fix',
      model: 'gpt-5',
      estimateHighMicros: 7_000_000,
      usageFile: '/tmp/u.json',
    });
    expect(env).toEqual({
      AICREDITS_RESERVATION_ID: 'rsv_1',
      AICREDITS_WORKSPACE_ID: 'ws_acme',
      AICREDITS_API_URL: 'http://127.0.0.1:8787',
      AICREDITS_MEMBER_ID: '',
      AICREDITS_TASK_KIND: 'bug_fix',
      AICREDITS_MODEL: 'gpt-5',
      AICREDITS_ESTIMATE_HIGH_MICROS: '7000000',
      AICREDITS_USAGE_FILE: '/tmp/u.json',
    });
    expect(Object.keys(env).some((k) => k.includes('KEY') || k.includes('TOKEN'))).toBe(false);
  });

  it('runs the command through the platform shell', () => {
    expect(launcherShell('agent', 'linux')).toEqual({ shellPath: '/bin/sh', shellArgs: ['-c', 'agent'] });
    expect(launcherShell('agent', 'win32').shellPath).toBe('cmd.exe');
  });
});

describe('parsePendingSessions', () => {
  it('keeps valid entries and drops the rest', () => {
    const good = {
      reservationId: 'rsv_1',
      workspaceId: 'ws',
      apiUrl: 'http://x',
      taskKind: 'feature',
      usageFile: '/tmp/u.json',
      heldMicros: 1,
      startedAt: '2025-06-10T12:00:00.000Z',
      expiresAt: '2025-06-10T16:00:00.000Z',
    };
    expect(parsePendingSessions([good, { reservationId: 'x' }, 'junk'])).toEqual([good]);
    expect(parsePendingSessions(undefined)).toEqual([]);
  });
});
