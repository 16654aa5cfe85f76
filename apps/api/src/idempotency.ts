import {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_KEY_MAX_LENGTH,
  IDEMPOTENT_REPLAYED_HEADER,
} from '@aicredits/contract';
import type { Context } from 'hono';
import type { AppEnv } from './context.js';
import type { Queryable } from './db/db.js';
import { jsonParam } from './db/sql.js';
import { ApiError } from './errors.js';
import { fingerprint } from './keys.js';
import type { IdempotencySpec, OpResponse, OpResult } from './money/batch.js';

/** Reads and validates the `Idempotency-Key` header; null when the request carries none. */
export function idempotencySpec(c: Context<AppEnv>, body: unknown): IdempotencySpec | null {
  const key = c.req.header(IDEMPOTENCY_KEY_HEADER);
  if (key === undefined) return null;
  if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
    throw new ApiError(
      'invalid_request',
      `Idempotency-Key must be 1–${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters without spaces.`,
    );
  }
  const path = new URL(c.req.url).pathname;
  return { key, fingerprint: fingerprint(c.req.method, path, body), method: c.req.method, path };
}

/** Marks a replayed answer so clients can tell (Stripe's `Idempotent-Replayed`). */
export function markReplay(c: Context<AppEnv>, result: OpResult): void {
  if (result.replayed) c.header(IDEMPOTENT_REPLAYED_HEADER, 'true');
}

/**
 * Idempotency for changes outside the money path (workspaces, members, keys, endpoints): the
 * key is locked with a transaction-scoped advisory lock, so two concurrent requests with the
 * same key run one after the other and the second replays the first's stored answer.
 */
export async function withIdempotency(
  c: Context<AppEnv>,
  scope: string,
  body: unknown,
  fn: (tx: Queryable) => Promise<OpResponse>,
): Promise<OpResult> {
  const services = c.get('services');
  const spec = idempotencySpec(c, body);
  return services.db.transaction(async (tx) => {
    if (spec === null) return { ...(await fn(tx)), replayed: false };
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${scope}|${spec.key}`]);
    const { rows } = await tx.query<{ fingerprint: string; status: number; response: unknown }>(
      'SELECT fingerprint, status, response FROM idempotency_keys WHERE scope = $1 AND key = $2',
      [scope, spec.key],
    );
    const prior = rows[0];
    if (prior !== undefined) {
      if (prior.fingerprint !== spec.fingerprint) {
        throw new ApiError(
          'idempotency_mismatch',
          `Idempotency-Key "${spec.key}" was already used with a different request; use a new key for a new request.`,
          { idempotencyKey: spec.key },
        );
      }
      const stored = typeof prior.response === 'string' ? JSON.parse(prior.response) : prior.response;
      return { status: Number(prior.status), body: stored, replayed: true };
    }
    const response = await fn(tx);
    await tx.query(
      `INSERT INTO idempotency_keys (scope, key, method, path, fingerprint, status, response, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        scope,
        spec.key,
        spec.method,
        spec.path,
        spec.fingerprint,
        response.status,
        jsonParam(response.body),
        services.clock.now(),
      ],
    );
    return { ...response, replayed: false };
  });
}
