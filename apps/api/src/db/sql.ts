import type { Queryable, SqlParam } from './db.js';

/** Postgres allows 65,535 bind parameters per statement; stay well below. */
const MAX_PARAMS = 30_000;

/**
 * One multi-row INSERT per chunk: `INSERT INTO t (cols) VALUES (...), (...) <suffix>`. Keeps
 * a batch's writes to a handful of statements whatever the number of operations.
 */
export async function insertRows(
  q: Queryable,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly SqlParam[])[],
  suffix = '',
): Promise<void> {
  if (rows.length === 0) return;
  const perChunk = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  for (let start = 0; start < rows.length; start += perChunk) {
    const chunk = rows.slice(start, start + perChunk);
    const params: SqlParam[] = [];
    const tuples = chunk.map((row) => {
      const marks = row.map((value) => {
        params.push(value);
        return `$${params.length}`;
      });
      return `(${marks.join(', ')})`;
    });
    await q.query(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')} ${suffix}`,
      params,
    );
  }
}

/** `jsonb` parameters are sent as text; both drivers cast them on insert. */
export const jsonParam = (value: unknown): string => JSON.stringify(value);
