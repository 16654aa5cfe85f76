import type { AicreditsClient } from '@aicredits/sdk';
import { type StripeStandin, startStripeStandin } from '@aicredits/stripe-standin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Book, compareBookWithLedger, replayCaptures, runLoad, settlePending } from './load.js';
import {
  ApiProcess,
  assertBuilt,
  client,
  createTenant,
  createTestDatabase,
  eventually,
  expectLedgerInvariants,
  HAVE_POSTGRES,
  NO_POSTGRES_REASON,
  platformKey,
  sleep,
  type Tenant,
  type TestDatabase,
  transport,
} from './support.js';

/**
 * kill -9 in the middle of reservations, captures and Stripe top-ups. Two replicas of the built
 * service take load from SDK callers while one of them is killed with SIGKILL and restarted
 * every couple of seconds. The callers retry with their idempotency keys, as real callers do.
 * Afterwards: nothing acknowledged is lost, nothing is charged twice, replays answer the
 * original, every paid top-up is credited exactly once (including those whose Stripe webhook
 * hit a dead replica, redelivered later, replayed and out of order), and no hold outlives its
 * TTL once the sweeper has run.
 */
if (!HAVE_POSTGRES) console.warn(`kill -9 suite skipped: ${NO_POSTGRES_REASON}`);

const LOAD_MS = Number(process.env.RELIABILITY_LOAD_MS ?? '12000');
const MIN_KILLS = 3;

