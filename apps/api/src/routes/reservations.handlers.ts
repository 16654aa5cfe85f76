import type * as C from '@aicredits/contract';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { guardMember, workspaceAccess } from '../auth.js';
import type { AppEnv } from '../context.js';
import type { Queryable } from '../db/db.js';
import { ApiError } from '../errors.js';
import { idempotencySpec } from '../idempotency.js';
import {
  captureOp,
  chargeOp,
  extendOp,
  newChargeId,
  newReservationId,
  reserveOp,
  voidOp,
} from '../money/ops.js';
import { serializeCharge, serializeReservation } from '../store/records.js';
import { loadState } from '../store/state.js';
import { assertMember } from './balance.handlers.js';
import * as routes from './reservations.routes.js';
import { bodyOf } from './respond.js';

/**
 * The guard's hot path. Validation, auth and the member check happen before the operation joins
 * its workspace's group-commit queue; the money change itself is one batched transaction.
 * Server and platform keys act for any member; a member token only for its own member, and
 * another member's reservation or charge is "not found" to it, so ids do not leak.
 */
export function registerReservationRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(routes.createReservation, async (c) => {
    const { ws } = c.req.valid('param');
    const body = c.req.valid('json');
    const memberId = await actingMember(c, ws, body.memberId);
    const services = c.get('services');
    const op = reserveOp(
      {
        reservationId: body.reservationId ?? newReservationId(),
        memberId,
        feature: body.feature,
        ...(body.estimateMicros === undefined ? {} : { estimateMicros: body.estimateMicros }),
        ...(body.usageEstimate === undefined ? {} : { usageEstimate: body.usageEstimate }),
        ttlSeconds: body.ttlSeconds,
        taskKind: body.taskKind ?? null,
      },
      // The member is part of the request: two members' keys never replay each other's work.
      idempotencySpec(c, { ...body, memberId: memberId ?? undefined }),
    );
    const result = await services.queue.submit(ws, op);
    return c.json(bodyOf<C.Reservation>(c, result), 201);
  });

  app.openapi(routes.getReservation, async (c) => {
    const { ws, id } = c.req.valid('param');
    const own = guardMember(await workspaceAccess(c, ws));
    const services = c.get('services');
    const now = services.clock.now();
    const { state } = await loadState(services.db, ws, now, { refs: { reservationIds: [id] } });
    const reservation = state.reservations.find((r) => r.id === id);
    if (reservation === undefined || (own !== null && reservation.memberId !== own))
      throw new ApiError('not_found', `Reservation "${id}" was not found.`);
    return c.json(serializeReservation(reservation, now), 200);
  });

  app.openapi(routes.extendReservation, async (c) => {
    const { ws, id } = c.req.valid('param');
    await ownReservation(c, ws, id);
    const body = c.req.valid('json');
    const op = extendOp(
      {
        reservationId: id,
        additionalMicros: body.additionalMicros,
        ...(body.ttlSeconds === undefined ? {} : { ttlSeconds: body.ttlSeconds }),
      },
      idempotencySpec(c, body),
    );
    const result = await c.get('services').queue.submit(ws, op);
    return c.json(bodyOf<C.Reservation>(c, result), 200);
  });

  app.openapi(routes.captureReservation, async (c) => {
    const { ws, id } = c.req.valid('param');
    await ownReservation(c, ws, id);
    const body = c.req.valid('json');
    const op = captureOp(
      {
        reservationId: id,
        // Without a caller id the charge id derives from the reservation: one capture per hold.
        chargeId: body.chargeId ?? `ch_${id}`,
        ...(body.amountMicros === undefined ? {} : { amountMicros: body.amountMicros }),
        ...(body.usage === undefined ? {} : { usage: body.usage }),
        outcome: body.outcome,
      },
      idempotencySpec(c, body),
    );
    const result = await c.get('services').queue.submit(ws, op);
    return c.json(bodyOf<C.CaptureResponse>(c, result), 200);
  });

  app.openapi(routes.voidReservation, async (c) => {
    const { ws, id } = c.req.valid('param');
    await ownReservation(c, ws, id);
    const result = await c
      .get('services')
      .queue.submit(ws, voidOp({ reservationId: id }, idempotencySpec(c, {})));
    return c.json(bodyOf<C.Reservation>(c, result), 200);
  });

  app.openapi(routes.createCharge, async (c) => {
    const { ws } = c.req.valid('param');
    const body = c.req.valid('json');
    const memberId = await actingMember(c, ws, body.memberId);
    const services = c.get('services');
    const op = chargeOp(
      {
        chargeId: body.chargeId ?? newChargeId(),
        memberId,
        feature: body.feature,
        ...(body.amountMicros === undefined ? {} : { amountMicros: body.amountMicros }),
        ...(body.usage === undefined ? {} : { usage: body.usage }),
        outcome: body.outcome,
        taskKind: body.taskKind ?? null,
      },
      // The member is part of the request: two members' keys never replay each other's work.
      idempotencySpec(c, { ...body, memberId: memberId ?? undefined }),
    );
    const result = await services.queue.submit(ws, op);
    return c.json(bodyOf<C.Charge>(c, result), 201);
  });

  app.openapi(routes.getCharge, async (c) => {
    const { ws, id } = c.req.valid('param');
    const own = guardMember(await workspaceAccess(c, ws));
    const services = c.get('services');
    const now = services.clock.now();
    const { state } = await loadState(services.db, ws, now, { refs: { chargeIds: [id] } });
    const charge = state.charges?.find((ch) => ch.id === id);
    if (charge === undefined || (own !== null && charge.memberId !== own))
      throw new ApiError('not_found', `Charge "${id}" was not found.`);
    return c.json(serializeCharge(charge), 200);
  });
}

/**
 * The member new work is for: a member token's own member (the body may repeat it, not name
 * another); for server and platform keys the body's member, or none.
 */
async function actingMember(
  c: Context<AppEnv>,
  ws: string,
  requested: string | undefined,
): Promise<string | null> {
  const own = guardMember(await workspaceAccess(c, ws));
  if (own !== null) {
    if (requested !== undefined && requested !== own) {
      throw new ApiError('forbidden', 'A member token reserves and charges only for its own member.', {
        memberId: own,
      });
    }
    return own;
  }
  if (requested !== undefined) await assertMember(c.get('services').db, ws, requested);
  return requested ?? null;
}

/** A member token may act only on its own member's reservations; others are "not found". */
async function ownReservation(c: Context<AppEnv>, ws: string, id: string): Promise<void> {
  const own = guardMember(await workspaceAccess(c, ws));
  if (own === null) return;
  if ((await reservationMember(c.get('services').db, ws, id)) !== own) {
    throw new ApiError('not_found', `Reservation "${id}" was not found.`);
  }
}

/** The reservation's member: null for workspace-level work, undefined when there is none. */
async function reservationMember(q: Queryable, ws: string, id: string): Promise<string | null | undefined> {
  const { rows } = await q.query<{ member_id: string | null }>(
    'SELECT member_id FROM reservations WHERE workspace_id = $1 AND id = $2',
    [ws, id],
  );
  return rows[0] === undefined ? undefined : rows[0].member_id;
}
