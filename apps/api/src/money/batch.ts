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
import type { Db, Queryable } from '../db/db.js';
import { jsonParam } from '../db/sql.js';
import { ApiError, toApiError } from '../errors.js';
import type { ChargeRecord, ReservationRecord, TopupRecord, WorkspaceRecord } from '../store/records.js';
import { assembleState, type BatchState, loadBatchState, type StateRefs } from '../store/state.js';
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
  /**
   * True when a remembered ledger (open lots and held reservations only) holds everything this
   * operation reads. Absent: the operation always reads the stored state.
   */
  decidableFrom?(remembered: RememberedLedger): boolean;
  /**
   * Written in a transaction of its own: a change of seat pooling or the deficit bound is placed
   * among the ledger entries by the newest entry before it (`policy_changes`, migration 6), which
   * only says where it fell when no other operation's entries share its transaction.
   */
  readonly alone?: boolean;
  /**
   * A task waits for this answer before it starts (a reservation), so the queue runs it ahead of
   * settlements, whose callers already have their task's result.
   */
  readonly startsWork?: boolean;
  apply(ctx: OpContext): OpResponse;
}

/**
 * What the service remembers of a workspace after its own last batch of it: the workspace row as
 * written, its open lots and held reservations, at the ledger version that write produced. The
 * next batch can decide on it without reading; its write then applies only if the version is
 * unchanged and nothing the memory cannot know (stored idempotency keys, ids already taken)
 * contradicts it (`credits_write_remembered`, migration 5).
 */
export interface RememberedLedger {
  readonly workspace: WorkspaceRecord;
  readonly lots: readonly Lot[];
  readonly reservations: readonly ReservationRecord[];
}

/** Where remembered ledgers are kept, per workspace (bounded by the caller). */
export interface LedgerMemory {
  get(workspaceId: string): RememberedLedger | undefined;
  set(workspaceId: string, ledger: RememberedLedger): void;
  delete(workspaceId: string): void;
}

export type OpSettled = { ok: true; result: OpResult } | { ok: false; error: unknown };

interface Seat {
  memberId: string;
  paid: boolean;
  active: boolean;
}

/**
 * How a batch is isolated. `optimistic`: read the state without a lock, decide, then write it all
 * in ONE function call that applies only if the workspace's ledger version is still the one read
 * (two round trips, no lock held while deciding). `remembered`: decide on the ledger remembered
 * from this service's last batch, no read at all; the write checks what the memory cannot know
 * (one round trip). `locked`: inside a caller's transaction, take the workspace row lock before
 * reading; the version check then always passes.
 */
export type BatchMode = 'optimistic' | 'remembered' | 'locked';

/** A committed batch's outcomes, and the ledger as it now stands, to remember. */
export interface BatchRun {
  settled: OpSettled[];
  ledger: RememberedLedger;
}

/** Another writer changed the workspace between this batch's read and its write: nothing was written. */
export const VERSION_CONFLICT = Symbol('version conflict');

/**
 * Applies a batch of operations of ONE workspace atomically: load its state once, run each
 * operation through the engine in order (a refusal fails only that operation), and write
 * everything with one call of `credits_write_batch` guarded by the ledger version.
 */
export async function runBatch(
  q: Queryable,
  workspaceId: string,
  ops: readonly MoneyOp[],
  now: number,
  priceTable: PriceTable,
  mode: BatchMode,
  remembered?: RememberedLedger,
): Promise<BatchRun | typeof VERSION_CONFLICT> {
  const scope = `ws:${workspaceId}`;
  const keys = ops.flatMap((op) => (op.idempotency === null ? [] : [op.idempotency.key]));
  let loaded: BatchState;
  if (mode === 'remembered') {
    if (remembered === undefined) throw new Error('a remembered batch needs the remembered ledger');
    const { workspace, lots, reservations } = remembered;
    loaded = {
      ...assembleState(workspace, lots, [...reservations], [], new Map(), now),
      idempotency: new Map(),
    };
  } else {
    // One round trip: the state and idempotency records (read after the row lock in locked mode).
    loaded = await loadBatchState(q, workspaceId, now, mergeRefs(ops), { scope, keys }, mode === 'locked');
  }
  const known = loaded.idempotency;

  const before = loaded.state;
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

  const changedReservations = after.reservations.filter((r) => initialReservations.get(r.id) !== r);
  const version = await writeBatch(q, ctx, loaded.workspace, mode, {
    lots: changedItems(before.lots, after.lots),
    reservations: changedReservations,
    charges: newCharges,
    idempotency: stored.map((s) => ({
      scope,
      key: s.key,
      method: s.spec.method,
      path: s.spec.path,
      fingerprint: s.spec.fingerprint,
      status: s.status,
      response: s.body,
      created_at: now,
    })),
    assumedNew: {
      scope,
      keys,
      reservationIds: changedReservations.filter((r) => !initialReservations.has(r.id)).map((r) => r.id),
      chargeIds: newCharges.map((c) => c.id),
    },
  });
  if (version !== null) return { settled, ledger: rememberLedger(ctx, version) };
  if (mode === 'locked') throw new Error(`ledger version of ${workspaceId} changed under its row lock`);
  return VERSION_CONFLICT;
}

