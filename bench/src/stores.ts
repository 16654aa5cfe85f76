import { type MoneyStore, openMoneyStore } from '@aicredits/api';
import pg from 'pg';

export type StoreKind = 'postgres' | 'pglite';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchStore {
  kind: StoreKind;
  store: MoneyStore;
  /** The PostgreSQL schema this run owns (dropped by `close`), or null on PGlite. */
  schema: string | null;
  close(): Promise<void>;
}

let counter = 0;

/** A fresh schema name per run: `bench_<label>_<pid>_<n>`, dropped again when the run ends. */
export function freshSchema(label: string): string {
  counter += 1;
  return `bench_${label}_${process.pid}_${counter}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

/**
 * Opens the money store of the API on a fresh PostgreSQL schema (dropped on close) or a fresh
 * in-memory PGlite. The pool is sized for 64 concurrent clients of the naive baseline: its
 * transactions hold a connection while they wait for the row lock.
 */
export async function openBenchStore(
  kind: StoreKind,
  label: string,
  options: { databaseUrl: string; poolSize?: number },
): Promise<BenchStore> {
  if (kind === 'pglite') {
    const store = await openMoneyStore({ dataDir: 'memory://' });
    return { kind, store, schema: null, close: () => store.close() };
  }
  const schema = freshSchema(label);
  const store = await openMoneyStore({
    databaseUrl: options.databaseUrl,
    databaseSchema: schema,
    poolSize: options.poolSize ?? 20,
  });
  return {
    kind,
    store,
    schema,
    async close() {
      await store.queue.idle();
      await store.db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await store.close();
    },
  };
}

/** Drops a schema over a connection of its own (the service that used it is already closed). */
export async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
