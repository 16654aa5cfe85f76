import {
  billingPeriodAt,
  canDraw,
  compareBurnOrder,
  type Draw,
  isSpendable,
  type LedgerEntry,
  type Lot,
  type WorkspacePolicy,
} from '@aicredits/ledger';
import type { Queryable } from './db/db.js';
import {
  type ChargeRecord,
  chargeFromRow,
  drawFromRow,
  entryFromRow,
  lotFromRow,
  type PolicyChangeRecord,
  policyChangeFromRow,
  type ReservationRecord,
  reservationFromRow,
  type TopupRecord,
  topupFromRow,
  type WorkspaceRecord,
  workspaceFromRow,
} from './store/records.js';
import { policyOf } from './store/state.js';

/**
 * A whole-ledger invariant checker: reads every stored row of the workspaces it is given and
 * verifies that the money adds up, independently of the code that wrote it. The reliability
 * suites run it after every fault scenario and the benchmarks after every run, so a lost write,
 * a double charge or a draw out of order shows up as a named violation instead of a wrong total
 * somebody might notice months later.
 *
 * It only reads. Each workspace is read in one REPEATABLE READ snapshot (when `db` can open a
 * transaction), so it may run while traffic continues: a batch committing meanwhile is seen
 * whole or not at all.
 */

export type InvariantName =
  /** Per lot: original − draws − expiry − forfeit = remaining, one grant entry, draws rows = draw entries. */
  | 'lot_balance'
  /** The workspace deficit equals Σ charge_deficit + Σ deficit_covered, and is never negative. */
  | 'deficit_balance'
  /** The stored overage of the stored period equals Σ charge_overage entries in that period. */
  | 'overage_balance'
  /** A charge's amount = Σ draws + deficit + overage, and its entries say the same. */
  | 'charge_sum'
  /** Hold entries net to what a `held` reservation holds and to zero once it is settled. */
  | 'hold_balance'
  /** Captures and charges point at each other exactly once; no capture without its reservation. */
  | 'capture_link'
  /** No draw at or after a lot's expiresAt, before its effectiveAt, or after it was closed. */
  | 'expired_lot_spent'
  /** Each charge drew exactly what the engine's burn order gives over the lots spendable then. */
  | 'burn_order'
  /** deficit ≤ maxDeficit + Σ overruns + Σ captures of lapsed holds, at every point in time. */
  | 'overshoot_bound'
  /** No reservation still `held` at or past its TTL (only checked when the sweeper has run). */
  | 'hold_past_ttl'
  /** A succeeded top-up is credited exactly once (deficit covered + lot); others credit nothing. */
  | 'topup_credit'
  /** Every entry points at a lot, charge, reservation or top-up that exists in its workspace. */
  | 'entry_reference';

export interface InvariantViolation {
  invariant: InvariantName;
  workspaceId: string;
  /** The lot, charge, reservation or top-up concerned (the workspace id for workspace totals). */
  subject: string;
  message: string;
}

export interface InvariantOptions {
  /** Only these workspaces (default: every workspace in the database). */
  workspaceIds?: readonly string[];
  /**
   * The service's current instant. With `holdsSwept`, a reservation still `held` at or after its
   * `expiresAt` by this instant is a violation.
   */
  now?: number;
  /** True once the expiry sweep has run after `now` (the hold_past_ttl check needs it). */
  holdsSwept?: boolean;
  /** Stop collecting after this many violations (default 100). */
  maxViolations?: number;
}

export interface InvariantReport {
  ok: boolean;
  violations: InvariantViolation[];
  /** What was checked, for the record (and to catch a check that silently read nothing). */
  counts: {
    workspaces: number;
    lots: number;
    reservations: number;
    charges: number;
    draws: number;
    entries: number;
    topups: number;
  };
}

interface WorkspaceRows {
  workspace: WorkspaceRecord;
  lots: Lot[];
  reservations: ReservationRecord[];
  charges: ChargeRecord[];
  entries: (LedgerEntry & { seq: number })[];
  topups: TopupRecord[];
  policyChanges: PolicyChangeRecord[];
  draws: number;
}

