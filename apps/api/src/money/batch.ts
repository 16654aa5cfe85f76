import type { WebhookEvent } from '@aicredits/contract';
import {
  type Charge,
  expireLots,
  expireReservations,
  grantSeatCredits,
  type LedgerEntry,
  type Lot,
  type PriceTable,
  type Reservation,
  type TaskKind,
  type WorkspaceState,
} from '@aicredits/ledger';
import type { Db, Queryable, SqlParam } from '../db/db.js';
import { jsonParam } from '../db/sql.js';
import { ApiError, toApiError } from '../errors.js';
import type { ChargeRecord, TopupRecord, WorkspaceRecord } from '../store/records.js';
import { loadBatchState, type StateRefs } from '../store/state.js';
import { evaluateAlerts } from './alerts.js';

/** What an operation answers: the HTTP status and body (stored verbatim for idempotent replay). */
export interface OpResponse {
  status: number;
  body: unknown;
}

export interface OpResult extends OpResponse {
  /** True when this is the stored answer of an earlier request with the same idempotency key. */
  replayed: boolean;
}

export interface IdempotencySpec {
  key: string;
  fingerprint: string;
  method: string;
  path: string;
}

/**
 * The mutable view one operation works on inside a batch. Operations are synchronous: every
 * read they need was loaded before the batch began, so the engine runs without awaiting.
 */
export interface OpContext {
  readonly now: number;
  readonly priceTable: PriceTable;
  workspace: WorkspaceRecord;
  state: WorkspaceState;
  entries: LedgerEntry[];
  topups: Map<string, TopupRecord>;
  changedTopups: Set<string>;
  /** Task kinds of reservations and charges created in this batch (not engine fields). */
  taskKinds: Map<string, TaskKind | null>;
  events: WebhookEvent[];
  /** Set by operations that change stored workspace settings. */
  settingsChanged: boolean;
}

export interface MoneyOp {
  readonly name: string;
  readonly idempotency: IdempotencySpec | null;
  readonly refs?: StateRefs;
  /** Loads the member seats (only the lazy seat grant and seat operations need them). */
  readonly needsSeats?: boolean;
  apply(ctx: OpContext): OpResponse;
}

export type OpSettled = { ok: true; result: OpResult } | { ok: false; error: unknown };

interface Seat {
  memberId: string;
  paid: boolean;
  active: boolean;
}

/**
 * How a batch is isolated. `optimistic`: read the state without a lock, decide, then write it all
 * in ONE statement that applies only if the workspace's ledger version is still the one read
 * (two round trips, no lock held while deciding). `locked`: inside a caller's transaction, take
 * the workspace row lock before reading; the version check then always passes.
 */
export type BatchMode = 'optimistic' | 'locked';

/** Another writer changed the workspace between this batch's read and its write: nothing was written. */
export const VERSION_CONFLICT = Symbol('version conflict');

/**
 * Applies a batch of operations of ONE workspace atomically: load its state once, run each
 * operation through the engine in order (a refusal fails only that operation), and write
 * everything with one multi-row statement guarded by the ledger version.
 */
