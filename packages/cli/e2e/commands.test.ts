import type { Balance, Estimate, LedgerEntry, Lot, Topup, UsageReport } from '@aicredits/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, closedPort, runCli, startApi, type TestWorkspace, USD } from './harness.js';

/** Every read and write command against the real API, in table and --json form. */

let api: Api;
let ws: TestWorkspace;

function as(key: string, workspace = ws.id) {
  return { env: { AICREDITS_API_URL: api.url, AICREDITS_API_KEY: key, AICREDITS_WORKSPACE: workspace } };
}

beforeAll(async () => {
  api = await startApi();
  ws = await api.workspace();
  await api.platform.lots.grant(ws.id, {
    lotId: 'lot_promo',
    kind: 'promotional',
    amountMicros: 5 * USD,
    expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    reason: 'welcome credit',
  });
});

afterAll(async () => {
  await api?.close();
});

describe('topup', () => {
  it('adds funds once per idempotency key and grows the balance once', async () => {
    const before = JSON.parse((await runCli(['balance', '--json'], as(ws.admin))).stdout) as Balance;
    const first = await runCli(
      ['topup', '50', '--idempotency-key', 'cli-e2e-topup-1', '--json'],
      as(ws.admin),
    );
    expect(first.code, first.stderr).toBe(0);
    const topup = JSON.parse(first.stdout) as Topup;
    expect(topup).toMatchObject({ amountMicros: 50 * USD, status: 'succeeded', testFunds: true });
    const replay = await runCli(
      ['topup', '50', '--idempotency-key', 'cli-e2e-topup-1', '--json'],
      as(ws.admin),
    );
    expect(replay.code).toBe(0);
    expect((JSON.parse(replay.stdout) as Topup).id).toBe(topup.id);
    const after = JSON.parse((await runCli(['balance', '--json'], as(ws.admin))).stdout) as Balance;
    expect(after.availableMicros - before.availableMicros).toBe(50 * USD);
  });

  it('prints the top-up as a table', async () => {
    const result = await runCli(['topup', '12.34'], as(ws.admin));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Amount\s+\$12\.34/);
    expect(result.stdout).toMatch(/Status\s+succeeded \(test funds/);
  });

  it('refuses members without billing access with exit 4 and says who can', async () => {
    const human = await runCli(['topup', '10'], as(ws.member));
    expect(human.code).toBe(4);
    expect(human.stderr).toMatch(/billing access/i);
    const json = await runCli(['topup', '10', '--json'], as(ws.member));
    expect(json.code).toBe(4);
    const body = JSON.parse(json.stdout) as { error: { code: string; message: string; requestId: string } };
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'requestId']);
    expect(body.error.requestId).toBeTruthy();
    expect(json.stderr).toBe('');
  });

  it('rejects bad amounts with exit 2 before calling the API', async () => {
    for (const amount of ['abc', '-5', '1.001', '0']) {
      const result = await runCli(['topup', amount, '--json'], as(ws.admin));
      expect(result.code, amount).toBe(2);
      expect((JSON.parse(result.stdout) as { error: { code: string } }).error.code).toMatch(/amount/);
    }
  });
});

describe('balance', () => {
  it('renders a table by default', async () => {
    const result = await runCli(['balance'], as(ws.member));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Workspace\s+ws_/m);
    expect(result.stdout).toMatch(/^Spendable\s+\$\d/m);
    expect(result.stdout).toMatch(/^promotional\s+\$5\.00$/m);
    expect(result.stderr).toBe('');
  });

  it('prints the API object with --json, for a member with --member', async () => {
    const result = await runCli(['balance', '--json', '--member', 'member'], as(ws.admin));
    expect(result.code, result.stderr).toBe(0);
    const balance = JSON.parse(result.stdout) as Balance;
    expect(balance).toMatchObject({ workspaceId: ws.id, memberId: 'member', unit: 'usd', canBegin: true });
    expect(balance.byKind.promotional).toBe(5 * USD);
  });

  it('exits 4 on a bad key', async () => {
    const result = await runCli(['balance'], as('ak_member_not_a_real_key'));
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/--api-key|AICREDITS_API_KEY/);
    const json = await runCli(['balance', '--json'], as('ak_member_not_a_real_key'));
    expect(json.code).toBe(4);
    expect((JSON.parse(json.stdout) as { error: { code: string } }).error.code).toBe('unauthorized');
  });

  it('exits 5 when the API cannot be reached', async () => {
    const port = await closedPort();
    const env = { ...as(ws.member).env, AICREDITS_API_URL: `http://127.0.0.1:${port}` };
    const result = await runCli(['balance', '--json'], { env });
    expect(result.code).toBe(5);
    expect(JSON.parse(result.stdout)).toEqual({
      error: { code: 'connection_error', message: expect.any(String), requestId: null },
    });
  });

  it('exits 2 when the workspace is not configured', async () => {
    const result = await runCli(['balance'], {
      env: { AICREDITS_API_URL: api.url, AICREDITS_API_KEY: ws.member },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--workspace or set AICREDITS_WORKSPACE/);
  });

  it('takes flags instead of the environment', async () => {
    const result = await runCli([
      '--api-url',
      api.url,
      '--api-key',
      ws.member,
      '--workspace',
      ws.id,
      'balance',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as Balance).workspaceId).toBe(ws.id);
  });
});

