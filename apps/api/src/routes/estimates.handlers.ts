import type * as C from '@aicredits/contract';
import {
  balanceOf,
  estimateSession,
  resolveSessionModel,
  type SettledSession,
  type TaskKind,
} from '@aicredits/ledger';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { workspaceAccess } from '../auth.js';
import type { AppEnv } from '../context.js';
import { toSafeInt } from '../db/db.js';
import { iso } from '../store/records.js';
import { loadState } from '../store/state.js';
import { assertMember } from './balance.handlers.js';
import * as routes from './estimates.routes.js';

/** How many recent settled sessions calibrate an estimate. */
const HISTORY_LIMIT = 200;

export function registerEstimateRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(routes.createEstimate, async (c) => {
    const { ws } = c.req.valid('param');
    const access = await workspaceAccess(c, ws);
    const body = c.req.valid('json');
    const services = c.get('services');
    const now = services.clock.now();
    const memberId =
      body.memberId ?? (access.principal.type === 'member' ? access.principal.memberId : undefined);
    if (body.memberId !== undefined) await assertMember(services.db, ws, body.memberId);
    const table = await services.priceTable(now);
    const { workspace, state } = await loadState(services.db, ws, now);
    const model = resolveSessionModel(table, workspace.settings.pinnedModel, body.model);
    const { rows } = await services.db.query<{ task_kind: string; model: string; amount_micros: string }>(
      `SELECT task_kind, model, amount_micros FROM usage_events
       WHERE workspace_id = $1 AND feature = $2 AND task_kind = $3 AND model = $4
       ORDER BY at DESC LIMIT $5`,
      [ws, body.feature, body.taskKind, model, HISTORY_LIMIT],
    );
    const history: SettledSession[] = rows.map((r) => ({
      taskKind: r.task_kind as TaskKind,
      model: r.model,
      costMicros: toSafeInt(r.amount_micros, 'amount_micros'),
    }));
    const estimate = estimateSession({ table, taskKind: body.taskKind, model, history });
    const balance = balanceOf(state, now, memberId);
    const selfHosted = workspace.hosting === 'self_hosted';
    const body_: C.Estimate = {
      feature: body.feature,
      taskKind: estimate.taskKind,
      model: estimate.model,
      lowMicros: estimate.lowMicros,
      highMicros: estimate.highMicros,
      basis: estimate.basis,
      sampleSize: estimate.sampleSize,
      // Self-hosted workspaces pay their provider directly: nothing here ever blocks them.
      covered:
        selfHosted ||
        (balance.canBegin && balance.spendableMicros >= estimate.highMicros) ||
        (balance.canBegin && workspace.settings.overage.enabled),
      spendableMicros: balance.spendableMicros,
      priceVersion: table.version,
      unit: workspace.unit,
    };
    return c.json(body_, 200);
  });

  app.openapi(routes.getPrices, async (c) => {
    const services = c.get('services');
    const table = await services.priceTable(services.clock.now());
    const body: C.PriceTable = {
      version: table.version,
      effectiveAt: iso(table.effectiveAt),
      latestModel: table.latestModel,
      sandboxMicrosPerHour: table.sandboxMicrosPerHour,
      models: table.models.map((m) => ({ ...m, releasedAt: iso(m.releasedAt) })),
    };
    return c.json(body, 200);
  });
}
