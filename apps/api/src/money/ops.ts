import type * as C from '@aicredits/contract';
import {
  capture,
  charge,
  costOfUsage,
  deleteWorkspace,
  deletionPreview,
  extendReservation,
  grantLot,
  grantSeatCredits,
  type LotScope,
  type LotSource,
  reserve,
  resolveSessionModel,
  type TaskKind,
  topUp,
  type Usage,
  voidReservation,
  type WorkspaceState,
} from '@aicredits/ledger';
import { ApiError } from '../errors.js';
import { orderedId, randomId } from '../keys.js';
import {
  iso,
  serializeCharge,
  serializeLot,
  serializeReservation,
  serializeTopup,
  serializeWorkspace,
  type TopupRecord,
  type WorkspaceRecord,
} from '../store/records.js';
import { policyOf } from '../store/state.js';
import { apply, type IdempotencySpec, type MoneyOp, type OpContext, type RememberedLedger } from './batch.js';

/*
 * The ledger-changing operations. Each builds the engine input, runs it on the batch's state,
 * and answers with the contract body (stored as is for idempotent replays).
 */

type Idem = IdempotencySpec | null;

/** Settling work needs the reservation itself: only a held one is in a remembered ledger. */
const holds = (remembered: RememberedLedger, reservationId: string): boolean =>
  remembered.reservations.some((r) => r.id === reservationId);

export function reserveOp(
  input: {
    reservationId: string;
    memberId: string | null;
    feature: string;
    estimateMicros?: number;
    usageEstimate?: {
      model?: string;
      inputTokens: number;
      outputTokens: number;
      cachedInputTokens: number;
      sandboxSeconds: number;
    };
    ttlSeconds: number;
    taskKind: TaskKind | null;
  },
  idempotency: Idem,
): MoneyOp {
  return {
    name: 'reserve',
    idempotency,
    startsWork: true,
    refs: { reservationIds: [input.reservationId] },
    // A new id is checked by the remembered write; a held one is in the memory.
    decidableFrom: () => true,
    apply(ctx) {
      let amountMicros = input.estimateMicros ?? 0;
      if (input.usageEstimate !== undefined) {
        const { model, ...counts } = input.usageEstimate;
        const resolved = resolveSessionModel(ctx.priceTable, ctx.workspace.settings.pinnedModel, model);
        amountMicros = costOfUsage({ model: resolved, ...counts }, ctx.priceTable).costMicros;
        // A zero-token estimate still needs a positive hold to pass admission meaningfully.
        if (amountMicros === 0) amountMicros = 1;
      }
      const reservation = apply(
        ctx,
        reserve(
          ctx.state,
          {
            reservationId: input.reservationId,
            memberId: input.memberId,
            feature: input.feature,
            amountMicros,
            ttlSeconds: input.ttlSeconds,
          },
          ctx.now,
        ),
      );
      if (!ctx.taskKinds.has(reservation.id)) ctx.taskKinds.set(reservation.id, input.taskKind);
      return {
        status: 201,
        body: serializeReservation(
          { ...reservation, taskKind: ctx.taskKinds.get(reservation.id) ?? null },
          ctx.now,
        ),
      };
    },
  };
}

export function extendOp(
  input: { reservationId: string; additionalMicros: number; ttlSeconds?: number },
  idempotency: Idem,
): MoneyOp {
  return {
    name: 'extend',
    idempotency,
    refs: { reservationIds: [input.reservationId] },
    decidableFrom: (remembered) => holds(remembered, input.reservationId),
    apply(ctx) {
      const reservation = apply(ctx, extendReservation(ctx.state, input, ctx.now));
      return { status: 200, body: serializeReservation(reservation, ctx.now) };
    },
  };
}

function priceUsage(ctx: OpContext, usage: Usage): { amountMicros: number; priceVersion: string } {
  const { costMicros, priceVersion } = costOfUsage(usage, ctx.priceTable);
  return { amountMicros: costMicros, priceVersion };
}

