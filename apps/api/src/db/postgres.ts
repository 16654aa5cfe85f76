import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Db, Queryable, QueryOptions, SqlParam } from './db.js';
import { DatabaseUnavailableError, isConnectionFailure } from './unavailable.js';

export interface PostgresOptions {
  url: string;
  /** Tests isolate themselves in a schema; every connection gets it as its search_path. */
  schema?: string;
  max?: number;
  /** Called when an idle pooled connection fails (e.g. the server restarted); the pool replaces it. */
  onIdleError?: (error: Error) => void;
}

export async function openPostgres(options: PostgresOptions): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
  });
  // An idle client erroring (e.g. the server restarting) must not crash the process.
  pool.on('error', (error) => options.onIdleError?.(error));
  const run = async <R>(
    client: pg.Pool | pg.PoolClient,
    sql: string,
    params?: readonly SqlParam[],
    queryOptions?: QueryOptions,
  ) => {
    const values = params === undefined ? undefined : [...params];
    try {
      const result = await (queryOptions?.prepare === true
        ? client.query({ name: statementName(sql), text: sql, ...(values === undefined ? {} : { values }) })
        : client.query(sql, values));
      return { rows: result.rows as R[] };
    } catch (error) {
      throw isConnectionFailure(error) ? new DatabaseUnavailableError(error) : error;
    }
  };
  await run(pool, 'SELECT 1');
  return {
    kind: 'postgres',
    query: (sql, params, queryOptions) => run(pool, sql, params, queryOptions),
    async transaction(fn) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw isConnectionFailure(error) ? new DatabaseUnavailableError(error) : error;
      }
      // A checked-out client is not watched by the pool: if the server drops the connection
      // between two statements, the client emits 'error', and without a listener that event
      // would crash the process. The next statement fails and the transaction is abandoned.
      let broken: Error | null = null;
      const onError = (error: Error) => {
        broken = error;
      };
      client.on('error', onError);
      const tx: Queryable = { query: (sql, params, queryOptions) => run(client, sql, params, queryOptions) };
      try {
        await run(client, 'BEGIN');
        const result = await fn(tx);
        await run(client, 'COMMIT');
        return result;
      } catch (error) {
        if (broken === null && !isConnectionFailure(error)) {
          await client.query('ROLLBACK').catch((rollbackError: unknown) => {
            broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
          });
        } else {
          broken ??= error instanceof Error ? error : new Error(String(error));
        }
        throw error;
      } finally {
        client.off('error', onError);
        // A broken connection goes back with its error, so the pool discards it.
        client.release(broken ?? undefined);
      }
    },
    async exec(sql) {
      await pool.query(sql);
    },
    async close() {
      await pool.end();
    },
  };
}

/** A prepared statement's name follows from its text, so one text is prepared once per connection. */
const statementNames = new Map<string, string>();
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `s_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
    if (statementNames.size > 1_000) statementNames.clear();
    statementNames.set(sql, name);
  }
  return name;
}
