import { describe, expect, it } from 'vitest';
import { exitCodeOf, outcomeOf } from './commands/run.js';
import { main } from './program.js';

/** Runs the CLI in-process for what needs no API: parsing, help and usage errors. */
async function cli(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: {
      write: (text: string) => {
        stdout += text;
      },
    },
    stderr: {
      write: (text: string) => {
        stderr += text;
      },
    },
  };
  const code = await main(argv, io, env);
  return { code, stdout, stderr };
}

const CONFIGURED = {
  AICREDITS_API_URL: 'http://127.0.0.1:9',
  AICREDITS_API_KEY: 'ak_x',
  AICREDITS_WORKSPACE: 'ws',
};

describe('main', () => {
  it('prints help and the version with exit 0', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes:');
    for (const command of ['balance', 'usage', 'lots', 'transactions', 'topup', 'estimate', 'run']) {
      expect(help.stdout).toContain(command);
    }
    expect((await cli(['--version'])).code).toBe(0);
  });

  it('reports unknown options as a usage error, as JSON with --json', async () => {
    const human = await cli(['balance', '--nope']);
    expect(human.code).toBe(2);
    expect(human.stderr).toMatch(/unknown option '--nope' \[invalid_arguments\]/);
    const json = await cli(['balance', '--nope', '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({
      error: { code: 'invalid_arguments', message: "unknown option '--nope'", requestId: null },
    });
    expect(json.stderr).toBe('');
  });

  it('names missing configuration before sending anything', async () => {
    const result = await cli(['--json', 'balance'], {
      AICREDITS_API_URL: 'http://x',
      AICREDITS_API_KEY: 'k',
    });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).error.code).toBe('missing_workspace');
  });

  it('validates amounts and choices locally', async () => {
    expect((await cli(['topup', 'ten'], CONFIGURED)).code).toBe(2);
    expect((await cli(['topup', '1.001'], CONFIGURED)).code).toBe(2);
    expect((await cli(['usage', '--group-by', 'week'], CONFIGURED)).code).toBe(2);
    expect((await cli(['estimate'], CONFIGURED)).code).toBe(2);
    expect((await cli(['estimate', '--task-kind', 'nap'], CONFIGURED)).code).toBe(2);
    expect((await cli(['run', '--', 'true'], CONFIGURED)).code).toBe(2);
    const both = await cli(
      ['run', '--estimate', '5', '--task-kind', 'bug_fix', '--json', '--', 'true'],
      CONFIGURED,
    );
    expect(JSON.parse(both.stdout).error.code).toBe('conflicting_options');
  });

  it('leaves --json after -- to the wrapped command', async () => {
    const result = await cli(['run', '--', 'node', '--json'], CONFIGURED);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('missing_estimate');
  });
});

describe('run exit codes', () => {
  it('passes the exit code through and uses 128+n for signals', () => {
    expect(exitCodeOf({ code: 0, signal: null })).toBe(0);
    expect(exitCodeOf({ code: 7, signal: null })).toBe(7);
    expect(exitCodeOf({ code: null, signal: 'SIGTERM' })).toBe(143);
    expect(exitCodeOf({ code: null, signal: 'SIGINT' })).toBe(130);
  });

  it('bills a failed run as failed and a killed one as partial', () => {
    expect(outcomeOf({ code: 0, signal: null })).toBe('succeeded');
    expect(outcomeOf({ code: 1, signal: null })).toBe('failed');
    expect(outcomeOf({ code: null, signal: 'SIGINT' })).toBe('partial');
  });
});
