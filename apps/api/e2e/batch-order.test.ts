import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertLedgerInvariants, type MoneyStore, openMoneyStore } from '../src/index.js';
import { captureOp, grantLotOp, reserveOp } from '../src/money/ops.js';
import { insertWorkspaceRow } from './harness.js';

/*
 * The order in which a busy workspace's waiting operations are batched: reservations (a task
 * waits for them before it starts) go ahead of settlements, but a settlement is overtaken at
 * most four batches in a row. Batches of one workspace run one after another, so the order in
 * which the answers arrive is the order of the batches.
 */
const USD = 1_000_000;
const ws = 'ws_order';
let store: MoneyStore;

beforeAll(async () => {
  store = await openMoneyStore({ maxBatch: 2 });
  const now = Date.now();
  await insertWorkspaceRow(store.db, ws, { maxDeficitMicros: 5 * USD, now });
  await store.submit(
    ws,
    grantLotOp(
      { lotId: 'promo', kind: 'promotional', amountMicros: 100 * USD, expiresAt: null, reason: 'order' },
      null,
    ),
  );
});
afterAll(async () => {
  await store?.close();
});

const reserve = (id: string) =>
  reserveOp(
    {
      reservationId: id,
      memberId: null,
      feature: 'order',
      estimateMicros: USD,
      ttlSeconds: 600,
      taskKind: null,
    },
    null,
  );
const capture = (id: string) =>
  captureOp({ reservationId: id, chargeId: `ch_${id}`, amountMicros: USD / 2, outcome: 'succeeded' }, null);

describe('batch order on a busy workspace', () => {
  it('runs reservations ahead of waiting settlements, overtaking each at most four batches in a row', async () => {
    for (let i = 0; i < 6; i += 1) await store.submit(ws, reserve(`held_${i}`));
    await store.queue.idle();
    const answered: string[] = [];
    const submit = (label: string, op: ReturnType<typeof reserve>) =>
      store.submit(ws, op).then((result) => {
        answered.push(label);
        return result;
      });
    // The first starts a batch at once; everything after it waits for that batch, settlements first.
    const all = [
      submit('first', reserve('first')),
      ...Array.from({ length: 6 }, (_, i) => submit(`capture ${i}`, capture(`held_${i}`))),
      ...Array.from({ length: 10 }, (_, i) => submit(`reserve ${i}`, reserve(`new_${i}`))),
    ];
    const results = await Promise.all(all);
    expect(results.map((r) => r.status)).toEqual([201, ...Array(6).fill(200), ...Array(10).fill(201)]);
    expect(answered).toEqual([
      'first',
      // Four batches of two reservations overtake the waiting captures...
      ...[
        'reserve 0',
        'reserve 1',
        'reserve 2',
        'reserve 3',
        'reserve 4',
        'reserve 5',
        'reserve 6',
        'reserve 7',
      ],
      // ...then the oldest captures go, then the reservations left, then the other captures.
      'capture 0',
      'capture 1',
      'reserve 8',
      'reserve 9',
      ...['capture 2', 'capture 3', 'capture 4', 'capture 5'],
    ]);
    await assertLedgerInvariants(store.db, { workspaceIds: [ws] });
  });
});