export function captureOp(
  input: {
    reservationId: string;
    chargeId: string;
    amountMicros?: number;
    usage?: Usage;
    outcome: C.ChargeOutcome;
  },
  idempotency: Idem,
): MoneyOp {
  return {
    name: 'capture',
    idempotency,
    refs: { reservationIds: [input.reservationId], chargeIds: [input.chargeId] },
    // A held reservation has no charge yet; the new charge id is checked by the remembered write.
    decidableFrom: (remembered) => holds(remembered, input.reservationId),
    apply(ctx) {
      const priced =
        input.usage === undefined
          ? { amountMicros: input.amountMicros ?? 0, priceVersion: null }
          : priceUsage(ctx, input.usage);
      const held = ctx.state.reservations.find((r) => r.id === input.reservationId);
      const result = apply(
        ctx,
        capture(
          ctx.state,
          {
            reservationId: input.reservationId,
            chargeId: input.chargeId,
            amountMicros: priced.amountMicros,
            outcome: input.outcome,
            usage: input.usage ?? null,
            priceVersion: priced.priceVersion,
          },
          ctx.now,
        ),
      );
      const taskKind = (held as { taskKind?: TaskKind | null } | undefined)?.taskKind ?? null;
      // The engine returns no charge only for a replay whose charge is not loaded; refs load it.
      if (result.charge === null) throw new Error(`capture of ${input.reservationId}: charge not loaded`);
      if (!ctx.taskKinds.has(result.charge.id)) ctx.taskKinds.set(result.charge.id, taskKind);
      return {
        status: 200,
        body: {
          reservation: serializeReservation({ ...result.reservation, taskKind }, ctx.now),
          charge: serializeCharge({
            ...result.charge,
            taskKind: ctx.taskKinds.get(result.charge.id) ?? taskKind,
          }),
        } satisfies C.CaptureResponse,
      };
    },
  };
}

export function voidOp(input: { reservationId: string }, idempotency: Idem): MoneyOp {
  return {
    name: 'void',
    idempotency,
    refs: { reservationIds: [input.reservationId] },
    decidableFrom: (remembered) => holds(remembered, input.reservationId),
    apply(ctx) {
      const reservation = apply(ctx, voidReservation(ctx.state, input, ctx.now));
      return { status: 200, body: serializeReservation(reservation, ctx.now) };
    },
  };
}

export function chargeOp(
  input: {
    chargeId: string;
    memberId: string | null;
    feature: string;
    amountMicros?: number;
    usage?: Usage;
    outcome: C.ChargeOutcome;
    taskKind: TaskKind | null;
  },
  idempotency: Idem,
): MoneyOp {
  return {
    name: 'charge',
    idempotency,
    refs: { chargeIds: [input.chargeId] },
    decidableFrom: () => true,
    apply(ctx) {
      const priced =
        input.usage === undefined
          ? { amountMicros: input.amountMicros ?? 0, priceVersion: null }
          : priceUsage(ctx, input.usage);
      const result = apply(
        ctx,
        charge(
          ctx.state,
          {
            chargeId: input.chargeId,
            memberId: input.memberId,
            feature: input.feature,
            amountMicros: priced.amountMicros,
            outcome: input.outcome,
            usage: input.usage ?? null,
            priceVersion: priced.priceVersion,
          },
          ctx.now,
        ),
      );
      if (!ctx.taskKinds.has(result.id)) ctx.taskKinds.set(result.id, input.taskKind);
      return {
        status: 201,
        body: serializeCharge({ ...result, taskKind: ctx.taskKinds.get(result.id) ?? null }),
      };
    },
  };
}

const SOURCE_OF_KIND: Record<
  'promotional' | 'included' | 'support',
  Exclude<LotSource, 'payment' | 'test_funds'>
> = {
  promotional: 'promotion',
  included: 'plan_period',
  support: 'support_ticket',
};

