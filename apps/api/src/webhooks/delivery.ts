import { WEBHOOK_EVENT_ID_HEADER, WEBHOOK_SIGNATURE_HEADER } from '@aicredits/contract';
import type { Logger } from 'pino';
import type { Db } from '../db/db.js';
import { toSafeInt } from '../db/db.js';
import { signWebhookPayload, WEBHOOK_DELIVERY_ATTEMPT_HEADER, WEBHOOK_EVENT_TYPE_HEADER } from './signing.js';

/**
 * Delay before the next attempt, indexed by the number of attempts already made (1-based, so
 * index 0 is the wait after the first failure). About 22 hours from the first attempt to the
 * last; after the last scheduled retry fails the delivery is `failed`.
 */
export const RETRY_DELAYS_MS: readonly number[] = [
  10_000, // 10 s
  30_000, // 30 s
  120_000, // 2 min
  600_000, // 10 min
  1_800_000, // 30 min
  3_600_000, // 1 h
  7_200_000, // 2 h
  14_400_000, // 4 h
  21_600_000, // 6 h
  28_800_000, // 8 h
];
export const MAX_DELIVERY_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/** A request taking longer than this counts as failed (the receiver should answer fast and work later). */
export const DELIVERY_TIMEOUT_MS = 10_000;
/**
 * A claimed attempt is pushed this far into the future while it is in flight, so no other
 * replica picks it up; if this process dies mid-attempt, the delivery becomes due again after it.
 */
export const DELIVERY_CLAIM_MS = 60_000;
/** Upper bounds per pass and concurrent requests per replica. */
export const DELIVERY_BATCH_SIZE = 50;
export const DELIVERY_CONCURRENCY = 8;
/** Stored error text is truncated (it is for humans debugging an endpoint). */
const MAX_ERROR_LENGTH = 500;

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface DeliveryDeps {
  db: Db;
  logger: Logger;
  /** Business time: when attempts are due and when they happened (the service clock). */
  now: () => number;
  /**
   * Real time for the signature timestamp. Receivers check it against their own clock for replay
   * protection, so it must stay real even while a test clock has moved business time.
   */
  signingNow?: () => number;
  fetch?: FetchLike;
  /** Randomness for the backoff jitter (tests pin it). */
  random?: () => number;
}

export interface DeliveryPassResult {
  attempted: number;
  delivered: number;
  retrying: number;
  failed: number;
  cancelled: number;
}

/** Backoff after `attempts` failed attempts, with ±20% jitter so retries of a burst spread out. */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number | null {
  const base = RETRY_DELAYS_MS[attempts - 1];
  if (base === undefined) return null;
  return Math.round(base * (0.8 + 0.4 * random()));
}

interface ClaimedDelivery {
  id: number;
  attempt: number;
  eventId: string;
  eventType: string;
  body: string;
  url: string;
  secret: string;
  active: boolean;
}

/**
 * Claims due attempts atomically: the inner `FOR UPDATE SKIP LOCKED` lets replicas claim
 * disjoint rows without waiting on each other, and pushing `next_attempt_at` past now in the
 * same statement keeps a claimed attempt from being due again while it is in flight. PGlite runs
 * the same statement (it has one connection, so there is nothing to skip).
 */
async function claimDue(db: Db, now: number, limit: number): Promise<ClaimedDelivery[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `WITH due AS (
       SELECT id FROM deliveries
       WHERE status = 'pending' AND next_attempt_at <= $1
       ORDER BY next_attempt_at, id
       LIMIT $3
       FOR UPDATE SKIP LOCKED
     ), claimed AS (
       UPDATE deliveries d SET attempts = d.attempts + 1, next_attempt_at = $2
       FROM due WHERE d.id = due.id
       RETURNING d.id, d.attempts, d.event_id, d.endpoint_id
     )
     SELECT c.id, c.attempts, c.event_id, e.type, e.payload, ep.url, ep.secret,
            (ep.enabled AND ep.deleted_at IS NULL) AS active
     FROM claimed c
     JOIN outbox_events e ON e.id = c.event_id
     JOIN webhook_endpoints ep ON ep.id = c.endpoint_id
     ORDER BY c.id`,
    [now, now + DELIVERY_CLAIM_MS, limit],
  );
  return rows.map((r) => ({
    id: toSafeInt(r.id, 'id'),
    attempt: toSafeInt(r.attempts, 'attempts'),
    eventId: String(r.event_id),
    eventType: String(r.type),
    body: eventBody(r.payload),
    url: String(r.url),
    secret: String(r.secret),
    active: r.active === true,
  }));
}

/**
 * The request body: the event JSON. `jsonb` reorders keys, so the envelope is rebuilt in the
 * contract's order; the same event therefore has the same bytes on every attempt.
 */
function eventBody(payload: unknown): string {
  const event = (typeof payload === 'string' ? JSON.parse(payload) : payload) as Record<string, unknown>;
  const { id, type, createdAt, workspaceId, data, ...rest } = event;
  return JSON.stringify({ id, type, createdAt, workspaceId, data, ...rest });
}

