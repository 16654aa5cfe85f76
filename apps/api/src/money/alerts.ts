import type { WebhookEvent } from '@aicredits/contract';
import { balanceOf, type Charge, isSpendable, scopeMember, type WorkspaceState } from '@aicredits/ledger';
import { randomId } from '../keys.js';
import { type AlertState, iso, type WorkspaceRecord } from '../store/records.js';

/**
 * The §8 balance alerts, decided inside the money transaction by comparing the workspace
 * before and after a batch. Each alert fires once per crossing and re-arms only after the
 * balance recovers; the armed state is stored with the workspace, so replicas agree.
 */
export interface AlertOutcome {
  alertState: AlertState;
  events: WebhookEvent[];
}

function figures(workspace: WorkspaceRecord, state: WorkspaceState, now: number) {
  const b = balanceOf(state, now);
  return {
    unit: workspace.unit,
    availableMicros: b.availableMicros,
    reservedMicros: b.reservedMicros,
    spendableMicros: b.spendableMicros,
    deficitMicros: b.deficitMicros,
    canBegin: b.canBegin,
  };
}

function seatRemaining(state: WorkspaceState, now: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const lot of state.lots) {
    const member = scopeMember(lot.scope);
    if (lot.kind !== 'included' || member === null) continue;
    if (lot.expiresAt !== null && lot.expiresAt <= now) continue;
    if (lot.effectiveAt > now) continue;
    out.set(member, (out.get(member) ?? 0) + (isSpendable(lot, now) ? lot.remainingMicros : 0));
  }
  return out;
}

export function evaluateAlerts(
  workspace: WorkspaceRecord,
  before: WorkspaceState,
  after: WorkspaceState,
  newCharges: readonly Charge[],
  now: number,
): AlertOutcome {
  const previous = workspace.alertState;
  const next: AlertState = {
    ...previous,
    low: [...previous.low],
    seatExhausted: { ...previous.seatExhausted },
  };
  const events: WebhookEvent[] = [];
  // Self-hosted workspaces are never metered or blocked; deleted ones have nothing to alert on.
  if (workspace.hosting === 'self_hosted' || after.policy.deletedAt !== null) {
    return { alertState: next, events };
  }
  const base = () => ({ id: randomId('evt'), createdAt: iso(now), workspaceId: workspace.id });
  const f = figures(workspace, after, now);
  const { canBegin, ...data } = f;
  const thresholds = [...new Set(workspace.settings.lowBalanceThresholdsMicros)].sort((a, b) => b - a);

  // balance.low: once per threshold crossed downwards; re-armed when back at or above it.
  let recoveredThreshold: number | null = null;
  for (const threshold of thresholds) {
    const fired = next.low.includes(threshold);
    if (!fired && f.spendableMicros < threshold) {
      next.low.push(threshold);
      events.push({ ...base(), type: 'balance.low', data: { thresholdMicros: threshold, ...data } });
    } else if (fired && f.spendableMicros >= threshold) {
      next.low = next.low.filter((t) => t !== threshold);
      recoveredThreshold = Math.max(recoveredThreshold ?? 0, threshold);
    }
  }
  // Forget thresholds that were removed from the settings.
  next.low = next.low.filter((t) => thresholds.includes(t));

  let recoveredFromDepletion = false;
  if (!canBegin && !next.depleted) {
    next.depleted = true;
    events.push({ ...base(), type: 'balance.depleted', data });
  } else if (canBegin && next.depleted) {
    next.depleted = false;
    recoveredFromDepletion = true;
  }

  if (f.deficitMicros > 0 && !next.negative) {
    next.negative = true;
    events.push({ ...base(), type: 'balance.negative', data });
  } else if (f.deficitMicros === 0 && next.negative) {
    next.negative = false;
  }

  if (recoveredThreshold !== null || recoveredFromDepletion) {
    events.push({
      ...base(),
      type: 'balance.recovered',
      data: { thresholdMicros: recoveredThreshold, ...data },
    });
  }

  const period = { start: iso(after.period.start), end: iso(after.period.end) };
  const cap = after.policy.overage.monthlyCapMicros;
  if (after.overageUsedMicros > 0 && next.overageStartedPeriod !== after.period.start) {
    next.overageStartedPeriod = after.period.start;
    const first = newCharges.find((c) => c.overageMicros > 0);
    events.push({
      ...base(),
      type: 'overage.started',
      data: {
        memberId: first?.memberId ?? null,
        period,
        usedMicros: after.overageUsedMicros,
        capMicros: cap,
        unit: workspace.unit,
      },
    });
  }
  if (cap !== null && after.overageUsedMicros >= cap && next.capReachedPeriod !== after.period.start) {
    // A cap of zero with no overage used is not "reached" by any work; wait for usage.
    if (after.overageUsedMicros > 0 || before.overageUsedMicros !== after.overageUsedMicros) {
      next.capReachedPeriod = after.period.start;
      events.push({
        ...base(),
        type: 'overage.cap_reached',
        data: { period, usedMicros: after.overageUsedMicros, capMicros: cap, unit: workspace.unit },
      });
    }
  }

  // seat.exhausted: a member's included credits for the period went from something to nothing.
  const seatsBefore = seatRemaining(before, now);
  for (const [memberId, remaining] of seatRemaining(after, now)) {
    const had = seatsBefore.get(memberId) ?? 0;
    if (remaining === 0 && had > 0 && next.seatExhausted[memberId] !== after.period.start) {
      next.seatExhausted[memberId] = after.period.start;
      events.push({ ...base(), type: 'seat.exhausted', data: { memberId, period, unit: workspace.unit } });
    }
  }
  // Keep only this period's markers so the state does not grow with every member ever seen.
  for (const [memberId, start] of Object.entries(next.seatExhausted)) {
    if (start !== after.period.start) delete next.seatExhausted[memberId];
  }
  return { alertState: next, events };
}
