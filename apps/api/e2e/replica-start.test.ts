import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../src/db/postgres.js';
import { type RunningService, startService } from '../src/index.js';

/*
 * Replicas starting at the same instant on a fresh PostgreSQL schema: migrations, the platform
 * key and the price table are bootstrapped once, and every replica comes up. Runs only when
 * TEST_DATABASE_URL is set.
 */
const pgUrl = process.env.TEST_DATABASE_URL;
const REPLICAS = 8;

describe.runIf(pgUrl !== undefined && pgUrl !== '')('replicas starting together', () => {
  const schemas: string[] = [];
  const running: RunningService[] = [];
  const freshSchema = () => {
    const schema = `aicredits_boot_${process.pid}_${randomBytes(4).toString('hex')}`;
    schemas.push(schema);
    return schema;
  };
  const startReplicas = async (schema: string, platformKey?: string) => {
    const started = await Promise.allSettled(
      Array.from({ length: REPLICAS }, () =>
        startService({
          port: 0,
          databaseUrl: pgUrl,
          databaseSchema: schema,
          logLevel: 'silent',
          ...(platformKey === undefined ? {} : { platformKey }),
        }),
      ),
    );
    for (const result of started) if (result.status === 'fulfilled') running.push(result.value);
    return started;
  };

  afterAll(async () => {
    await Promise.all(running.map((service) => service.close()));
    const admin = await openPostgres({ url: pgUrl ?? '', max: 1 });
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  });

  it('all come up with one configured platform key stored once', async () => {
    const schema = freshSchema();
    const platformKey = `ak_platform_${randomBytes(18).toString('hex')}`;
    const started = await startReplicas(schema, platformKey);
    expect(started.map((r) => (r.status === 'rejected' ? String(r.reason) : 'up'))).toEqual(
      Array(REPLICAS).fill('up'),
    );
    const services = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    for (const service of services) {
      const res = await fetch(`${service.url}/v1/me`, {
        headers: { authorization: `Bearer ${platformKey}` },
      });
      expect(res.status).toBe(200);
    }
    const { rows } = await services[0]!.services.db.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM api_keys WHERE type = 'platform'",
    );
    expect(rows[0]?.n).toBe('1');
  });

  it('all come up without one, and exactly one of them generates the platform key', async () => {
    const started = await startReplicas(freshSchema());
    const services = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(services).toHaveLength(REPLICAS);
    const generated = services.filter((s) => s.platformKeyGenerated);
    expect(generated).toHaveLength(1);
    const key = generated[0]!.platformKey ?? '';
    const res = await fetch(`${services[REPLICAS - 1]!.url}/v1/me`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(200);
  });
});