type AttemptOutcome = { ok: true; status: number } | { ok: false; status: number | null; error: string };

async function send(deps: DeliveryDeps, d: ClaimedDelivery): Promise<AttemptOutcome> {
  const timestampSeconds = Math.floor((deps.signingNow ?? Date.now)() / 1000);
  const doFetch: FetchLike = deps.fetch ?? ((url, init) => fetch(url, init));
  try {
    const res = await doFetch(d.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'aicredits-webhooks/1',
        [WEBHOOK_SIGNATURE_HEADER]: signWebhookPayload(d.secret, d.body, timestampSeconds),
        [WEBHOOK_EVENT_ID_HEADER]: d.eventId,
        [WEBHOOK_EVENT_TYPE_HEADER]: d.eventType,
        [WEBHOOK_DELIVERY_ATTEMPT_HEADER]: String(d.attempt),
      },
      body: d.body,
      // A redirect could carry the signed body to a host the customer never registered.
      redirect: 'manual',
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    // The receiver's answer body is not used; release the connection without reading it.
    await res.body?.cancel().catch((error: unknown) => {
      deps.logger.debug(
        { err: error, deliveryId: d.id },
        'webhook delivery: could not discard the response body',
      );
    });
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    const redirect = res.status >= 300 && res.status < 400 ? ' (redirects are not followed)' : '';
    return { ok: false, status: res.status, error: `HTTP ${res.status}${redirect}` };
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    const message = timedOut
      ? `timed out after ${DELIVERY_TIMEOUT_MS} ms`
      : error instanceof Error
        ? describeNetworkError(error)
        : String(error);
    return { ok: false, status: null, error: message.slice(0, MAX_ERROR_LENGTH) };
  }
}

/** Node's fetch hides the useful part (ECONNREFUSED, ENOTFOUND…) in `cause`. */
function describeNetworkError(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return `${error.message}: ${typeof code === 'string' ? `${code} ` : ''}${cause.message}`;
  }
  return error.message;
}

async function record(
  deps: DeliveryDeps,
  d: ClaimedDelivery,
  outcome: AttemptOutcome,
): Promise<keyof DeliveryPassResult> {
  const now = deps.now();
  // `attempts = $2` guards against a stale writer: only the holder of this attempt records it.
  if (outcome.ok) {
    await deps.db.query(
      `UPDATE deliveries SET status = 'delivered', delivered_at = $3, last_status = $4, last_error = NULL
       WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
      [d.id, d.attempt, now, outcome.status],
    );
    return 'delivered';
  }
  const delay = retryDelayMs(d.attempt, deps.random);
  if (delay === null) {
    await deps.db.query(
      `UPDATE deliveries SET status = 'failed', last_status = $3, last_error = $4
       WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
      [d.id, d.attempt, outcome.status, outcome.error],
    );
    deps.logger.warn(
      { deliveryId: d.id, eventId: d.eventId, attempts: d.attempt, error: outcome.error },
      'webhook delivery failed for good after the last retry',
    );
    return 'failed';
  }
  await deps.db.query(
    `UPDATE deliveries SET next_attempt_at = $3, last_status = $4, last_error = $5
     WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
    [d.id, d.attempt, now + delay, outcome.status, outcome.error],
  );
  deps.logger.info(
    { deliveryId: d.id, eventId: d.eventId, attempt: d.attempt, retryInMs: delay, error: outcome.error },
    'webhook delivery attempt failed; will retry',
  );
  return 'retrying';
}

async function cancel(deps: DeliveryDeps, d: ClaimedDelivery): Promise<void> {
  await deps.db.query(
    `UPDATE deliveries SET status = 'cancelled', last_error = 'endpoint disabled or deleted'
     WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
    [d.id, d.attempt],
  );
}

/**
 * One delivery pass: claim what is due, send with bounded concurrency, record each outcome.
 * Delivery is at least once: a crash between the receiver's 2xx and the UPDATE sends the event
 * again after the claim lapses, with the same event id for the receiver to de-duplicate.
 */
export async function deliverDue(
  deps: DeliveryDeps,
  limit = DELIVERY_BATCH_SIZE,
): Promise<DeliveryPassResult> {
  const result: DeliveryPassResult = { attempted: 0, delivered: 0, retrying: 0, failed: 0, cancelled: 0 };
  const claimed = await claimDue(deps.db, deps.now(), limit);
  let next = 0;
  const worker = async () => {
    while (next < claimed.length) {
      const d = claimed[next];
      next += 1;
      if (d === undefined) break;
      if (!d.active) {
        await cancel(deps, d);
        result.cancelled += 1;
        continue;
      }
      result.attempted += 1;
      const outcome = await send(deps, d);
      result[await record(deps, d, outcome)] += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(DELIVERY_CONCURRENCY, claimed.length) }, worker));
  return result;
}
