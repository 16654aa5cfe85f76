import type * as C from '@aicredits/contract';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { requireAdmin, workspaceAccess } from '../auth.js';
import type { AppEnv } from '../context.js';
import { toSafeInt, toSafeIntOrNull } from '../db/db.js';
import { ApiError } from '../errors.js';
import { withIdempotency } from '../idempotency.js';
import { generateApiKey, randomId } from '../keys.js';
import { grantSeatOp, seatGrant } from '../money/ops.js';
import { iso, isoOrNull, memberFromRow, serializeMember } from '../store/records.js';
import { loadState, loadWorkspace } from '../store/state.js';
import * as routes from './members.routes.js';
import { createdCursor, pageOf, parseCreatedCursor } from './paging.js';
import { bodyOf } from './respond.js';

export function registerMemberRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(routes.upsertMember, async (c) => {
    const { ws, memberId } = c.req.valid('param');
    const access = await workspaceAccess(c, ws);
    requireAdmin(access);
    const body = c.req.valid('json');
    const services = c.get('services');
    // Only owners (or the platform) can create owners or change an owner's role.
    const result = await withIdempotency(c, `ws:${ws}`, body, async (tx) => {
      const w = await loadWorkspace(tx, ws);
      if (w.deletedAt !== null) throw new ApiError('workspace_deleted', 'This workspace was deleted.');
      const now = services.clock.now();
      const existing = await tx.query(
        'SELECT * FROM members WHERE workspace_id = $1 AND id = $2 FOR UPDATE',
        [ws, memberId],
      );
      const prior = existing.rows[0] === undefined ? null : memberFromRow(existing.rows[0]);
      const isOwnerChange = body.role === 'owner' || prior?.role === 'owner';
      if (isOwnerChange && access.principal.type !== 'platform' && access.role !== 'owner') {
        throw new ApiError('forbidden', 'Only owners can make someone an owner or change an owner.', {
          requiredRole: 'owner',
        });
      }
      const seat =
        body.seat ??
        (prior === null ? { paid: false, active: true } : { paid: prior.seatPaid, active: prior.seatActive });
      // The seat's credits for this period are granted once this commits, through the money path.
      // A grant the ledger would refuse refuses the change here, before anything is written.
      if (seat.paid && seat.active) {
        const { workspace, state } = await loadState(tx, ws, now);
        seatGrant(workspace, state, { memberId, ...seat }, now);
      }
      const { rows } = await tx.query(
        `INSERT INTO members (workspace_id, id, role, seat_paid, seat_active, name, email, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
         ON CONFLICT (workspace_id, id) DO UPDATE SET role = EXCLUDED.role, seat_paid = EXCLUDED.seat_paid,
           seat_active = EXCLUDED.seat_active, name = EXCLUDED.name, email = EXCLUDED.email,
           updated_at = EXCLUDED.updated_at
         RETURNING *`,
        [
          ws,
          memberId,
          body.role,
          seat.paid,
          seat.active,
          body.name === undefined ? (prior?.name ?? null) : body.name,
          body.email === undefined ? (prior?.email ?? null) : body.email,
          now,
        ],
      );
      const row = rows[0];
      if (row === undefined) throw new Error('member upsert returned no row');
      return { status: 200, body: serializeMember(memberFromRow(row)) };
    });
    const member = bodyOf<C.Member>(c, result);
    // A seat that becomes active and paid mid-period gets this period's credits right away.
    if (member.seat.paid && member.seat.active) {
      await services.queue.submit(ws, grantSeatOp({ memberId, paid: true, active: true }));
    }
    return c.json(member, 200);
  });

  app.openapi(routes.getMember, async (c) => {
    const { ws, memberId } = c.req.valid('param');
    const access = await workspaceAccess(c, ws);
    if (!(access.principal.type === 'member' && access.principal.memberId === memberId)) requireAdmin(access);
    const { rows } = await c
      .get('services')
      .db.query('SELECT * FROM members WHERE workspace_id = $1 AND id = $2', [ws, memberId]);
    if (rows[0] === undefined) throw new ApiError('not_found', `Member "${memberId}" was not found.`);
    return c.json(serializeMember(memberFromRow(rows[0])), 200);
  });

  app.openapi(routes.listMembers, async (c) => {
    const { ws } = c.req.valid('param');
    requireAdmin(await workspaceAccess(c, ws));
    const { cursor, limit } = c.req.valid('query');
    const { rows } = await c
      .get('services')
      .db.query(
        cursor === undefined
          ? 'SELECT * FROM members WHERE workspace_id = $1 ORDER BY id LIMIT $2'
          : 'SELECT * FROM members WHERE workspace_id = $1 AND id > $3 ORDER BY id LIMIT $2',
        cursor === undefined ? [ws, limit + 1] : [ws, limit + 1, cursor],
      );
    const members = rows.map((r) => serializeMember(memberFromRow(r)));
    return c.json(
      pageOf(members, limit, (m) => m.id),
      200,
    );
  });

  app.openapi(routes.createApiKey, async (c) => {
    const { ws } = c.req.valid('param');
    requireAdmin(await workspaceAccess(c, ws));
    const body = c.req.valid('json');
    const services = c.get('services');
    const result = await withIdempotency(c, `ws:${ws}`, body, async (tx) => {
      const w = await loadWorkspace(tx, ws);
      if (w.deletedAt !== null) throw new ApiError('workspace_deleted', 'This workspace was deleted.');
      if (body.memberId !== undefined) {
        const m = await tx.query('SELECT 1 FROM members WHERE workspace_id = $1 AND id = $2', [
          ws,
          body.memberId,
        ]);
        if (m.rows.length === 0) throw new ApiError('not_found', `Member "${body.memberId}" was not found.`);
      }
      const key = generateApiKey(body.type);
      const id = randomId('key');
      const now = services.clock.now();
      await tx.query(
        `INSERT INTO api_keys (id, lookup, secret_hash, type, workspace_id, member_id, name, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [id, key.lookup, key.hash, body.type, ws, body.memberId ?? null, body.name ?? null, now],
      );
      const created: C.CreatedApiKey = {
        id,
        type: body.type,
        workspaceId: ws,
        memberId: body.memberId ?? null,
        name: body.name ?? null,
        prefix: key.prefix,
        createdAt: iso(now),
        revokedAt: null,
        secret: key.secret,
      };
      return { status: 201, body: created };
    });
    return c.json(bodyOf<C.CreatedApiKey>(c, result), 201);
  });

  app.openapi(routes.listApiKeys, async (c) => {
    const { ws } = c.req.valid('param');
    requireAdmin(await workspaceAccess(c, ws));
    const { cursor, limit } = c.req.valid('query');
    const after = cursor === undefined ? null : parseCreatedCursor(cursor);
    const { rows } = await c
      .get('services')
      .db.query(
        after === null
          ? 'SELECT * FROM api_keys WHERE workspace_id = $1 ORDER BY created_at, id LIMIT $2'
          : 'SELECT * FROM api_keys WHERE workspace_id = $1 AND (created_at, id) > ($3, $4) ORDER BY created_at, id LIMIT $2',
        after === null ? [ws, limit + 1] : [ws, limit + 1, after.createdAt, after.id],
      );
    const page = pageOf(rows, limit, (r) =>
      createdCursor(toSafeInt(r.created_at, 'created_at'), String(r.id)),
    );
    return c.json({ data: page.data.map(apiKeyFromRow), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(routes.revokeApiKey, async (c) => {
    const { ws, keyId } = c.req.valid('param');
    requireAdmin(await workspaceAccess(c, ws));
    const services = c.get('services');
    const result = await withIdempotency(c, `ws:${ws}`, { keyId }, async (tx) => {
      const { rows } = await tx.query(
        `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3) WHERE workspace_id = $1 AND id = $2 RETURNING *`,
        [ws, keyId, services.clock.now()],
      );
      if (rows[0] === undefined) throw new ApiError('not_found', `API key "${keyId}" was not found.`);
      return { status: 200, body: apiKeyFromRow(rows[0]) };
    });
    services.forgetKey(keyId);
    return c.json(bodyOf<C.ApiKey>(c, result), 200);
  });
}

function apiKeyFromRow(r: Record<string, unknown>): C.ApiKey {
  const type = String(r.type) as C.ApiKeyType;
  return {
    id: String(r.id),
    type,
    workspaceId: r.workspace_id === null ? null : String(r.workspace_id),
    memberId: r.member_id === null ? null : String(r.member_id),
    name: r.name === null ? null : String(r.name),
    prefix: `ak_${type}_${String(r.lookup).slice(0, 6)}`,
    createdAt: iso(toSafeInt(r.created_at, 'created_at')),
    revokedAt: isoOrNull(toSafeIntOrNull(r.revoked_at, 'revoked_at')),
  };
}
