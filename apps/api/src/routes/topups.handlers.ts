import { createHash } from 'node:crypto';
import type * as C from '@aicredits/contract';
import { MICROS_PER_CENT } from '@aicredits/contract';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { requireBillingAccess, workspaceAccess } from '../auth.js';
import type { AppEnv, Services } from '../context.js';
import { toSafeInt } from '../db/db.js';
import { ApiError } from '../errors.js';
import { idempotencySpec, markReplay } from '../idempotency.js';
import { randomId } from '../keys.js';
import type { OpResult } from '../money/batch.js';
import { creditTopupOp, failTopupOp, pendingTopupOp } from '../money/ops.js';
import { PaymentError, PaymentWebhookError, type TopupPaymentResult } from '../payments/index.js';
import { serializeTopup, type TopupRecord, topupFromRow } from '../store/records.js';
import { loadWorkspace } from '../store/state.js';
import * as routes from './topups.routes.js';

/**
 * Top-ups (SPEC §7). The top-up is stored `pending` first; the card is charged outside any
 * workspace transaction (a slow payment must not hold the balance lock); funds are credited
 * only on success, exactly once, by the guarded `pending → succeeded` transition.
 */
export function registerTopupRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(routes.createTopup, async (c) => {
    const { ws } = c.req.valid('param');
    const access = await workspaceAccess(c, ws);
    const body = c.req.valid('json');
    const services = c.get('services');
    const workspace = await loadWorkspace(services.db, ws);
    requireBillingAccess(access, workspace.enterprise);
    if (workspace.deletedAt !== null) throw new ApiError('workspace_deleted', 'This workspace was deleted.');
    checkTopupAmount(services, body.amountMicros);
    const spec = idempotencySpec(c, body);
    if (spec !== null) {
      const prior = await services.db.query<{ fingerprint: string; status: number; response: unknown }>(
        'SELECT fingerprint, status, response FROM idempotency_keys WHERE scope = $1 AND key = $2',
        [`ws:${ws}`, spec.key],
      );
      const row = prior.rows[0];
      if (row !== undefined) {
        if (row.fingerprint !== spec.fingerprint) {
          throw new ApiError(
            'idempotency_mismatch',
            `Idempotency-Key "${spec.key}" was already used with a different request.`,
          );
        }
        markReplay(c, { status: row.status, body: row.response, replayed: true });
        const stored = typeof row.response === 'string' ? JSON.parse(row.response) : row.response;
        return c.json(stored as C.Topup, 201);
      }
    }
    // With a key, the top-up id derives from it, so a retried request continues the same top-up
    // (and Stripe sees the same idempotency key) instead of charging the card twice.
    const topupId =
      spec === null
        ? randomId('tu')
        : `tu_${createHash('sha256').update(`${ws}|${spec.key}`).digest('hex').slice(0, 24)}`;
    const stripeMode = services.payments.mode === 'stripe';
    const paymentMethodId = body.paymentMethodId ?? workspace.billing.paymentMethodId;
    if (stripeMode && paymentMethodId === null) {
      throw new ApiError(
        'payment_method_required',
        `Save a card for AI credits first (PUT /v1/workspaces/${ws}/billing with paymentMethodId), or pass paymentMethodId.`,
      );
    }
    const address = workspace.billing.address;
    const { taxMicros } = await payments(services, () =>
      services.payments.calculateTax({
        amountMicros: body.amountMicros,
        address,
        customerId: workspace.billing.customerId,
      }),
    );
    const customerId = await payments(services, () =>
      services.payments.ensureCustomer({
        workspaceId: ws,
        name: workspace.billing.name ?? workspace.name,
        customerId: workspace.billing.customerId,
        address,
      }),
    );
    if (customerId !== workspace.billing.customerId) {
      await services.db.query('UPDATE workspaces SET customer_id = $2 WHERE id = $1', [ws, customerId]);
    }
    const now = services.clock.now();
    await services.db.query(
      `INSERT INTO topups (id, workspace_id, amount_micros, tax_micros, status, paid, test_funds, payment_method_id, created_at)
       VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
      [topupId, ws, body.amountMicros, taxMicros, stripeMode, !stripeMode, paymentMethodId, now],
    );
    const existing = await readTopup(services, ws, topupId);
    if (existing.status === 'failed') throw paymentFailed(existing);
    // The Stripe webhook can credit a top-up while the request that charged it is still creating
    // its invoice. A retry with the same key that answered from the row then would say
    // `invoiceId: null` and store that answer under the key, which the first request would replay
    // too. So a credited top-up without its invoice replays the charge instead: Stripe's
    // idempotency keys return the same PaymentIntent and the same invoice.
    if (existing.status === 'succeeded' && (existing.invoiceId !== null || !stripeMode)) {
      const result = await services.queue.submit(
        ws,
        creditTopupOp({ topupId, paymentIntentId: null, invoiceId: null }, spec),
      );
      return respond(c, result);
    }
    const payment: TopupPaymentResult = await payments(services, () =>
      services.payments.chargeTopup({
        topupId,
        workspaceId: ws,
        customerId,
        // A retry charges what the stored top-up says, so Stripe sees the same request again even
        // if the card or the address (and so the tax) changed in between.
        paymentMethodId: existing.paymentMethodId ?? paymentMethodId ?? 'pm_no_payment',
        amountMicros: existing.amountMicros,
        taxMicros: existing.taxMicros,
        idempotencyKey: topupId,
      }),
    );
    if (payment.status === 'succeeded') {
      const result = await services.queue.submit(
        ws,
        creditTopupOp(
          { topupId, paymentIntentId: payment.paymentIntentId, invoiceId: payment.invoiceId },
          spec,
        ),
      );
      return respond(c, result);
    }
    if (payment.status === 'processing') {
      const result = await services.queue.submit(
        ws,
        pendingTopupOp(
          { topupId, paymentIntentId: payment.paymentIntentId, invoiceId: payment.invoiceId },
          spec,
        ),
      );
      return respond(c, result);
    }
    // A decline is not stored under the idempotency key: the top-up row itself remembers it.
    const failed = await services.queue.submit(
      ws,
      failTopupOp(
        {
          topupId,
          paymentIntentId: payment.paymentIntentId,
          failureCode: payment.failureCode,
          failureMessage: payment.failureMessage,
        },
        null,
      ),
    );
    throw paymentFailed(failed.body as C.Topup);
  });

  app.openapi(routes.quoteTopup, async (c) => {
    const { ws } = c.req.valid('param');
    const access = await workspaceAccess(c, ws);
    const body = c.req.valid('json');
    const services = c.get('services');
    const workspace = await loadWorkspace(services.db, ws);
    requireBillingAccess(access, workspace.enterprise);
    if (workspace.deletedAt !== null) throw new ApiError('workspace_deleted', 'This workspace was deleted.');
    checkTopupAmount(services, body.amountMicros);
    const { address, customerId, paymentMethodId } = workspace.billing;
    const { taxMicros } = await payments(services, () =>
      services.payments.calculateTax({ amountMicros: body.amountMicros, address, customerId }),
    );
    const paymentMethod =
      paymentMethodId === null
        ? null
        : await payments(services, () => services.payments.describePaymentMethod(paymentMethodId));
    const quote: C.TopupQuote = {
      amountMicros: body.amountMicros,
      taxMicros,
      totalMicros: body.amountMicros + taxMicros,
      currency: 'usd',
      billingAddress: address,
      paymentMethod,
      testFunds: services.payments.mode === 'no_payment',
    };
    return c.json(quote, 200);
  });

  app.openapi(routes.listTopups, async (c) => {
    const { ws } = c.req.valid('param');
    const access = await workspaceAccess(c, ws);
    const services = c.get('services');
    const workspace = await loadWorkspace(services.db, ws);
    requireBillingAccess(access, workspace.enterprise);
    const { cursor, limit } = c.req.valid('query');
    const before = cursor === undefined ? null : decodeCursor(cursor);
    const { rows } = await services.db.query(
      before === null
        ? 'SELECT * FROM topups WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2'
        : `SELECT * FROM topups WHERE workspace_id = $1 AND (created_at, id) < ($3, $4)
           ORDER BY created_at DESC, id DESC LIMIT $2`,
      before === null ? [ws, limit + 1] : [ws, limit + 1, before.at, before.id],
    );
    const page = rows.slice(0, limit).map(topupFromRow);
    const last = page[page.length - 1];
    const nextCursor =
      rows.length > limit && last !== undefined ? encodeCursor(last.createdAt, last.id) : null;
    return c.json({ data: page.map(serializeTopup), nextCursor }, 200);
  });

  app.openapi(routes.getTopup, async (c) => {
    const { ws, id } = c.req.valid('param');
    const access = await workspaceAccess(c, ws);
    const services = c.get('services');
    const workspace = await loadWorkspace(services.db, ws);
    requireBillingAccess(access, workspace.enterprise);
    return c.json(serializeTopup(await readTopup(services, ws, id)), 200);
  });

  app.openapi(routes.stripeWebhook, async (c) => {
    const services = c.get('services');
    const raw = await c.req.text();
    let event: ReturnType<Services['payments']['parseWebhook']>;
    try {
      event = services.payments.parseWebhook(raw, c.req.header('stripe-signature'));
    } catch (error) {
      if (error instanceof PaymentWebhookError) {
        throw new ApiError(
          'webhook_signature_invalid',
          'The Stripe signature is missing or does not match.',
          {
            reason: error.code,
          },
        );
      }
      throw error;
    }
    if (event.type === 'topup.succeeded') {
      await services.queue.submit(
        event.workspaceId,
        creditTopupOp(
          { topupId: event.topupId, paymentIntentId: event.paymentIntentId, invoiceId: null },
          null,
        ),
      );
    } else if (event.type === 'topup.failed') {
      await services.queue.submit(
        event.workspaceId,
        failTopupOp(
          {
            topupId: event.topupId,
            paymentIntentId: event.paymentIntentId,
            failureCode: event.failureCode,
            failureMessage: event.failureMessage,
          },
          null,
        ),
      );
    }
    services.logger.info({ stripeEventId: event.eventId, type: event.type }, 'stripe webhook processed');
    return c.json({ received: true }, 200);
  });
}

/** Whole cents within the configured limits: the same rule for a quote as for the top-up itself. */
function checkTopupAmount(services: Services, amountMicros: number): void {
  const { topupMinMicros, topupMaxMicros } = services.config;
  if (amountMicros % MICROS_PER_CENT !== 0) {
    throw new ApiError(
      'invalid_amount',
      'Top-ups are whole US cents: amountMicros must be a multiple of 10,000.',
    );
  }
  if (amountMicros < topupMinMicros || amountMicros > topupMaxMicros) {
    throw new ApiError(
      'topup_amount_out_of_range',
      `A top-up must be between $${topupMinMicros / 1_000_000} and $${topupMaxMicros / 1_000_000}.`,
      { minMicros: topupMinMicros, maxMicros: topupMaxMicros },
    );
  }
}

function respond(c: Context<AppEnv>, result: OpResult) {
  markReplay(c, result);
  const topup = result.body as C.Topup;
  if (topup.status === 'failed') throw paymentFailed(topup);
  return c.json(topup, 201);
}

function paymentFailed(topup: TopupRecord | C.Topup): ApiError {
  const failure =
    'failure' in topup
      ? topup.failure
      : topup.failureCode === null
        ? null
        : { code: topup.failureCode, message: topup.failureMessage ?? '' };
  return new ApiError(
    'payment_failed',
    `The payment failed${failure === null ? '' : ` (${failure.message || failure.code})`}; nothing was credited. Try another card.`,
    { topupId: topup.id, failureCode: failure?.code ?? null },
  );
}

async function readTopup(services: Services, ws: string, id: string): Promise<TopupRecord> {
  const { rows } = await services.db.query('SELECT * FROM topups WHERE workspace_id = $1 AND id = $2', [
    ws,
    id,
  ]);
  if (rows[0] === undefined) throw new ApiError('not_found', `Top-up "${id}" was not found.`);
  return topupFromRow(rows[0]);
}

/** Provider outages become a retryable 503; the pending top-up is settled later by the webhook. */
async function payments<T>(services: Services, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof PaymentError) {
      services.logger.warn({ err: error }, 'payment provider call failed');
      if (error.code === 'invalid_amount') throw new ApiError('invalid_amount', error.message);
      throw new ApiError(
        'service_unavailable',
        'The payment provider is unavailable; retry with the same Idempotency-Key.',
        undefined,
        {
          retryAfterSeconds: 5,
        },
      );
    }
    throw error;
  }
}

export function encodeCursor(at: number, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

export function decodeCursor(cursor: string): { at: number; id: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[1] === 'string') {
      return { at: toSafeInt(parsed[0], 'cursor'), id: parsed[1] };
    }
  } catch {
    // fall through to the error below: a cursor is opaque and only ours are valid
  }
  throw new ApiError('invalid_request', 'The cursor is not valid; pass nextCursor from a previous page.');
}
