import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeApiError, FakeClient, FakeConnectionError, failOnce } from '../test/fake-client.js';
import { GuardCaptureError, GuardRefusedError, GuardUnavailableError } from './errors.js';
import { createGuard, type Guard, type GuardHooks } from './guard.js';
import { currentMeter } from './meter.js';

const ws = 'ws_1';

function setup(balanceMicros = 1_000_000, hooks: GuardHooks = {}) {
  const client = new FakeClient();
  client.balances.set(ws, balanceMicros);
  const guard = createGuard({ client, feature: 'coding_session', hooks, capture: { backoffMs: 1 } });
  return { client, guard };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('guard.run', () => {
  it('reserves the estimate, runs the task and captures the reported usage', async () => {
    const onReserve = vi.fn();
    const onCapture = vi.fn();
    const { client, guard } = setup(1_000_000, { onReserve, onCapture });
    const result = await guard.run(
      { workspaceId: ws, memberId: 'm1', estimate: { amountMicros: 5_000 }, idempotencyKey: 'task-1' },
      async (meter) => {
        expect(meter.mode).toBe('metered');
        expect(currentMeter()).toBe(meter);
        meter.addUsage({ model: 'orion-4', inputTokens: 100, outputTokens: 20 });
        meter.addUsage({ model: 'orion-4', inputTokens: 50, outputTokens: 5, cachedInputTokens: 7 });
        meter.addSandboxSeconds(3);
        return 'done';
      },
    );
    expect(result).toBe('done');
    const [create] = client.callsOf('create');
    expect(create?.body).toEqual({
      feature: 'coding_session',
      memberId: 'm1',
      ttlSeconds: 300,
      estimateMicros: 5_000,
    });
    expect(create?.idempotencyKey).toBe('task-1:reserve');
    const [capture] = client.callsOf('capture');
    expect(capture?.body).toEqual({
      usage: {
        model: 'orion-4',
        inputTokens: 150,
        outputTokens: 25,
        cachedInputTokens: 7,
        sandboxSeconds: 3,
      },
      outcome: 'succeeded',
    });
    expect(capture?.idempotencyKey).toBe('task-1:capture');
    expect(onReserve).toHaveBeenCalledOnce();
    expect(onCapture).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'succeeded', attempts: 1 }));
    expect(currentMeter()).toBeUndefined();
  });

  it('refuses before the task starts with a typed reason, remedies and the API request id', async () => {
    const onRefuse = vi.fn();
    const { client, guard } = setup(0, { onRefuse });
    client.refuseCode = 'overage_disabled';
    const task = vi.fn();
    const error = await guard
      .run({ workspaceId: ws, memberId: 'm1', estimate: { amountMicros: 5_000 } }, task)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GuardRefusedError);
    const refused = error as GuardRefusedError;
    expect(refused.code).toBe('refused');
    expect(refused.reason).toBe('overage_disabled');
    expect(refused.remedies).toContain('enable_overage');
    expect(refused.apiCode).toBe('overage_disabled');
    expect(refused.requestId).toBe('req_fake');
    expect(refused.stage).toBe('reserve');
    expect(task).not.toHaveBeenCalled();
    expect(onRefuse).toHaveBeenCalledOnce();
    expect(client.callsOf('capture')).toHaveLength(0);
  });

  it('captures a failed task as failed and rethrows its error', async () => {
    const { client, guard } = setup();
    const boom = new Error('model provider exploded');
    await expect(
      guard.run({ workspaceId: ws, estimate: { amountMicros: 5_000 } }, async (meter) => {
        meter.addUsage({ model: 'orion-4', inputTokens: 10, outputTokens: 0 });
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(client.callsOf('capture')[0]?.body).toMatchObject({ outcome: 'failed' });
  });

  it('captures an explicit amount, even above the estimate, and zero when nothing was reported', async () => {
    const { client, guard } = setup();
    await guard.run({ workspaceId: ws, estimate: { amountMicros: 5_000 } }, (meter) => {
      meter.setAmountMicros(9_000);
    });
    await guard.run({ workspaceId: ws, estimate: { amountMicros: 5_000 } }, () => undefined);
    expect(client.callsOf('capture').map((call) => call.body)).toEqual([
      { amountMicros: 9_000, outcome: 'succeeded' },
      { amountMicros: 0, outcome: 'succeeded' },
    ]);
  });

  it('voids the hold when a session ends before the task started', async () => {
    const onVoid = vi.fn();
    const { client, guard } = setup(1_000_000, { onVoid });
    const session = await guard.begin({ workspaceId: ws, estimate: { amountMicros: 5_000 } });
    await expect(session.end({ started: false })).resolves.toEqual({ kind: 'voided' });
    await expect(session.end({ started: false })).resolves.toEqual({ kind: 'voided' });
    expect(client.callsOf('void')).toHaveLength(1);
    expect(client.callsOf('capture')).toHaveLength(0);
    expect(onVoid).toHaveBeenCalledOnce();
  });

  it('rejects usage reported after settlement instead of dropping it', async () => {
    const { guard } = setup();
    let leaked: { addSandboxSeconds(n: number): void } | undefined;
    await guard.run({ workspaceId: ws, estimate: { amountMicros: 5_000 } }, (meter) => {
      leaked = meter;
    });
    expect(() => leaked?.addSandboxSeconds(1)).toThrow(expect.objectContaining({ code: 'invalid_usage' }));
  });

  it('rejects negative or fractional usage', async () => {
    const { guard } = setup();
    await guard.run({ workspaceId: ws, estimate: { amountMicros: 5_000 } }, (meter) => {
      expect(() => meter.addUsage({ model: 'orion-4', inputTokens: -1, outputTokens: 0 })).toThrow(
        expect.objectContaining({ code: 'invalid_usage' }),
      );
      expect(() => meter.setAmountMicros(1.5)).toThrow(expect.objectContaining({ code: 'invalid_usage' }));
    });
  });
});

describe('capture retries', () => {
  it('replays a capture after a network error with the same idempotency key', async () => {
    const onCapture = vi.fn();
    const { client, guard } = setup(1_000_000, { onCapture });
    client.failures.push(
      failOnce(
        (call) => call.method === 'capture',
        () => new FakeConnectionError(),
      ),
    );
    await guard.run({ workspaceId: ws, estimate: { amountMicros: 5_000 } }, (meter) =>
      meter.setAmountMicros(700),
    );
    const captures = client.callsOf('capture');
    expect(captures).toHaveLength(2);
    expect(captures[0]?.idempotencyKey).toBe(captures[1]?.idempotencyKey);
    expect(client.balances.get(ws)).toBe(1_000_000 - 700);
    expect(onCapture).toHaveBeenCalledWith(expect.objectContaining({ attempts: 2 }));
  });

  it('surfaces a capture that keeps failing (hook + GuardCaptureError) and can replay it later', async () => {
    const onError = vi.fn();
    const { client, guard } = setup(1_000_000, { onError });
    let down = true;
    client.failures.push((call) =>
      down && call.method === 'capture' ? new FakeApiError(503, 'service_unavailable') : undefined,
    );
    const error = await guard
      .run({ workspaceId: ws, estimate: { amountMicros: 5_000 } }, (meter) => {
        meter.setAmountMicros(800);
        return 'result';
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GuardCaptureError);
    const captureError = error as GuardCaptureError;
    expect(captureError.code).toBe('capture_failed');
    expect(captureError.result).toBe('result');
    expect(client.callsOf('capture')).toHaveLength(5);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ stage: 'capture' }));
    down = false;
    await captureError.retry();
    expect(new Set(client.callsOf('capture').map((call) => call.idempotencyKey)).size).toBe(1);
    expect(client.balances.get(ws)).toBe(1_000_000 - 800);
  });

  it('does not retry a capture the API rejected', async () => {
    const { client, guard } = setup();
    client.failures.push((call) =>
      call.method === 'capture' ? new FakeApiError(409, 'reservation_voided') : undefined,
    );
    await expect(
      guard.run({ workspaceId: ws, estimate: { amountMicros: 5_000 } }, () => undefined),
    ).rejects.toBeInstanceOf(GuardCaptureError);
    expect(client.callsOf('capture')).toHaveLength(1);
  });
});

