/**
 * The tiny database interface the data-access layer is written against. Two adapters implement
 * it (PGlite, PostgreSQL) and run the same SQL.
 */
export type SqlParam = string | number | bigint | boolean | null | readonly string[] | readonly number[];

export interface QueryOptions {
  /**
   * Hot statements: prepared once per connection and reused, so the server parses and plans
   * them once instead of on every call (PostgreSQL; the embedded database ignores it).
   */
  prepare?: boolean;
}

export interface Queryable {
  query<R = Record<string, unknown>>(
    sql: string,
    params?: readonly SqlParam[],
    options?: QueryOptions,
  ): Promise<{ rows: R[] }>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Amount columns are `bigint`; drivers return them as strings or bigints. This is the edge where
 * they become numbers, and it refuses anything a JS number cannot hold exactly.
 */
export function toSafeInt(value: unknown, column: string): number {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'bigint') n = Number(value);
  else if (typeof value === 'string' && /^-?\d+$/.test(value)) n = Number(value);
  else throw new Error(`column ${column}: expected an integer, got ${typeof value}`);
  if (!Number.isSafeInteger(n)) throw new Error(`column ${column}: ${String(value)} is not a safe integer`);
  return n;
}

export function toSafeIntOrNull(value: unknown, column: string): number | null {
  return value === null || value === undefined ? null : toSafeInt(value, column);
}