export async function runBatch(
  q: Queryable,
  workspaceId: string,
  ops: readonly MoneyOp[],
  now: number,
  priceTable: PriceTable,
  mode: BatchMode = 'locked',
): Promise<OpSettled[] | typeof VERSION_CONFLICT> {
  const refs = mergeRefs(ops);
  const scope = `ws:${workspaceId}`;
  const keys = ops.flatMap((op) => (op.idempotency === null ? [] : [op.idempotency.key]));
  // One round trip: the state and idempotency records (read after the row lock in locked mode).
  const loaded = await loadBatchState(q, workspaceId, now, refs, { scope, keys }, mode === 'locked');
  const known = loaded.idempotency;

  const before = loaded.state;
  const initialLots = new Map(before.lots.map((l) => [l.id, l]));
  const initialReservations = new Map(before.reservations.map((r) => [r.id, r]));
  const initialCharges = new Set((before.charges ?? []).map((c) => c.id));
  const ctx: OpContext = {
    now,
    priceTable,
    workspace: loaded.workspace,
    state: before,
    entries: [],
    topups: loaded.topups,
    changedTopups: new Set(),
    taskKinds: new Map(),
    events: [],
    settingsChanged: false,
  };

  // Housekeeping that must never wait for a job: expired lots and lapsed holds are closed, and
  // a new period's seat credits granted, before the first operation of the batch sees the state.
  if (ctx.state.policy.deletedAt === null) {
    const lots = expireLots(ctx.state, now);
    if (lots.value.length > 0) apply(ctx, lots);
    const holds = expireReservations(ctx.state, now);
    if (holds.value.length > 0) apply(ctx, holds);
    const w = ctx.workspace;
    if (
      w.hosting === 'cloud' &&
      w.settings.includedMicrosPerSeat > 0 &&
      w.seatsGrantedPeriod !== ctx.state.period.start
    ) {
      const seats = await loadSeats(q, workspaceId);
      const granted = grantSeatCredits(
        ctx.state,
        { seats, includedMicrosPerSeat: w.settings.includedMicrosPerSeat },
        now,
      );
      apply(ctx, granted);
      ctx.workspace = { ...ctx.workspace, seatsGrantedPeriod: ctx.state.period.start };
    }
  }

  const settled: OpSettled[] = [];
  const stored: { key: string; spec: IdempotencySpec; status: number; body: unknown }[] = [];
  for (const op of ops) {
    const spec = op.idempotency;
    if (spec !== null) {
      const prior = known.get(spec.key);
      if (prior !== undefined) {
        settled.push(
          prior.fingerprint === spec.fingerprint
            ? { ok: true, result: { status: prior.status, body: prior.body, replayed: true } }
            : { ok: false, error: mismatch(spec.key) },
        );
        continue;
      }
    }
    const snapshot = takeSnapshot(ctx);
    try {
      const response = op.apply(ctx);
      settled.push({ ok: true, result: { ...response, replayed: false } });
      if (spec !== null) {
        known.set(spec.key, { fingerprint: spec.fingerprint, status: response.status, body: response.body });
        stored.push({ key: spec.key, spec, status: response.status, body: response.body });
      }
    } catch (error) {
      restore(ctx, snapshot);
      // Refusals fail only their own operation; anything else is a fault and fails the batch.
      if (toApiError(error) === null) throw error;
      settled.push({ ok: false, error });
    }
  }

  const after = ctx.state;
  const newCharges = (after.charges ?? []).filter((c) => !initialCharges.has(c.id));
  const alerts = evaluateAlerts(ctx.workspace, before, after, newCharges, now);
  ctx.workspace = { ...ctx.workspace, alertState: alerts.alertState };
  ctx.events.push(...alerts.events);

  const written = await writeBatch(q, ctx, loaded.workspace, mode, {
    lots: after.lots.filter((l) => initialLots.get(l.id) !== l),
    reservations: after.reservations.filter((r) => initialReservations.get(r.id) !== r),
    charges: newCharges,
    idempotency: stored.map((s) => [
      scope,
      s.key,
      s.spec.method,
      s.spec.path,
      s.spec.fingerprint,
      s.status,
      jsonParam(s.body),
      now,
    ]),
  });
  if (written) return settled;
  if (mode === 'locked') throw new Error(`ledger version of ${workspaceId} changed under its row lock`);
  return VERSION_CONFLICT;
}

/** Optimistic attempts before a batch falls back to the row lock (bounded work under contention). */
const OPTIMISTIC_ATTEMPTS = 2;

/**
 * Runs a batch until it commits: optimistically first, and when other writers (other replicas,
 * in practice) keep winning the race, once more under the workspace row lock, which always
 * succeeds. Each attempt re-reads the state, so a retried operation sees what the winner wrote
 * (an idempotent replay is answered from the winner's stored response).
 */