/** Reads the whole ledger of the given workspaces and checks every invariant. Never throws on a violation. */
export async function checkLedgerInvariants(
  db: Queryable & { transaction?: <T>(fn: (tx: Queryable) => Promise<T>) => Promise<T> },
  options: InvariantOptions = {},
): Promise<InvariantReport> {
  const max = options.maxViolations ?? 100;
  const violations: InvariantViolation[] = [];
  const counts = { workspaces: 0, lots: 0, reservations: 0, charges: 0, draws: 0, entries: 0, topups: 0 };
  const ids =
    options.workspaceIds ??
    (await db.query<{ id: string }>('SELECT id FROM workspaces ORDER BY id')).rows.map((r) => String(r.id));
  for (const workspaceId of ids) {
    if (violations.length >= max) break;
    // One snapshot per workspace, so a batch committing meanwhile is seen whole or not at all.
    const rows =
      db.transaction === undefined
        ? await readWorkspace(db, workspaceId)
        : await db.transaction(async (tx) => {
            await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
            return readWorkspace(tx, workspaceId);
          });
    if (rows === null) continue;
    counts.workspaces += 1;
    counts.lots += rows.lots.length;
    counts.reservations += rows.reservations.length;
    counts.charges += rows.charges.length;
    counts.draws += rows.draws;
    counts.entries += rows.entries.length;
    counts.topups += rows.topups.length;
    const report = (invariant: InvariantName, subject: string, message: string) => {
      if (violations.length < max) violations.push({ invariant, workspaceId, subject, message });
    };
    checkWorkspace(rows, options, report);
  }
  return { ok: violations.length === 0, violations, counts };
}

/** Throws an Error listing every violation (for tests and scripts). Returns the report otherwise. */
export async function assertLedgerInvariants(
  db: Parameters<typeof checkLedgerInvariants>[0],
  options: InvariantOptions = {},
): Promise<InvariantReport> {
  const report = await checkLedgerInvariants(db, options);
  if (!report.ok) {
    const lines = report.violations.map(
      (v) => `  - [${v.invariant}] ${v.workspaceId} ${v.subject}: ${v.message}`,
    );
    throw new Error(`Ledger invariants violated (${report.violations.length}):\n${lines.join('\n')}`);
  }
  return report;
}

async function readWorkspace(q: Queryable, workspaceId: string): Promise<WorkspaceRows | null> {
  const ws = await q.query('SELECT * FROM workspaces WHERE id = $1', [workspaceId]);
  const row = ws.rows[0];
  if (row === undefined) return null;
  const lots = (await q.query('SELECT * FROM lots WHERE workspace_id = $1', [workspaceId])).rows.map(
    lotFromRow,
  );
  const reservations = (
    await q.query('SELECT * FROM reservations WHERE workspace_id = $1', [workspaceId])
  ).rows.map(reservationFromRow);
  const drawRows = (
    await q.query('SELECT * FROM charge_draws WHERE workspace_id = $1 ORDER BY charge_id, seq', [workspaceId])
  ).rows.map(drawFromRow);
  const drawsByCharge = new Map<string, Draw[]>();
  for (const d of drawRows) {
    const list = drawsByCharge.get(d.chargeId) ?? [];
    list.push({ lotId: d.lotId, kind: d.kind, scope: d.scope, amountMicros: d.amountMicros });
    drawsByCharge.set(d.chargeId, list);
  }
  const charges = (await q.query('SELECT * FROM charges WHERE workspace_id = $1', [workspaceId])).rows.map(
    (r) => chargeFromRow(r, drawsByCharge.get(String(r.id)) ?? []),
  );
  const orphanDraws = [...drawsByCharge.keys()].filter((id) => !charges.some((c) => c.id === id));
  const entries = (
    await q.query('SELECT * FROM ledger_entries WHERE workspace_id = $1 ORDER BY seq', [workspaceId])
  ).rows.map(entryFromRow);
  const topups = (await q.query('SELECT * FROM topups WHERE workspace_id = $1', [workspaceId])).rows.map(
    topupFromRow,
  );
  const policyChanges = (
    await q.query('SELECT * FROM policy_changes WHERE workspace_id = $1 ORDER BY seq', [workspaceId])
  ).rows.map(policyChangeFromRow);
  for (const id of orphanDraws) {
    // A draw row without its charge: represent it as a charge with no header so the checks flag it.
    charges.push({
      id,
      workspaceId,
      reservationId: null,
      memberId: null,
      feature: '?',
      amountMicros: Number.NaN,
      outcome: 'succeeded',
      usage: null,
      priceVersion: null,
      draws: drawsByCharge.get(id) ?? [],
      deficitMicros: 0,
      overageMicros: 0,
      overrunMicros: 0,
      at: 0,
    });
  }
  return {
    workspace: workspaceFromRow(row),
    lots,
    reservations,
    charges,
    entries,
    topups,
    policyChanges,
    draws: drawRows.length,
  };
}

