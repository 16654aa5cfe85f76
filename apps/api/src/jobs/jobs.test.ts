import { Writable } from 'node:stream';
import { type WebhookEventOf, WebhookEventSchema } from '@aicredits/contract';
import { addMonths, MS_PER_DAY } from '@aicredits/ledger';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningService, startService } from '../service.js';
import {
  type ApiClient,
  apiClient,
  type Receiver,
  startReceiver,
  uniqueId,
  waitFor,
} from '../webhooks/test-support.js';
import { expiringEventId, warningWindow } from './expiring.js';
import { acquireLease, startScheduler } from './scheduler.js';

const PLATFORM_KEY = 'ak_platform_backgroundjobtests00001';
const USD = 1_000_000;
const HOUR_MS = 3_600_000;

let service: RunningService;
let api: ApiClient;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  service = await startService({
    port: 0,
    dataDir: 'memory://',
    platformKey: PLATFORM_KEY,
    testClock: true,
    logLevel: 'silent',
  });
  api = apiClient(service);
  await api.setClock({ now: '2032-01-10T12:00:00.000Z' });
});

afterAll(async () => {
  await service?.close();
  await receiver?.close();
});

const now = () => service.services.clock.now();
const iso = (ms: number) => new Date(ms).toISOString();
const q = <R = Record<string, unknown>>(sql: string, params: (string | number)[] = []) =>
  service.services.db.query<R>(sql, params).then((r) => r.rows);

async function workspace(body: Record<string, unknown> = {}): Promise<string> {
  const id = uniqueId('ws');
  await api.post('/v1/workspaces', { id, name: id, ...body });
  return id;
}

async function grant(
  ws: string,
  lotId: string,
  amountMicros: number,
  expiresAt: number | null,
): Promise<void> {
  await api.post(`/v1/workspaces/${ws}/lots`, {
    lotId,
    kind: 'promotional',
    amountMicros,
    expiresAt: expiresAt === null ? null : iso(expiresAt),
    reason: 'test grant',
  });
}

describe('warning windows', () => {
  it('picks the narrowest window a lot falls in', () => {
    const t = 0;
    expect(warningWindow(t + 20 * MS_PER_DAY, t, [30, 7])).toBe(30);
    expect(warningWindow(t + 5 * MS_PER_DAY, t, [30, 7])).toBe(7);
    expect(warningWindow(t + 7 * MS_PER_DAY, t, [7, 30])).toBe(7);
    expect(warningWindow(t + 31 * MS_PER_DAY, t, [30, 7])).toBeNull();
    expect(warningWindow(t + MS_PER_DAY, t, [])).toBeNull();
  });
});

describe('scheduler', () => {
  const recordingLogger = () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    return { lines, logger: pino({ level: 'error' }, stream) };
  };

  it('logs a failing job and still runs the others', async () => {
    const { lines, logger } = recordingLogger();
    let ran = 0;
    const scheduler = startScheduler({
      db: service.services.db,
      logger,
      holder: 'test-holder',
      timers: false,
      jobs: [
        {
          name: 'test.broken',
          intervalMs: 1_000,
          run: async () => {
            throw new Error('boom');
          },
        },
        {
          name: 'test.fine',
          intervalMs: 1_000,
          run: async () => {
            ran += 1;
          },
        },
      ],
    });
    await scheduler.runOnce();
    await scheduler.runOnce();
    expect(ran).toBe(2);
    expect(
      lines.filter((l) => l.includes('background job failed') && l.includes('test.broken')),
    ).toHaveLength(2);
    await scheduler.stop();
  });

  it('skips a job whose lease another replica holds, and stop() waits for a running pass', async () => {
    const { logger } = recordingLogger();
    expect(await acquireLease(service.services.db, 'test.leased', 'other-replica', 60_000)).toBe(true);
    let leasedRuns = 0;
    let finished = false;
    const scheduler = startScheduler({
      db: service.services.db,
      logger,
      holder: 'this-replica',
      timers: false,
      jobs: [
        {
          name: 'test.leased',
          intervalMs: 1_000,
          run: async () => {
            leasedRuns += 1;
          },
        },
        {
          name: 'test.slow',
          intervalMs: 1_000,
          run: async () => {
            await new Promise((resolve) => setTimeout(resolve, 200));
            finished = true;
          },
        },
      ],
    });
    const pass = scheduler.runOnce();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await scheduler.stop();
    expect(finished).toBe(true);
    await pass;
    expect(leasedRuns).toBe(0);
  });
});

