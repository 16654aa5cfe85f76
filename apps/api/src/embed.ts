import { DEFAULT_PRICE_TABLE, type PriceTable } from '@aicredits/ledger';
import type { Db } from './db/db.js';
import { migrate } from './db/migrations.js';
import { openPglite } from './db/pglite.js';
import { openPostgres } from './db/postgres.js';
import type { MoneyOp, OpResult } from './money/batch.js';
import { type BatchInfo, GroupCommitQueue } from './money/queue.js';

/**
 * The money path without HTTP: a migrated store and the same group-commit queue the routes
 * submit to. Benchmarks drive it directly so the database-bound workloads measure the real
 * reserve/capture code and nothing of Hono or JSON.
 */
export interface MoneyStore {
  readonly db: Db;
  readonly queue: GroupCommitQueue;
  submit(workspaceId: string, op: MoneyOp): Promise<OpResult>;
  /** Waits for queued batches, then closes the database. */
  close(): Promise<void>;
}

export interface OpenMoneyStoreOptions {
  /** PostgreSQL URL; without it an embedded PGlite opens at `dataDir`. */
  databaseUrl?: string;
  /** PostgreSQL schema (created if missing) every pooled connection uses. */
  databaseSchema?: string;
  /** PGlite folder or `memory://` (the default). */
  dataDir?: string;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  now?: () => number;
  priceTable?: PriceTable;
  maxBatch?: number;
  /** Workspaces whose ledger is remembered between batches (see `GroupCommitOptions`); 0: none. */
  rememberedWorkspaces?: number;
  /** How long a remembered ledger is trusted (see `GroupCommitOptions`). */
  rememberForMs?: number;
  onBatch?: (info: BatchInfo) => void;
}

export async function openMoneyStore(options: OpenMoneyStoreOptions = {}): Promise<MoneyStore> {
  const db = await openStoreDb(options);
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  const table = options.priceTable ?? DEFAULT_PRICE_TABLE;
  const queue = new GroupCommitQueue({
    db,
    now: options.now ?? (() => Date.now()),
    priceTable: async () => table,
    ...(options.maxBatch === undefined ? {} : { maxBatch: options.maxBatch }),
    ...(options.rememberedWorkspaces === undefined
      ? {}
      : { rememberedWorkspaces: options.rememberedWorkspaces }),
    ...(options.rememberForMs === undefined ? {} : { rememberForMs: options.rememberForMs }),
    ...(options.onBatch === undefined ? {} : { onBatch: options.onBatch }),
  });
  return {
    db,
    queue,
    submit: (workspaceId, op) => queue.submit(workspaceId, op),
    async close() {
      await queue.idle();
      await db.close();
    },
  };
}

async function openStoreDb(options: OpenMoneyStoreOptions): Promise<Db> {
  if (options.databaseUrl === undefined) return openPglite(options.dataDir ?? 'memory://');
  const schema = options.databaseSchema;
  if (schema !== undefined) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name "${schema}"`);
    const admin = await openPostgres({ url: options.databaseUrl, max: 1 });
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await admin.close();
    }
  }
  return openPostgres({
    url: options.databaseUrl,
    ...(schema === undefined ? {} : { schema }),
    ...(options.poolSize === undefined ? {} : { max: options.poolSize }),
  });
}
