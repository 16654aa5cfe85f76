import type * as C from '@aicredits/contract';
import { balanceOf, canDraw, compareBurnOrder, type Lot, sortInBurnOrder } from '@aicredits/ledger';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { type Access, requirePlatform, workspaceAccess } from '../auth.js';
import type { AppEnv } from '../context.js';
import type { Queryable, SqlParam } from '../db/db.js';
import { ApiError } from '../errors.js';
import { idempotencySpec } from '../idempotency.js';
import { readLedger } from '../money/ledger-read.js';
import { grantLotOp, newLotId, sweepOp } from '../money/ops.js';
import { iso, lotFromRow, lotStatus, serializeLot, type WorkspaceRecord } from '../store/records.js';
import { loadState } from '../store/state.js';
import * as routes from './balance.routes.js';
import { invalidCursor, pageOf } from './paging.js';
import { bodyOf } from './respond.js';

const MS_PER_DAY = 86_400_000;

/** Members see only their own view; admins, server and platform keys may ask for any member. */
export function effectiveMember(access: Access, requested: string | undefined): string | undefined {
  if (access.principal.type !== 'member') return requested;
  if (access.role === 'member' && requested !== undefined && requested !== access.principal.memberId) {
    throw new ApiError('forbidden', 'Members can only see their own balance and usage.');
  }
  return requested ?? (access.role === 'member' ? access.principal.memberId : undefined);
}

export function seatGrantDue(w: WorkspaceRecord, periodStart: number): boolean {
  return (
    w.deletedAt === null &&
    w.hosting === 'cloud' &&
    w.settings.includedMicrosPerSeat > 0 &&
    w.seatsGrantedPeriod !== periodStart
  );
}

export async function assertMember(q: Queryable, ws: string, memberId: string): Promise<void> {
  const { rows } = await q.query('SELECT 1 FROM members WHERE workspace_id = $1 AND id = $2', [ws, memberId]);
  if (rows.length === 0) throw new ApiError('not_found', `Member "${memberId}" was not found.`);
}