/**
 * What `after` holds that `before` did not (new or changed: the engine replaces what it changes).
 * A batch of reservations alone leaves the lots' list as it was, so nothing is compared.
 */
function changedItems<T extends object>(before: readonly T[], after: readonly T[]): T[] {
  if (after === before) return [];
  const unchanged = new Set(before);
  return after.filter((item) => !unchanged.has(item));
}

/** The ledger after a committed batch, as a fresh read would return it, at `version`. */
function rememberLedger(ctx: OpContext, version: number): RememberedLedger {
  const s = ctx.state;
  return {
    workspace: {
      ...ctx.workspace,
      deficitMicros: s.deficitMicros,
      overageUsedMicros: s.overageUsedMicros,
      overagePeriodStart: s.period.start,
      deletedAt: s.policy.deletedAt,
      ledgerVersion: version,
    },
    // The same list when no lot closed, so what the engine remembers of it still applies.
    lots: s.lots.some((l) => l.closedAt !== null) ? s.lots.filter((l) => l.closedAt === null) : s.lots,
    reservations: s.reservations
      .filter((r) => r.status === 'held')
      .map((r) =>
        'taskKind' in r ? (r as ReservationRecord) : { ...r, taskKind: ctx.taskKinds.get(r.id) ?? null },
      ),
  };
}

/** What `commitBatch` answers: each operation's outcome, and how the batch got committed. */
export interface CommittedBatch {
  settled: OpSettled[];
  /** Optimistic attempts that lost to another writer first. */
  conflicts: number;
  /** Committed under the workspace row lock after repeated conflicts. */
  locked: boolean;
  /** Decided on the remembered ledger (no read) and committed so. */
  remembered: boolean;
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
  memory?: LedgerMemory,
): Promise<CommittedBatch> {
  const remembered = memory?.get(workspaceId);
  // Whatever happens next, the memory is only trusted again once a batch has committed.
  memory?.delete(workspaceId);
  if (remembered !== undefined && ops.every((op) => op.decidableFrom?.(remembered) === true)) {
    const run = await runBatch(db, workspaceId, ops, now, priceTable, 'remembered', remembered);
    // Stale (another writer, or something the memory could not know): decide again on a fresh read.
    if (run !== VERSION_CONFLICT) return committed(memory, workspaceId, run, 0, false, true);
  }
  let conflicts = 0;
  while (conflicts < OPTIMISTIC_ATTEMPTS) {
    const run = await runBatch(db, workspaceId, ops, now, priceTable, 'optimistic');
    if (run !== VERSION_CONFLICT) return committed(memory, workspaceId, run, conflicts, false, false);
    conflicts += 1;
  }
  const run = await db.transaction((tx) => runBatch(tx, workspaceId, ops, now, priceTable, 'locked'));
  if (run === VERSION_CONFLICT) throw new Error('unreachable: a locked batch cannot conflict');
  return committed(memory, workspaceId, run, conflicts, true, false);
}

