import type { AicreditsClient, CaptureResponse, Charge, Reservation, Topup } from '@aicredits/sdk';
import { APIError, InsufficientCreditsError } from '@aicredits/sdk';
import { expect } from 'vitest';
import type { Queryable } from '../../src/db/db.js';
import { client, type Tenant } from './support.js';

/*
 * The client side of the fault suites: workers that behave like the guard (reserve → capture or
 * void, one-step charges, top-ups), each request with its own idempotency key, through the SDK
 * with retries. Every acknowledged answer is written in a book, which is compared with the
 * ledger afterwards: what the callers were told must be exactly what the ledger holds.
 */

export interface CaptureRecord {
  workspaceId: string;
  reservationId: string;
  chargeId: string;
  amountMicros: number;
  response: CaptureResponse;
}

export interface PendingCall {
  /** Repeats the request with the same idempotency key and body (a caller retrying later). */
  retry(): Promise<void>;
  what: string;
}

export class Book {
  readonly reservations = new Map<string, { workspaceId: string; response: Reservation }>();
  readonly captures = new Map<string, CaptureRecord>();
  readonly charges = new Map<string, { workspaceId: string; amountMicros: number; response: Charge }>();
  readonly voids = new Set<string>();
  readonly topups = new Map<string, { workspaceId: string; amountMicros: number; response: Topup }>();
  /** Calls that failed after every retry: their outcome is unknown until retried. */
  readonly pending: PendingCall[] = [];
  /** Admission refusals (402): expected now and then, and they must write nothing. */
  refusals = 0;
  errors: string[] = [];
}

export interface LoadOptions {
  tenants: readonly Tenant[];
  /** Base URLs of the replicas; each request picks one (a balancer without stickiness). */
  urls: () => readonly string[];
  workers: number;
  durationMs: number;
  book: Book;
  /** Top-ups go through this key type (admin); share of operations that are top-ups. */
  topupShare?: number;
  /** Share of reservations left to lapse at their TTL. */
  abandonShare?: number;
  /** TTL of the abandoned ones (default 60 s). */
  abandonTtlSeconds?: number;
  maxRetries?: number;
  /** Called with every settled operation (soak: latency per operation). */
  onOperation?: (op: string, ms: number, ok: boolean) => void;
  /** Each worker's loop takes at least this long (steady, paced load rather than flat out). */
  iterationMs?: number;
  /** Keep the load running past `durationMs` until this settles (e.g. a fault schedule). */
  until?: Promise<unknown>;
}

const randomInt = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));

