import type * as C from '@aicredits/contract';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { requireAdmin, workspaceAccess } from '../auth.js';
import type { AppEnv } from '../context.js';
import { ApiError } from '../errors.js';
import { entryFromRow, iso, serializeEntry } from '../store/records.js';
import { loadWorkspace } from '../store/state.js';
import { usageGroups } from '../store/usage.js';
import { effectiveMember } from './balance.handlers.js';
import * as routes from './reports.routes.js';

const MS_PER_DAY = 86_400_000;
/** Usage history is kept 12 months; a report may span at most that. */
const MAX_REPORT_MS = 366 * MS_PER_DAY;

export function registerReportRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(routes.listTransactions, async (c) => {
    const { ws } = c.req.valid('param');
    const access = await workspaceAccess(c, ws);
    if (access.principal.type !== 'server') requireAdmin(access);
    const { cursor, limit } = c.req.valid('query');
    let before: number | null = null;
    if (cursor !== undefined) {
      if (!/^\d{1,15}$/.test(cursor)) throw new ApiError('invalid_request', 'The cursor is not valid.');
      before = Number(cursor);
    }
    const { rows } = await c
      .get('services')
      .db.query(
        before === null
          ? 'SELECT * FROM ledger_entries WHERE workspace_id = $1 ORDER BY seq DESC LIMIT $2'
          : 'SELECT * FROM ledger_entries WHERE workspace_id = $1 AND seq < $3 ORDER BY seq DESC LIMIT $2',
        before === null ? [ws, limit + 1] : [ws, limit + 1, before],
      );
    const page = rows.slice(0, limit).map(entryFromRow);
    const last = page[page.length - 1];
    const nextCursor = rows.length > limit && last !== undefined ? String(last.seq) : null;
    return c.json({ data: page.map(serializeEntry), nextCursor }, 200);
  });

  app.openapi(routes.usageReport, async (c) => {
    const { ws } = c.req.valid('param');
    const access = await workspaceAccess(c, ws);
    const query = c.req.valid('query');
    // Members see only their own usage; admins, server and platform keys see everyone's.
    const memberId = effectiveMember(access, query.memberId);
    const services = c.get('services');
    const now = services.clock.now();
    // Default `to` includes this very instant (the window is [from, to)).
    const to = query.to === undefined ? now + 1 : Date.parse(query.to);
    const from = query.from === undefined ? to - 30 * MS_PER_DAY : Date.parse(query.from);
    if (from >= to) throw new ApiError('invalid_request', '`from` must be before `to`.');
    if (to - from > MAX_REPORT_MS)
      throw new ApiError('invalid_request', 'A usage report spans at most 366 days.');
    const workspace = await loadWorkspace(services.db, ws);
    const groups = (
      await usageGroups(services.db, {
        workspaceId: ws,
        from,
        to,
        groupBy: query.groupBy,
        ...(memberId === undefined ? {} : { memberId }),
        ...(query.feature === undefined ? {} : { feature: query.feature }),
        now,
      })
    ).map((g) => ({
      ...g,
      key:
        query.groupBy === 'day'
          ? iso(Number(g.key) * MS_PER_DAY).slice(0, 10)
          : query.groupBy === 'member' && g.key === ''
            ? 'workspace'
            : g.key,
    }));
    const body: C.UsageReport = {
      workspaceId: ws,
      unit: workspace.unit,
      from: iso(from),
      to: iso(to),
      groupBy: query.groupBy,
      memberId: memberId ?? null,
      totalMicros: groups.reduce((s, g) => s + g.amountMicros, 0),
      overageMicros: groups.reduce((s, g) => s + g.overageMicros, 0),
      charges: groups.reduce((s, g) => s + g.charges, 0),
      groups,
    };
    return c.json(body, 200);
  });
}
