import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RoundTripFloor, startRoundTripFloor } from './round-trip-floor.js';
import { type BenchService, startBenchService } from './service.js';
import { DEFAULT_DATABASE_URL } from './stores.js';

describe('the machine round-trip floor', () => {
  let bench: BenchService;
  let floor: RoundTripFloor;

  beforeAll(async () => {
    bench = await startBenchService('pglite', 'floor', DEFAULT_DATABASE_URL);
    floor = await startRoundTripFloor(bench.service.services.db);
  });
  afterAll(async () => {
    await floor.close();
    await bench.close();
  });

  it('writes one row per round trip and times each one', async () => {
    const samples = await floor.sample(7);
    expect(samples).toHaveLength(7);
    for (const ms of samples) expect(ms).toBeGreaterThan(0);
    const { rows } = await bench.service.services.db.query<{ n: string }>(
      'SELECT count(*) AS n FROM bench_round_trip_floor',
    );
    expect(Number(rows[0]?.n)).toBe(7);
  });
});
