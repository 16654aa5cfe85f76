import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { Db, Queryable, SqlParam } from './db.js';

/**
 * Embedded PostgreSQL (WASM). PGlite runs Postgres with fsync off: fast, but not crash-durable on
 * power loss (see README). One connection: transactions are serialised by PGlite itself.
 */
export async function openPglite(dataDir: string): Promise<Db> {
  const inMemory = dataDir === 'memory://' || dataDir === '';
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  const pg = inMemory ? new PGlite() : new PGlite(dataDir);
  await pg.waitReady;
  const wrap = (q: { query: PGlite['query'] }): Queryable => ({
    async query<R>(sql: string, params?: readonly SqlParam[]) {
      const result = await q.query<R>(sql, params === undefined ? undefined : [...params]);
      return { rows: result.rows };
    },
  });
  const root = wrap(pg);
  return {
    kind: 'pglite',
    query: root.query,
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    async exec(sql) {
      await pg.exec(sql);
    },
    async close() {
      if (!pg.closed) await pg.close();
    },
  };
}