describe('a hold that lapsed', () => {
  it('still settles the work at its real cost, as a one-step charge', async () => {
    const { client, guard } = setup();
    await guard.run({ workspaceId: ws, memberId: 'm1', estimate: { amountMicros: 5_000 } }, (meter) => {
      meter.setAmountMicros(4_000);
      const hold = client.holds.get(meter.reservation?.id ?? '');
      if (hold) hold.status = 'expired';
    });
    const [charge] = client.callsOf('charge');
    expect(charge?.body).toEqual({
      feature: 'coding_session',
      memberId: 'm1',
      amountMicros: 4_000,
      outcome: 'succeeded',
    });
    expect(client.balances.get(ws)).toBe(1_000_000 - 4_000);
  });
});

describe('self-hosted and unavailable', () => {
  it('passes self-hosted workspaces straight through and caches the hosting mode', async () => {
    const { client, guard } = setup(0);
    client.hosting.set(ws, 'self_hosted');
    for (let i = 0; i < 3; i += 1) {
      const mode = await guard.run({ workspaceId: ws, estimate: { amountMicros: 5_000 } }, (meter) => {
        meter.addUsage({ model: 'orion-4', inputTokens: 1, outputTokens: 1 });
        return meter.mode;
      });
      expect(mode).toBe('pass_through');
    }
    expect(client.callsOf('retrieve')).toHaveLength(1);
    expect(client.callsOf('create')).toHaveLength(0);
    expect(client.callsOf('capture')).toHaveLength(0);
  });

  it('fails closed by default with the reason', async () => {
    const onUnavailable = vi.fn();
    const { client, guard } = setup(1_000_000, { onUnavailable });
    client.failures.push((call) => (call.method === 'create' ? new FakeConnectionError() : undefined));
    const task = vi.fn();
    const error = await guard
      .run({ workspaceId: ws, estimate: { amountMicros: 5_000 } }, task)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GuardUnavailableError);
    expect((error as GuardUnavailableError).reason).toBe('connection_error');
    expect((error as GuardUnavailableError).code).toBe('credits_unavailable');
    expect(task).not.toHaveBeenCalled();
    expect(onUnavailable).toHaveBeenCalledWith(expect.objectContaining({ action: 'fail_closed' }));
  });

  it('fails open when asked: runs unmetered and reports the usage through hooks', async () => {
    const onUnavailable = vi.fn();
    const onUnmetered = vi.fn();
    const client = new FakeClient();
    client.failures.push(() => new FakeApiError(503, 'service_unavailable'));
    const guard = createGuard({
      client,
      feature: 'coding_session',
      onUnavailable: 'fail_open',
      hooks: { onUnavailable, onUnmetered },
    });
    const mode = await guard.run({ workspaceId: ws, estimate: { amountMicros: 5_000 } }, (meter) => {
      meter.addSandboxSeconds(4);
      return meter.mode;
    });
    expect(mode).toBe('unmetered');
    expect(onUnavailable).toHaveBeenCalledWith(
      expect.objectContaining({ action: 'fail_open', reason: 'server_error' }),
    );
    expect(onUnmetered).toHaveBeenCalledWith(
      expect.objectContaining({
        outcome: 'succeeded',
        usage: expect.objectContaining({ sandboxSeconds: 4 }),
      }),
    );
  });

  it('never fails open on a misconfiguration (403)', async () => {
    const client = new FakeClient();
    client.failures.push(() => new FakeApiError(403, 'forbidden'));
    const guard = createGuard({ client, feature: 'coding_session', onUnavailable: 'fail_open' });
    await expect(
      guard.run({ workspaceId: ws, estimate: { amountMicros: 5_000 } }, () => undefined),
    ).rejects.toMatchObject({ status: 403, code: 'forbidden' });
  });
});

