import { randomBytes } from 'node:crypto';
import { WEBHOOK_EVENT_ID_HEADER } from '@aicredits/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../db/postgres.js';
import { type RunningService, startService } from '../service.js';
import {
  type ApiClient,
  apiClient,
  type Receiver,
  startReceiver,
  uniqueId,
  waitFor,
} from '../webhooks/test-support.js';
import { acquireLease, releaseLease } from './scheduler.js';

/*
 * Two replicas of the service on one PostgreSQL database, each running its background jobs at
 * the same time. Runs only when TEST_DATABASE_URL is set; uses a fresh schema, dropped at the end.
 */
const databaseUrl = process.env.TEST_DATABASE_URL;
const PLATFORM_KEY = 'ak_platform_replicajobtests0000001';
const USD = 1_000_000;
const HOUR_MS = 3_600_000;

describe.skipIf(databaseUrl === undefined || databaseUrl === '')(
  'background work on two replicas (PostgreSQL)',
  () => {
    const url = databaseUrl ?? '';
    const schema = `jobs_replicas_${randomBytes(4).toString('hex')}`;
    let a: RunningService;
    let b: RunningService;
    let apiA: ApiClient;
    let apiB: ApiClient;
    let receiver: Receiver;

    beforeAll(async () => {
      receiver = await startReceiver();
      // Keep attempts in flight long enough that the replicas' delivery passes overlap.
      receiver.delayMs = 20;
      const options = {
        port: 0,
        databaseUrl: url,
        databaseSchema: schema,
        platformKey: PLATFORM_KEY,
        testClock: true,
        logLevel: 'silent' as const,
      };
      [a, b] = await Promise.all([startService(options), startService(options)]);
      apiA = apiClient(a);
      apiB = apiClient(b);
      const t0 = '2033-05-01T00:00:00.000Z';
      // Set through one replica only: the other re-reads the shared clock.
      await apiA.setClock({ now: t0 });
    });

    afterAll(async () => {
      await Promise.all([a?.close(), b?.close()]);
      await receiver?.close();
      const admin = await openPostgres({ url, max: 1 });
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    });

    it('gives a lease to one holder at a time', async () => {
      expect(await acquireLease(a.services.db, 'test.lease', 'replica-a', 60_000)).toBe(true);
      expect(await acquireLease(b.services.db, 'test.lease', 'replica-b', 60_000)).toBe(false);
      await releaseLease(a.services.db, 'test.lease', 'replica-a');
      expect(await acquireLease(b.services.db, 'test.lease', 'replica-b', 60_000)).toBe(true);
      // A lapsed lease is taken over.
      expect(await acquireLease(a.services.db, 'test.lapsed', 'replica-a', -1)).toBe(true);
      expect(await acquireLease(b.services.db, 'test.lapsed', 'replica-b', 60_000)).toBe(true);
    });

    it('delivers each event once per endpoint and expires each lot once while both replicas run their jobs', async () => {
      const workspaces: string[] = [];
      const lotIds: string[] = [];
      const start = a.services.clock.now();
      for (let i = 0; i < 6; i += 1) {
        const ws = uniqueId('ws');
        workspaces.push(ws);
        // Alternate replicas for the requests too: they share one database.
        const api = i % 2 === 0 ? apiA : apiB;
        await api.post('/v1/workspaces', {
          id: ws,
          name: ws,
          settings: { lowBalanceThresholdsMicros: [5 * USD] },
        });
        await api.post(`/v1/workspaces/${ws}/webhook-endpoints`, {
          url: `${receiver.url}/all/${ws}`,
          events: ['*'],
        });
        await api.post(`/v1/workspaces/${ws}/webhook-endpoints`, {
          url: `${receiver.url}/low/${ws}`,
          events: ['balance.low', 'lots.expiring'],
        });
        await api.post(`/v1/workspaces/${ws}/topups`, { amountMicros: 10 * USD });
        await api.post(`/v1/workspaces/${ws}/charges`, { feature: 'coding_session', amountMicros: 6 * USD });
        for (let j = 0; j < 3; j += 1) {
          const lotId = `lot_promo_${j}`;
          lotIds.push(`${ws}/${lotId}`);
          await api.post(`/v1/workspaces/${ws}/lots`, {
            lotId,
            kind: 'promotional',
            amountMicros: (j + 1) * USD,
            expiresAt: new Date(start + HOUR_MS).toISOString(),
            reason: 'replica test',
          });
        }
      }
      const later = new Date(start + 2 * HOUR_MS).toISOString();
      await apiA.setClock({ now: later });
      await Promise.all([
        a.background.runOnce(),
        b.background.runOnce(),
        a.background.runOnce(),
        b.background.runOnce(),
      ]);
      await Promise.all([a.background.runOnce(), b.background.runOnce()]);

      const db = a.services.db;
      const count = async (sql: string) => Number((await db.query<{ n: string }>(sql)).rows[0]?.n);
      await waitFor(
        async () =>
          (await count('SELECT count(*) AS n FROM outbox_events WHERE dispatched_at IS NULL')) === 0 &&
          (await count("SELECT count(*) AS n FROM deliveries WHERE status <> 'delivered'")) === 0,
        20_000,
        'every delivery to finish',
      );
      const deliveries = await count('SELECT count(*) AS n FROM deliveries');
      await waitFor(
        () => receiver.received.length >= deliveries,
        10_000,
        'the receiver to see every delivery',
      );
      await new Promise((resolve) => setTimeout(resolve, 500));

      // Each (endpoint, event) pair arrived exactly once, and every attempt was the first.
      const seen = new Map<string, number>();
      for (const r of receiver.received) {
        const key = `${r.path} ${String(r.headers[WEBHOOK_EVENT_ID_HEADER])}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      expect(receiver.received.length).toBe(deliveries);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
      expect(await count('SELECT count(*) AS n FROM deliveries WHERE attempts <> 1')).toBe(0);
      // Every workspace got its balance.low, lot expiry alerts and top-up events on the wildcard endpoint.
      for (const ws of workspaces) {
        const types = receiver.received
          .filter((r) => r.path === `/all/${ws}`)
          .map((r) => (JSON.parse(r.body) as { type: string }).type);
        expect(types).toContain('topup.succeeded');
        expect(types).toContain('balance.low');
        expect(receiver.received.filter((r) => r.path === `/low/${ws}`).length).toBeGreaterThan(0);
      }

      // Each lot closed once, with exactly one expiry entry.
      const { rows } = await db.query<{ workspace_id: string; id: string; closed: boolean; entries: string }>(
        `SELECT l.workspace_id, l.id, l.closed_at IS NOT NULL AS closed,
              (SELECT count(*) FROM ledger_entries e
               WHERE e.workspace_id = l.workspace_id AND e.lot_id = l.id AND e.type = 'lot_expired') AS entries
       FROM lots l WHERE l.id LIKE 'lot_promo_%'`,
      );
      expect(rows.map((r) => `${r.workspace_id}/${r.id}`).sort()).toEqual([...lotIds].sort());
      expect(rows.every((r) => r.closed && Number(r.entries) === 1)).toBe(true);
    });
  },
);