export async function commitBatch(
  db: Db,
  workspaceId: string,
  ops: readonly MoneyOp[],
  now: number,
  priceTable: PriceTable,
): Promise<{ settled: OpSettled[]; conflicts: number; locked: boolean }> {
  let conflicts = 0;
  while (conflicts < OPTIMISTIC_ATTEMPTS) {
    const settled = await runBatch(db, workspaceId, ops, now, priceTable, 'optimistic');
    if (settled !== VERSION_CONFLICT) return { settled, conflicts, locked: false };
    conflicts += 1;
  }
  const settled = await db.transaction((tx) => runBatch(tx, workspaceId, ops, now, priceTable, 'locked'));
  if (settled === VERSION_CONFLICT) throw new Error('unreachable: a locked batch cannot conflict');
  return { settled, conflicts, locked: true };
}

function mismatch(key: string): ApiError {
  return new ApiError(
    'idempotency_mismatch',
    `Idempotency-Key "${key}" was already used with a different request; use a new key for a new request.`,
    { idempotencyKey: key },
  );
}

function mergeRefs(ops: readonly MoneyOp[]): StateRefs {
  const lotIds = new Set<string>();
  const reservationIds = new Set<string>();
  const chargeIds = new Set<string>();
  const topupIds = new Set<string>();
  for (const op of ops) {
    for (const id of op.refs?.lotIds ?? []) lotIds.add(id);
    for (const id of op.refs?.reservationIds ?? []) reservationIds.add(id);
    for (const id of op.refs?.chargeIds ?? []) chargeIds.add(id);
    for (const id of op.refs?.topupIds ?? []) topupIds.add(id);
  }
  return {
    lotIds: [...lotIds],
    reservationIds: [...reservationIds],
    chargeIds: [...chargeIds],
    topupIds: [...topupIds],
  };
}

async function loadSeats(tx: Queryable, workspaceId: string): Promise<Seat[]> {
  const { rows } = await tx.query<{ id: string; seat_paid: boolean; seat_active: boolean }>(
    'SELECT id, seat_paid, seat_active FROM members WHERE workspace_id = $1 ORDER BY id',
    [workspaceId],
  );
  return rows.map((r) => ({ memberId: r.id, paid: r.seat_paid, active: r.seat_active }));
}

/** Applies an engine outcome to the batch context. */
export function apply<T>(
  ctx: OpContext,
  outcome: { state: WorkspaceState; entries: readonly LedgerEntry[]; value: T },
): T {
  ctx.state = outcome.state;
  ctx.entries.push(...outcome.entries);
  return outcome.value;
}

interface Snapshot {
  workspace: WorkspaceRecord;
  state: WorkspaceState;
  entries: number;
  events: number;
  topups: Map<string, TopupRecord>;
  changedTopups: Set<string>;
  taskKinds: Map<string, TaskKind | null>;
  settingsChanged: boolean;
}

function takeSnapshot(ctx: OpContext): Snapshot {
  return {
    workspace: ctx.workspace,
    state: ctx.state,
    entries: ctx.entries.length,
    events: ctx.events.length,
    topups: new Map(ctx.topups),
    changedTopups: new Set(ctx.changedTopups),
    taskKinds: new Map(ctx.taskKinds),
    settingsChanged: ctx.settingsChanged,
  };
}

function restore(ctx: OpContext, s: Snapshot): void {
  ctx.workspace = s.workspace;
  ctx.state = s.state;
  ctx.entries.length = s.entries;
  ctx.events.length = s.events;
  ctx.topups = s.topups;
  ctx.changedTopups = s.changedTopups;
  ctx.taskKinds = s.taskKinds;
  ctx.settingsChanged = s.settingsChanged;
}

type ColumnType = 'text' | 'bigint' | 'integer' | 'boolean' | 'jsonb';
type Value = string | number | boolean | null;

interface TableWrite {
  table: string;
  columns: readonly (readonly [name: string, type: ColumnType])[];
  rows: readonly (readonly Value[])[];
  /** `ON CONFLICT …` clause. */
  conflict?: string;
}

