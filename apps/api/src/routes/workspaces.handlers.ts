import type * as C from '@aicredits/contract';
import { billingPeriodAt, deletionPreview as previewDeletion } from '@aicredits/ledger';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  requireAdmin,
  requireBillingAccess,
  requireOwner,
  requirePlatform,
  workspaceAccess,
} from '../auth.js';
import type { AppEnv } from '../context.js';
import { jsonParam } from '../db/sql.js';
import { ApiError } from '../errors.js';
import { idempotencySpec, withIdempotency } from '../idempotency.js';
import { randomId } from '../keys.js';
import { deleteWorkspaceOp, updateSettingsOp } from '../money/ops.js';
import { PaymentError } from '../payments/index.js';
import {
  EMPTY_ALERT_STATE,
  iso,
  serializeWorkspace,
  type WorkspaceRecord,
  workspaceFromRow,
} from '../store/records.js';
import { loadState, loadWorkspace } from '../store/state.js';
import { bodyOf } from './respond.js';
import * as routes from './workspaces.routes.js';

/** The overshoot bound new workspaces start with (SPEC §5; see README): $5 or 5 credits. */
export const DEFAULT_MAX_DEFICIT_MICROS = 5_000_000;

export function registerWorkspaceRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(routes.createWorkspace, async (c) => {
    requirePlatform(c);
    const body = c.req.valid('json');
    const services = c.get('services');
    const result = await withIdempotency(c, 'platform', body, async (tx) => {
      const now = services.clock.now();
      const id = body.id ?? randomId('ws');
      const anchor = body.billingAnchor === undefined ? now : Date.parse(body.billingAnchor);
      const s = body.settings ?? {};
      const thresholds = s.lowBalanceThresholdsMicros ?? [];
      const selfHosted = body.hosting === 'self_hosted';
      // A new workspace has no funds: its alerts start fired, so the first ones are recoveries.
      const alertState = selfHosted
        ? EMPTY_ALERT_STATE
        : { ...EMPTY_ALERT_STATE, low: [...thresholds], depleted: true };
      const period = billingPeriodAt(anchor, now);
      const inserted = await tx.query(
        `INSERT INTO workspaces (id, name, plan, unit, hosting, enterprise, overage_enabled, overage_cap_micros,
           seat_pooling, pinned_model, low_balance_thresholds_micros, expiry_warning_days, included_micros_per_seat,
           max_deficit_micros, billing_anchor, overage_period_start, alert_state, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
         ON CONFLICT (id) DO NOTHING RETURNING *`,
        [
          id,
          body.name,
          body.plan,
          body.unit,
          body.hosting,
          body.enterprise,
          s.overage?.enabled ?? false,
          s.overage?.monthlyCapMicros ?? null,
          s.seatPooling ?? false,
          s.pinnedModel ?? null,
          jsonParam(thresholds),
          jsonParam(s.expiryWarningDays ?? [30, 7]),
          s.includedMicrosPerSeat ?? 0,
          s.maxDeficitMicros ?? DEFAULT_MAX_DEFICIT_MICROS,
          anchor,
          period.start,
          jsonParam(alertState),
          now,
        ],
      );
      const row = inserted.rows[0];
      if (row === undefined) throw new ApiError('conflict', `A workspace with id "${id}" already exists.`);
      if (s.pinnedModel !== undefined && s.pinnedModel !== null) {
        const table = await services.priceTable(now);
        if (!table.models.some((m) => m.model === s.pinnedModel)) {
          throw new ApiError('unknown_model', `Model "${s.pinnedModel}" is not in the price table.`, {
            models: table.models.map((m) => m.model),
          });
        }
      }
      return { status: 201, body: serializeWorkspace(workspaceFromRow(row), period) };
    });
    return c.json(bodyOf<C.Workspace>(c, result), 201);
  });

  app.openapi(routes.getWorkspace, async (c) => {
    const { ws } = c.req.valid('param');
    await workspaceAccess(c, ws);
    const services = c.get('services');
    const w = await loadWorkspace(services.db, ws);
    return c.json(present(w, services.clock.now()), 200);
  });

  app.openapi(routes.updateSettings, async (c) => {
    const { ws } = c.req.valid('param');
    const access = await workspaceAccess(c, ws);
    requireAdmin(access);
    const body = c.req.valid('json');
    const planTerms = ['includedMicrosPerSeat', 'maxDeficitMicros', 'plan', 'enterprise'] as const;
    const touched = planTerms.filter((k) => body[k] !== undefined);
    if (touched.length > 0 && access.principal.type !== 'platform') {
      throw new ApiError('forbidden', `Only the platform key may change plan terms (${touched.join(', ')}).`);
    }
    const result = await c
      .get('services')
      .queue.submit(ws, updateSettingsOp(stripUndefined(body), idempotencySpec(c, body)));
    return c.json(bodyOf<C.Workspace>(c, result), 200);
  });

  app.openapi(routes.deletionPreview, async (c) => {
    const { ws } = c.req.valid('param');
    requireOwner(await workspaceAccess(c, ws));
    const services = c.get('services');
    const now = services.clock.now();
    const { state } = await loadState(services.db, ws, now);
    const preview = previewDeletion(state, now);
    const byKind = { promotional: 0, included: 0, support: 0, purchased: 0 };
    for (const lot of preview.lots) byKind[lot.kind] += lot.remainingMicros;
    const body: C.DeletionPreview = {
      workspaceId: ws,
      lots: preview.lots.map((lot) => ({
        lotId: lot.id,
        kind: lot.kind,
        scope: lot.scope,
        remainingMicros: lot.remainingMicros,
        expiresAt: lot.expiresAt === null ? null : iso(lot.expiresAt),
      })),
      forfeitedMicros: preview.totalMicros,
      byKind,
      deficitMicros: state.deficitMicros,
      heldReservations: state.reservations.filter((r) => r.status === 'held' && r.expiresAt > now).length,
      confirm: ws,
      asOf: iso(now),
    };
    return c.json(body, 200);
  });

  app.openapi(routes.deleteWorkspace, async (c) => {
    const { ws } = c.req.valid('param');
    requireOwner(await workspaceAccess(c, ws));
    const { confirm } = c.req.valid('query');
    if (confirm !== ws) {
      throw new ApiError(
        'confirmation_required',
        `Deleting a workspace forfeits every remaining balance and cannot be undone; repeat the call with ?confirm=${ws} after reviewing GET /v1/workspaces/${ws}/deletion-preview.`,
      );
    }
    const result = await c
      .get('services')
      .queue.submit(ws, deleteWorkspaceOp(idempotencySpec(c, { confirm })));
    return c.json(bodyOf<C.DeletedWorkspace>(c, result), 200);
  });

  app.openapi(routes.getBilling, async (c) => {
    const { ws } = c.req.valid('param');
    const access = await workspaceAccess(c, ws);
    const services = c.get('services');
    const w = await loadWorkspace(services.db, ws);
    requireBillingAccess(access, w.enterprise);
    return c.json(await withCard(c, billingOf(c, w)), 200);
  });

  app.openapi(routes.putBilling, async (c) => {
    const { ws } = c.req.valid('param');
    const access = await workspaceAccess(c, ws);
    const body = c.req.valid('json');
    const services = c.get('services');
    const current = await loadWorkspace(services.db, ws);
    requireBillingAccess(access, current.enterprise);
    if (current.deletedAt !== null) throw new ApiError('workspace_deleted', 'This workspace was deleted.');
    // With Stripe, the workspace's customer exists from here on, so the client can attach the
    // AI-credits card to it (cards are saved on a customer) and tax follows the address.
    let customerId = current.billing.customerId;
    if (services.payments.mode === 'stripe') {
      customerId = await services.payments.ensureCustomer({
        workspaceId: ws,
        name: body.name ?? current.billing.name ?? current.name,
        customerId,
        address: body.address === undefined ? current.billing.address : body.address,
      });
    }
    const result = await withIdempotency(c, `ws:${ws}`, body, async (tx) => {
      const w = await loadWorkspace(tx, ws, true);
      const address = body.address === undefined ? w.billing.address : body.address;
      const paymentMethodId =
        body.paymentMethodId === undefined ? w.billing.paymentMethodId : body.paymentMethodId;
      const name = body.name ?? w.billing.name;
      await tx.query(
        `UPDATE workspaces SET billing_address = $2, payment_method_id = $3, billing_name = $4, customer_id = $5
         WHERE id = $1`,
        [ws, address === null ? null : jsonParam(address), paymentMethodId, name, customerId],
      );
      const updated: WorkspaceRecord = {
        ...w,
        billing: { ...w.billing, address, paymentMethodId, name, customerId },
      };
      return { status: 200, body: billingOf(c, updated) };
    });
    // The card is described after the transaction (a Stripe call must not hold it open) and again
    // on a replay, so the answer shows the card as Stripe has it now.
    return c.json(await withCard(c, bodyOf<Omit<C.Billing, 'card'>>(c, result)), 200);
  });
}

