import { chargeOp, grantLotOp, openMoneyStore } from '@aicredits/api';
import { describe, expect, it } from 'vitest';
import { checkBurnOrder } from './checks.js';
import { seedWorkspaces } from './seed.js';

describe("the benchmarks' burn-order replay", () => {
  it('does not let a charge draw a lot granted after it in the same millisecond', async () => {
    const T = Date.UTC(2031, 0, 1);
    const store = await openMoneyStore({ dataDir: 'memory://', now: () => T });
    try {
      await seedWorkspaces(store.db, { prefix: 'chk_', count: 1, now: T, maxDeficitMicros: 0 });
      const ws = 'chk_1';
      const lot = (lotId: string, kind: 'support' | 'promotional') =>
        store.submit(
          ws,
          grantLotOp({ lotId, kind, amountMicros: 1_000, expiresAt: null, reason: 'check' }, null),
        );
      const charge = (chargeId: string) =>
        store.submit(
          ws,
          chargeOp(
            {
              chargeId,
              memberId: null,
              feature: 'f',
              amountMicros: 100,
              outcome: 'succeeded',
              taskKind: null,
            },
            null,
          ),
        );
      await lot('support', 'support');
      await charge('before');
      // Burned before support credits, but granted after the first charge at the same instant.
      await lot('promo', 'promotional');
      await charge('after');
      const draws = await store.db.query<{ charge_id: string; lot_id: string }>(
        'SELECT charge_id, lot_id FROM charge_draws WHERE workspace_id = $1 ORDER BY charge_id',
        [ws],
      );
      expect(draws.rows).toEqual([
        { charge_id: 'after', lot_id: 'promo' },
        { charge_id: 'before', lot_id: 'support' },
      ]);
      expect(await checkBurnOrder(store.db, ws)).toEqual({ charges: 2, mismatches: 0, firstMismatch: null });
    } finally {
      await store.close();
    }
  });
});