export function grantLotOp(
  input: {
    lotId: string;
    kind: 'promotional' | 'included' | 'support';
    amountMicros: number;
    expiresAt?: number | null;
    effectiveAt?: number;
    memberId?: string;
    reason: string;
    chargeId?: string;
  },
  idempotency: Idem,
): MoneyOp {
  return {
    name: 'grant_lot',
    idempotency,
    refs: { lotIds: [input.lotId] },
    apply(ctx) {
      const scope: LotScope = input.memberId === undefined ? 'workspace' : `member:${input.memberId}`;
      const lot = apply(
        ctx,
        grantLot(
          ctx.state,
          {
            lotId: input.lotId,
            kind: input.kind,
            scope,
            amountMicros: input.amountMicros,
            ...(input.effectiveAt === undefined ? {} : { effectiveAt: input.effectiveAt }),
            ...(input.expiresAt === undefined ? {} : { expiresAt: input.expiresAt }),
            source: SOURCE_OF_KIND[input.kind],
            note: input.reason,
            chargeId: input.chargeId ?? null,
          },
          ctx.now,
        ),
      );
      return { status: 201, body: serializeLot(lot, ctx.now) };
    },
  };
}

export interface Seat {
  memberId: string;
  paid: boolean;
  active: boolean;
}

/**
 * The engine's grant of this period's included credits to one seat, or null where nothing is
 * granted (self-hosted, no included credits, a seat not both paid and active). Throws the
 * engine's refusal (an amount the ledger cannot hold).
 */
export function seatGrant(workspace: WorkspaceRecord, state: WorkspaceState, seat: Seat, now: number) {
  if (
    workspace.hosting !== 'cloud' ||
    workspace.settings.includedMicrosPerSeat <= 0 ||
    !seat.paid ||
    !seat.active
  ) {
    return null;
  }
  return grantSeatCredits(
    state,
    { seats: [seat], includedMicrosPerSeat: workspace.settings.includedMicrosPerSeat },
    now,
  );
}

/** Grants one member's seat credits for the current period when their seat is active and paid. */
export function grantSeatOp(seat: Seat): MoneyOp {
  return {
    name: 'grant_seat',
    idempotency: null,
    apply(ctx) {
      const granted = seatGrant(ctx.workspace, ctx.state, seat, ctx.now);
      if (granted === null) return { status: 200, body: { granted: 0 } };
      const lots = apply(ctx, granted);
      return { status: 200, body: { granted: lots.length } };
    },
  };
}

/**
 * Credits a top-up exactly once: only a `pending` top-up moves to `succeeded` (guarded under the
 * workspace lock), so a synchronous success and the Stripe webhook cannot both credit it.
 */
export function creditTopupOp(
  input: { topupId: string; paymentIntentId: string | null; invoiceId: string | null },
  idempotency: Idem,
): MoneyOp {
  return {
    name: 'credit_topup',
    idempotency,
    refs: { topupIds: [input.topupId], lotIds: [`lot_${input.topupId}`] },
    apply(ctx) {
      const topup = requireTopup(ctx, input.topupId);
      if (topup.status !== 'pending') {
        // The webhook can credit first; the synchronous answer still knows the invoice.
        if (topup.status === 'succeeded' && topup.invoiceId === null && input.invoiceId !== null) {
          const completed = { ...topup, invoiceId: input.invoiceId };
          setTopup(ctx, completed);
          return { status: 201, body: serializeTopup(completed) };
        }
        return { status: 201, body: serializeTopup(topup) };
      }
      const result = apply(
        ctx,
        topUp(
          ctx.state,
          { topupId: topup.id, lotId: `lot_${topup.id}`, amountMicros: topup.amountMicros, paid: topup.paid },
          ctx.now,
        ),
      );
      const updated: TopupRecord = {
        ...topup,
        status: 'succeeded',
        coveredDeficitMicros: result.coveredDeficitMicros,
        lotId: result.lot?.id ?? null,
        paymentIntentId: input.paymentIntentId ?? topup.paymentIntentId,
        invoiceId: input.invoiceId ?? topup.invoiceId,
        completedAt: ctx.now,
      };
      setTopup(ctx, updated);
      ctx.events.push({
        id: `evt_topup_succeeded_${topup.id}`,
        type: 'topup.succeeded',
        createdAt: iso(ctx.now),
        workspaceId: ctx.workspace.id,
        data: {
          topupId: topup.id,
          amountMicros: topup.amountMicros,
          taxMicros: topup.taxMicros,
          totalMicros: topup.amountMicros + topup.taxMicros,
          coveredDeficitMicros: result.coveredDeficitMicros,
          lotId: updated.lotId,
          testFunds: topup.testFunds,
          invoiceId: updated.invoiceId,
          paymentIntentId: updated.paymentIntentId,
        },
      });
      return { status: 201, body: serializeTopup(updated) };
    },
  };
}