/** Runs the workers until `durationMs` has passed; resolves with nothing (the book has it all). */
export async function runLoad(options: LoadOptions): Promise<void> {
  const clients = new Map<string, AicreditsClient>();
  const sdk = (url: string, key: string) => {
    const id = `${url}|${key}`;
    let c = clients.get(id);
    if (c === undefined) {
      c = client(url, key, { maxRetries: options.maxRetries ?? 8 });
      clients.set(id, c);
    }
    return c;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
  const deadline = Date.now() + options.durationMs;
  let released = options.until === undefined;
  const release = () => {
    released = true;
  };
  // Both paths release: a failed schedule is reported by its own awaiter, not as an unhandled rejection here.
  options.until?.then(release, release);
  const { book } = options;
  let sequence = 0;

  /** Runs `call`; on a failure after every retry, remembers how to repeat it. */
  const attempt = async <T>(what: string, call: () => Promise<T>): Promise<T | null> => {
    const started = performance.now();
    try {
      const value = await call();
      options.onOperation?.(what, performance.now() - started, true);
      return value;
    } catch (error) {
      options.onOperation?.(what, performance.now() - started, false);
      if (error instanceof InsufficientCreditsError) {
        book.refusals += 1;
        return null;
      }
      if (
        error instanceof APIError &&
        error.status !== undefined &&
        error.status < 500 &&
        error.status !== 429
      ) {
        // A 4xx other than an admission refusal means the caller is wrong or the service is.
        book.errors.push(`${what}: ${error.status} ${error.code} ${error.message}`);
        return null;
      }
      book.pending.push({
        what,
        retry: async () => {
          await call();
        },
      });
      return null;
    }
  };

  // Pacing is applied at the start of the next iteration, so every `continue` is paced too.
  const last = new Map<number, number>();
  const paceOf = (w: number) => async (started: number) => {
    const previous = last.get(w);
    last.set(w, started);
    const wait = previous === undefined ? 0 : (options.iterationMs ?? 0) - (started - previous);
    if (wait > 0) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      last.set(w, Date.now());
    }
  };
  const worker = async (w: number) => {
    const pace = paceOf(w);
    while (Date.now() < deadline || !released) {
      const iterationStarted = Date.now();
      await pace(iterationStarted);
      const tenant = pick(options.tenants);
      const server = () => sdk(pick(options.urls()), tenant.server);
      const n = ++sequence;
      const roll = Math.random();
      if (roll < (options.topupShare ?? 0.05)) {
        const amountMicros = randomInt(5, 40) * 1_000_000;
        const key = `topup-${w}-${n}`;
        const admin = () => sdk(pick(options.urls()), tenant.admin);
        const topup = await attempt(`topup ${key}`, async () => {
          const t = await admin().topups.create(tenant.id, { amountMicros }, { idempotencyKey: key });
          book.topups.set(t.id, { workspaceId: tenant.id, amountMicros, response: t });
          return t;
        });
        void topup;
        continue;
      }
      if (roll < 0.2) {
        const chargeId = `ch_one_${w}_${n}`;
        const amountMicros = randomInt(1, 40) * 10_000;
        const body = { feature: 'coding_session', amountMicros, outcome: 'succeeded' as const, chargeId };
        await attempt(`charge ${chargeId}`, async () => {
          const c = await server().charges.create(tenant.id, body, { idempotencyKey: `charge-${chargeId}` });
          book.charges.set(c.id, { workspaceId: tenant.id, amountMicros, response: c });
          return c;
        });
        continue;
      }
      const reservationId = `res_${w}_${n}`;
      const estimateMicros = randomInt(5, 50) * 10_000;
      const abandon = Math.random() < (options.abandonShare ?? 0.08);
      const reservation = await attempt(`reserve ${reservationId}`, async () => {
        const r = await server().reservations.create(
          tenant.id,
          {
            feature: 'coding_session',
            estimateMicros,
            ttlSeconds: abandon ? (options.abandonTtlSeconds ?? 60) : 3_600,
            reservationId,
          },
          { idempotencyKey: `reserve-${reservationId}` },
        );
        book.reservations.set(r.id, { workspaceId: tenant.id, response: r });
        return r;
      });
      if (reservation === null || abandon) continue;
      if (Math.random() < 0.15) {
        await attempt(`void ${reservationId}`, async () => {
          const v = await server().reservations.void(tenant.id, reservationId, {
            idempotencyKey: `void-${reservationId}`,
          });
          book.voids.add(v.id);
          return v;
        });
        continue;
      }
      // Actual cost: usually under the hold, sometimes over it (the overshoot the bound allows).
      const amountMicros = Math.max(0, Math.round(estimateMicros * (0.3 + Math.random() * 0.9)));
      const chargeId = `ch_${reservationId}`;
      await attempt(`capture ${reservationId}`, async () => {
        const c = await server().reservations.capture(
          tenant.id,
          reservationId,
          { amountMicros, outcome: 'succeeded', chargeId },
          { idempotencyKey: `capture-${reservationId}` },
        );
        book.captures.set(chargeId, {
          workspaceId: tenant.id,
          reservationId,
          chargeId,
          amountMicros,
          response: c,
        });
        return c;
      });
    }
  };
  await Promise.all(Array.from({ length: options.workers }, (_, w) => worker(w)));
}

