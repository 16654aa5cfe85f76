import { randomBytes } from 'node:crypto';
import { balanceOf, DEFAULT_PRICE_TABLE } from '@aicredits/ledger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/db.js';
import { migrate } from '../src/db/migrations.js';
import { openPglite } from '../src/db/pglite.js';
import { openPostgres } from '../src/db/postgres.js';
import { assertLedgerInvariants, openMoneyStore } from '../src/index.js';
import {
  type CommittedBatch,
  commitBatch,
  type IdempotencySpec,
  type LedgerMemory,
  type MoneyOp,
  type RememberedLedger,
} from '../src/money/batch.js';
import { readLedger } from '../src/money/ledger-read.js';
import { captureOp, chargeOp, extendOp, grantLotOp, reserveOp, voidOp } from '../src/money/ops.js';
import { GroupCommitQueue } from '../src/money/queue.js';
import { loadBatchState, loadState } from '../src/store/state.js';
import { insertWorkspaceRow } from './harness.js';

/*
 * A service remembers each workspace's ledger after its own batch, so the next batch decides
 * without reading and writes in one round trip. The memory holds only open lots and held
 * reservations; everything else it cannot know (another writer, a stored idempotency key, an id
 * already taken) must send the batch back to a fresh read, and the answers must be the ones a
 * service without memory gives. Runs on PGlite, and on PostgreSQL when TEST_DATABASE_URL is set.
 */
const USD = 1_000_000;
const pgUrl = process.env.TEST_DATABASE_URL;
const stores: { name: string; open: () => Promise<{ db: Db; close: () => Promise<void> }> }[] = [
  {
    name: 'PGlite',
    open: async () => {
      const db = await openPglite('memory://');
      return { db, close: () => db.close() };
    },
  },
];
if (pgUrl !== undefined && pgUrl !== '') {
  stores.push({
    name: 'PostgreSQL',
    open: async () => {
      const schema = `aicredits_mem_${process.pid}_${randomBytes(4).toString('hex')}`;
      const admin = await openPostgres({ url: pgUrl, max: 1 });
      await admin.query(`CREATE SCHEMA ${schema}`);
      const db = await openPostgres({ url: pgUrl, schema, max: 2 });
      return {
        db,
        async close() {
          await db.close();
          await admin.query(`DROP SCHEMA ${schema} CASCADE`);
          await admin.close();
        },
      };
    },
  });
}

function sortById<T extends { id: string }>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => a.id.localeCompare(b.id));
}

