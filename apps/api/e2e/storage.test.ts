import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toSafeInt } from '../src/db/db.js';
import { MIGRATIONS, migrate } from '../src/db/migrations.js';
import { openPostgres } from '../src/db/postgres.js';
import { type RunningService, startService } from '../src/index.js';
import {
  expectError,
  type Harness,
  type Json,
  startHarness,
  type TestWorkspace,
  topUp,
  USD,
} from './harness.js';

/**
 * The storage suite: the same SQL and money path on the embedded database (always) and on
 * PostgreSQL (when TEST_DATABASE_URL is set; each run uses a fresh schema, dropped after).
 */
const pgUrl = process.env.TEST_DATABASE_URL;

const backends: { name: string; options: () => Parameters<typeof startHarness>[0] }[] = [
  { name: 'pglite', options: () => ({}) },
];
const schema = `aicredits_test_${process.pid}_${randomBytes(4).toString('hex')}`;
if (pgUrl !== undefined && pgUrl !== '') {
  backends.push({ name: 'postgres', options: () => ({ databaseUrl: pgUrl, databaseSchema: schema }) });
}

afterAll(async () => {
  if (pgUrl === undefined || pgUrl === '') return;
  const admin = await openPostgres({ url: pgUrl, max: 1 });
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.close();
});

describe.each(backends)('storage on $name', ({ name, options }) => {
  let h: Harness;
  let ws: TestWorkspace;
  beforeAll(async () => {
    h = await startHarness(options());
    await h.setClock('2031-01-01T00:00:00.000Z');
    ws = await h.workspace();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('applies migrations once and tracks them', async () => {
    const db = h.service.services.db;
    expect(db.kind).toBe(name);
    expect(await migrate(db)).toEqual([]);
    const { rows } = await db.query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('stores amounts as bigint and refuses numbers a JS number cannot hold exactly', async () => {
    const db = h.service.services.db;
    const { rows } = await db.query<{ a: unknown; b: unknown }>(
      'SELECT 9007199254740991::bigint AS a, 9007199254740993::bigint AS b',
    );
    expect(toSafeInt(rows[0]?.a, 'a')).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => toSafeInt(rows[0]?.b, 'b')).toThrow(/not a safe integer/);
    const big = 9_000_000_000 * USD;
    await h.call('POST', `/v1/workspaces/${ws.id}/lots`, {
      body: { kind: 'support', amountMicros: big, expiresAt: null, reason: 'large' },
    });
    const b = await h.call('GET', `/v1/workspaces/${ws.id}/balance`, { key: ws.server });
    expect(b.body.availableMicros).toBe(big);
  });

  it('runs the money path: reserve, capture with draws, deficit, top-up, replay', async () => {
    const w = await h.workspace();
    await topUp(h, w, 5 * USD);
    const r = await h.call('POST', `/v1/workspaces/${w.id}/reservations`, {
      key: w.server,
      body: { feature: 'coding_session', estimateMicros: 4 * USD },
      headers: { 'idempotency-key': 'k1' },
    });
    expect(r.status).toBe(201);
    const replay = await h.call('POST', `/v1/workspaces/${w.id}/reservations`, {
      key: w.server,
      body: { feature: 'coding_session', estimateMicros: 4 * USD },
      headers: { 'idempotency-key': 'k1' },
    });
    expect(replay.body.id).toBe(r.body.id);
    const cap = await h.call('POST', `/v1/workspaces/${w.id}/reservations/${r.body.id}/capture`, {
      key: w.server,
      body: { amountMicros: 6 * USD },
    });
    expect(cap.body.charge).toMatchObject({ amountMicros: 6 * USD, deficitMicros: 1 * USD });
    expect(cap.body.charge.draws).toHaveLength(1);
    const t = await topUp(h, w, 10 * USD);
    expect(t.coveredDeficitMicros).toBe(1 * USD);
    const b = await h.call('GET', `/v1/workspaces/${w.id}/balance`, { key: w.server });
    expect(b.body).toMatchObject({ availableMicros: 9 * USD, deficitMicros: 0 });
  });

  it('concurrent reservations stay within the bound and each is answered', async () => {
    const w = await h.workspace({ settings: { maxDeficitMicros: 1 * USD } });
    await topUp(h, w, 8 * USD);
    const replies = await Promise.all(
      Array.from({ length: 48 }, () =>
        h.call('POST', `/v1/workspaces/${w.id}/reservations`, {
          key: w.server,
          body: { feature: 'coding_session', estimateMicros: 250_000 },
        }),
      ),
    );
    const accepted = replies.filter((r) => r.status === 201).length;
    expect(accepted * 250_000).toBeGreaterThanOrEqual(8 * USD);
    expect(accepted * 250_000).toBeLessThanOrEqual(9 * USD);
    for (const r of replies.filter((x) => x.status !== 201)) expectError(r, 402, 'insufficient_credits');
  });
});

describe.runIf(pgUrl !== undefined && pgUrl !== '')('two replicas on one PostgreSQL database', () => {
  const shared = `aicredits_replicas_${process.pid}_${randomBytes(4).toString('hex')}`;
  const platformKey = `ak_platform_${randomBytes(18).toString('hex')}`;
  let a: RunningService;
  let b: RunningService;
  beforeAll(async () => {
    // Both start together: migrations run under an advisory lock, exactly once.
    const start = () =>
      startService({ port: 0, databaseUrl: pgUrl, databaseSchema: shared, platformKey, logLevel: 'silent' });
    const started = await Promise.all([start(), start()]);
    a = started[0];
    b = started[1];
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    const admin = await openPostgres({ url: pgUrl ?? '', max: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS ${shared} CASCADE`);
    await admin.close();
  });

  it('never over-reserves when both replicas take reservations for one workspace', async () => {
    const call = async (
      base: string,
      method: string,
      path: string,
      body?: unknown,
      key = platformKey,
      extra = {},
    ) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...extra },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as Json };
    };
    const ws = `ws_${randomBytes(4).toString('hex')}`;
    expect(
      (
        await call(a.url, 'POST', '/v1/workspaces', {
          id: ws,
          name: 'replicas',
          settings: { maxDeficitMicros: 0 },
        })
      ).status,
    ).toBe(201);
    await call(a.url, 'PUT', `/v1/workspaces/${ws}/members/boss`, { role: 'owner' });
    const server = (await call(a.url, 'POST', `/v1/workspaces/${ws}/api-keys`, { type: 'server' })).body
      .secret as string;
    expect(
      (await call(b.url, 'POST', `/v1/workspaces/${ws}/topups`, { amountMicros: 10 * USD })).status,
    ).toBe(201);
    const replies = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        call(
          i % 2 === 0 ? a.url : b.url,
          'POST',
          `/v1/workspaces/${ws}/reservations`,
          {
            feature: 'coding_session',
            estimateMicros: 300_000,
          },
          server,
        ),
      ),
    );
    const accepted = replies.filter((r) => r.status === 201).length;
    expect(accepted).toBe(33);
    // The same idempotency key sent to both replicas at once executes once.
    const same = await Promise.all(
      [a.url, b.url].map((base) =>
        call(
          base,
          'POST',
          `/v1/workspaces/${ws}/charges`,
          { feature: 'coding_session', amountMicros: 10_000 },
          server,
          {
            'idempotency-key': 'both',
          },
        ),
      ),
    );
    expect(same[0]?.body.id).toBe(same[1]?.body.id);
  });
});