describe('extensions', () => {
  it('extends the TTL before it lapses while the task runs', async () => {
    vi.useFakeTimers();
    const onExtend = vi.fn();
    const { client, guard } = setup(1_000_000, { onExtend });
    let release: () => void = () => undefined;
    const running = guard.run(
      { workspaceId: ws, estimate: { amountMicros: 5_000 }, ttlSeconds: 8 },
      async () => {
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    );
    await vi.advanceTimersByTimeAsync(6_100);
    expect(client.callsOf('extend')).toHaveLength(1);
    expect(client.callsOf('extend')[0]?.body).toEqual({ additionalMicros: 1, ttlSeconds: 8 });
    await vi.advanceTimersByTimeAsync(6_100);
    expect(client.callsOf('extend')).toHaveLength(2);
    release();
    await running;
    await vi.advanceTimersByTimeAsync(20_000);
    expect(client.callsOf('extend')).toHaveLength(2);
    expect(onExtend).toHaveBeenCalledWith(expect.objectContaining({ trigger: 'ttl' }));
    expect(new Set(client.callsOf('extend').map((call) => call.idempotencyKey)).size).toBe(2);
  });

  it('grows the hold when the reported amount nears it', async () => {
    const { client, guard } = setup();
    await guard.run({ workspaceId: ws, estimate: { amountMicros: 1_000 } }, async (meter) => {
      meter.setAmountMicros(500);
      expect(client.callsOf('extend')).toHaveLength(0);
      meter.setAmountMicros(850);
      await vi.waitFor(() => expect(meter.reservation?.heldMicros).toBe(2_000));
    });
    expect(client.callsOf('extend')[0]?.body).toEqual({ additionalMicros: 1_000, ttlSeconds: 300 });
  });

  it('grows the hold from token usage once the price table is known', async () => {
    const client = new FakeClient();
    client.balances.set(ws, 1_000_000_000);
    const guard = createGuard({
      client,
      feature: 'coding_session',
      prices: async () => ({
        sandboxMicrosPerHour: 360_000,
        models: [
          {
            model: 'orion-4',
            inputMicrosPerMillionTokens: 3_000_000,
            outputMicrosPerMillionTokens: 15_000_000,
            cachedInputMicrosPerMillionTokens: 300_000,
          },
        ],
      }),
    });
    await guard.run({ workspaceId: ws, estimate: { amountMicros: 10_000 } }, async (meter) => {
      // 1,000 output tokens of orion-4 cost 15,000 micros: past 80% of the 10,000 hold.
      meter.addUsage({ model: 'orion-4', inputTokens: 0, outputTokens: 1_000 });
      await vi.waitFor(() => expect(meter.reservation?.heldMicros).toBe(25_000));
    });
    expect(client.callsOf('extend')[0]?.body).toEqual({ additionalMicros: 15_000, ttlSeconds: 300 });
  });

  it('lets a task wait at a checkpoint for the hold to grow, and stops it there when refused', async () => {
    const { client, guard } = setup(1_500);
    const steps: number[] = [];
    const error = await guard
      .run({ workspaceId: ws, estimate: { amountMicros: 1_000 } }, async (meter) => {
        for (let step = 1; step <= 5; step += 1) {
          meter.setAmountMicros(step * 300);
          await meter.checkpoint();
          steps.push(step);
        }
      })
      .catch((e: unknown) => e);
    // 900 micros crosses 80% of the 1,000 hold; growing it by 1,000 needs more than the 500 left.
    expect(error).toMatchObject({ code: 'refused', stage: 'extend' });
    expect(steps).toEqual([1, 2]);
    expect(client.callsOf('capture')[0]?.body).toEqual({ amountMicros: 900, outcome: 'partial' });
  });

  it('aborts the task through meter.signal when an extension is refused, and captures it as partial', async () => {
    const onRefuse = vi.fn();
    const { client, guard } = setup(1_000, { onRefuse });
    const error = await guard
      .run({ workspaceId: ws, estimate: { amountMicros: 1_000 } }, async (meter) => {
        meter.setAmountMicros(900);
        await new Promise((_, reject) => {
          meter.signal.addEventListener('abort', () => reject(meter.signal.reason));
        });
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GuardRefusedError);
    expect((error as GuardRefusedError).stage).toBe('extend');
    expect(onRefuse).toHaveBeenCalledOnce();
    expect(client.callsOf('capture')[0]?.body).toEqual({ amountMicros: 900, outcome: 'partial' });
  });
});

describe('pricing several models', () => {
  it('captures one amount priced locally with a single rounding', async () => {
    const client = new FakeClient();
    client.balances.set(ws, 1_000_000);
    const guard = createGuard({
      client,
      feature: 'coding_session',
      extension: false,
      prices: async () => ({
        sandboxMicrosPerHour: 360_000,
        models: [
          {
            model: 'a',
            inputMicrosPerMillionTokens: 1,
            outputMicrosPerMillionTokens: 0,
            cachedInputMicrosPerMillionTokens: 0,
          },
          {
            model: 'b',
            inputMicrosPerMillionTokens: 1,
            outputMicrosPerMillionTokens: 0,
            cachedInputMicrosPerMillionTokens: 0,
          },
        ],
      }),
    });
    await guard.run({ workspaceId: ws, estimate: { amountMicros: 5_000 } }, (meter) => {
      // Each alone is 0.4 micros (rounds to 0); together 0.8 rounds once, to 1.
      meter.addUsage({ model: 'a', inputTokens: 400_000, outputTokens: 0 });
      meter.addUsage({ model: 'b', inputTokens: 400_000, outputTokens: 0 });
    });
    expect(client.callsOf('capture')[0]?.body).toEqual({ amountMicros: 1, outcome: 'succeeded' });
  });
});

describe('hooks and cancellation', () => {
  it('reports a hook that throws through onError and still settles', async () => {
    const onError = vi.fn();
    const { client, guard } = setup(1_000_000, {
      onReserve: () => {
        throw new Error('broken metrics exporter');
      },
      onError,
    });
    await guard.run({ workspaceId: ws, estimate: { amountMicros: 5_000 } }, (meter) =>
      meter.setAmountMicros(10),
    );
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ stage: 'hook' }));
    expect(client.callsOf('capture')).toHaveLength(1);
  });

  it("passes the caller's signal to the task and captures a run it cut short as partial", async () => {
    const { client, guard } = setup();
    const controller = new AbortController();
    await expect(
      guard.run(
        { workspaceId: ws, estimate: { amountMicros: 5_000 }, signal: controller.signal },
        async (meter) => {
          meter.setAmountMicros(40);
          controller.abort(new Error('client went away'));
          meter.signal.throwIfAborted();
        },
      ),
    ).rejects.toThrow('client went away');
    expect(client.callsOf('capture')[0]?.body).toEqual({ amountMicros: 40, outcome: 'partial' });
  });
});