const LOTS: TableWrite['columns'] = [
  ['workspace_id', 'text'],
  ['id', 'text'],
  ['kind', 'text'],
  ['scope', 'text'],
  ['original_micros', 'bigint'],
  ['remaining_micros', 'bigint'],
  ['granted_at', 'bigint'],
  ['effective_at', 'bigint'],
  ['expires_at', 'bigint'],
  ['source', 'text'],
  ['note', 'text'],
  ['charge_id', 'text'],
  ['topup_id', 'text'],
  ['closed_at', 'bigint'],
  ['close_reason', 'text'],
];

const RESERVATIONS: TableWrite['columns'] = [
  ['workspace_id', 'text'],
  ['id', 'text'],
  ['member_id', 'text'],
  ['feature', 'text'],
  ['held_micros', 'bigint'],
  ['metered', 'boolean'],
  ['created_at', 'bigint'],
  ['expires_at', 'bigint'],
  ['status', 'text'],
  ['settled_at', 'bigint'],
  ['charge_id', 'text'],
  ['task_kind', 'text'],
];

const CHARGES: TableWrite['columns'] = [
  ['workspace_id', 'text'],
  ['id', 'text'],
  ['reservation_id', 'text'],
  ['member_id', 'text'],
  ['feature', 'text'],
  ['amount_micros', 'bigint'],
  ['outcome', 'text'],
  ['usage', 'jsonb'],
  ['price_version', 'text'],
  ['task_kind', 'text'],
  ['deficit_micros', 'bigint'],
  ['overage_micros', 'bigint'],
  ['overrun_micros', 'bigint'],
  ['at', 'bigint'],
];

const DRAWS: TableWrite['columns'] = [
  ['workspace_id', 'text'],
  ['charge_id', 'text'],
  ['seq', 'integer'],
  ['lot_id', 'text'],
  ['kind', 'text'],
  ['scope', 'text'],
  ['amount_micros', 'bigint'],
];

const USAGE_EVENTS: TableWrite['columns'] = [
  ['workspace_id', 'text'],
  ['charge_id', 'text'],
  ['member_id', 'text'],
  ['feature', 'text'],
  ['task_kind', 'text'],
  ['model', 'text'],
  ['input_tokens', 'bigint'],
  ['output_tokens', 'bigint'],
  ['cached_input_tokens', 'bigint'],
  ['sandbox_seconds', 'bigint'],
  ['amount_micros', 'bigint'],
  ['overage_micros', 'bigint'],
  ['outcome', 'text'],
  ['at', 'bigint'],
];

const USAGE_DAILY: TableWrite['columns'] = [
  ['workspace_id', 'text'],
  ['day', 'bigint'],
  ['member_id', 'text'],
  ['feature', 'text'],
  ['charges', 'bigint'],
  ['amount_micros', 'bigint'],
  ['overage_micros', 'bigint'],
];

const MS_PER_DAY = 86_400_000;

/** The batch's charges summed per UTC day × member × feature (the report's rollup grain). */
function dailyUsage(ws: string, charges: readonly Charge[]): Value[][] {
  const groups = new Map<
    string,
    { day: number; member: string; feature: string; n: number; amount: number; overage: number }
  >();
  for (const c of charges) {
    const day = Math.floor(c.at / MS_PER_DAY);
    const member = c.memberId ?? '';
    const key = JSON.stringify([day, member, c.feature]);
    const g = groups.get(key) ?? { day, member, feature: c.feature, n: 0, amount: 0, overage: 0 };
    g.n += 1;
    g.amount += c.amountMicros;
    g.overage += c.overageMicros;
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => [ws, g.day, g.member, g.feature, g.n, g.amount, g.overage]);
}

const LEDGER_ENTRIES: TableWrite['columns'] = [
  ['workspace_id', 'text'],
  ['id', 'text'],
  ['type', 'text'],
  ['amount_micros', 'bigint'],
  ['at', 'bigint'],
  ['lot_id', 'text'],
  ['reservation_id', 'text'],
  ['charge_id', 'text'],
  ['topup_id', 'text'],
  ['member_id', 'text'],
  ['feature', 'text'],
];

