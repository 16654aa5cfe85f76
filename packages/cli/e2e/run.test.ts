import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LedgerEntry } from '@aicredits/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, lastJson, runCli, startApi, type TestWorkspace, USD, waitFor } from './harness.js';

/** `aicredits run -- <command>`: reserve, run, capture, against the real API. */

interface RunSummary {
  run: {
    exitCode: number;
    signal: string | null;
    outcome: string;
    mode: string;
    settlement: string;
    reservationId: string | null;
    charge: { id: string; amountMicros: number } | null;
  };
}

let api: Api;
let ws: TestWorkspace;
let empty: TestWorkspace;
const scratch = mkdtempSync(join(tmpdir(), 'aicredits-cli-e2e-'));

function as(key: string, workspace: string) {
  return { env: { AICREDITS_API_URL: api.url, AICREDITS_API_KEY: key, AICREDITS_WORKSPACE: workspace } };
}

/** A node one-liner for the wrapped command. */
function node(script: string): string[] {
  return ['node', '-e', script];
}

async function drawsOf(chargeId: string): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  for await (const entry of api.platform.transactions.list(ws.id, { limit: 100 })) {
    if (entry.chargeId === chargeId && entry.type === 'charge_draw') entries.push(entry);
  }
  return entries;
}

beforeAll(async () => {
  api = await startApi();
  ws = await api.workspace();
  empty = await api.workspace();
  await api.platform.topups.create(ws.id, { amountMicros: 100 * USD });
});