describe('background settlement', () => {
  /** Holds every capture until `release()`, so a test can look between the task's end and its capture. */
  function gateCaptures(client: FakeClient) {
    const original = client.reservations.capture;
    let release!: () => void;
    const opened = new Promise<void>((resolve) => {
      release = resolve;
    });
    client.reservations.capture = async (...args) => {
      await opened;
      return original(...args);
    };
    return { release };
  }

  /** `flush` stays pending while the gate holds the capture, and resolves once it opens. */
  async function expectFlushWaitsForGate(guard: Guard, gate: { release: () => void }) {
    let flushed = false;
    const flushing = guard.flush().then(() => {
      flushed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(flushed).toBe(false);
    gate.release();
    await flushing;
  }

  it('hands back the result before the capture lands, and flush waits for the capture', async () => {
    const onCapture = vi.fn();
    const client = new FakeClient();
    client.balances.set(ws, 1_000_000);
    const guard = createGuard({
      client,
      feature: 'coding_session',
      settlement: 'background',
      hooks: { onCapture },
    });
    const gate = gateCaptures(client);
    const result = await guard.run({ workspaceId: ws, estimate: { amountMicros: 5_000 } }, (meter) => {
      meter.setAmountMicros(3_000);
      return 'done';
    });
    expect(result).toBe('done');
    expect(onCapture).not.toHaveBeenCalled();
    expect([...client.holds.values()].map((h) => h.status)).toEqual(['held']);
    await expectFlushWaitsForGate(guard, gate);
    expect(onCapture).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'succeeded' }));
    expect([...client.holds.values()].map((h) => h.status)).toEqual(['captured']);
    expect(client.balances.get(ws)).toBe(997_000);
  });

  it('sends nothing for the capture until the caller has its result', async () => {
    const client = new FakeClient();
    client.balances.set(ws, 1_000_000);
    const guard = createGuard({ client, feature: 'coding_session', settlement: 'background' });
    const result = await guard.run({ workspaceId: ws, estimate: { amountMicros: 5_000 } }, () => 'done');
    expect(result).toBe('done');
    expect(client.callsOf('capture')).toHaveLength(0);
    await guard.flush();
    expect(client.callsOf('capture')).toHaveLength(1);
    expect(client.balances.get(ws)).toBe(1_000_000);
    expect([...client.holds.values()].map((h) => h.status)).toEqual(['captured']);
  });

  it('rethrows a failed task at once and still captures it as failed', async () => {
    const client = new FakeClient();
    client.balances.set(ws, 1_000_000);
    const guard = createGuard({ client, feature: 'coding_session', settlement: 'background' });
    const gate = gateCaptures(client);
    const boom = new Error('provider down');
    await expect(
      guard.run({ workspaceId: ws, estimate: { amountMicros: 5_000 } }, () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    gate.release();
    await guard.flush();
    expect(client.callsOf('capture')[0]?.body).toEqual({ amountMicros: 0, outcome: 'failed' });
  });

  it('reports a capture that keeps failing through onError instead of the caller', async () => {
    const onError = vi.fn();
    const client = new FakeClient();
    client.balances.set(ws, 1_000_000);
    client.failures.push((call) => (call.method === 'capture' ? new FakeConnectionError() : undefined));
    const guard = createGuard({
      client,
      feature: 'coding_session',
      settlement: 'background',
      capture: { attempts: 2, backoffMs: 1 },
      hooks: { onError },
    });
    await expect(guard.run({ workspaceId: ws, estimate: { amountMicros: 5_000 } }, () => 'ok')).resolves.toBe(
      'ok',
    );
    await guard.flush();
    expect(client.callsOf('capture')).toHaveLength(2);
    expect(onError).toHaveBeenCalledWith(
      expect.objectContaining({ stage: 'capture', error: expect.any(FakeConnectionError) }),
    );
  });

  it('lets one run settle inline on a background guard, and refuses an unknown mode', async () => {
    const client = new FakeClient();
    client.balances.set(ws, 1_000_000);
    const guard = createGuard({ client, feature: 'coding_session', settlement: 'background' });
    await guard.run({ workspaceId: ws, estimate: { amountMicros: 5_000 }, settlement: 'inline' }, (meter) =>
      meter.setAmountMicros(10),
    );
    expect([...client.holds.values()].map((h) => h.status)).toEqual(['captured']);
    expect(() => createGuard({ client, feature: 'coding_session', settlement: 'later' as 'inline' })).toThrow(
      expect.objectContaining({ code: 'invalid_options' }),
    );
    await expect(
      guard.run({ workspaceId: ws, estimate: { amountMicros: 5 }, settlement: 'soon' as 'inline' }, () => 1),
    ).rejects.toMatchObject({ code: 'invalid_options' });
  });

  it('flush also waits for sessions an adapter ended without awaiting', async () => {
    const { client, guard } = setup();
    const gate = gateCaptures(client);
    const session = await guard.begin({ workspaceId: ws, estimate: { amountMicros: 5_000 } });
    void session.end({ outcome: 'succeeded' });
    await expectFlushWaitsForGate(guard, gate);
    expect(client.callsOf('capture')).toHaveLength(1);
    await guard.flush();
  });
});