const OUTBOX: TableWrite['columns'] = [
  ['id', 'text'],
  ['workspace_id', 'text'],
  ['type', 'text'],
  ['payload', 'jsonb'],
  ['created_at', 'bigint'],
];

const IDEMPOTENCY: TableWrite['columns'] = [
  ['scope', 'text'],
  ['key', 'text'],
  ['method', 'text'],
  ['path', 'text'],
  ['fingerprint', 'text'],
  ['status', 'integer'],
  ['response', 'jsonb'],
  ['created_at', 'bigint'],
];

/**
 * `name AS (INSERT INTO t (…) SELECT … FROM unnest($a::type[], …) WITH ORDINALITY … ORDER BY ord)`:
 * one array parameter per column whatever the number of rows, so a batch of any size is one
 * short statement. Rows keep their order (ledger entries take their sequence from it).
 */
function insertCte(params: SqlParam[], write: TableWrite, name: string, guard: string): string {
  const arrays = write.columns.map(([, type], i) => {
    params.push(write.rows.map((row) => row[i] ?? null));
    // jsonb travels as text and is cast per row (drivers serialise jsonb[] elements unevenly).
    return `$${params.length}::${type === 'jsonb' ? 'text' : type}[]`;
  });
  const aliases = write.columns.map((_, i) => `c${i}`);
  const values = write.columns.map(([, type], i) => (type === 'jsonb' ? `c${i}::jsonb` : `c${i}`));
  return `${name} AS (INSERT INTO ${write.table} (${write.columns.map(([column]) => column).join(', ')})
    SELECT ${values.join(', ')} FROM unnest(${arrays.join(', ')}) WITH ORDINALITY AS t(${aliases.join(', ')}, ord)
    WHERE ${guard} ORDER BY ord ${write.conflict ?? ''})`;
}

const TOPUPS: TableWrite['columns'] = [
  ['id', 'text'],
  ['status', 'text'],
  ['covered_deficit_micros', 'bigint'],
  ['lot_id', 'text'],
  ['invoice_id', 'text'],
  ['payment_intent_id', 'text'],
  ['failure_code', 'text'],
  ['failure_message', 'text'],
  ['completed_at', 'bigint'],
];

/**
 * Writes a batch's changes in ONE statement, applied only if the workspace's ledger version is
 * still the one the batch read: the first CTE bumps it (`v`), and every other write of the
 * statement is conditional on that row coming back. Returns false when it did not (another
 * writer got there first; nothing was written). A batch that changed nothing (only refusals
 * and replays) writes nothing: optimistic, it sends no statement at all; locked, it commits
 * without waiting for the WAL flush, having made no change worth making durable.
 */