describe.skipIf(!HAVE_POSTGRES)('kill -9 under load', () => {
  let database: TestDatabase;
  let stripe: StripeStandin;
  let replicas: ApiProcess[] = [];
  let platform: AicreditsClient;
  const tenants: Tenant[] = [];
  const book = new Book();
  const key = platformKey();
  let kills = 0;

  beforeAll(async () => {
    assertBuilt();
    database = await createTestDatabase();
    stripe = await startStripeStandin({ webhookSecret: 'whsec_reliability_crash' });
    const env = {
      STRIPE_SECRET_KEY: stripe.apiKey,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      STRIPE_API_BASE: stripe.url,
    };
    replicas = [0, 1].map(
      (i) => new ApiProcess({ databaseUrl: database.url, platformKey: key, env, name: `replica-${i}` }),
    );
    await Promise.all(replicas.map((r) => r.start()));
    // Stripe's webhooks go to one replica; while it is dead they fail and are redelivered later.
    stripe.setWebhookUrl(`${replicas[0]?.url}/v1/stripe/webhook`);
    platform = client(replicas[0]?.url ?? '', key);
    await platform.testClock.set('2033-06-01T00:00:00.000Z');
    for (let i = 0; i < 3; i += 1) {
      const tenant = await createTenant(platform);
      const admin = client(replicas[i % 2]?.url ?? '', tenant.admin);
      const billing = await admin.billing.update(tenant.id, {
        address: { country: 'US', state: 'CA', postalCode: '94107' },
      });
      expect(billing.customerId).toEqual(expect.any(String));
      const paymentMethodId = stripe.createTestCard('visa', billing.customerId ?? undefined);
      await admin.billing.update(tenant.id, { paymentMethodId });
      await admin.topups.create(
        tenant.id,
        { amountMicros: 300_000_000 },
        { idempotencyKey: `fund-${tenant.id}` },
      );
      tenants.push(tenant);
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await stripe?.close();
    await database?.drop();
  });

  it('loses nothing and charges nothing twice while replicas are killed with SIGKILL mid-load', async () => {
    const urls = replicas.map((r) => r.url);
    // The fault schedule counts kills, not seconds: a slow restart on a busy machine must not
    // shrink the test to fewer crashes. The load keeps running until the schedule is done.
    const chaos = (async () => {
      const until = Date.now() + LOAD_MS - 1_500;
      await sleep(800);
      while (kills < MIN_KILLS || Date.now() < until) {
        const victim = replicas[kills % replicas.length];
        if (victim === undefined) break;
        await victim.kill();
        kills += 1;
        await sleep(250);
        await victim.start();
        await sleep(900 + Math.random() * 600);
      }
    })();
    const load = runLoad({
      tenants,
      urls: () => urls,
      workers: 16,
      durationMs: LOAD_MS,
      book,
      topupShare: 0.08,
      until: chaos,
    });
    await Promise.all([load, chaos]);
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
    // The kills really cut requests off: the SDK met refused or reset connections and retried.
    expect(transport.networkErrors).toBeGreaterThan(0);
    const unknownOutcomes = book.pending.length;
    await settlePending(book);
    console.info(
      `kill -9: ${kills} kills; ${transport.networkErrors} attempts cut off and retried by the SDK; ` +
        `${unknownOutcomes} calls retried later; acknowledged ${book.reservations.size} reservations, ` +
        `${book.captures.size} captures, ${book.charges.size} charges, ${book.voids.size} voids, ${book.topups.size} top-ups; ` +
        `${book.refusals} admission refusals`,
    );
    expect(book.captures.size).toBeGreaterThan(30);
    expect(book.topups.size).toBeGreaterThan(3);
    await compareBookWithLedger(
      database.db,
      book,
      tenants.map((t) => t.id),
    );
    await replayCaptures(urls, tenants, book);
  }, 180_000);

  it('credits every paid top-up exactly once, even with webhooks lost, replayed and out of order', async () => {
    await stripe.idle();
    // Stripe retries webhooks that failed (the replica was dead): deliver what never got a 2xx…
    await stripe.deliverPending('newest_first');
    // …and replay every event again, newest first, to both replicas.
    const events = [...stripe.events].reverse();
    for (const event of events) {
      for (const r of replicas) await stripe.redeliver(event.id, { url: `${r.url}/v1/stripe/webhook` });
    }
    const lost = stripe.deliveries.filter((d) => d.status !== 200).length;
    console.info(`stripe: ${events.length} events, ${lost} deliveries failed while a replica was down`);
    const failed = stripe.deliveries.slice(-events.length * 2).filter((d) => d.status !== 200);
    expect(failed.map((d) => `${d.eventId} ${d.status} ${d.body}`)).toEqual([]);

    const { rows } = await database.db.query<{
      id: string;
      status: string;
      amount_micros: string;
      tax_micros: string;
    }>('SELECT id, status, amount_micros, tax_micros FROM topups WHERE workspace_id = ANY($1::text[])', [
      tenants.map((t) => t.id),
    ]);
    const topups = new Map(rows.map((r) => [r.id, r]));
    const paid = stripe.listPaymentIntents().filter((pi) => pi.status === 'succeeded');
    expect(paid.length).toBeGreaterThanOrEqual(book.topups.size + tenants.length);
    for (const pi of paid) {
      const topup = topups.get(pi.metadata.topupId ?? '');
      expect(topup?.status, `payment ${pi.id} for top-up ${pi.metadata.topupId}`).toBe('succeeded');
      // The card was charged amount + tax, in cents; the ledger credits the amount.
      expect(pi.amount * 10_000).toBe(Number(topup?.amount_micros) + Number(topup?.tax_micros));
    }
    const paidTopups = new Set(paid.map((pi) => pi.metadata.topupId));
    for (const topup of rows) {
      if (topup.status === 'succeeded')
        expect(paidTopups.has(topup.id), `credited ${topup.id} without payment`).toBe(true);
    }
    // One PaymentIntent per top-up: a retried request never charged the card a second time.
    const perTopup = new Map<string, number>();
    for (const pi of stripe.listPaymentIntents()) {
      const id = pi.metadata.topupId ?? '';
      perTopup.set(id, (perTopup.get(id) ?? 0) + 1);
    }
    expect([...perTopup.values()].every((n) => n === 1)).toBe(true);
  }, 120_000);

  it('sweeps every hold past its TTL after the restarts, and the whole ledger adds up', async () => {
    const now = Date.parse((await platform.testClock.advance(2 * 3_600)).now);
    await eventually(
      async () =>
        Number(
          (
            (
              await database.db.query(
                "SELECT count(*) AS n FROM reservations WHERE status = 'held' AND expires_at <= $1",
                [now],
              )
            ).rows[0] as { n: string }
          ).n,
        ),
      (n) => n === 0,
      30_000,
    );
    await expectLedgerInvariants(database.db, { now, holdsSwept: true });
  }, 60_000);
});