type Report = (invariant: InvariantName, subject: string, message: string) => void;

function checkWorkspace(rows: WorkspaceRows, options: InvariantOptions, report: Report): void {
  const { workspace, lots, reservations, charges, entries, topups } = rows;
  const lotById = new Map(lots.map((l) => [l.id, l]));
  const chargeById = new Map(charges.map((c) => [c.id, c]));
  const reservationById = new Map(reservations.map((r) => [r.id, r]));
  const topupById = new Map(topups.map((t) => [t.id, t]));

  // --- entry references
  for (const e of entries) {
    if (e.lotId !== null && !lotById.has(e.lotId))
      report('entry_reference', e.id, `entry ${e.type} names lot ${e.lotId}, which does not exist`);
    if (e.chargeId !== null && e.type !== 'lot_granted' && !chargeById.has(e.chargeId))
      report('entry_reference', e.id, `entry ${e.type} names charge ${e.chargeId}, which does not exist`);
    if (e.reservationId !== null && !reservationById.has(e.reservationId))
      report(
        'entry_reference',
        e.id,
        `entry ${e.type} names reservation ${e.reservationId}, which does not exist`,
      );
    if (e.topupId !== null && !topupById.has(e.topupId))
      report('entry_reference', e.id, `entry ${e.type} names top-up ${e.topupId}, which does not exist`);
  }

  checkLots(lots, charges, entries, report);
  checkCharges(charges, entries, reservationById, report);
  checkHolds(reservations, charges, entries, options, report);
  checkWorkspaceTotals(workspace, entries, report);
  checkTopups(topups, lots, entries, report);
  checkBurnOrderAndBound(workspace, lots, charges, reservationById, entries, rows.policyChanges, report);
}