function committed(
  memory: LedgerMemory | undefined,
  workspaceId: string,
  run: BatchRun,
  conflicts: number,
  locked: boolean,
  remembered: boolean,
): CommittedBatch {
  if (run.ledger.workspace.deletedAt === null) memory?.set(workspaceId, run.ledger);
  return { settled: run.settled, conflicts, locked, remembered };
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

/** One row for `credits_write_batch`: column name → value (jsonb columns carry the value itself). */
type Row = Record<string, unknown>;

const MS_PER_DAY = 86_400_000;

/** The batch's charges summed per UTC day × member × feature (the report's rollup grain). */
function dailyUsage(ws: string, charges: readonly Charge[]): Row[] {
  const groups = new Map<string, Row & { charges: number; amount_micros: number; overage_micros: number }>();
  for (const c of charges) {
    const day = Math.floor(c.at / MS_PER_DAY);
    const member = c.memberId ?? '';
    const key = JSON.stringify([day, member, c.feature]);
    const g = groups.get(key) ?? {
      workspace_id: ws,
      day,
      member_id: member,
      feature: c.feature,
      charges: 0,
      amount_micros: 0,
      overage_micros: 0,
    };
    g.charges += 1;
    g.amount_micros += c.amountMicros;
    g.overage_micros += c.overageMicros;
    groups.set(key, g);
  }
  return [...groups.values()];
}

/**
 * Writes a batch's changes in ONE call of `credits_write_batch` (migration 4), applied only if
 * the workspace's ledger version is still the one the batch read; returns the version the
 * workspace now has, or null when it was not applied (another writer got there first, or in
 * `remembered` mode a check of `credits_write_remembered` failed; nothing was written). A batch that changed nothing (only
 * refusals and replays) writes nothing: optimistic, it sends no statement at all; locked, it
 * commits without waiting for the WAL flush, having made no change worth making durable.
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
    idempotency: Row[];
    /** What the batch took to be absent from storage (checked in `remembered` mode only). */
    assumedNew: { scope: string; keys: string[]; reservationIds: string[]; chargeIds: string[] };
  },
): Promise<number | null> {
  const w = ctx.workspace;
  const ws = w.id;
  const charges = changes.charges as readonly ChargeRecord[];
  const taskKindOf = (c: ChargeRecord): TaskKind | null => ctx.taskKinds.get(c.id) ?? c.taskKind ?? null;
  // In the order of credits_write_batch's table arguments.
  const tables: Record<string, Row[]> = {
    lots: changes.lots.map((l) => ({
      workspace_id: ws,
      id: l.id,
      kind: l.kind,
      scope: l.scope,
      original_micros: l.originalMicros,
      remaining_micros: l.remainingMicros,
      granted_at: l.grantedAt,
      effective_at: l.effectiveAt,
      expires_at: l.expiresAt,
      source: l.source,
      note: l.note,
      charge_id: l.chargeId,
      topup_id: l.topupId,
      closed_at: l.closedAt,
      close_reason: l.closeReason,
    })),
    reservations: changes.reservations.map((r) => ({
      workspace_id: ws,
      id: r.id,
      member_id: r.memberId,
      feature: r.feature,
      held_micros: r.heldMicros,
      metered: r.metered,
      created_at: r.createdAt,
      expires_at: r.expiresAt,
      status: r.status,
      settled_at: r.settledAt,
      charge_id: r.chargeId,
      task_kind: ctx.taskKinds.get(r.id) ?? (r as { taskKind?: TaskKind | null }).taskKind ?? null,
    })),
    charges: charges.map((c) => ({
      workspace_id: ws,
      id: c.id,
      reservation_id: c.reservationId,
      member_id: c.memberId,
      feature: c.feature,
      amount_micros: c.amountMicros,
      outcome: c.outcome,
      usage: c.usage,
      price_version: c.priceVersion,
      task_kind: taskKindOf(c),
      deficit_micros: c.deficitMicros,
      overage_micros: c.overageMicros,
      overrun_micros: c.overrunMicros,
      at: c.at,
    })),
    charge_draws: charges.flatMap((c) =>
      c.draws.map((d, seq) => ({
        workspace_id: ws,
        charge_id: c.id,
        seq,
        lot_id: d.lotId,
        kind: d.kind,
        scope: d.scope,
        amount_micros: d.amountMicros,
      })),
    ),
    // Usage detail for reports; pruned after 12 months (the ledger entries are kept forever).
    usage_events: charges.map((c) => ({
      workspace_id: ws,
      charge_id: c.id,
      member_id: c.memberId,
      feature: c.feature,
      task_kind: taskKindOf(c),
      model: c.usage?.model ?? null,
      input_tokens: c.usage?.inputTokens ?? null,
      output_tokens: c.usage?.outputTokens ?? null,
      cached_input_tokens: c.usage?.cachedInputTokens ?? null,
      sandbox_seconds: c.usage?.sandboxSeconds ?? null,
      amount_micros: c.amountMicros,
      overage_micros: c.overageMicros,
      outcome: c.outcome,
      at: c.at,
    })),
    usage_daily: dailyUsage(ws, charges),
    ledger_entries: ctx.entries.map((e) => ({
      workspace_id: ws,
      id: e.id,
      type: e.type,
      amount_micros: e.amountMicros,
      at: e.at,
      lot_id: e.lotId,
      reservation_id: e.reservationId,
      charge_id: e.chargeId,
      topup_id: e.topupId,
      member_id: e.memberId,
      feature: e.feature,
    })),
    outbox_events: ctx.events.map((e) => ({
      id: e.id,
      workspace_id: ws,
      type: e.type,
      payload: e,
      created_at: ctx.now,
    })),
    idempotency_keys: changes.idempotency,
    topups: [...ctx.changedTopups].flatMap((id) => {
      const t = ctx.topups.get(id);
      if (t === undefined) return [];
      return [
        {
          id: t.id,
          status: t.status,
          covered_deficit_micros: t.coveredDeficitMicros,
          lot_id: t.lotId,
          invoice_id: t.invoiceId,
          payment_intent_id: t.paymentIntentId,
          failure_code: t.failureCode,
          failure_message: t.failureMessage,
          completed_at: t.completedAt,
        },
      ];
    }),
  };
  // Argument order of credits_write_batch after the workspace row; an empty table is passed as NULL.
  const tableArgs = Object.values(tables).map((list) => (list.length === 0 ? null : jsonParam(list)));

  const read = workspaceColumns(before, before);
  const written = workspaceColumns(w, {
    deficitMicros: ctx.state.deficitMicros,
    overageUsedMicros: ctx.state.overageUsedMicros,
    overagePeriodStart: ctx.state.period.start,
    deletedAt: ctx.state.policy.deletedAt,
  });
  const unchanged = read === written;
  const nothingToWrite = tableArgs.every((arg) => arg === null) && unchanged;
  // Most reserves and captures leave the workspace's own columns as they were (no deficit, no
  // alert): then only the version moves, a heap-only update of one small row.
  const workspaceColumnsArg = unchanged ? null : written;
  const version = nothingToWrite ? before.ledgerVersion : before.ledgerVersion + 1;
  if (mode === 'remembered') {
    // Even with nothing to write: the refusals were decided on memory, which must still hold.
    const { scope, keys, reservationIds, chargeIds } = changes.assumedNew;
    const tableParams = tableArgs.map((_, i) => `$${i + 8}::json`).join(', ');
    const { rows } = await q.query<{ outcome: string }>(
      `SELECT credits_write_remembered($1, $2, $3, $4::text[], $5::text[], $6::text[], $7::json, ${tableParams}) AS outcome`,
      [ws, before.ledgerVersion, scope, keys, reservationIds, chargeIds, workspaceColumnsArg, ...tableArgs],
      { prepare: true },
    );
    return rows[0]?.outcome === 'applied' ? version : null;
  }
  if (nothingToWrite) {
    if (mode === 'locked') await q.query('SET LOCAL synchronous_commit TO OFF');
    return version;
  }
  const { rows: result } = await q.query<{ applied: boolean }>(
    `SELECT credits_write_batch($1, $2, $3::json, ${tableArgs.map((_, i) => `$${i + 4}::json`).join(', ')}) AS applied`,
    [ws, before.ledgerVersion, workspaceColumnsArg, ...tableArgs],
    { prepare: true },
  );
  return result[0]?.applied === true ? version : null;
}

