import type { Db } from './db/db.js';
import { ApiError } from './errors.js';

/**
 * The one source of time. In normal operation it is the system clock. With the test clock
 * enabled, a frozen instant stored in the database (so replicas agree) replaces it once set; it
 * only moves forward, and only when told to. Every replica re-reads it at the start of each
 * request and each background pass, so a move made through one replica is seen by all.
 */
export interface Clock {
  now(): number;
  readonly testClock: boolean;
  /** Re-reads the stored test clock (a no-op without the test clock). */
  refresh(): Promise<void>;
  set(input: { now?: number; advanceSeconds?: number }): Promise<number>;
}

export function systemClock(): Clock {
  return {
    testClock: false,
    now: () => Date.now(),
    async refresh() {},
    async set() {
      throw new ApiError(
        'test_clock_disabled',
        'The test clock is disabled; start the service with CREDITS_TEST_CLOCK=1.',
      );
    },
  };
}

export async function databaseTestClock(db: Db): Promise<Clock> {
  let frozen: number | null = null;
  const read = async () => {
    const { rows } = await db.query<{ now_ms: string | number }>(
      'SELECT now_ms FROM test_clock WHERE id = 1',
    );
    const stored = rows[0] === undefined ? null : Number(rows[0].now_ms);
    // The clock only moves forward: a read that began before a move (on this replica) must not
    // undo it when it lands after.
    if (stored !== null && (frozen === null || stored > frozen)) frozen = stored;
  };
  await read();
  return {
    testClock: true,
    now: () => frozen ?? Date.now(),
    refresh: read,
    async set(input) {
      return db.transaction(async (tx) => {
        const { rows } = await tx.query<{ now_ms: string | number }>(
          'SELECT now_ms FROM test_clock WHERE id = 1 FOR UPDATE',
        );
        const current = rows[0] === undefined ? Date.now() : Number(rows[0].now_ms);
        const next = input.now ?? current + (input.advanceSeconds ?? 0) * 1000;
        if (next < current) {
          throw new ApiError('clock_backwards', 'The test clock never moves backwards.', {
            now: new Date(current).toISOString(),
            requested: new Date(next).toISOString(),
          });
        }
        await tx.query(
          'INSERT INTO test_clock (id, now_ms) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET now_ms = EXCLUDED.now_ms',
          [next],
        );
        frozen = next;
        return next;
      });
    },
  };
}
