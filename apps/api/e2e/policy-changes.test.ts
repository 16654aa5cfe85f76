import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../src/db/postgres.js';
import { assertLedgerInvariants, type BatchInfo, type MoneyStore, openMoneyStore } from '../src/index.js';
import { chargeOp, grantLotOp, updateSettingsOp } from '../src/money/ops.js';
import { insertWorkspaceRow } from './harness.js';

/*
 * A change of seat pooling lands between two charges of a busy workspace. It is written in a
 * transaction of its own, and `policy_changes` places it after exactly the entries written before
 * it, so the invariant checker judges every charge by the setting of its moment. Runs on PGlite,
 * and on PostgreSQL when TEST_DATABASE_URL is set.
 */
const USD = 1_000_000;
const pgUrl = process.env.TEST_DATABASE_URL;
const stores: { name: string; url?: string }[] = [{ name: 'PGlite' }];
if (pgUrl !== undefined && pgUrl !== '') stores.push({ name: 'PostgreSQL', url: pgUrl });

describe.each(stores)('a seat-pooling change between charges on $name', ({ url }) => {
  const schema = `aicredits_policy_${process.pid}_${randomBytes(4).toString('hex')}`;
  const ws = 'ws_pooling';
  const batches: BatchInfo[] = [];
  let store: MoneyStore;

  beforeAll(async () => {
    store = await openMoneyStore({
      ...(url === undefined ? {} : { databaseUrl: url, databaseSchema: schema, poolSize: 2 }),
      onBatch: (info) => batches.push(info),
    });
    const now = Date.now();
    await insertWorkspaceRow(store.db, ws, { maxDeficitMicros: 5 * USD, now });
    for (const memberId of ['alice', 'bob']) {
      await store.db.query(
        `INSERT INTO members (workspace_id, id, role, seat_paid, seat_active, created_at, updated_at)
         VALUES ($1, $2, 'member', true, true, $3, $3)`,
        [ws, memberId, now],
      );
    }
    // Granted first, bob's credits come first in burn order once alice may draw them.
    for (const memberId of ['bob', 'alice']) {
      await store.submit(
        ws,
        grantLotOp(
          { lotId: `${memberId}_seat`, kind: 'included', amountMicros: 10 * USD, memberId, reason: 'seat' },
          null,
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  });
  afterAll(async () => {
    await store?.close();
    if (url !== undefined) {
      const admin = await openPostgres({ url, max: 1 });
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    }
  });

  it('writes the change alone and judges each charge by the setting of its moment', async () => {
    const charge = (n: number) =>
      store.submit(
        ws,
        chargeOp(
          {
            chargeId: `ch_${n}`,
            memberId: 'alice',
            feature: 'coding_session',
            amountMicros: USD / 2,
            outcome: 'succeeded',
            taskKind: null,
          },
          null,
        ),
      );
    batches.length = 0;
    // Submitted in one turn: without the change they would all share one batch.
    const before = Array.from({ length: 8 }, (_, i) => charge(i));
    const change = store.submit(ws, updateSettingsOp({ seatPooling: true }, null));
    const after = Array.from({ length: 8 }, (_, i) => charge(100 + i));
    const settled = await Promise.all([...before, change, ...after]);
    expect(settled.map((r) => r.status)).toEqual([...Array(8).fill(201), 200, ...Array(8).fill(201)]);

    // The change ran in a transaction of its own, between the charges before and after it (how
    // the charges before it split depends on when the first batch started).
    expect(batches.reduce((n, b) => n + b.size, 0)).toBe(17);
    expect(batches.at(-2)?.size).toBe(1);
    expect(batches.at(-1)?.size).toBe(8);

    const { rows } = await store.db.query<{
      after_entry_seq: string;
      last_before: string;
      first_after: string;
    }>(
      `SELECT p.after_entry_seq::text,
         (SELECT max(seq) FROM ledger_entries WHERE workspace_id = $1 AND charge_id = ANY($2))::text AS last_before,
         (SELECT min(seq) FROM ledger_entries WHERE workspace_id = $1 AND charge_id = ANY($3))::text AS first_after
       FROM policy_changes p WHERE p.workspace_id = $1`,
      [ws, before.map((_, i) => `ch_${i}`), after.map((_, i) => `ch_${100 + i}`)],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.after_entry_seq).toBe(rows[0]?.last_before);
    expect(Number(rows[0]?.first_after)).toBeGreaterThan(Number(rows[0]?.after_entry_seq));

    // Unpooled, alice's charges drew her own credits; pooled, bob's (which burn first) at once.
    const draws = await store.db.query<{ charge_id: string; lot_id: string }>(
      'SELECT charge_id, lot_id FROM charge_draws WHERE workspace_id = $1',
      [ws],
    );
    const lotsOf = (chargeId: string) =>
      draws.rows.filter((d) => d.charge_id === chargeId).map((d) => d.lot_id);
    expect(lotsOf('ch_7')).toEqual(['alice_seat']);
    expect(lotsOf('ch_107')).toEqual(['bob_seat']);
    await assertLedgerInvariants(store.db, { workspaceIds: [ws] });
  });
});