describe('lots.expiring', () => {
  it('emits one warning per lot per window, with the amount and date, once', async () => {
    const ws = await workspace();
    const path = `/expiring/${ws}`;
    await api.post(`/v1/workspaces/${ws}/webhook-endpoints`, {
      url: `${receiver.url}${path}`,
      events: ['lots.expiring'],
    });
    const start = now();
    await grant(ws, 'lot_in_20d', 3 * USD, start + 20 * MS_PER_DAY);
    await grant(ws, 'lot_in_5d', 2 * USD, start + 5 * MS_PER_DAY);
    await grant(ws, 'lot_in_100d', 4 * USD, start + 100 * MS_PER_DAY);
    await grant(ws, 'lot_forever', 1 * USD, null);
    // A workspace that asked for a single 14-day warning gets only that.
    const custom = await workspace({ settings: { expiryWarningDays: [14] } });
    await grant(custom, 'lot_in_20d', 3 * USD, start + 20 * MS_PER_DAY);
    await grant(custom, 'lot_in_10d', 3 * USD, start + 10 * MS_PER_DAY);

    await service.background.runOnce();
    await service.background.runOnce();
    const events = async (w: string) =>
      (
        await q<{ id: string; payload: unknown }>(
          "SELECT id, payload FROM outbox_events WHERE workspace_id = $1 AND type = 'lots.expiring' ORDER BY id",
          [w],
        )
      ).map((r) => WebhookEventSchema.parse(r.payload) as WebhookEventOf<'lots.expiring'>);

    const first = await events(ws);
    expect(first.map((e) => e.id).sort()).toEqual(
      [expiringEventId(ws, 'lot_in_20d', 30), expiringEventId(ws, 'lot_in_5d', 7)].sort(),
    );
    const in20 = first.find((e) => e.id === expiringEventId(ws, 'lot_in_20d', 30));
    expect(in20?.data).toEqual({
      unit: 'usd',
      withinDays: 30,
      totalMicros: 3 * USD,
      earliestExpiresAt: iso(start + 20 * MS_PER_DAY),
      lots: [
        {
          lotId: 'lot_in_20d',
          kind: 'promotional',
          scope: 'workspace',
          remainingMicros: 3 * USD,
          expiresAt: iso(start + 20 * MS_PER_DAY),
        },
      ],
    });
    expect((await events(custom)).map((e) => e.id)).toEqual([expiringEventId(custom, 'lot_in_10d', 14)]);

    // Delivered to the subscribed endpoint, each once.
    await waitFor(
      () => receiver.received.filter((r) => r.path === path).length === 2,
      10_000,
      'the warnings',
    );

    // Two weeks later the 20-day lot enters the 7-day window: one more warning, for it only.
    await api.setClock({ advanceSeconds: 14 * 86_400 });
    await service.background.runOnce();
    await service.background.runOnce();
    const later = await events(ws);
    expect(later.map((e) => e.id).sort()).toEqual(
      [
        expiringEventId(ws, 'lot_in_20d', 30),
        expiringEventId(ws, 'lot_in_20d', 7),
        expiringEventId(ws, 'lot_in_5d', 7),
      ].sort(),
    );
    await waitFor(
      () => receiver.received.filter((r) => r.path === path).length === 3,
      10_000,
      'the 7-day warning',
    );
    const ids = receiver.received.filter((r) => r.path === path).map((r) => JSON.parse(r.body).id);
    expect(new Set(ids).size).toBe(3);
  });
});

