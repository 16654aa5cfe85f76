import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/**
 * The bot's own small database: PGlite (embedded, a data folder) by default, PostgreSQL when a URL
 * is configured. Both adapters run the same SQL through this one interface.
 */
export type SqlParam = string | number | boolean | null;

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]): Promise<{ rows: R[] }>;
}

export interface BotDb extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

export type DatabaseOptions =
  | { dataDir: string; url?: undefined; schema?: undefined }
  | { url: string; schema?: string; dataDir?: undefined };

export async function openDatabase(options: DatabaseOptions): Promise<BotDb> {
  return options.url !== undefined ? openPostgres(options.url, options.schema) : openPglite(options.dataDir);
}

async function openPglite(dataDir: string): Promise<BotDb> {
  const inMemory = dataDir === 'memory://' || dataDir === '';
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  const db = inMemory ? new PGlite() : new PGlite(dataDir);
  await db.waitReady;
  return {
    kind: 'pglite',
    async query<R>(sql: string, params?: readonly SqlParam[]) {
      const result = await db.query<R>(sql, params === undefined ? undefined : [...params]);
      return { rows: result.rows };
    },
    async exec(sql) {
      await db.exec(sql);
    },
    async close() {
      if (!db.closed) await db.close();
    },
  };
}

async function openPostgres(url: string, schema: string | undefined): Promise<BotDb> {
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw new Error(`database schema "${schema}" must be a plain lowercase identifier`);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 5,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle client failing (server restart) must not crash the bot; the pool replaces it.
  pool.on('error', () => undefined);
  if (schema !== undefined) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  return {
    kind: 'postgres',
    async query<R>(sql: string, params?: readonly SqlParam[]) {
      const result = await pool.query(sql, params === undefined ? undefined : [...params]);
      return { rows: result.rows as R[] };
    },
    async exec(sql) {
      await pool.query(sql);
    },
    async close() {
      await pool.end();
    },
  };
}

/** `bigint` columns come back as strings (pg) or bigints/numbers (PGlite); this is where they become numbers. */
export function toSafeInt(value: unknown, column: string): number {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'bigint') n = Number(value);
  else if (typeof value === 'string' && /^-?\d+$/.test(value)) n = Number(value);
  else throw new Error(`column ${column}: expected an integer, got ${typeof value}`);
  if (!Number.isSafeInteger(n)) throw new Error(`column ${column}: ${String(value)} is not a safe integer`);
  return n;
}
