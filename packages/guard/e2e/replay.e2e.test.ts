import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaptureEvent, createGuard } from '../src/index.js';
import { type Api, createWorkspace, startApi } from './harness.js';
import { type DroppingProxy, startDroppingProxy } from './proxy.js';

let api: Api;
let proxy: DroppingProxy;

beforeAll(async () => {
  api = await startApi();
}, 120_000);
afterAll(async () => {
  await proxy?.close();
  await api?.close();
});

describe('a capture whose answer is lost', () => {
  it.each([
    { name: "the guard's own replay", maxRetries: 0 },
    { name: "the SDK's retry under the guard", maxRetries: 2 },
  ])('is replayed with the same idempotency key and charged once ($name)', async ({ maxRetries }) => {
    const ws = await createWorkspace(api, { fundsMicros: 10_000_000 });
    proxy = await startDroppingProxy(
      api.service.url,
      (method, path) => method === 'POST' && path.endsWith('/capture'),
    );
    const captures: CaptureEvent[] = [];
    const guard = createGuard({
      client: api.clientFor(ws.serverKey, proxy.url, { maxRetries }),
      feature: 'coding_session',
      capture: { backoffMs: 10 },
      hooks: { onCapture: (event) => captures.push(event) },
    });
    await guard.run({ workspaceId: ws.workspaceId, estimate: { amountMicros: 100_000 } }, (meter) => {
      meter.setAmountMicros(42_000);
    });
    await proxy.close();

    expect(proxy.dropped).toHaveLength(1);
    const captureRequests = proxy.forwarded.filter((request) => request.path.endsWith('/capture'));
    expect(captureRequests).toHaveLength(2);
    expect(captureRequests[0]?.idempotencyKey).toBeDefined();
    expect(captureRequests[1]?.idempotencyKey).toBe(captureRequests[0]?.idempotencyKey);
    expect(captures).toHaveLength(1);
    expect(captures[0]?.charge.amountMicros).toBe(42_000);
    if (maxRetries === 0) expect(captures[0]?.attempts).toBe(2);

    // The ledger shows one charge, and the balance moved once.
    const entries = (await api.platform.transactions.list(ws.workspaceId, { limit: 100 })).data;
    const draws = entries.filter((entry) => entry.type === 'charge_draw');
    expect(draws).toHaveLength(1);
    expect(draws[0]?.amountMicros).toBe(-42_000);
    const balance = await ws.server.balance.retrieve(ws.workspaceId);
    expect(balance.availableMicros).toBe(10_000_000 - 42_000);
    expect(balance.reservedMicros).toBe(0);
  });
});
