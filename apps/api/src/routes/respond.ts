import type { Context } from 'hono';
import type { AppEnv } from '../context.js';
import { markReplay } from '../idempotency.js';
import type { OpResult } from '../money/batch.js';

/**
 * The stored body of an operation, typed as the route's response. Operations build their bodies
 * from the contract serializers, and a replay returns exactly what was stored.
 */
export function bodyOf<T>(c: Context<AppEnv>, result: OpResult): T {
  markReplay(c, result);
  return result.body as T;
}