describe('lots', () => {
  it('lists lots in burn order: promotional before purchased', async () => {
    const json = await runCli(['lots', '--json'], as(ws.member));
    expect(json.code, json.stderr).toBe(0);
    const lots = (JSON.parse(json.stdout) as { data: Lot[] }).data;
    expect(lots[0]?.id).toBe('lot_promo');
    expect(lots.slice(1).every((lot) => lot.kind === 'purchased')).toBe(true);

    const table = await runCli(['lots'], as(ws.member));
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+KIND\s+SCOPE\s+REMAINING/);
    expect(lines[1]).toMatch(/^lot_promo\s+promotional\s+workspace\s+\$5\.00/);
  });

  it('filters by status', async () => {
    const result = await runCli(['lots', '--status', 'expired', '--json'], as(ws.member));
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { data: Lot[] }).data).toEqual([]);
    expect((await runCli(['lots', '--status', 'expired'], as(ws.member))).stdout.trim()).toBe('No lots.');
    expect((await runCli(['lots', '--status', 'bogus'], as(ws.member))).code).toBe(2);
  });
});

describe('transactions', () => {
  it('shows the newest entries, limited', async () => {
    const result = await runCli(['transactions', '--limit', '2', '--json'], as(ws.admin));
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { data: LedgerEntry[] }).data).toHaveLength(2);

    const table = await runCli(['transactions'], as(ws.admin));
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^AT\s+TYPE\s+AMOUNT/);
    expect(table.stdout).toMatch(/lot_granted\s+\+\$50\.00/);
  });

  it('walks every page with --all', async () => {
    const everything = JSON.parse(
      (await runCli(['transactions', '--limit', '100', '--json'], as(ws.admin))).stdout,
    ) as {
      data: LedgerEntry[];
    };
    expect(everything.data.length).toBeGreaterThan(2);
    const paged = await runCli(['transactions', '--all', '--limit', '1', '--json'], as(ws.admin));
    expect(paged.code, paged.stderr).toBe(0);
    expect((JSON.parse(paged.stdout) as { data: LedgerEntry[] }).data.map((e) => e.id)).toEqual(
      everything.data.map((e) => e.id),
    );
  });

  it('needs an admin', async () => {
    expect((await runCli(['transactions'], as(ws.member))).code).toBe(4);
  });
});

describe('estimate', () => {
  it('prints the range, the model and whether the balance covers it', async () => {
    const json = await runCli(['estimate', '--task-kind', 'bug_fix', '--json'], as(ws.member));
    expect(json.code, json.stderr).toBe(0);
    const estimate = JSON.parse(json.stdout) as Estimate;
    expect(estimate).toMatchObject({ taskKind: 'bug_fix', feature: 'coding_session', covered: true });
    expect(estimate.highMicros).toBeGreaterThanOrEqual(estimate.lowMicros);

    const table = await runCli(['estimate', '--task-kind', 'bug_fix'], as(ws.member));
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^Estimate\s+\$[\d.,]+(–\$[\d.,]+)?$/m);
    expect(table.stdout).toContain(`Model      ${estimate.model}`);
    expect(table.stdout).toMatch(/^Covered\s+yes$/m);
  });

  it('rejects an unknown task kind with exit 2', async () => {
    expect((await runCli(['estimate', '--task-kind', 'nap'], as(ws.member))).code).toBe(2);
  });
});

describe('usage', () => {
  it('totals charges by feature, by member and by day', async () => {
    await api.platform.charges.create(ws.id, {
      feature: 'coding_session',
      memberId: 'member',
      amountMicros: 1_500_000,
    });
    const byFeature = await runCli(['usage', '--group-by', 'feature', '--json'], as(ws.admin));
    expect(byFeature.code, byFeature.stderr).toBe(0);
    const report = JSON.parse(byFeature.stdout) as UsageReport;
    expect(report.groups).toContainEqual(
      expect.objectContaining({ key: 'coding_session', amountMicros: 1_500_000 }),
    );

    const byMember = await runCli(['usage', '--group-by', 'member'], as(ws.admin));
    expect(byMember.code).toBe(0);
    expect(byMember.stdout).toMatch(/^MEMBER\s+AMOUNT\s+OVERAGE\s+CHARGES$/m);
    expect(byMember.stdout).toMatch(/^member\s+\$1\.50/m);
    expect(byMember.stdout).toMatch(/^TOTAL\s+\$1\.50/m);

    const today = new Date().toISOString().slice(0, 10);
    const byDay = await runCli(['usage', '--from', today, '--to', today, '--json'], as(ws.admin));
    expect(byDay.code, byDay.stderr).toBe(0);
    const daily = JSON.parse(byDay.stdout) as UsageReport;
    expect(daily.from).toBe(`${today}T00:00:00.000Z`);
    expect(daily.groupBy).toBe('day');
  });

  it('rejects a bad date with exit 2', async () => {
    expect((await runCli(['usage', '--from', 'last tuesday'], as(ws.admin))).code).toBe(2);
  });
});