describe('lot expiry', () => {
  it('closes a lot once its expiry passes and records the forfeiture, without any request', async () => {
    const ws = await workspace();
    await grant(ws, 'lot_soon', 5 * USD, now() + HOUR_MS);
    await grant(ws, 'lot_later', 2 * USD, now() + 30 * MS_PER_DAY);
    await api.setClock({ advanceSeconds: 2 * 3600 });
    await service.background.runOnce();

    const [row] = await q<{ closed_at: unknown; close_reason: string; remaining_micros: unknown }>(
      "SELECT closed_at, close_reason, remaining_micros FROM lots WHERE workspace_id = $1 AND id = 'lot_soon'",
      [ws],
    );
    expect(row).toMatchObject({ close_reason: 'expired' });
    expect(Number(row?.closed_at)).toBe(now());
    expect(Number(row?.remaining_micros)).toBe(0);
    const lots = (await api.get(`/v1/workspaces/${ws}/lots?status=all`)).data as {
      id: string;
      status: string;
    }[];
    expect(lots.find((l) => l.id === 'lot_soon')?.status).toBe('expired');
    expect(lots.find((l) => l.id === 'lot_later')?.status).toBe('active');

    const entries = (await api.get(`/v1/workspaces/${ws}/transactions?limit=100`)).data as {
      type: string;
      lotId: string | null;
      amountMicros: number;
    }[];
    const expiry = entries.filter((e) => e.lotId === 'lot_soon' && e.type === 'lot_expired');
    expect(expiry).toEqual([expect.objectContaining({ amountMicros: -5 * USD })]);

    // Running again (or on another replica) writes nothing more.
    await service.background.runOnce();
    const again = (await api.get(`/v1/workspaces/${ws}/transactions?limit=100`)).data as { type: string }[];
    expect(again.filter((e) => e.type === 'lot_expired')).toHaveLength(1);
  });

  it('expires a reservation held past its TTL, releasing the hold', async () => {
    const ws = await workspace();
    await api.post(`/v1/workspaces/${ws}/topups`, { amountMicros: 10 * USD });
    const reservation = await api.post(`/v1/workspaces/${ws}/reservations`, {
      feature: 'coding_session',
      estimateMicros: 3 * USD,
      ttlSeconds: 60,
    });
    expect((await api.get(`/v1/workspaces/${ws}/balance`)).reservedMicros).toBe(3 * USD);
    await api.setClock({ advanceSeconds: 120 });
    await service.background.runOnce();
    const [row] = await q<{ status: string }>(
      'SELECT status FROM reservations WHERE workspace_id = $1 AND id = $2',
      [ws, String(reservation.id)],
    );
    expect(row?.status).toBe('expired');
    const entries = (await api.get(`/v1/workspaces/${ws}/transactions?limit=100`)).data as { type: string }[];
    expect(entries.map((e) => e.type)).toContain('reservation_released');
  });
});

describe('seat credits', () => {
  it('grants the new period’s seat credits at the period start without any operation', async () => {
    const anchor = now();
    const ws = await workspace({ billingAnchor: iso(anchor), settings: { includedMicrosPerSeat: 5 * USD } });
    await api.ok('PUT', `/v1/workspaces/${ws}/members/m1`, {
      role: 'member',
      seat: { paid: true, active: true },
    });
    await api.ok('PUT', `/v1/workspaces/${ws}/members/m2`, {
      role: 'member',
      seat: { paid: false, active: true },
    });
    const seatLots = () =>
      q<{ id: string; scope: string; original_micros: unknown; expires_at: unknown }>(
        "SELECT id, scope, original_micros, expires_at FROM lots WHERE workspace_id = $1 AND kind = 'included' ORDER BY granted_at, id",
        [ws],
      );
    expect(await seatLots()).toHaveLength(1);

    const nextStart = addMonths(anchor, 1);
    await api.setClock({ now: iso(nextStart + HOUR_MS) });
    await service.background.runOnce();
    const lots = await seatLots();
    expect(lots).toHaveLength(2);
    expect(lots[1]).toMatchObject({ id: `seat_m1_${nextStart}`, scope: 'member:m1' });
    expect(Number(lots[1]?.original_micros)).toBe(5 * USD);
    expect(Number(lots[1]?.expires_at)).toBe(addMonths(anchor, 2));
    const [w] = await q<{ seats_granted_period: unknown }>(
      'SELECT seats_granted_period FROM workspaces WHERE id = $1',
      [ws],
    );
    expect(Number(w?.seats_granted_period)).toBe(nextStart);

    await service.background.runOnce();
    expect(await seatLots()).toHaveLength(2);
  });
});