afterAll(async () => {
  await api?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('run', () => {
  it('reserves, runs the command with the reservation in its environment, and captures its reported usage', async () => {
    const envFile = join(scratch, 'env.json');
    const script = `
      const fs = require('node:fs');
      const e = process.env;
      fs.writeFileSync(${JSON.stringify(envFile)}, JSON.stringify({
        reservationId: e.AICREDITS_RESERVATION_ID, workspace: e.AICREDITS_WORKSPACE, feature: e.AICREDITS_FEATURE,
        hold: e.AICREDITS_HOLD_MICROS, member: e.AICREDITS_MEMBER, mode: e.AICREDITS_METER_MODE,
      }));
      fs.writeFileSync(e.AICREDITS_USAGE_FILE, JSON.stringify({ inputTokens: 100000, outputTokens: 20000, sandboxSeconds: 60 }));
      console.log('child output');
    `;
    const result = await runCli(
      ['run', '--estimate', '5', '--member', 'member', '--json', '--', ...node(script)],
      as(ws.server, ws.id),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^child output\n/);
    const { run } = lastJson<RunSummary>(result.stdout);
    expect(run).toMatchObject({ exitCode: 0, outcome: 'succeeded', mode: 'metered', settlement: 'captured' });
    const seen = JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>;
    expect(seen).toEqual({
      reservationId: run.reservationId,
      workspace: ws.id,
      feature: 'coding_session',
      hold: String(5 * USD),
      member: 'member',
      mode: 'metered',
    });
    expect(run.charge?.amountMicros).toBeGreaterThan(0);

    const charge = await api.platform.charges.retrieve(ws.id, run.charge?.id ?? '');
    expect(charge).toMatchObject({
      reservationId: run.reservationId,
      outcome: 'succeeded',
      memberId: 'member',
    });
    expect(charge.usage).toMatchObject({ inputTokens: 100_000, outputTokens: 20_000, sandboxSeconds: 60 });
    const reservation = await api.platform.reservations.retrieve(ws.id, run.reservationId ?? '');
    expect(reservation.status).toBe('captured');
  });

  it('captures a failed run (failed runs are billable) and exits with the command’s code', async () => {
    const script = `require('node:fs').writeFileSync(process.env.AICREDITS_USAGE_FILE, '{"amountMicros":1230000}'); process.exit(1);`;
    const result = await runCli(
      ['run', '--estimate', '2', '--json', '--', ...node(script)],
      as(ws.server, ws.id),
    );
    expect(result.code).toBe(1);
    const { run } = lastJson<RunSummary>(result.stdout);
    expect(run).toMatchObject({ exitCode: 1, outcome: 'failed', settlement: 'captured' });
    expect(run.charge?.amountMicros).toBe(1_230_000);
    const draws = await drawsOf(run.charge?.id ?? '');
    expect(draws.reduce((sum, entry) => sum + entry.amountMicros, 0)).toBe(-1_230_000);
  });

  it('propagates any exit code and reads JSON Lines usage', async () => {
    const script = `
      const fs = require('node:fs');
      fs.appendFileSync(process.env.AICREDITS_USAGE_FILE, '{"amountMicros":100000}\\n');
      fs.appendFileSync(process.env.AICREDITS_USAGE_FILE, '{"amountMicros":200000}\\n');
      process.exit(7);
    `;
    const result = await runCli(['run', '--estimate', '1', '--', ...node(script)], as(ws.server, ws.id));
    expect(result.code).toBe(7);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /charged \$0\.30 to coding_session \(failed; reservation \S+, charge \S+\)/,
    );
  });

  it('holds the estimate of a task kind', async () => {
    const result = await runCli(
      ['run', '--task-kind', 'bug_fix', '--json', '--', ...node('')],
      as(ws.server, ws.id),
    );
    expect(result.code, result.stderr).toBe(0);
    const { run } = lastJson<RunSummary>(result.stdout);
    expect(run.settlement).toBe('captured');
    // Nothing reported: the hold is settled at zero.
    expect(run.charge?.amountMicros).toBe(0);
  });

  it('exits 3 without running the command when credits are insufficient', async () => {
    const marker = join(scratch, 'should-not-exist');
    const script = `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran')`;
    const human = await runCli(['run', '--estimate', '5', '--', ...node(script)], as(empty.server, empty.id));
    expect(human.code).toBe(3);
    expect(human.stderr).toMatch(/insufficient_credits/);
    expect(human.stderr).toMatch(/topup/);
    const json = await runCli(
      ['run', '--estimate', '5', '--json', '--', ...node(script)],
      as(empty.server, empty.id),
    );
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout).error.code).toBe('insufficient_credits');
    expect(existsSync(marker)).toBe(false);
  });

  it('exits 3 with the admin remedy when a member’s included credits are used up and overage is off', async () => {
    const credits = await api.workspace({ unit: 'credits' });
    const result = await runCli(
      ['run', '--estimate', '1', '--member', 'member', '--', ...node('')],
      as(credits.server, credits.id),
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/\[overage_disabled\]/);
    expect(result.stderr).toMatch(/admin to enable overage/);
  });

  it('passes a self-hosted workspace straight through: nothing held, nothing charged', async () => {
    const selfHosted = await api.workspace({ hosting: 'self_hosted' });
    const script = `if (process.env.AICREDITS_RESERVATION_ID) process.exit(9); process.exit(0)`;
    const result = await runCli(['run', '--estimate', '5', '--json', '--', ...node(script)], {
      env: { ...as(selfHosted.server, selfHosted.id).env, AICREDITS_RESERVATION_ID: 'res_outer_run' },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(lastJson<RunSummary>(result.stdout).run).toMatchObject({
      mode: 'pass_through',
      settlement: 'pass_through',
      reservationId: null,
      charge: null,
    });
  });

  it('exits 4 when the key may not reserve or is wrong', async () => {
    const result = await runCli(
      ['run', '--estimate', '1', '--json', '--', ...node('')],
      as('ak_server_bogus', ws.id),
    );
    expect(result.code).toBe(4);
    expect(JSON.parse(result.stdout).error.code).toBe('unauthorized');
  });

  it('releases the hold and exits 127 when the command does not exist', async () => {
    const result = await runCli(
      ['run', '--estimate', '1', '--', 'aicredits-no-such-command-xyz'],
      as(ws.server, ws.id),
    );
    expect(result.code).toBe(127);
    expect(result.stderr).toMatch(/command_not_started/);
    // Every earlier run was captured, so nothing may still be held.
    expect((await api.platform.balance.retrieve(ws.id)).reservedMicros).toBe(0);
  });

  it('charges the hold when the usage file is unreadable', async () => {
    const script = `require('node:fs').writeFileSync(process.env.AICREDITS_USAGE_FILE, '{"inputTokens": "many"}')`;
    const result = await runCli(
      ['run', '--estimate', '0.5', '--json', '--', ...node(script)],
      as(ws.server, ws.id),
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/Usage record 1 is invalid at inputTokens/);
    expect(lastJson<RunSummary>(result.stdout).run.charge?.amountMicros).toBe(500_000);
  });

  it('forwards SIGTERM to the command and still captures what it reported', async () => {
    const ready = join(scratch, 'ready-term');
    const script = `
      const fs = require('node:fs');
      process.on('SIGTERM', () => {
        fs.writeFileSync(process.env.AICREDITS_USAGE_FILE, '{"amountMicros":40000}');
        process.exit(3);
      });
      fs.writeFileSync(${JSON.stringify(ready)}, 'ready');
      setInterval(() => {}, 1000);
    `;
    const result = await runCli(['run', '--estimate', '1', '--json', '--', ...node(script)], {
      ...as(ws.server, ws.id),
      onSpawn: (child) => {
        waitFor(() => existsSync(ready)).then(() => child.kill('SIGTERM'));
      },
    });
    expect(result.code, result.stderr).toBe(3);
    const { run } = lastJson<RunSummary>(result.stdout);
    expect(run).toMatchObject({ exitCode: 3, outcome: 'failed', settlement: 'captured' });
    expect(run.charge?.amountMicros).toBe(40_000);
  });

  it('reports a command killed by a signal as partial, with the shell’s 128+n exit code', async () => {
    const ready = join(scratch, 'ready-int');
    const script = `require('node:fs').writeFileSync(${JSON.stringify(ready)}, 'ready'); setInterval(() => {}, 1000);`;
    const result = await runCli(['run', '--estimate', '1', '--json', '--', ...node(script)], {
      ...as(ws.server, ws.id),
      onSpawn: (child) => {
        waitFor(() => existsSync(ready)).then(() => child.kill('SIGINT'));
      },
    });
    expect(result.code, result.stderr).toBe(130);
    const { run } = lastJson<RunSummary>(result.stdout);
    expect(run).toMatchObject({ signal: 'SIGINT', outcome: 'partial', settlement: 'captured' });
  });
});