function checkLots(
  lots: readonly Lot[],
  charges: readonly ChargeRecord[],
  entries: readonly LedgerEntry[],
  report: Report,
): void {
  const drawnFromRows = new Map<string, number>();
  const drawAt = new Map<string, number[]>();
  for (const c of charges) {
    for (const d of c.draws) {
      drawnFromRows.set(d.lotId, (drawnFromRows.get(d.lotId) ?? 0) + d.amountMicros);
      const list = drawAt.get(d.lotId) ?? [];
      list.push(c.at);
      drawAt.set(d.lotId, list);
    }
  }
  const byLot = new Map<string, LedgerEntry[]>();
  for (const e of entries) {
    if (e.lotId === null) continue;
    const list = byLot.get(e.lotId) ?? [];
    list.push(e);
    byLot.set(e.lotId, list);
  }
  for (const lot of lots) {
    const own = byLot.get(lot.id) ?? [];
    const granted = own.filter((e) => e.type === 'lot_granted');
    const sumOf = (type: LedgerEntry['type']) =>
      own.filter((e) => e.type === type).reduce((s, e) => s + e.amountMicros, 0);
    const draws = -sumOf('charge_draw');
    const expired = -sumOf('lot_expired');
    const forfeited = -sumOf('lot_forfeited');
    if (granted.length !== 1 || granted[0]?.amountMicros !== lot.originalMicros) {
      report(
        'lot_balance',
        lot.id,
        `expected one lot_granted entry of ${lot.originalMicros}, found ${granted.length} (${granted.map((e) => e.amountMicros).join(', ')})`,
      );
    }
    const expected = lot.originalMicros - draws - expired - forfeited;
    if (expected !== lot.remainingMicros) {
      report(
        'lot_balance',
        lot.id,
        `original ${lot.originalMicros} − draws ${draws} − expiry ${expired} − forfeit ${forfeited} = ${expected}, but remaining is ${lot.remainingMicros}`,
      );
    }
    const rowsDrawn = drawnFromRows.get(lot.id) ?? 0;
    if (rowsDrawn !== draws) {
      report(
        'lot_balance',
        lot.id,
        `charge_draws rows sum to ${rowsDrawn} but charge_draw entries to ${draws}`,
      );
    }
    if (lot.remainingMicros < 0 || lot.remainingMicros > lot.originalMicros) {
      report('lot_balance', lot.id, `remaining ${lot.remainingMicros} is outside [0, ${lot.originalMicros}]`);
    }
    const closes = own.filter((e) => e.type === 'lot_expired' || e.type === 'lot_forfeited').length;
    if (closes > 1) report('lot_balance', lot.id, `closed ${closes} times`);
    if (lot.closedAt !== null && lot.remainingMicros !== 0) {
      report(
        'lot_balance',
        lot.id,
        `closed at ${iso(lot.closedAt)} with ${lot.remainingMicros} still remaining`,
      );
    }
    if (closes > 0 && lot.closedAt === null)
      report('lot_balance', lot.id, 'has an expiry or forfeit entry but is not closed');
    if (
      lot.closeReason === 'expired' &&
      lot.expiresAt !== null &&
      lot.closedAt !== null &&
      lot.closedAt < lot.expiresAt
    ) {
      report(
        'lot_balance',
        lot.id,
        `closed as expired at ${iso(lot.closedAt)}, before its expiry ${iso(lot.expiresAt)}`,
      );
    }
    for (const at of drawAt.get(lot.id) ?? []) {
      if (lot.expiresAt !== null && at >= lot.expiresAt) {
        report(
          'expired_lot_spent',
          lot.id,
          `drawn at ${iso(at)}, at or after its expiry ${iso(lot.expiresAt)}`,
        );
      }
      if (at < lot.effectiveAt) {
        report(
          'expired_lot_spent',
          lot.id,
          `drawn at ${iso(at)}, before it became effective ${iso(lot.effectiveAt)}`,
        );
      }
      if (lot.closedAt !== null && at > lot.closedAt) {
        report('expired_lot_spent', lot.id, `drawn at ${iso(at)}, after it was closed ${iso(lot.closedAt)}`);
      }
    }
  }
}

