import {
  billingPeriodAt,
  compareCreation,
  type Draw,
  type PriceTable,
  sortInBurnOrder,
  type WorkspacePolicy,
  type WorkspaceState,
} from '@aicredits/ledger';
import type { Queryable } from '../db/db.js';
import { ApiError } from '../errors.js';
import {
  type ChargeRecord,
  chargeFromRow,
  drawFromRow,
  lotFromRow,
  type ReservationRecord,
  reservationFromRow,
  type TopupRecord,
  topupFromRow,
  type WorkspaceRecord,
  workspaceFromRow,
} from './records.js';

export interface StateRefs {
  lotIds?: readonly string[];
  reservationIds?: readonly string[];
  chargeIds?: readonly string[];
  topupIds?: readonly string[];
}

export interface LoadedState {
  workspace: WorkspaceRecord;
  state: WorkspaceState;
  topups: Map<string, TopupRecord>;
}

export function policyOf(w: WorkspaceRecord): WorkspacePolicy {
  return {
    id: w.id,
    unit: w.unit,
    hosting: w.hosting,
    enterprise: w.enterprise,
    overage: { ...w.settings.overage },
    seatPooling: w.settings.seatPooling,
    maxDeficitMicros: w.settings.maxDeficitMicros,
    deletedAt: w.deletedAt,
  };
}

export async function loadWorkspace(
  q: Queryable,
  workspaceId: string,
  forUpdate = false,
): Promise<WorkspaceRecord> {
  const { rows } = await q.query(`SELECT * FROM workspaces WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [
    workspaceId,
  ]);
  const row = rows[0];
  if (row === undefined) throw new ApiError('not_found', `Workspace "${workspaceId}" was not found.`);
  return workspaceFromRow(row);
}

/**
 * Everything the engine needs about one workspace: open lots, held reservations, and any lot,
 * reservation, charge or top-up an operation names (so replays are recognised), from one
 * snapshot. `forUpdate` takes the workspace row lock first (the money path's locked fallback).
 */
export async function loadState(
  q: Queryable,
  workspaceId: string,
  now: number,
  options: { forUpdate?: boolean; refs?: StateRefs } = {},
): Promise<LoadedState> {
  const { workspace, state, topups } = await loadBatchState(
    q,
    workspaceId,
    now,
    options.refs ?? {},
    { scope: '', keys: [] },
    options.forUpdate ?? false,
  );
  return { workspace, state, topups };
}

/** The engine's view of a workspace from its stored (or remembered) rows, at `now`. */
export function assembleState(
  workspace: WorkspaceRecord,
  lots: WorkspaceState['lots'],
  reservations: ReservationRecord[],
  charges: ChargeRecord[],
  topups: Map<string, TopupRecord>,
  now: number,
): LoadedState {
  const period = billingPeriodAt(workspace.billingAnchor, now);
  const state: WorkspaceState = {
    policy: policyOf(workspace),
    lots,
    reservations,
    deficitMicros: workspace.deficitMicros,
    period,
    // Overage is counted per period: a stored figure from an earlier period no longer applies.
    overageUsedMicros: workspace.overagePeriodStart === period.start ? workspace.overageUsedMicros : 0,
    charges,
    appliedTopupIds: [...topups.values()].filter((t) => t.status === 'succeeded').map((t) => t.id),
  };
  return { workspace, state, topups };
}

/** The price table in force at `now`: the newest stored version already effective. */
export async function loadPriceTable(q: Queryable, now: number, fallback: PriceTable): Promise<PriceTable> {
  const { rows } = await q.query<{ body: unknown }>(
    'SELECT body FROM price_tables WHERE effective_at <= $1 ORDER BY effective_at DESC, version DESC LIMIT 1',
    [now],
  );
  const body = rows[0]?.body;
  if (body === undefined) return fallback;
  return (typeof body === 'string' ? JSON.parse(body) : body) as PriceTable;
}

export interface BatchState extends LoadedState {
  /** Stored answers of the batch's idempotency keys. */
  idempotency: Map<string, { fingerprint: string; status: number; body: unknown }>;
}

type JsonRow = Record<string, unknown>;

/**
 * The workspace state plus the batch's idempotency records in ONE round trip:
 * `credits_load_batch` (migrations 2 and 4) takes the workspace row lock (`lock`) and then reads on a
 * snapshot taken after the lock was granted. Rows come back as json and go through the same row
 * mappers: a bigint beyond 2^53 parses to a number that is still not a safe integer, so
 * `toSafeInt` refuses it as loudly as it refuses the drivers' strings.
 */
export async function loadBatchState(
  q: Queryable,
  workspaceId: string,
  now: number,
  refs: StateRefs,
  idempotency: { scope: string; keys: readonly string[] },
  lock = true,
): Promise<BatchState> {
  const { rows } = await q.query<{ state: unknown }>(
    'SELECT credits_load_batch($1, $2::text[], $3::text[], $4::text[], $5::text[], $6, $7::text[], $8) AS state',
    [
      workspaceId,
      [...(refs.lotIds ?? [])],
      [...(refs.reservationIds ?? [])],
      [...(refs.chargeIds ?? [])],
      [...(refs.topupIds ?? [])],
      idempotency.scope,
      [...idempotency.keys],
      lock,
    ],
    { prepare: true },
  );
  const raw = rows[0]?.state;
  const loaded = (typeof raw === 'string' ? JSON.parse(raw) : raw) as {
    workspace: JsonRow;
    lots: JsonRow[];
    reservations: JsonRow[];
    charges: JsonRow[];
    draws: JsonRow[];
    topups: JsonRow[];
    idempotency: { key: string; fingerprint: string; status: number; response: unknown }[];
  } | null;
  if (loaded === null || loaded === undefined) {
    throw new ApiError('not_found', `Workspace "${workspaceId}" was not found.`);
  }
  const workspace = workspaceFromRow(loaded.workspace);
  const byCharge = new Map<string, Draw[]>();
  for (const row of loaded.draws) {
    const d = drawFromRow(row);
    const list = byCharge.get(d.chargeId) ?? [];
    list.push({ lotId: d.lotId, kind: d.kind, scope: d.scope, amountMicros: d.amountMicros });
    byCharge.set(d.chargeId, list);
  }
  const topups = new Map<string, TopupRecord>();
  for (const row of loaded.topups) {
    const t = topupFromRow(row);
    topups.set(t.id, t);
  }
  const known = new Map<string, { fingerprint: string; status: number; body: unknown }>();
  for (const row of loaded.idempotency) {
    const body = typeof row.response === 'string' ? JSON.parse(row.response) : row.response;
    known.set(row.key, { fingerprint: row.fingerprint, status: Number(row.status), body });
  }
  return {
    ...assembleState(
      workspace,
      // In burn order, as the engine keeps them (its decisions then only check the order).
      sortInBurnOrder(loaded.lots.map(lotFromRow)),
      // In creation order, as the engine keeps them (its decisions then need no sort).
      loaded.reservations
        .map(reservationFromRow)
        .sort(compareCreation),
      loaded.charges.map((row) => chargeFromRow(row, byCharge.get(String(row.id)) ?? [])),
      topups,
      now,
    ),
    idempotency: known,
  };
}