export function registerBalanceRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(routes.getBalance, async (c) => {
    const { ws } = c.req.valid('param');
    const access = await workspaceAccess(c, ws);
    const query = c.req.valid('query');
    const memberId = effectiveMember(access, query.memberId);
    const services = c.get('services');
    if (memberId !== undefined) await assertMember(services.db, ws, memberId);
    const now = services.clock.now();
    // The most polled read (status bars, dashboards): answered from the remembered ledger when
    // it is still current.
    let { workspace, state } = await readLedger(services.db, services.queue, ws, now);
    if (seatGrantDue(workspace, state.period.start)) {
      // A new period's seat credits are granted by the first money operation of the period; a
      // read that comes first triggers it, so balances are right even before any job runs.
      await services.queue.submit(ws, sweepOp());
      ({ workspace, state } = await readLedger(services.db, services.queue, ws, now));
    }
    const b = balanceOf(state, now, memberId);
    const byScope = new Map<string, number>();
    for (const lot of state.lots) {
      if (lotStatus(lot, now) !== 'active') continue;
      // A member's view shows only lots they may draw, like the engine's amounts.
      if (memberId !== undefined && !canDraw(state.policy, memberId, lot)) continue;
      byScope.set(lot.scope, (byScope.get(lot.scope) ?? 0) + lot.remainingMicros);
    }
    const body: C.Balance = {
      workspaceId: ws,
      memberId: memberId ?? null,
      unit: workspace.unit,
      availableMicros: b.availableMicros,
      reservedMicros: b.reservedMicros,
      spendableMicros: b.spendableMicros,
      deficitMicros: b.deficitMicros,
      byKind: { ...b.byKind },
      byScope: [...byScope].map(([scope, availableMicros]) => ({
        scope: scope as C.LotScope,
        availableMicros,
      })),
      memberIncludedRemainingMicros: b.memberIncludedRemainingMicros,
      overage: {
        enabled: workspace.settings.overage.enabled,
        usedMicros: b.overageUsedMicros,
        capMicros: b.overageCapMicros,
        period: { start: iso(state.period.start), end: iso(state.period.end) },
      },
      canBegin: b.canBegin,
      nextExpiry:
        b.nextExpiry === null ? null : { at: iso(b.nextExpiry.at), amountMicros: b.nextExpiry.amountMicros },
      asOf: iso(now),
    };
    return c.json(body, 200);
  });

  app.openapi(routes.listLots, async (c) => {
    const { ws } = c.req.valid('param');
    const access = await workspaceAccess(c, ws);
    const query = c.req.valid('query');
    const memberId = effectiveMember(access, query.memberId);
    const services = c.get('services');
    const now = services.clock.now();
    const { state } = await loadState(services.db, ws, now);
    // Lots are never deleted, so the last lot of the previous page can always be found again.
    const after =
      query.cursor === undefined ? null : await cursorLot(services.db, ws, state.lots, query.cursor);
    const shown = (lot: Lot): boolean => {
      const status = lotStatus(lot, now);
      if (query.status === 'open' && status !== 'active' && status !== 'scheduled') return false;
      if (query.status !== 'open' && query.status !== 'all' && status !== query.status) return false;
      if (query.expiringWithinDays !== undefined) {
        if (lot.expiresAt === null || lot.expiresAt > now + query.expiringWithinDays * MS_PER_DAY)
          return false;
      }
      if (memberId !== undefined && !canDraw(state.policy, memberId, lot)) return false;
      return after === null || compareBurnOrder(after, lot) < 0;
    };
    let lots = state.lots.filter(shown);
    if (query.status === 'expired' || query.status === 'forfeited' || query.status === 'all') {
      // Closed lots are not part of the engine state: read the next page of them in burn order.
      const closed = await closedLotsPage(services.db, ws, {
        status: query.status,
        expiresBy:
          query.expiringWithinDays === undefined ? null : now + query.expiringWithinDays * MS_PER_DAY,
        memberId: memberId === undefined || state.policy.seatPooling ? null : memberId,
        after,
        limit: query.limit + 1,
      });
      lots = lots.concat(closed.filter(shown));
    }
    const page = pageOf(sortInBurnOrder(lots), query.limit, (lot) => lot.id);
    return c.json({ data: page.data.map((l) => serializeLot(l, now)), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(routes.grantLot, async (c) => {
    requirePlatform(c);
    const { ws } = c.req.valid('param');
    const body = c.req.valid('json');
    const services = c.get('services');
    if (body.memberId !== undefined) await assertMember(services.db, ws, body.memberId);
    const spec = idempotencySpec(c, body);
    const op = grantLotOp(
      {
        lotId: body.lotId ?? newLotId(),
        kind: body.kind,
        amountMicros: body.amountMicros,
        ...(body.expiresAt === undefined
          ? {}
          : { expiresAt: body.expiresAt === null ? null : Date.parse(body.expiresAt) }),
        ...(body.effectiveAt === undefined ? {} : { effectiveAt: Date.parse(body.effectiveAt) }),
        ...(body.memberId === undefined ? {} : { memberId: body.memberId }),
        reason: body.reason,
        ...(body.chargeId === undefined ? {} : { chargeId: body.chargeId }),
      },
      spec,
    );
    const result = await services.queue.submit(ws, op);
    return c.json(bodyOf<C.Lot>(c, result), 201);
  });
}

async function cursorLot(q: Queryable, ws: string, open: readonly Lot[], cursor: string): Promise<Lot> {
  const found = open.find((lot) => lot.id === cursor);
  if (found !== undefined) return found;
  const { rows } = await q.query('SELECT * FROM lots WHERE workspace_id = $1 AND id = $2', [ws, cursor]);
  if (rows[0] === undefined) throw invalidCursor();
  return lotFromRow(rows[0]);
}

/** The burn order of `compareBurnOrder` in SQL; ids compare bytewise ("C"), as in JavaScript. */
const BURN_ORDER_KEY = `(CASE kind WHEN 'promotional' THEN 0 WHEN 'included' THEN 1 WHEN 'support' THEN 2 ELSE 3 END),
  expires_at IS NULL, COALESCE(expires_at, 0), granted_at, id COLLATE "C"`;

/**
 * Closed (expired or forfeited) lots after `after` in burn order, with every filter of the list
 * applied in SQL so that `limit` rows are enough for one page.
 */
async function closedLotsPage(
  q: Queryable,
  ws: string,
  filter: {
    status: 'expired' | 'forfeited' | 'all';
    expiresBy: number | null;
    memberId: string | null;
    after: Lot | null;
    limit: number;
  },
): Promise<Lot[]> {
  const params: SqlParam[] = [ws, filter.limit];
  const where = ['workspace_id = $1', 'closed_at IS NOT NULL'];
  if (filter.status === 'forfeited') where.push("close_reason = 'forfeited'");
  if (filter.status === 'expired') where.push("close_reason IS DISTINCT FROM 'forfeited'");
  if (filter.expiresBy !== null) {
    params.push(filter.expiresBy);
    where.push(`expires_at IS NOT NULL AND expires_at <= $${params.length}`);
  }
  if (filter.memberId !== null) {
    params.push(`member:${filter.memberId}`);
    where.push(`(scope = 'workspace' OR scope = $${params.length})`);
  }
  if (filter.after !== null) {
    const a = filter.after;
    const kindRank = { promotional: 0, included: 1, support: 2, purchased: 3 }[a.kind];
    params.push(kindRank, a.expiresAt === null, a.expiresAt ?? 0, a.grantedAt, a.id);
    const n = params.length;
    where.push(`(${BURN_ORDER_KEY}) > ($${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n})`);
  }
  const { rows } = await q.query(
    `SELECT * FROM lots WHERE ${where.join(' AND ')} ORDER BY ${BURN_ORDER_KEY} LIMIT $2`,
    params,
  );
  return rows.map(lotFromRow);
}