function checkCharges(
  charges: readonly ChargeRecord[],
  entries: readonly LedgerEntry[],
  reservationById: ReadonlyMap<string, ReservationRecord>,
  report: Report,
): void {
  const byCharge = new Map<string, LedgerEntry[]>();
  for (const e of entries) {
    if (e.chargeId === null || e.type === 'lot_granted') continue;
    const list = byCharge.get(e.chargeId) ?? [];
    list.push(e);
    byCharge.set(e.chargeId, list);
  }
  for (const c of charges) {
    if (Number.isNaN(c.amountMicros)) {
      report('charge_sum', c.id, 'has charge_draws rows but no charge');
      continue;
    }
    const drawn = c.draws.reduce((s, d) => s + d.amountMicros, 0);
    if (drawn + c.deficitMicros + c.overageMicros !== c.amountMicros) {
      report(
        'charge_sum',
        c.id,
        `draws ${drawn} + deficit ${c.deficitMicros} + overage ${c.overageMicros} ≠ amount ${c.amountMicros}`,
      );
    }
    if (c.draws.some((d) => d.amountMicros <= 0) || c.deficitMicros < 0 || c.overageMicros < 0) {
      report('charge_sum', c.id, 'has a non-positive draw or a negative deficit/overage part');
    }
    const own = byCharge.get(c.id) ?? [];
    const drawEntries = own.filter((e) => e.type === 'charge_draw');
    const sameDraws =
      drawEntries.length === c.draws.length &&
      c.draws.every((d) =>
        drawEntries.some((e) => e.lotId === d.lotId && -e.amountMicros === d.amountMicros),
      );
    if (!sameDraws) {
      report(
        'charge_sum',
        c.id,
        `draw rows [${c.draws.map((d) => `${d.lotId}:${d.amountMicros}`).join(', ')}] differ from draw entries [${drawEntries.map((e) => `${e.lotId}:${-e.amountMicros}`).join(', ')}]`,
      );
    }
    const deficit = own.filter((e) => e.type === 'charge_deficit').reduce((s, e) => s + e.amountMicros, 0);
    const overage = own.filter((e) => e.type === 'charge_overage').reduce((s, e) => s + e.amountMicros, 0);
    if (deficit !== c.deficitMicros || overage !== c.overageMicros) {
      report(
        'charge_sum',
        c.id,
        `entries record deficit ${deficit} and overage ${overage}; the charge says ${c.deficitMicros} and ${c.overageMicros}`,
      );
    }
    if (c.reservationId !== null) {
      const r = reservationById.get(c.reservationId);
      if (r === undefined) {
        report('capture_link', c.id, `captures reservation ${c.reservationId}, which does not exist`);
      } else if (r.status !== 'captured' || r.chargeId !== c.id) {
        report(
          'capture_link',
          c.id,
          `captures reservation ${r.id}, which is ${r.status} with charge ${String(r.chargeId)}`,
        );
      }
    }
  }
}

function checkHolds(
  reservations: readonly ReservationRecord[],
  charges: readonly ChargeRecord[],
  entries: readonly LedgerEntry[],
  options: InvariantOptions,
  report: Report,
): void {
  const held = new Map<string, number>();
  const releases = new Map<string, number>();
  for (const e of entries) {
    if (e.reservationId === null) continue;
    if (
      e.type === 'reservation_held' ||
      e.type === 'reservation_extended' ||
      e.type === 'reservation_released'
    ) {
      held.set(e.reservationId, (held.get(e.reservationId) ?? 0) + e.amountMicros);
    }
    if (e.type === 'reservation_released')
      releases.set(e.reservationId, (releases.get(e.reservationId) ?? 0) + 1);
  }
  const chargesOf = new Map<string, number>();
  for (const c of charges) {
    if (c.reservationId !== null) chargesOf.set(c.reservationId, (chargesOf.get(c.reservationId) ?? 0) + 1);
  }
  for (const r of reservations) {
    const net = held.get(r.id) ?? 0;
    const expected = r.status === 'held' && r.metered ? r.heldMicros : 0;
    if (net !== expected) {
      report(
        'hold_balance',
        r.id,
        `hold entries net to ${net}; a ${r.status} reservation should hold ${expected}`,
      );
    }
    if ((releases.get(r.id) ?? 0) > 1) report('hold_balance', r.id, 'released more than once');
    if (r.status !== 'held' && r.settledAt === null)
      report('hold_balance', r.id, `${r.status} without settledAt`);
    const n = chargesOf.get(r.id) ?? 0;
    if (r.status === 'captured') {
      if (r.chargeId === null || n !== 1) {
        report(
          'capture_link',
          r.id,
          `captured with charge ${String(r.chargeId)} but ${n} charges point at it`,
        );
      }
    } else if (n !== 0 || r.chargeId !== null) {
      report(
        'capture_link',
        r.id,
        `${r.status} but ${n} charges point at it (chargeId ${String(r.chargeId)})`,
      );
    }
    if (
      options.holdsSwept === true &&
      options.now !== undefined &&
      r.status === 'held' &&
      r.expiresAt <= options.now
    ) {
      report(
        'hold_past_ttl',
        r.id,
        `still held at ${iso(options.now)}, past its TTL ${iso(r.expiresAt)}, after the sweeper ran`,
      );
    }
  }
}