export function failTopupOp(
  input: { topupId: string; paymentIntentId: string | null; failureCode: string; failureMessage: string },
  idempotency: Idem,
): MoneyOp {
  return {
    name: 'fail_topup',
    idempotency,
    refs: { topupIds: [input.topupId] },
    apply(ctx) {
      const topup = requireTopup(ctx, input.topupId);
      if (topup.status !== 'pending') return { status: 201, body: serializeTopup(topup) };
      const updated: TopupRecord = {
        ...topup,
        status: 'failed',
        paymentIntentId: input.paymentIntentId ?? topup.paymentIntentId,
        failureCode: input.failureCode,
        failureMessage: input.failureMessage,
        completedAt: ctx.now,
      };
      setTopup(ctx, updated);
      ctx.events.push({
        id: `evt_topup_failed_${topup.id}`,
        type: 'topup.failed',
        createdAt: iso(ctx.now),
        workspaceId: ctx.workspace.id,
        data: {
          topupId: topup.id,
          amountMicros: topup.amountMicros,
          paymentIntentId: updated.paymentIntentId,
          failureCode: input.failureCode,
          failureMessage: input.failureMessage,
        },
      });
      return { status: 201, body: serializeTopup(updated) };
    },
  };
}

/** Stores the answer of a top-up that is still processing (credited later by the webhook). */
export function pendingTopupOp(
  input: { topupId: string; paymentIntentId: string | null; invoiceId: string | null },
  idempotency: Idem,
): MoneyOp {
  return {
    name: 'pending_topup',
    idempotency,
    refs: { topupIds: [input.topupId] },
    apply(ctx) {
      const topup = requireTopup(ctx, input.topupId);
      const updated: TopupRecord =
        topup.status === 'pending'
          ? {
              ...topup,
              paymentIntentId: input.paymentIntentId ?? topup.paymentIntentId,
              invoiceId: input.invoiceId ?? topup.invoiceId,
            }
          : topup;
      if (updated !== topup) setTopup(ctx, updated);
      return { status: 201, body: serializeTopup(updated) };
    },
  };
}

function requireTopup(ctx: OpContext, topupId: string): TopupRecord {
  const topup = ctx.topups.get(topupId);
  if (topup === undefined) throw new ApiError('not_found', `Top-up "${topupId}" was not found.`);
  return topup;
}

function setTopup(ctx: OpContext, topup: TopupRecord): void {
  ctx.topups.set(topup.id, topup);
  ctx.changedTopups.add(topup.id);
}

export interface SettingsPatch {
  overage?: { enabled?: boolean; monthlyCapMicros?: number | null };
  seatPooling?: boolean;
  pinnedModel?: string | null;
  lowBalanceThresholdsMicros?: number[];
  expiryWarningDays?: number[];
  includedMicrosPerSeat?: number;
  maxDeficitMicros?: number;
  plan?: C.Plan;
  enterprise?: boolean;
}