/** Repeats every call whose outcome the caller never learnt, as a caller retrying later would. */
export async function settlePending(book: Book): Promise<void> {
  const pending = book.pending.splice(0);
  for (const call of pending) {
    try {
      await call.retry();
    } catch (error) {
      book.errors.push(
        `retry of ${call.what} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}

/**
 * The ledger against the callers' book: every acknowledged capture and charge recorded once
 * with the acknowledged amount, nothing charged that no caller was told about, every capture
 * tied to its reservation, every acknowledged void voided, every acknowledged top-up credited.
 */
export async function compareBookWithLedger(db: Queryable, book: Book, workspaceIds: readonly string[]) {
  expect(book.errors).toEqual([]);
  expect(book.pending).toEqual([]);
  const { rows: charges } = await db.query<{
    workspace_id: string;
    id: string;
    amount_micros: string;
    reservation_id: string | null;
  }>(
    'SELECT workspace_id, id, amount_micros, reservation_id FROM charges WHERE workspace_id = ANY($1::text[])',
    [workspaceIds],
  );
  const byId = new Map(charges.map((c) => [c.id, c]));
  expect(charges.length).toBe(book.captures.size + book.charges.size);
  for (const [id, capture] of book.captures) {
    const row = byId.get(id);
    expect(row, `acknowledged capture ${id} is not in the ledger`).toBeDefined();
    expect(Number(row?.amount_micros)).toBe(capture.amountMicros);
    expect(row?.reservation_id).toBe(capture.reservationId);
    expect(capture.response.charge?.amountMicros).toBe(capture.amountMicros);
  }
  for (const [id, charge] of book.charges) {
    const row = byId.get(id);
    expect(row, `acknowledged charge ${id} is not in the ledger`).toBeDefined();
    expect(Number(row?.amount_micros)).toBe(charge.amountMicros);
  }
  const { rows: reservations } = await db.query<{ id: string; status: string; charge_id: string | null }>(
    'SELECT id, status, charge_id FROM reservations WHERE workspace_id = ANY($1::text[])',
    [workspaceIds],
  );
  const reservationById = new Map(reservations.map((r) => [r.id, r]));
  expect(reservations.length).toBe(book.reservations.size);
  for (const id of book.reservations.keys()) expect(reservationById.has(id), `reservation ${id}`).toBe(true);
  for (const id of book.voids) expect(reservationById.get(id)?.status).toBe('voided');
  for (const capture of book.captures.values()) {
    expect(reservationById.get(capture.reservationId)).toMatchObject({
      status: 'captured',
      charge_id: capture.chargeId,
    });
  }
  const { rows: topups } = await db.query<{ id: string; status: string; amount_micros: string }>(
    "SELECT id, status, amount_micros FROM topups WHERE workspace_id = ANY($1::text[]) AND status = 'succeeded'",
    [workspaceIds],
  );
  const succeeded = new Map(topups.map((t) => [t.id, t]));
  for (const [id, topup] of book.topups) {
    expect(topup.response.status).toBe('succeeded');
    expect(Number(succeeded.get(id)?.amount_micros), `top-up ${id}`).toBe(topup.amountMicros);
  }
}

/**
 * Replays a sample of acknowledged captures with the same idempotency key and body: the answer
 * must be the original one, and nothing may change.
 */
export async function replayCaptures(
  urls: readonly string[],
  tenants: readonly Tenant[],
  book: Book,
  sample = 25,
): Promise<void> {
  const keyOf = new Map(tenants.map((t) => [t.id, t.server]));
  const captures = [...book.captures.values()].slice(0, sample);
  for (const [i, capture] of captures.entries()) {
    const url = urls[i % urls.length] ?? '';
    const sdk = client(url, keyOf.get(capture.workspaceId) ?? '', { maxRetries: 2 });
    const again = await sdk.reservations.capture(
      capture.workspaceId,
      capture.reservationId,
      { amountMicros: capture.amountMicros, outcome: 'succeeded', chargeId: capture.chargeId },
      { idempotencyKey: `capture-${capture.reservationId}` },
    );
    expect(again).toEqual(capture.response);
  }
}