function checkWorkspaceTotals(
  workspace: WorkspaceRecord,
  entries: readonly LedgerEntry[],
  report: Report,
): void {
  let deficit = 0;
  for (const e of entries) {
    if (e.type === 'charge_deficit' || e.type === 'deficit_covered') deficit += e.amountMicros;
  }
  if (deficit !== workspace.deficitMicros || workspace.deficitMicros < 0) {
    report(
      'deficit_balance',
      workspace.id,
      `entries give a deficit of ${deficit}; the workspace records ${workspace.deficitMicros}`,
    );
  }
  const period = billingPeriodAt(workspace.billingAnchor, workspace.overagePeriodStart);
  let overage = 0;
  for (const e of entries) {
    if (e.type === 'charge_overage' && e.at >= period.start && e.at < period.end) overage += e.amountMicros;
  }
  if (overage !== workspace.overageUsedMicros) {
    report(
      'overage_balance',
      workspace.id,
      `entries give ${overage} of overage in the period from ${iso(period.start)}; the workspace records ${workspace.overageUsedMicros}`,
    );
  }
}

function checkTopups(
  topups: readonly TopupRecord[],
  lots: readonly Lot[],
  entries: readonly LedgerEntry[],
  report: Report,
): void {
  for (const t of topups) {
    const own = entries.filter((e) => e.topupId === t.id);
    const covered = -own.filter((e) => e.type === 'deficit_covered').reduce((s, e) => s + e.amountMicros, 0);
    const grants = own.filter((e) => e.type === 'lot_granted');
    const lotsOf = lots.filter((l) => l.topupId === t.id);
    if (t.status !== 'succeeded') {
      if (own.length > 0 || lotsOf.length > 0) {
        report(
          'topup_credit',
          t.id,
          `${t.status} but credited (${own.length} entries, ${lotsOf.length} lots)`,
        );
      }
      continue;
    }
    const credited = covered + grants.reduce((s, e) => s + e.amountMicros, 0);
    const coverEntries = own.filter((e) => e.type === 'deficit_covered').length;
    if (credited !== t.amountMicros || grants.length > 1 || coverEntries > 1 || lotsOf.length > 1) {
      report(
        'topup_credit',
        t.id,
        `succeeded for ${t.amountMicros} but credited ${credited} (${grants.length} lot grants, ${coverEntries} deficit covers, ${lotsOf.length} lots)`,
      );
      continue;
    }
    if (covered !== t.coveredDeficitMicros) {
      report(
        'topup_credit',
        t.id,
        `covered ${covered} of deficit; the top-up records ${t.coveredDeficitMicros}`,
      );
    }
    const lot = lotsOf[0];
    const lotMicros = t.amountMicros - covered;
    if (lotMicros > 0 && (lot === undefined || lot.originalMicros !== lotMicros || t.lotId !== lot.id)) {
      report(
        'topup_credit',
        t.id,
        `should have made a purchased lot of ${lotMicros} (lot ${String(t.lotId)})`,
      );
    }
    if (
      lot !== undefined &&
      (lot.kind !== 'purchased' || lot.source !== (t.paid ? 'payment' : 'test_funds'))
    ) {
      report('topup_credit', t.id, `its lot ${lot.id} is ${lot.kind}/${lot.source}`);
    }
  }
}

/**
 * Replays the entries in commit order (a batch's write holds its workspace's row lock from its
 * version bump to COMMIT, so `seq` is the order the engine applied them), keeping each lot's remaining amount. At each
 * charge's first entry the lots are exactly as the engine saw them, so the draws it must have
 * made can be recomputed and compared, and the running deficit checked against its bound.
 *
 * Seat pooling and the deficit bound are taken as they were at each entry (`policy_changes`).
 * A lowered bound does not bind holds admitted under the higher one, so the bound checked is the
 * largest in force so far: never a false alarm, looser only after a bound was lowered.
 */
