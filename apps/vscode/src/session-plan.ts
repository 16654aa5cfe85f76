import type { Estimate, PriceTable } from '@aicredits/sdk';
import { money, moneyRange } from './format';
import { type CreditsSnapshot, hasBillingAccess, TASK_KIND_LABELS, type TaskKind } from './model';
import { blockedReason, isSelfHosted } from './status-presentation';

/** One task kind's estimate, or why there is none. */
export type EstimateOutcome = { ok: true; estimate: Estimate } | { ok: false; message: string };

/** Everything the Start Coding Session picker shows for one task kind, decided before launch. */
export interface SessionOption {
  taskKind: TaskKind;
  label: string;
  /** Cost range and model, e.g. `$5.00–$7.00 · GPT-5 (pinned)`. */
  description: string;
  /** Balance after, and whether work may begin. */
  detail: string;
  mayBegin: boolean;
  /** Whether the spendable balance covers the high end of the estimate. */
  covered: boolean;
  estimate: Estimate | null;
  /** Why the session may not begin (null when it may). */
  blockedReason: string | null;
}

/** The way out when work may not begin: funds (billing access) or a request to an admin. */
export type Fix = 'addFunds' | 'askAdmin';

/**
 * `GPT-5 (pinned)` when the workspace pinned the model, `(latest)` when it is the price table's
 * newest; the id itself when the price table does not know it.
 */
export function modelLabel(model: string, snapshot: CreditsSnapshot, prices: PriceTable | null): string {
  const name = prices?.models.find((m) => m.model === model)?.displayName ?? model;
  if (snapshot.workspace.settings.pinnedModel === model) return `${name} (pinned)`;
  if (prices !== null && prices.latestModel === model) return `${name} (latest)`;
  return name;
}

export function planSession(
  snapshot: CreditsSnapshot,
  taskKind: TaskKind,
  outcome: EstimateOutcome,
  prices: PriceTable | null,
): SessionOption {
  const label = TASK_KIND_LABELS[taskKind];
  const selfHosted = isSelfHosted(snapshot);
  if (!outcome.ok) {
    return {
      taskKind,
      label,
      description: 'no estimate',
      detail: `$(error) No estimate: ${outcome.message}`,
      mayBegin: false,
      covered: false,
      estimate: null,
      blockedReason: `There is no estimate for a ${label.toLowerCase()} session: ${outcome.message}`,
    };
  }
  const { estimate } = outcome;
  const unit = estimate.unit;
  const description = `${moneyRange(estimate.lowMicros, estimate.highMicros, unit)} · ${modelLabel(estimate.model, snapshot, prices)}`;
  if (selfHosted) {
    return {
      taskKind,
      label,
      description,
      detail: '$(check) Self-hosted: runs on your own provider key, nothing is charged',
      mayBegin: true,
      covered: true,
      estimate,
      blockedReason: null,
    };
  }
  const reason = blockedReason(snapshot);
  const spendable = estimate.spendableMicros;
  const after = `Balance after: ${moneyRange(spendable - estimate.highMicros, spendable - estimate.lowMicros, unit)}`;
  let verdict: string;
  if (reason !== null) verdict = "$(error) Can't begin";
  else if (!estimate.covered) verdict = '$(warning) May begin, but the balance may not cover it';
  else verdict = '$(check) Can begin';
  return {
    taskKind,
    label,
    description,
    detail: `${after} · ${verdict}`,
    mayBegin: reason === null,
    covered: estimate.covered,
    estimate,
    blockedReason: reason,
  };
}

/** Members ask an admin; people with billing access add funds (or are sent to the billing page). */
export function fixesFor(snapshot: CreditsSnapshot): Fix[] {
  return hasBillingAccess(snapshot.identity, snapshot.workspace) ? ['addFunds'] : ['askAdmin'];
}

export interface ConfirmationText {
  message: string;
  detail: string;
}

/** The modal shown before anything is reserved or launched. */
export function confirmation(
  option: SessionOption,
  snapshot: CreditsSnapshot,
  holdTtlSeconds: number,
  launcherCommand: string,
  now: Date,
): ConfirmationText {
  const estimate = option.estimate;
  if (estimate === null) throw new Error('confirmation needs an estimate');
  const unit = estimate.unit;
  const basis =
    estimate.basis === 'history'
      ? `calibrated from ${estimate.sampleSize} settled session${estimate.sampleSize === 1 ? '' : 's'} of this kind`
      : "from the model's token prices";
  const lines = [
    `Model: ${option.description.split(' · ').slice(1).join(' · ')}`,
    `Estimated cost: ${moneyRange(estimate.lowMicros, estimate.highMicros, unit)} (${basis})`,
  ];
  if (isSelfHosted(snapshot)) {
    lines.push('Self-hosted workspace: nothing is reserved or charged.');
  } else {
    const spendable = estimate.spendableMicros;
    const until = new Date(now.getTime() + holdTtlSeconds * 1000).toISOString().slice(11, 16);
    lines.push(
      `Balance after: ${moneyRange(spendable - estimate.highMicros, spendable - estimate.lowMicros, unit)} (now ${money(spendable, unit)})`,
      `Reserves ${money(estimate.highMicros, unit)} until ${until} UTC; when the session ends, its reported usage is charged and the rest released.`,
    );
    if (!estimate.covered) {
      lines.push(
        'The balance may not cover the high end: the session is charged its real cost, which may leave a deficit.',
      );
    }
  }
  lines.push(`Runs in a terminal: ${launcherCommand}`);
  return { message: `Start a ${option.label.toLowerCase()} Coding Session?`, detail: lines.join('\n') };
}

/** The request a member copies to an admin when they cannot start work. */
export function adminRequestText(snapshot: CreditsSnapshot, reason: string | null): string {
  const who = snapshot.identity.memberId === null ? 'I' : `I (member ${snapshot.identity.memberId})`;
  const spendable = money(snapshot.balance.spendableMicros, snapshot.balance.unit);
  const why = reason === null ? '' : ` ${reason}`;
  return `Hi! ${who} can't start AI Coding Sessions in the "${snapshot.workspace.name}" workspace (${snapshot.workspace.id}): ${spendable} spendable.${why} Could you add funds, or turn on overage?`;
}
