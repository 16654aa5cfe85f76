import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../src/db/postgres.js';
import {
  assertLedgerInvariants,
  type BatchInfo,
  captureOp,
  grantLotOp,
  type MoneyStore,
  openMoneyStore,
  reserveOp,
} from '../src/index.js';
import { insertWorkspaceRow } from './harness.js';

/*
 * Money batches are optimistic: read without a lock, write in one statement guarded by the
 * workspace's ledger version. Two stores (two queues, two pools: replicas in all but process)
 * hammer ONE workspace so their batches keep racing. Losers re-read and retry, and after
 * repeated losses commit under the row lock. Nothing is lost or applied twice: every reserve
 * and capture is answered once, each charge exists once, and the whole-ledger invariants hold.
 * Runs only when TEST_DATABASE_URL is set.
 */
const pgUrl = process.env.TEST_DATABASE_URL;
const USD = 1_000_000;
const WORKERS_PER_STORE = 12;
const CYCLES_PER_WORKER = 15;

describe.runIf(pgUrl !== undefined && pgUrl !== '')('optimistic batches racing on one workspace', () => {
  const schema = `aicredits_occ_${process.pid}_${randomBytes(4).toString('hex')}`;
  const workspaceId = 'ws_race';
  const stores: MoneyStore[] = [];
  const batches: BatchInfo[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i += 1) {
      stores.push(
        await openMoneyStore({
          databaseUrl: pgUrl,
          databaseSchema: schema,
          poolSize: 4,
          onBatch: (info) => batches.push(info),
        }),
      );
    }
    const now = Date.now();
    const db = stores[0]!.db;
    await insertWorkspaceRow(db, workspaceId, { maxDeficitMicros: 5 * USD, now });
    await stores[0]!.submit(
      workspaceId,
      grantLotOp(
        { lotId: 'promo', kind: 'promotional', amountMicros: 1_000 * USD, expiresAt: null, reason: 'race' },
        null,
      ),
    );
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    const admin = await openPostgres({ url: pgUrl ?? '', max: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  });

  it('loses nothing and applies nothing twice while their batches race', async () => {
    const captured: number[] = [];
    const worker = async (store: MoneyStore, name: string) => {
      for (let i = 0; i < CYCLES_PER_WORKER; i += 1) {
        const reservationId = `res_${name}_${i}`;
        const reserved = await store.submit(
          workspaceId,
          reserveOp(
            {
              reservationId,
              memberId: null,
              feature: 'race',
              estimateMicros: 2_000,
              ttlSeconds: 600,
              taskKind: null,
            },
            null,
          ),
        );
        expect(reserved.status).toBe(201);
        const amountMicros = 1_000 + ((i * 7) % 5) * 500;
        const charge = await store.submit(
          workspaceId,
          captureOp(
            { reservationId, chargeId: `ch_${reservationId}`, amountMicros, outcome: 'succeeded' },
            null,
          ),
        );
        expect(charge.status).toBe(200);
        captured.push(amountMicros);
      }
    };
    await Promise.all(
      stores.flatMap((store, s) =>
        Array.from({ length: WORKERS_PER_STORE }, (_, w) => worker(store, `s${s}w${w}`)),
      ),
    );

    const db = stores[0]!.db;
    const total = captured.reduce((sum, a) => sum + a, 0);
    const { rows } = await db.query<{ n: string; sum: string; remaining: string; version: string }>(
      `SELECT (SELECT count(*) FROM charges WHERE workspace_id = $1)::text AS n,
              (SELECT sum(amount_micros) FROM charges WHERE workspace_id = $1)::text AS sum,
              (SELECT remaining_micros FROM lots WHERE workspace_id = $1 AND id = 'promo')::text AS remaining,
              (SELECT ledger_version FROM workspaces WHERE id = $1)::text AS version`,
      [workspaceId],
    );
    const cycles = 2 * WORKERS_PER_STORE * CYCLES_PER_WORKER;
    expect(rows[0]).toMatchObject({
      n: String(cycles),
      sum: String(total),
      remaining: String(1_000 * USD - total),
    });
    // One version per committed batch that wrote: the grant plus every batch of the run.
    const writing = batches.filter((b) => b.workspaceId === workspaceId).length;
    expect(Number(rows[0]?.version)).toBe(writing);
    expect(batches.some((b) => b.conflicts > 0)).toBe(true);
    await assertLedgerInvariants(db);
  });

  it('commits under the row lock when every optimistic attempt loses', async () => {
    const store = stores[1]!;
    const db = store.db;
    const query = db.query.bind(db);
    // Another writer that always gets there first: it moves the version between each optimistic
    // read and write (and before a write decided on the remembered ledger). Statements of the
    // locked fallback run on a transaction, not through here.
    let interfered = 0;
    (db as { query: typeof db.query }).query = async (sql, params, options) => {
      if (sql.startsWith('SELECT credits_write_')) {
        if (sql.startsWith('SELECT credits_write_batch')) interfered += 1;
        await query('UPDATE workspaces SET ledger_version = ledger_version + 1 WHERE id = $1', [workspaceId]);
      }
      return query(sql, params, options);
    };
    const seen = batches.length;
    try {
      const reserved = await store.submit(
        workspaceId,
        reserveOp(
          {
            reservationId: 'res_locked',
            memberId: null,
            feature: 'race',
            estimateMicros: 1_000,
            ttlSeconds: 600,
            taskKind: null,
          },
          null,
        ),
      );
      expect(reserved.status).toBe(201);
    } finally {
      (db as { query: typeof db.query }).query = query;
    }
    expect(interfered).toBe(2);
    expect(batches.slice(seen)).toEqual([
      expect.objectContaining({ size: 1, conflicts: 2, locked: true, remembered: false }),
    ]);
    const { rows } = await db.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM reservations WHERE workspace_id = $1 AND id = 'res_locked'",
      [workspaceId],
    );
    expect(rows[0]?.n).toBe('1');
    await assertLedgerInvariants(db);
  });
});
