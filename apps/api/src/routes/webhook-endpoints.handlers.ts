import { randomBytes } from 'node:crypto';
import type * as C from '@aicredits/contract';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { requireAdmin, workspaceAccess } from '../auth.js';
import type { AppEnv } from '../context.js';
import { toSafeInt } from '../db/db.js';
import { jsonParam } from '../db/sql.js';
import { ApiError } from '../errors.js';
import { withIdempotency } from '../idempotency.js';
import { randomId } from '../keys.js';
import { iso } from '../store/records.js';
import { loadWorkspace } from '../store/state.js';
import { createdCursor, pageOf, parseCreatedCursor } from './paging.js';
import { bodyOf } from './respond.js';
import * as routes from './webhook-endpoints.routes.js';

const MAX_ENDPOINTS = 20;

export function registerWebhookEndpointRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(routes.createWebhookEndpoint, async (c) => {
    const { ws } = c.req.valid('param');
    requireAdmin(await workspaceAccess(c, ws));
    const body = c.req.valid('json');
    const services = c.get('services');
    const result = await withIdempotency(c, `ws:${ws}`, body, async (tx) => {
      const w = await loadWorkspace(tx, ws, true);
      if (w.deletedAt !== null) throw new ApiError('workspace_deleted', 'This workspace was deleted.');
      const count = await tx.query<{ n: string }>(
        'SELECT COUNT(*) AS n FROM webhook_endpoints WHERE workspace_id = $1 AND deleted_at IS NULL',
        [ws],
      );
      if (toSafeInt(count.rows[0]?.n ?? 0, 'count') >= MAX_ENDPOINTS) {
        throw new ApiError(
          'rule_violation',
          `A workspace may have at most ${MAX_ENDPOINTS} webhook endpoints.`,
        );
      }
      const id = randomId('we');
      const secret = `whsec_${randomBytes(24).toString('base64url')}`;
      const now = services.clock.now();
      const events = [...new Set(body.events)];
      await tx.query(
        `INSERT INTO webhook_endpoints (id, workspace_id, url, events, description, secret, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [id, ws, body.url, jsonParam(events), body.description ?? null, secret, now],
      );
      const created: C.CreatedWebhookEndpoint = {
        id,
        workspaceId: ws,
        url: body.url,
        events,
        description: body.description ?? null,
        enabled: true,
        createdAt: iso(now),
        secret,
      };
      return { status: 201, body: created };
    });
    return c.json(bodyOf<C.CreatedWebhookEndpoint>(c, result), 201);
  });

  app.openapi(routes.listWebhookEndpoints, async (c) => {
    const { ws } = c.req.valid('param');
    requireAdmin(await workspaceAccess(c, ws));
    const { cursor, limit } = c.req.valid('query');
    const after = cursor === undefined ? null : parseCreatedCursor(cursor);
    const { rows } = await c.get('services').db.query(
      after === null
        ? 'SELECT * FROM webhook_endpoints WHERE workspace_id = $1 AND deleted_at IS NULL ORDER BY created_at, id LIMIT $2'
        : `SELECT * FROM webhook_endpoints WHERE workspace_id = $1 AND deleted_at IS NULL
             AND (created_at, id) > ($3, $4) ORDER BY created_at, id LIMIT $2`,
      after === null ? [ws, limit + 1] : [ws, limit + 1, after.createdAt, after.id],
    );
    const page = pageOf(rows, limit, (r) =>
      createdCursor(toSafeInt(r.created_at, 'created_at'), String(r.id)),
    );
    return c.json({ data: page.data.map(endpointFromRow), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(routes.deleteWebhookEndpoint, async (c) => {
    const { ws, id } = c.req.valid('param');
    requireAdmin(await workspaceAccess(c, ws));
    const services = c.get('services');
    const result = await withIdempotency(c, `ws:${ws}`, { id }, async (tx) => {
      const { rows } = await tx.query(
        `UPDATE webhook_endpoints SET enabled = false, deleted_at = COALESCE(deleted_at, $3)
         WHERE workspace_id = $1 AND id = $2 RETURNING *`,
        [ws, id, services.clock.now()],
      );
      if (rows[0] === undefined) throw new ApiError('not_found', `Webhook endpoint "${id}" was not found.`);
      return { status: 200, body: endpointFromRow(rows[0]) };
    });
    return c.json(bodyOf<C.WebhookEndpoint>(c, result), 200);
  });
}

function endpointFromRow(r: Record<string, unknown>): C.WebhookEndpoint {
  const events = typeof r.events === 'string' ? JSON.parse(r.events) : r.events;
  return {
    id: String(r.id),
    workspaceId: String(r.workspace_id),
    url: String(r.url),
    events: events as C.WebhookEndpoint['events'],
    description: r.description === null ? null : String(r.description),
    enabled: r.enabled === true,
    createdAt: iso(toSafeInt(r.created_at, 'created_at')),
  };
}