/** Settings change admission (overage, pooling), so they go through the same serialised path. */
export function updateSettingsOp(patch: SettingsPatch, idempotency: Idem): MoneyOp {
  return {
    name: 'update_settings',
    idempotency,
    alone: true,
    apply(ctx) {
      if (ctx.state.policy.deletedAt !== null) {
        throw new ApiError(
          'workspace_deleted',
          'This workspace was deleted; its settings can no longer change.',
        );
      }
      if (patch.pinnedModel !== undefined && patch.pinnedModel !== null) {
        // Refuses an unknown model with the engine's own error.
        resolveSessionModel(ctx.priceTable, patch.pinnedModel);
      }
      const w = ctx.workspace;
      const s = w.settings;
      const settings = {
        ...s,
        overage: {
          enabled: patch.overage?.enabled ?? s.overage.enabled,
          monthlyCapMicros:
            patch.overage?.monthlyCapMicros === undefined
              ? s.overage.monthlyCapMicros
              : patch.overage.monthlyCapMicros,
        },
        seatPooling: patch.seatPooling ?? s.seatPooling,
        pinnedModel: patch.pinnedModel === undefined ? s.pinnedModel : patch.pinnedModel,
        lowBalanceThresholdsMicros: patch.lowBalanceThresholdsMicros ?? s.lowBalanceThresholdsMicros,
        expiryWarningDays: patch.expiryWarningDays ?? s.expiryWarningDays,
        includedMicrosPerSeat: patch.includedMicrosPerSeat ?? s.includedMicrosPerSeat,
        maxDeficitMicros: patch.maxDeficitMicros ?? s.maxDeficitMicros,
      };
      // New thresholds start disarmed when the balance is already below them: an alert is for a
      // crossing, not for a setting change.
      const added = settings.lowBalanceThresholdsMicros.filter(
        (t) => !s.lowBalanceThresholdsMicros.includes(t),
      );
      const alertState = { ...w.alertState, low: [...w.alertState.low] };
      if (added.length > 0 && w.hosting === 'cloud') {
        const spendable = currentSpendable(ctx);
        for (const t of added) if (spendable < t && !alertState.low.includes(t)) alertState.low.push(t);
      }
      ctx.workspace = {
        ...w,
        settings,
        alertState,
        plan: patch.plan ?? w.plan,
        enterprise: patch.enterprise ?? w.enterprise,
      };
      ctx.state = { ...ctx.state, policy: policyOf(ctx.workspace) };
      ctx.settingsChanged = true;
      return { status: 200, body: serializeWorkspace(ctx.workspace, ctx.state.period) };
    },
  };
}

function currentSpendable(ctx: OpContext): number {
  const preview = deletionPreview(ctx.state, ctx.now);
  return preview.totalMicros - ctx.state.deficitMicros;
}

export function deleteWorkspaceOp(idempotency: Idem): MoneyOp {
  return {
    name: 'delete_workspace',
    idempotency,
    apply(ctx) {
      const result = apply(ctx, deleteWorkspace(ctx.state, ctx.now));
      ctx.workspace = { ...ctx.workspace, deletedAt: ctx.now };
      return {
        status: 200,
        body: {
          workspaceId: ctx.workspace.id,
          deletedAt: iso(ctx.now),
          forfeitedMicros: result.forfeitedMicros,
          lots: result.lots.map((lot) => {
            const before = ctx.state.lots.find((l) => l.id === lot.id);
            return {
              lotId: lot.id,
              kind: lot.kind,
              scope: lot.scope,
              remainingMicros: forfeitedOf(ctx, lot.id) ?? before?.remainingMicros ?? 0,
              expiresAt: lot.expiresAt === null ? null : iso(lot.expiresAt),
            };
          }),
        } satisfies C.DeletedWorkspace,
      };
    },
  };
}

function forfeitedOf(ctx: OpContext, lotId: string): number | null {
  const entry = ctx.entries.find((e) => e.type === 'lot_forfeited' && e.lotId === lotId);
  return entry === undefined ? null : -entry.amountMicros;
}

/** Runs only the batch housekeeping (expiry, lapsed holds, seat grants). For sweeps and jobs. */
export function sweepOp(): MoneyOp {
  return { name: 'sweep', idempotency: null, apply: () => ({ status: 200, body: null }) };
}

export const newReservationId = () => orderedId('res');
export const newChargeId = () => orderedId('ch');
export const newLotId = () => randomId('lot');
