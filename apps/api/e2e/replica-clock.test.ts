import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../src/db/postgres.js';
import { type RunningService, startService } from '../src/index.js';
import type { Json } from './harness.js';

/*
 * The test clock across replicas: two services on one PostgreSQL database (a fresh schema,
 * dropped after). A move made through one replica is seen by the other's requests and its
 * background jobs without being set there too. Runs only when TEST_DATABASE_URL is set.
 */
const pgUrl = process.env.TEST_DATABASE_URL;
const HOUR_MS = 3_600_000;
const USD = 1_000_000;

describe.runIf(pgUrl !== undefined && pgUrl !== '')('the test clock on two replicas', () => {
  const schema = `aicredits_clock_${process.pid}_${randomBytes(4).toString('hex')}`;
  const platformKey = `ak_platform_${randomBytes(18).toString('hex')}`;
  let a: RunningService;
  let b: RunningService;

  const call = async (service: RunningService, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${platformKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };

  beforeAll(async () => {
    const start = () =>
      startService({
        port: 0,
        databaseUrl: pgUrl,
        databaseSchema: schema,
        platformKey,
        testClock: true,
        logLevel: 'silent',
      });
    [a, b] = await Promise.all([start(), start()]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    const admin = await openPostgres({ url: pgUrl ?? '', max: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  });

  it('a move made through one replica is seen by the other’s requests', async () => {
    const t0 = '2034-02-01T00:00:00.000Z';
    expect((await call(a, 'POST', '/v1/test-clock', { now: t0 })).status).toBe(200);
    expect((await call(b, 'GET', '/v1/test-clock')).body.now).toBe(t0);
    expect((await call(a, 'POST', '/v1/test-clock', { advanceSeconds: 3600 })).status).toBe(200);
    expect((await call(b, 'GET', '/v1/test-clock')).body.now).toBe('2034-02-01T01:00:00.000Z');
    // The clock never moves backwards, whichever replica is asked.
    const back = await call(b, 'POST', '/v1/test-clock', { now: t0 });
    expect(back.status).toBe(422);
    expect(back.body.error.code).toBe('clock_backwards');
  });

  it('a move made through one replica drives the other’s background jobs', async () => {
    const ws = `ws_${randomBytes(4).toString('hex')}`;
    expect((await call(a, 'POST', '/v1/workspaces', { id: ws, name: 'clock' })).status).toBe(201);
    const start = Date.parse((await call(a, 'GET', '/v1/test-clock')).body.now);
    const lot = await call(a, 'POST', `/v1/workspaces/${ws}/lots`, {
      lotId: 'promo_hour',
      kind: 'promotional',
      amountMicros: 3 * USD,
      expiresAt: new Date(start + HOUR_MS).toISOString(),
      reason: 'replica clock test',
    });
    expect(lot.status, JSON.stringify(lot.body)).toBe(201);
    // Only replica A is told; B's expiry sweep must see the new time on its own.
    expect((await call(a, 'POST', '/v1/test-clock', { advanceSeconds: 2 * 3600 })).status).toBe(200);
    await b.background.runOnce();
    expect(b.services.clock.now()).toBe(start + 2 * HOUR_MS);
    const { rows } = await b.services.db.query<{ close_reason: string | null }>(
      'SELECT close_reason FROM lots WHERE workspace_id = $1 AND id = $2',
      [ws, 'promo_hour'],
    );
    expect(rows[0]?.close_reason).toBe('expired');
    const expired = await b.services.db.query<{ type: string }>(
      "SELECT type FROM ledger_entries WHERE workspace_id = $1 AND type = 'lot_expired'",
      [ws],
    );
    expect(expired.rows).toHaveLength(1);
  });
});
