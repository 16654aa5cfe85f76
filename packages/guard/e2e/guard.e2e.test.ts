import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuard, GuardRefusedError, type Meter } from '../src/index.js';
import { type Api, createWorkspace, startApi } from './harness.js';

let api: Api;

beforeAll(async () => {
  api = await startApi();
}, 120_000);
afterAll(() => api?.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function chargesOf(workspaceId: string) {
  const page = await api.platform.transactions.list(workspaceId, { limit: 100 });
  return page.data;
}

describe('refusal', () => {
  it.each([
    { name: 'an empty prepaid balance', setup: {}, reason: 'insufficient_credits', remedy: 'top_up' },
    {
      name: 'used-up included credits with overage off',
      setup: { unit: 'credits' as const },
      reason: 'overage_disabled',
      remedy: 'enable_overage',
    },
    {
      name: 'a reached overage cap',
      setup: { overage: { enabled: true, monthlyCapMicros: 0 } },
      reason: 'overage_cap_reached',
      remedy: 'raise_overage_cap',
    },
  ])('refuses on $name with reason $reason before the task starts', async ({ setup, reason, remedy }) => {
    const ws = await createWorkspace(api, { ...setup, members: ['m1'] });
    const guard = createGuard({ client: ws.server, feature: 'coding_session' });
    let started = false;
    const error = await guard
      .run({ workspaceId: ws.workspaceId, memberId: 'm1', estimate: { amountMicros: 1_000_000 } }, () => {
        started = true;
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GuardRefusedError);
    const refused = error as GuardRefusedError;
    expect(refused.reason).toBe(reason);
    expect(refused.apiCode).toBe(reason);
    expect(refused.remedies).toContain(remedy);
    expect(refused.requestId).toEqual(expect.any(String));
    expect(started).toBe(false);
    const balance = await ws.server.balance.retrieve(ws.workspaceId);
    expect(balance.reservedMicros).toBe(0);
  });
});

describe('settlement', () => {
  it('captures a successful task from its token usage and releases the rest of the hold', async () => {
    const ws = await createWorkspace(api, { fundsMicros: 10_000_000, members: ['m1'] });
    const guard = createGuard({ client: ws.server, feature: 'coding_session' });
    const captured: number[] = [];
    const guardWithHook = createGuard({
      client: ws.server,
      feature: 'coding_session',
      hooks: { onCapture: ({ charge }) => captured.push(charge.amountMicros) },
    });
    const text = await guardWithHook.run(
      { workspaceId: ws.workspaceId, memberId: 'm1', estimate: { amountMicros: 1_000_000 } },
      async (meter) => {
        // orion-4: 1,000 input ($3/M) + 200 output ($15/M) = 3,000 + 3,000 micros.
        meter.addUsage({ model: 'orion-4', inputTokens: 1_000, outputTokens: 200 });
        return 'done';
      },
    );
    expect(text).toBe('done');
    expect(captured).toEqual([6_000]);
    const balance = await ws.server.balance.retrieve(ws.workspaceId);
    expect(balance.availableMicros).toBe(10_000_000 - 6_000);
    expect(balance.reservedMicros).toBe(0);
    expect(guard.feature).toBe('coding_session');
  });

  it('captures a task that throws as failed, then rethrows its error', async () => {
    const ws = await createWorkspace(api, { fundsMicros: 10_000_000 });
    const outcomes: string[] = [];
    const guard = createGuard({
      client: ws.server,
      feature: 'coding_session',
      hooks: { onCapture: ({ outcome, charge }) => outcomes.push(`${outcome}:${charge.amountMicros}`) },
    });
    const boom = new Error('the model provider failed mid-task');
    await expect(
      guard.run({ workspaceId: ws.workspaceId, estimate: { amountMicros: 500_000 } }, async (meter) => {
        meter.addSandboxSeconds(3_600);
        meter.addUsage({ model: 'orion-4', inputTokens: 1_000, outputTokens: 0 });
        throw boom;
      }),
    ).rejects.toBe(boom);
    // One sandbox hour ($0.36) + 1,000 input tokens ($0.003): failed runs are billable.
    expect(outcomes).toEqual(['failed:363000']);
    const balance = await ws.server.balance.retrieve(ws.workspaceId);
    expect(balance.availableMicros).toBe(10_000_000 - 363_000);
  });

  it('settles background runs after they return, exactly once each, by the time flush resolves', async () => {
    const ws = await createWorkspace(api, { fundsMicros: 10_000_000 });
    const guard = createGuard({ client: ws.server, feature: 'coding_session', settlement: 'background' });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        guard.run({ workspaceId: ws.workspaceId, estimate: { amountMicros: 50_000 } }, (meter) => {
          meter.setAmountMicros(1_000 * (i + 1));
          return i;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await guard.flush();
    // 1,000 + 2,000 + … + 20,000 micros, and no hold left behind.
    const balance = await ws.server.balance.retrieve(ws.workspaceId);
    expect(balance.availableMicros).toBe(10_000_000 - 210_000);
    expect(balance.reservedMicros).toBe(0);
    const entries = await chargesOf(ws.workspaceId);
    expect(entries.filter((entry) => entry.type === 'charge_draw')).toHaveLength(20);
    expect(entries.filter((entry) => entry.type === 'reservation_released')).toHaveLength(20);
  });

  it('charges a task that overruns its estimate in full', async () => {
    const ws = await createWorkspace(api, { fundsMicros: 10_000_000 });
    const guard = createGuard({ client: ws.server, feature: 'coding_session', extension: false });
    await guard.run({ workspaceId: ws.workspaceId, estimate: { amountMicros: 100_000 } }, (meter) => {
      meter.setAmountMicros(250_000);
    });
    const balance = await ws.server.balance.retrieve(ws.workspaceId);
    expect(balance.availableMicros).toBe(10_000_000 - 250_000);
    expect(balance.reservedMicros).toBe(0);
  });

  it('voids the hold of a task that never started', async () => {
    const ws = await createWorkspace(api, { fundsMicros: 10_000_000 });
    const guard = createGuard({ client: ws.server, feature: 'coding_session' });
    const session = await guard.begin({ workspaceId: ws.workspaceId, estimate: { amountMicros: 100_000 } });
    expect((await ws.server.balance.retrieve(ws.workspaceId)).reservedMicros).toBe(100_000);
    await expect(session.end({ started: false })).resolves.toEqual({ kind: 'voided' });
    const balance = await ws.server.balance.retrieve(ws.workspaceId);
    expect(balance.reservedMicros).toBe(0);
    expect(balance.availableMicros).toBe(10_000_000);
  });
});

describe('long tasks', () => {
  it('renews the hold before its TTL lapses, so a task longer than the TTL still captures against it', async () => {
    const ws = await createWorkspace(api, { fundsMicros: 10_000_000 });
    const extensions: string[] = [];
    const guard = createGuard({
      client: ws.server,
      feature: 'coding_session',
      ttlSeconds: 60,
      // Renew one second after each (re)start, so the test runs in seconds of real time.
      extension: { renewBeforeExpirySeconds: 59 },
      hooks: {
        onExtend: ({ trigger, reservation }) => extensions.push(`${trigger}:${reservation.expiresAt}`),
      },
    });
    let reservationId = '';
    await guard.run({ workspaceId: ws.workspaceId, estimate: { amountMicros: 100_000 } }, async (meter) => {
      reservationId = meter.reservation?.id ?? '';
      // Three minutes of service time pass while the task runs: three times its TTL.
      for (let minute = 0; minute < 3; minute += 1) {
        const renewed = extensions.length;
        while (extensions.length === renewed) await sleep(100);
        await api.platform.testClock.advance(50);
      }
      meter.setAmountMicros(70_000);
    });
    expect(extensions.length).toBeGreaterThanOrEqual(3);
    const entries = await chargesOf(ws.workspaceId);
    const draws = entries.filter((entry) => entry.type === 'charge_draw');
    expect(draws).toHaveLength(1);
    expect(draws[0]?.reservationId).toBe(reservationId);
    expect(entries.filter((entry) => entry.type === 'reservation_extended').length).toBe(extensions.length);
    const balance = await ws.server.balance.retrieve(ws.workspaceId);
    expect(balance.availableMicros).toBe(10_000_000 - 70_000);
  }, 30_000);

  it('grows the hold as usage nears it, and stops the task through meter.signal when it cannot grow', async () => {
    const ws = await createWorkspace(api, { fundsMicros: 300_000, maxDeficitMicros: 0 });
    const refusals: string[] = [];
    const guard = createGuard({
      client: ws.server,
      feature: 'coding_session',
      hooks: { onRefuse: ({ error }) => refusals.push(`${error.stage}:${error.reason}`) },
    });
    let lastHeld = 0;
    let spent = 0;
    const error = await guard
      .run({ workspaceId: ws.workspaceId, estimate: { amountMicros: 100_000 } }, async (meter: Meter) => {
        for (;;) {
          spent += 20_000;
          meter.setAmountMicros(spent);
          await meter.checkpoint();
          lastHeld = meter.reservation?.heldMicros ?? 0;
        }
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GuardRefusedError);
    expect(refusals).toEqual(['extend:insufficient_credits']);
    // Grew twice (100k → 200k → 300k, all the funds), then 400k could not fit: stopped at 80% of 300k.
    expect(lastHeld).toBe(300_000);
    expect(spent).toBe(240_000);
    const balance = await ws.server.balance.retrieve(ws.workspaceId);
    expect(balance.availableMicros).toBe(300_000 - 240_000);
    expect(balance.deficitMicros).toBe(0);
  }, 30_000);
});

describe('concurrency', () => {
  it('keeps the deficit within maxDeficitMicros while concurrent tasks drive the balance to its bound', async () => {
    const maxDeficitMicros = 50_000;
    const ws = await createWorkspace(api, { fundsMicros: 400_000, maxDeficitMicros });
    const guard = createGuard({ client: ws.server, feature: 'coding_session' });
    const results = await Promise.allSettled(
      Array.from({ length: 24 }, (_, task) =>
        guard.run({ workspaceId: ws.workspaceId, estimate: { amountMicros: 40_000 } }, async (meter) => {
          // Each task spends more than its estimate, in steps, pausing at checkpoints.
          for (let step = 1; step <= 6; step += 1) {
            meter.setAmountMicros(step * 10_000 + (task % 3) * 1_000);
            await meter.checkpoint();
            await sleep(5);
          }
        }),
      ),
    );
    const refused = results.filter((r) => r.status === 'rejected' && r.reason instanceof GuardRefusedError);
    const otherFailures = results.filter(
      (r) => r.status === 'rejected' && !(r.reason instanceof GuardRefusedError),
    );
    expect(otherFailures).toEqual([]);
    expect(refused.length).toBeGreaterThan(0);
    const balance = await ws.server.balance.retrieve(ws.workspaceId);
    expect(balance.reservedMicros).toBe(0);
    expect(balance.deficitMicros).toBeLessThanOrEqual(maxDeficitMicros);
    const workspace = await ws.server.workspaces.retrieve(ws.workspaceId);
    expect(workspace.deficitMicros).toBeLessThanOrEqual(workspace.settings.maxDeficitMicros);
    // Whatever ran was charged: the lots are spent, and nothing more than the bound is owed.
    expect(balance.availableMicros).toBe(0);
  }, 60_000);
});

describe('self-hosted workspaces', () => {
  it('pass straight through: no hold, no charge, never blocked', async () => {
    const ws = await createWorkspace(api, { hosting: 'self_hosted' });
    const guard = createGuard({ client: ws.server, feature: 'coding_session' });
    for (let i = 0; i < 3; i += 1) {
      const mode = await guard.run(
        { workspaceId: ws.workspaceId, estimate: { amountMicros: 5_000_000 } },
        (meter) => {
          meter.addUsage({ model: 'orion-4', inputTokens: 10_000, outputTokens: 10_000 });
          return meter.mode;
        },
      );
      expect(mode).toBe('pass_through');
    }
    expect(await chargesOf(ws.workspaceId)).toEqual([]);
  });
});