describe('retention', () => {
  it('prunes usage older than 12 months and old idempotency answers, keeping ledger entries and charges', async () => {
    const ws = await workspace();
    const idem = await api.call('POST', `/v1/workspaces/${ws}/topups`, { amountMicros: 50 * USD });
    expect(idem.status).toBe(201);
    const res = await fetch(`${service.url}/v1/workspaces/${ws}/charges`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${PLATFORM_KEY}`,
        'content-type': 'application/json',
        'idempotency-key': `old-charge-${ws}`,
      },
      body: JSON.stringify({ feature: 'coding_session', amountMicros: 2 * USD }),
    });
    expect(res.status).toBe(201);
    const old = (await res.json()) as { id: string };
    const oldAt = now();
    expect(await q('SELECT 1 FROM idempotency_keys WHERE key = $1', [`old-charge-${ws}`])).toHaveLength(1);

    // Eleven months on: still kept.
    await api.setClock({ now: iso(addMonths(oldAt, 11)) });
    await service.background.runOnce();
    expect(
      await q('SELECT 1 FROM usage_events WHERE workspace_id = $1 AND charge_id = $2', [ws, old.id]),
    ).toHaveLength(1);
    expect(await q('SELECT 1 FROM idempotency_keys WHERE key = $1', [`old-charge-${ws}`])).toHaveLength(0);

    await api.post(`/v1/workspaces/${ws}/topups`, { amountMicros: 10 * USD });
    const recent = await api.post(`/v1/workspaces/${ws}/charges`, {
      feature: 'coding_session',
      amountMicros: 1 * USD,
    });

    // A year and a day after the old charge: its usage detail goes, the money record stays.
    await api.setClock({ now: iso(addMonths(oldAt, 12) + MS_PER_DAY) });
    await service.background.runOnce();
    expect(
      await q('SELECT 1 FROM usage_events WHERE workspace_id = $1 AND charge_id = $2', [ws, old.id]),
    ).toHaveLength(0);
    expect(
      await q('SELECT 1 FROM usage_events WHERE workspace_id = $1 AND charge_id = $2', [
        ws,
        String(recent.id),
      ]),
    ).toHaveLength(1);
    expect(await q('SELECT 1 FROM charges WHERE workspace_id = $1 AND id = $2', [ws, old.id])).toHaveLength(
      1,
    );
    const draws = await q('SELECT 1 FROM ledger_entries WHERE workspace_id = $1 AND charge_id = $2', [
      ws,
      old.id,
    ]);
    expect(draws.length).toBeGreaterThan(0);
    const entries = (await api.get(`/v1/workspaces/${ws}/transactions?limit=100`)).data as {
      chargeId: string | null;
    }[];
    expect(entries.some((e) => e.chargeId === old.id)).toBe(true);

    // Outbox events stay 400 days (past the widest expiry-warning window), then go.
    const outbox = () =>
      q('SELECT 1 FROM outbox_events WHERE workspace_id = $1 AND created_at <= $2', [ws, oldAt]);
    expect((await outbox()).length).toBeGreaterThan(0);
    await api.setClock({ now: iso(oldAt + 401 * MS_PER_DAY) });
    await service.background.runOnce();
    expect(await outbox()).toHaveLength(0);
  });
});