export function present(w: WorkspaceRecord, now: number): C.Workspace {
  return serializeWorkspace(w, billingPeriodAt(w.billingAnchor, now));
}

function billingOf(c: Context<AppEnv>, w: WorkspaceRecord): Omit<C.Billing, 'card'> {
  const { config, payments } = c.get('services');
  return {
    workspaceId: w.id,
    mode: payments.mode,
    address: w.billing.address,
    paymentMethodId: w.billing.paymentMethodId,
    customerId: w.billing.customerId,
    name: w.billing.name ?? w.name,
    topupLimits: { minMicros: config.topupMinMicros, maxMicros: config.topupMaxMicros },
    billingAccess: w.enterprise ? 'owners' : 'admins_and_owners',
  };
}

/** Adds the saved card's details; the card is only shown, so a Stripe outage leaves it out rather than failing. */
async function withCard(c: Context<AppEnv>, billing: Omit<C.Billing, 'card'>): Promise<C.Billing> {
  const { payments, logger } = c.get('services');
  const { paymentMethodId } = billing;
  if (paymentMethodId === null) return { ...billing, card: null };
  try {
    return { ...billing, card: await payments.describePaymentMethod(paymentMethodId) };
  } catch (error) {
    if (!(error instanceof PaymentError)) throw error;
    logger.warn({ err: error, paymentMethodId }, 'saved card could not be described');
    return { ...billing, card: null };
  }
}

function stripUndefined<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