/**
 * The workspace row's own columns as `credits_write_batch` takes them (JSON keyed by column), from
 * its settings and the ledger figures given. One text for the row as read and as it would be
 * written, so comparing the two says whether it needs writing at all.
 */
function workspaceColumns(
  w: WorkspaceRecord,
  ledger: Pick<WorkspaceRecord, 'deficitMicros' | 'overageUsedMicros' | 'overagePeriodStart' | 'deletedAt'>,
): string {
  const s = w.settings;
  return jsonParam({
    deficit_micros: ledger.deficitMicros,
    overage_used_micros: ledger.overageUsedMicros,
    overage_period_start: ledger.overagePeriodStart,
    seats_granted_period: w.seatsGrantedPeriod,
    alert_state: w.alertState,
    deleted_at: ledger.deletedAt,
    overage_enabled: s.overage.enabled,
    overage_cap_micros: s.overage.monthlyCapMicros,
    seat_pooling: s.seatPooling,
    pinned_model: s.pinnedModel,
    low_balance_thresholds_micros: s.lowBalanceThresholdsMicros,
    expiry_warning_days: s.expiryWarningDays,
    included_micros_per_seat: s.includedMicrosPerSeat,
    max_deficit_micros: s.maxDeficitMicros,
    plan: w.plan,
    enterprise: w.enterprise,
  });
}