async function writeBatch(
  q: Queryable,
  ctx: OpContext,
  before: WorkspaceRecord,
  mode: BatchMode,
  changes: {
    lots: readonly Lot[];
    reservations: readonly Reservation[];
    charges: readonly Charge[];
    idempotency: Value[][];
  },
): Promise<boolean> {
  const w = ctx.workspace;
  const ws = w.id;
  const charges = changes.charges as readonly ChargeRecord[];
  const taskKindOf = (c: ChargeRecord): TaskKind | null => ctx.taskKinds.get(c.id) ?? c.taskKind ?? null;
  const changedTopups = [...ctx.changedTopups].flatMap((id) => {
    const t = ctx.topups.get(id);
    return t === undefined ? [] : [t];
  });
  const writes: TableWrite[] = [
    {
      table: 'lots',
      columns: LOTS,
      rows: changes.lots.map((l) => [
        ws,
        l.id,
        l.kind,
        l.scope,
        l.originalMicros,
        l.remainingMicros,
        l.grantedAt,
        l.effectiveAt,
        l.expiresAt,
        l.source,
        l.note,
        l.chargeId,
        l.topupId,
        l.closedAt,
        l.closeReason,
      ]),
      conflict: `ON CONFLICT (workspace_id, id) DO UPDATE SET remaining_micros = EXCLUDED.remaining_micros,
       closed_at = EXCLUDED.closed_at, close_reason = EXCLUDED.close_reason`,
    },
    {
      table: 'reservations',
      columns: RESERVATIONS,
      rows: changes.reservations.map((r) => [
        ws,
        r.id,
        r.memberId,
        r.feature,
        r.heldMicros,
        r.metered,
        r.createdAt,
        r.expiresAt,
        r.status,
        r.settledAt,
        r.chargeId,
        ctx.taskKinds.get(r.id) ?? (r as { taskKind?: TaskKind | null }).taskKind ?? null,
      ]),
      conflict: `ON CONFLICT (workspace_id, id) DO UPDATE SET held_micros = EXCLUDED.held_micros,
       expires_at = EXCLUDED.expires_at, status = EXCLUDED.status, settled_at = EXCLUDED.settled_at,
       charge_id = EXCLUDED.charge_id`,
    },
    {
      table: 'charges',
      columns: CHARGES,
      rows: charges.map((c) => [
        ws,
        c.id,
        c.reservationId,
        c.memberId,
        c.feature,
        c.amountMicros,
        c.outcome,
        c.usage === null ? null : jsonParam(c.usage),
        c.priceVersion,
        taskKindOf(c),
        c.deficitMicros,
        c.overageMicros,
        c.overrunMicros,
        c.at,
      ]),
    },
    {
      table: 'charge_draws',
      columns: DRAWS,
      rows: charges.flatMap((c) =>
        c.draws.map((d, seq) => [ws, c.id, seq, d.lotId, d.kind, d.scope, d.amountMicros]),
      ),
    },
    // Usage detail for reports; pruned after 12 months (the ledger entries are kept forever).
    {
      table: 'usage_events',
      columns: USAGE_EVENTS,
      rows: charges.map((c) => [
        ws,
        c.id,
        c.memberId,
        c.feature,
        taskKindOf(c),
        c.usage?.model ?? null,
        c.usage?.inputTokens ?? null,
        c.usage?.outputTokens ?? null,
        c.usage?.cachedInputTokens ?? null,
        c.usage?.sandboxSeconds ?? null,
        c.amountMicros,
        c.overageMicros,
        c.outcome,
        c.at,
      ]),
    },
    {
      table: 'usage_daily',
      columns: USAGE_DAILY,
      rows: dailyUsage(ws, charges),
      conflict: `ON CONFLICT (workspace_id, day, member_id, feature) DO UPDATE SET
       charges = usage_daily.charges + EXCLUDED.charges,
       amount_micros = usage_daily.amount_micros + EXCLUDED.amount_micros,
       overage_micros = usage_daily.overage_micros + EXCLUDED.overage_micros`,
    },
    {
      table: 'ledger_entries',
      columns: LEDGER_ENTRIES,
      rows: ctx.entries.map((e) => [
        ws,
        e.id,
        e.type,
        e.amountMicros,
        e.at,
        e.lotId,
        e.reservationId,
        e.chargeId,
        e.topupId,
        e.memberId,
        e.feature,
      ]),
      conflict: 'ON CONFLICT (workspace_id, id) DO NOTHING',
    },
    {
      table: 'outbox_events',
      columns: OUTBOX,
      rows: ctx.events.map((e) => [e.id, ws, e.type, jsonParam(e), ctx.now]),
      conflict: 'ON CONFLICT (id) DO NOTHING',
    },
    {
      table: 'idempotency_keys',
      columns: IDEMPOTENCY,
      rows: changes.idempotency,
      conflict: 'ON CONFLICT (scope, key) DO NOTHING',
    },
  ].filter((write) => write.rows.length > 0);

  const s = w.settings;
  const workspaceRow: Value[] = [
    ws,
    ctx.state.deficitMicros,
    ctx.state.overageUsedMicros,
    ctx.state.period.start,
    w.seatsGrantedPeriod,
    jsonParam(w.alertState),
    ctx.state.policy.deletedAt,
    s.overage.enabled,
    s.overage.monthlyCapMicros,
    s.seatPooling,
    s.pinnedModel,
    jsonParam(s.lowBalanceThresholdsMicros),
    jsonParam(s.expiryWarningDays),
    s.includedMicrosPerSeat,
    s.maxDeficitMicros,
    w.plan,
    w.enterprise,
  ];
  const unchanged = sameWorkspaceRow(before, workspaceRow);
  if (writes.length === 0 && changedTopups.length === 0 && unchanged) {
    if (mode === 'locked') await q.query('SET LOCAL synchronous_commit TO OFF');
    return true;
  }
  // Most reserves and captures leave the workspace's own columns as they were (no deficit, no
  // alert): then only the version moves, a heap-only update of one small row.
  const params: SqlParam[] = [ws, before.ledgerVersion];
  let set = 'ledger_version = ledger_version + 1';
  if (!unchanged) {
    params.push(...workspaceRow.slice(1));
    set += `, deficit_micros = $3, overage_used_micros = $4, overage_period_start = $5,
       seats_granted_period = $6, alert_state = $7, deleted_at = $8, overage_enabled = $9,
       overage_cap_micros = $10, seat_pooling = $11, pinned_model = $12,
       low_balance_thresholds_micros = $13, expiry_warning_days = $14, included_micros_per_seat = $15,
       max_deficit_micros = $16, plan = $17, enterprise = $18`;
  }
  const guard = 'EXISTS (SELECT 1 FROM v)';
  const ctes = [
    `v AS (UPDATE workspaces SET ${set} WHERE id = $1 AND ledger_version = $2 RETURNING id)`,
    ...writes.map((write, i) => insertCte(params, write, `w${i}`, guard)),
  ];
  if (changedTopups.length > 0) {
    const rows = changedTopups.map((t) => [
      t.id,
      t.status,
      t.coveredDeficitMicros,
      t.lotId,
      t.invoiceId,
      t.paymentIntentId,
      t.failureCode,
      t.failureMessage,
      t.completedAt,
    ]);
    const arrays = TOPUPS.map(([, type], i) => {
      params.push(rows.map((row) => row[i] ?? null));
      return `$${params.length}::${type}[]`;
    });
    ctes.push(`t AS (UPDATE topups SET status = u.status, covered_deficit_micros = u.covered_deficit_micros,
       lot_id = u.lot_id, invoice_id = u.invoice_id, payment_intent_id = u.payment_intent_id,
       failure_code = u.failure_code, failure_message = u.failure_message, completed_at = u.completed_at
     FROM unnest(${arrays.join(', ')}) AS u(${TOPUPS.map(([name]) => name).join(', ')})
     WHERE topups.id = u.id AND topups.workspace_id = $1 AND ${guard})`);
  }
  const { rows } = await q.query<{ applied: number }>(
    `WITH ${ctes.join(',\n')}\nSELECT count(*)::int AS applied FROM v`,
    params,
    // A few dozen texts in all (which tables a batch writes): each is parsed and planned once.
    { prepare: true },
  );
  return Number(rows[0]?.applied ?? 0) === 1;
}

/** Whether the workspace row would be written back exactly as it was read. */
function sameWorkspaceRow(before: WorkspaceRecord, row: readonly Value[]): boolean {
  const s = before.settings;
  const original: Value[] = [
    before.id,
    before.deficitMicros,
    before.overageUsedMicros,
    before.overagePeriodStart,
    before.seatsGrantedPeriod,
    jsonParam(before.alertState),
    before.deletedAt,
    s.overage.enabled,
    s.overage.monthlyCapMicros,
    s.seatPooling,
    s.pinnedModel,
    jsonParam(s.lowBalanceThresholdsMicros),
    jsonParam(s.expiryWarningDays),
    s.includedMicrosPerSeat,
    s.maxDeficitMicros,
    before.plan,
    before.enterprise,
  ];
  return original.every((value, i) => value === row[i]);
}