function checkBurnOrderAndBound(
  workspace: WorkspaceRecord,
  lots: readonly Lot[],
  charges: readonly ChargeRecord[],
  reservationById: ReadonlyMap<string, ReservationRecord>,
  entries: readonly (LedgerEntry & { seq: number })[],
  policyChanges: readonly PolicyChangeRecord[],
  report: Report,
): void {
  const first = policyChanges[0];
  let policy: WorkspacePolicy = policyOf(workspace);
  if (first !== undefined) policy = { ...policy, seatPooling: first.oldSeatPooling };
  let largestMaxDeficit = first?.oldMaxDeficitMicros ?? workspace.settings.maxDeficitMicros;
  let nextChange = 0;
  const remaining = new Map<string, number>();
  const chargeById = new Map(charges.map((c) => [c.id, c]));
  const seen = new Set<string>();
  let deficit = 0;
  // Overruns and captures of lapsed holds: what the deficit may exceed the bound by.
  let beyondBound = 0;
  for (const e of entries) {
    for (let c = policyChanges[nextChange]; c !== undefined && c.afterEntrySeq < e.seq; ) {
      policy = { ...policy, seatPooling: c.newSeatPooling };
      largestMaxDeficit = Math.max(largestMaxDeficit, c.newMaxDeficitMicros);
      nextChange += 1;
      c = policyChanges[nextChange];
    }
    const isChargeEntry =
      e.type === 'charge_draw' || e.type === 'charge_deficit' || e.type === 'charge_overage';
    if (isChargeEntry && e.chargeId !== null && !seen.has(e.chargeId)) {
      seen.add(e.chargeId);
      const c = chargeById.get(e.chargeId);
      if (c !== undefined && !Number.isNaN(c.amountMicros)) {
        checkDraws(c, lots, remaining, policy, report);
        beyondBound += c.overrunMicros;
        const r = c.reservationId === null ? undefined : reservationById.get(c.reservationId);
        // A capture of a lapsed hold was admitted by nothing: its whole amount may add to the deficit.
        if (r !== undefined && r.expiresAt <= c.at) beyondBound += c.amountMicros;
      }
    }
    // Grants add, draws, expiry and forfeits subtract: every lot entry is signed.
    if (e.lotId !== null) remaining.set(e.lotId, (remaining.get(e.lotId) ?? 0) + e.amountMicros);
    if (e.type === 'charge_deficit' || e.type === 'deficit_covered') {
      deficit += e.amountMicros;
      const bound = largestMaxDeficit + beyondBound;
      if (e.type === 'charge_deficit' && deficit > bound) {
        report(
          'overshoot_bound',
          e.chargeId ?? workspace.id,
          `deficit reached ${deficit} at ${iso(e.at)}; the bound is ${bound} (maxDeficit ${largestMaxDeficit} + overruns + lapsed captures)`,
        );
      }
    }
  }
  for (const c of charges) {
    if (!seen.has(c.id) && c.amountMicros !== 0 && !Number.isNaN(c.amountMicros)) {
      report('charge_sum', c.id, `charged ${c.amountMicros} but has no entries`);
    }
  }
}

function checkDraws(
  c: ChargeRecord,
  lots: readonly Lot[],
  remaining: ReadonlyMap<string, number>,
  policy: WorkspacePolicy,
  report: Report,
): void {
  const candidates = lots
    .map((lot) => ({
      ...lot,
      remainingMicros: remaining.get(lot.id) ?? 0,
      closedAt: null,
      closeReason: null,
    }))
    .filter((lot) => isSpendable(lot, c.at) && canDraw(policy, c.memberId, lot))
    .sort(compareBurnOrder);
  const expected: { lotId: string; amountMicros: number }[] = [];
  let left = c.amountMicros;
  for (const lot of candidates) {
    if (left === 0) break;
    const amount = Math.min(left, lot.remainingMicros);
    expected.push({ lotId: lot.id, amountMicros: amount });
    left -= amount;
  }
  const actual = c.draws.map((d) => `${d.lotId}:${d.amountMicros}`).join(', ');
  const wanted = expected.map((d) => `${d.lotId}:${d.amountMicros}`).join(', ');
  if (actual !== wanted || left !== c.deficitMicros + c.overageMicros) {
    report(
      'burn_order',
      c.id,
      `drew [${actual}] leaving ${c.deficitMicros + c.overageMicros} unpaid; burn order over the lots spendable at ${iso(c.at)} gives [${wanted}] leaving ${left}`,
    );
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