describe.each(stores)('remembered ledgers on $name', ({ open }) => {
  let db: Db;
  let close: () => Promise<void>;
  let now = Date.UTC(2026, 10, 2, 12);
  let workspaces = 0;

  beforeAll(async () => {
    ({ db, close } = await open());
    await migrate(db);
  });
  afterAll(async () => {
    await assertLedgerInvariants(db);
    await close();
  });

  /** A workspace with one $10 promotional lot and no deficit allowance. */
  async function workspace(): Promise<string> {
    workspaces += 1;
    const id = `ws_mem_${workspaces}`;
    await insertWorkspaceRow(db, id, { now });
    await commit(
      id,
      grantLotOp(
        {
          lotId: `promo_${id}`,
          kind: 'promotional',
          amountMicros: 10 * USD,
          expiresAt: null,
          reason: 'test',
        },
        null,
      ),
    );
    return id;
  }

  /** Records the text of every statement sent to `db` until `restore` is called. */
  function recordStatements(): { statements: string[]; restore: () => void } {
    const statements: string[] = [];
    const query = db.query.bind(db);
    (db as { query: typeof db.query }).query = async (sql, params, options) => {
      statements.push(sql);
      return query(sql, params, options);
    };
    return {
      statements,
      restore: () => {
        (db as { query: typeof db.query }).query = query;
      },
    };
  }

  /** One batch, as the queue commits it; `memory` undefined is a replica that remembers nothing. */
  async function commit(ws: string, op: MoneyOp, memory?: LedgerMemory): Promise<CommittedBatch> {
    now += 1_000;
    return commitBatch(db, ws, [op], now, DEFAULT_PRICE_TABLE, memory);
  }

  const reserve = (id: string, estimateMicros: number) =>
    reserveOp(
      {
        reservationId: id,
        memberId: null,
        feature: 'chat',
        estimateMicros,
        ttlSeconds: 600,
        taskKind: 'bug_fix',
      },
      null,
    );

  const idem = (key: string): IdempotencySpec => ({
    key,
    fingerprint: `fp_${key}`,
    method: 'POST',
    path: '/test',
  });

  function answer(
    batch: CommittedBatch,
  ): { ok: true; status: number; body: unknown; replayed: boolean } | { ok: false; error: string } {
    const s = batch.settled[0];
    if (s === undefined) throw new Error('no outcome');
    if (s.ok) return { ok: true, ...s.result };
    return { ok: false, error: String((s.error as { code?: string }).code ?? s.error) };
  }

  it('decides on memory in one round trip, and the memory equals a fresh read after every kind of batch', async () => {
    const ws = await workspace();
    const memory = new Map<string, RememberedLedger>();
    const { statements, restore } = recordStatements();
    const ops: MoneyOp[] = [
      reserve('r1', 2 * USD),
      reserve('r2', 1 * USD),
      reserve('r3', 1 * USD),
      captureOp(
        { reservationId: 'r1', chargeId: 'ch_r1', amountMicros: 3 * USD, outcome: 'succeeded' },
        null,
      ),
      voidOp({ reservationId: 'r2' }, null),
      extendOp({ reservationId: 'r3', additionalMicros: 500_000 }, null),
      chargeOp(
        {
          chargeId: 'ch_one',
          memberId: null,
          feature: 'chat',
          amountMicros: 250_000,
          outcome: 'failed',
          taskKind: null,
        },
        null,
      ),
      captureOp(
        { reservationId: 'r3', chargeId: 'ch_r3', amountMicros: 100_000, outcome: 'succeeded' },
        null,
      ),
    ];
    try {
      // The first batch has nothing remembered: it reads (two round trips).
      statements.length = 0;
      expect((await commit(ws, ops[0]!, memory)).remembered).toBe(false);
      expect(statements).toHaveLength(2);
      for (const op of ops.slice(1)) {
        statements.length = 0;
        const batch = await commit(ws, op, memory);
        expect(answer(batch)).toMatchObject({ ok: true });
        expect(batch.remembered).toBe(true);
        expect(statements).toEqual([expect.stringContaining('credits_write_remembered')]);
        const remembered = memory.get(ws);
        const fresh = await loadBatchState(db, ws, now, {}, { scope: '', keys: [] }, false);
        expect(remembered?.workspace).toEqual(fresh.workspace);
        expect(sortById(remembered?.lots ?? [])).toEqual(sortById(fresh.state.lots));
        expect(sortById(remembered?.reservations ?? [])).toEqual(sortById(fresh.state.reservations));
      }
    } finally {
      restore();
    }
    const { rows } = await db.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM charges WHERE workspace_id = $1',
      [ws],
    );
    expect(rows[0]?.n).toBe('3');
  });

  it('reads again when another writer moved the ledger, and decides on what it wrote', async () => {
    const ws = await workspace();
    const memory = new Map<string, RememberedLedger>();
    expect(answer(await commit(ws, reserve('a1', 9 * USD), memory))).toMatchObject({ ok: true, status: 201 });
    // Another replica (its own memory) tops the workspace up; this one's memory is now stale.
    await commit(
      ws,
      grantLotOp(
        { lotId: `extra_${ws}`, kind: 'support', amountMicros: 20 * USD, expiresAt: null, reason: 'test' },
        null,
      ),
    );
    // On the stale memory only $1 is spendable and this would be refused; it is accepted.
    const batch = await commit(ws, reserve('a2', 5 * USD), memory);
    expect(answer(batch)).toMatchObject({ ok: true, status: 201 });
    expect(batch.remembered).toBe(false);
    // And the memory is trusted again from the fresh read on.
    expect((await commit(ws, reserve('a3', 1 * USD), memory)).remembered).toBe(true);
  });

  it('never answers a refusal from a stale memory, even when the batch writes nothing', async () => {
    const ws = await workspace();
    const memory = new Map<string, RememberedLedger>();
    await commit(ws, reserve('b1', 10 * USD), memory);
    // Nothing spendable is left, so on memory alone the next reserve is refused and writes nothing.
    const refused = await commit(ws, reserve('b2', 1 * USD), memory);
    expect(answer(refused)).toMatchObject({ ok: false, error: 'insufficient_credits' });
    expect(refused.remembered).toBe(true);
    await commit(ws, voidOp({ reservationId: 'b1' }, null));
    const accepted = await commit(ws, reserve('b3', 1 * USD), memory);
    expect(answer(accepted)).toMatchObject({ ok: true, status: 201 });
    expect(accepted.remembered).toBe(false);
  });

  it('replays a stored idempotency key from storage, not as new work', async () => {
    const ws = await workspace();
    const memory = new Map<string, RememberedLedger>();
    const op = () =>
      reserveOp(
        {
          reservationId: `r_${Math.random()}`,
          memberId: null,
          feature: 'chat',
          estimateMicros: USD,
          ttlSeconds: 600,
          taskKind: null,
        },
        idem('same-key'),
      );
    const first = answer(await commit(ws, op(), memory));
    const again = await commit(ws, op(), memory);
    expect(again.remembered).toBe(false);
    expect(answer(again)).toEqual({ ...first, replayed: true });
    const { rows } = await db.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM reservations WHERE workspace_id = $1',
      [ws],
    );
    expect(rows[0]?.n).toBe('1');
  });

  it('answers an id that is already taken as a service without memory does, and overwrites nothing', async () => {
    const ws = await workspace();
    const memory = new Map<string, RememberedLedger>();
    await commit(ws, reserve('taken', USD), memory);
    await commit(
      ws,
      captureOp(
        { reservationId: 'taken', chargeId: 'ch_taken', amountMicros: 400_000, outcome: 'succeeded' },
        null,
      ),
      memory,
    );
    // 'taken' is settled, so it is not in the memory: the write finds the id and sends the batch back.
    const withMemory = await commit(ws, reserve('taken', 2 * USD), memory);
    expect(withMemory.remembered).toBe(false);
    const without = await commit(ws, reserve('taken', 2 * USD));
    expect(answer(withMemory)).toEqual(answer(without));
    // A one-step charge reusing a charge id: the same.
    const op = () =>
      chargeOp(
        {
          chargeId: 'ch_taken',
          memberId: null,
          feature: 'chat',
          amountMicros: 1,
          outcome: 'succeeded',
          taskKind: null,
        },
        null,
      );
    await commit(ws, reserve('warm', 1), memory);
    const chargeWithMemory = await commit(ws, op(), memory);
    expect(chargeWithMemory.remembered).toBe(false);
    expect(answer(chargeWithMemory)).toEqual(answer(await commit(ws, op())));
    const { rows } = await db.query<{ status: string; held: string; charged: string }>(
      `SELECT r.status, r.held_micros::text AS held, (SELECT sum(amount_micros) FROM charges c
         WHERE c.workspace_id = r.workspace_id AND c.id = 'ch_taken')::text AS charged
       FROM reservations r WHERE r.workspace_id = $1 AND r.id = 'taken'`,
      [ws],
    );
    expect(rows[0]).toMatchObject({ status: 'captured', charged: '400000' });
  });

  it('answers a read from a current memory with one lookup, and never after another writer moved the ledger', async () => {
    const ws = await workspace();
    let batchesFromMemory = 0;
    const queue = new GroupCommitQueue({
      db,
      now: () => now,
      priceTable: async () => DEFAULT_PRICE_TABLE,
      onBatch: (info) => {
        if (info.remembered) batchesFromMemory += 1;
      },
    });
    const { statements, restore } = recordStatements();
    const read = async () => {
      statements.length = 0;
      const { state } = await readLedger(db, queue, ws, now);
      return { state, statements: [...statements] };
    };
    const fresh = async () => (await loadState(db, ws, now)).state;
    try {
      // Nothing remembered yet: the state is loaded, and remembered.
      const first = await read();
      expect(first.statements).toEqual([expect.stringContaining('credits_load_batch')]);
      // Then one primary-key lookup, and the same state a fresh load gives.
      const second = await read();
      expect(second.statements).toEqual([expect.stringContaining('SELECT ledger_version FROM workspaces')]);
      expect(second.state).toEqual(await fresh());
      // The next batch decides on what the read remembered, and the read after it on what it wrote.
      await queue.submit(ws, reserve('read_1', 3 * USD));
      expect(batchesFromMemory).toBe(1);
      const afterBatch = await read();
      expect(afterBatch.statements).toHaveLength(1);
      expect(afterBatch.state.reservations.map((r) => r.id)).toEqual(['read_1']);
      expect(afterBatch.state).toEqual(await fresh());
      // Another replica (no shared memory) holds more: the very next read sees it.
      await commit(ws, reserve('elsewhere', 2 * USD));
      const afterOther = await read();
      expect(afterOther.statements).toHaveLength(2);
      expect(afterOther.state.reservations.map((r) => r.id).sort()).toEqual(['elsewhere', 'read_1']);
      expect(balanceOf(afterOther.state, now).spendableMicros).toBe(5 * USD);
      // A deleted workspace's ledger is never remembered (deleted as the money path does: moving the version).
      await db.query(
        'UPDATE workspaces SET deleted_at = $2, ledger_version = ledger_version + 1 WHERE id = $1',
        [ws, now],
      );
      await read();
      await read();
      expect(statements.some((sql) => sql.includes('credits_load_batch'))).toBe(true);
    } finally {
      restore();
      await db.query('UPDATE workspaces SET deleted_at = NULL WHERE id = $1', [ws]);
    }
  });

  it('trusts a memory only for a while: a write that bypassed the money path is seen after it', async () => {
    const store = await openMoneyStore({ rememberForMs: 200 });
    try {
      const ws = 'ws_ttl';
      await insertWorkspaceRow(store.db, ws);
      const reserveAt = (id: string) =>
        store.submit(
          ws,
          reserveOp(
            {
              reservationId: id,
              memberId: null,
              feature: 'chat',
              estimateMicros: USD,
              ttlSeconds: 600,
              taskKind: null,
            },
            null,
          ),
        );
      // Nothing to spend: refused, and the (empty) ledger is remembered.
      await expect(reserveAt('t1')).rejects.toMatchObject({ code: 'insufficient_credits' });
      // A lot written straight into the table, without moving the ledger version.
      await store.db.query(
        `INSERT INTO lots (workspace_id, id, kind, scope, original_micros, remaining_micros, granted_at, effective_at,
           expires_at, source, note) VALUES ($1, 'sql_lot', 'purchased', 'workspace', $2, $2, $3, $3, NULL, 'payment', 'manual')`,
        [ws, 5 * USD, Date.now() - 1_000],
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await reserveAt('t2')).status).toBe(201);
    } finally {
      await store.close();
    }
  });
});
