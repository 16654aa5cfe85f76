import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ledgerOf, T0, usd } from './test-fixtures.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

describe('remembered hold summaries', () => {
  it('keep no earlier state alive through a long run of reservations', () => {
    const ledger = ledgerOf();
    ledger.topUp({ topupId: 't', lotId: 'l', amountMicros: usd(10_000), paid: true }, T0);
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    const holds = 4_000;
    for (let i = 0; i < holds; i += 1) {
      // Ids in creation order (holds made in one instant are ordered by id): each reservation
      // extends the summary before it instead of walking every hold again.
      const reservationId = `r${String(i).padStart(5, '0')}`;
      ledger.reserve({ reservationId, memberId: null, feature: 'f', amountMicros: 1, ttlSeconds: 3600 }, T0);
    }
    collectGarbage();
    const grownMiB = (process.memoryUsage().heapUsed - before) / 1_048_576;
    // The live state holds 4,000 reservations (well under 10 MiB with its entries). Were every
    // earlier list kept alive, the 4,000 lists of up to 4,000 holds would take ~60 MiB more.
    expect(ledger.state().reservations).toHaveLength(holds);
    expect(grownMiB).toBeLessThan(20);
  });
});
