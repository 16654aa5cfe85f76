import { COMMANDS } from './common/ids';
import { clock, day, escapeMarkdown, money, relativeDays } from './format';
import type { CreditsSnapshot } from './model';

/** What the status bar item is showing; the controller moves between these. */
export type StatusState =
  | { kind: 'signedOut' }
  | { kind: 'needsSetup'; missing: 'apiUrl' | 'workspaceId' }
  | { kind: 'loading' }
  | { kind: 'ok'; snapshot: CreditsSnapshot }
  /** The API could not be reached; a retry is scheduled. */
  | { kind: 'offline'; message: string; retryAt: Date; last: CreditsSnapshot | null }
  /** The API answered but refused the token or the workspace (401, 403, 404). */
  | { kind: 'rejected'; message: string };

export type Severity = 'normal' | 'warning' | 'error';

export interface StatusPresentation {
  text: string;
  tooltipMarkdown: string;
  severity: Severity;
  command: string;
  accessibilityLabel: string;
}

/** The highest configured low-balance threshold, or null when the workspace set none. */
export function lowBalanceThresholdMicros(snapshot: CreditsSnapshot): number | null {
  const thresholds = snapshot.workspace.settings.lowBalanceThresholdsMicros;
  return thresholds.length === 0 ? null : Math.max(...thresholds);
}

export function isSelfHosted(snapshot: CreditsSnapshot): boolean {
  return snapshot.workspace.hosting === 'self_hosted';
}

/**
 * Error when new work cannot begin (SPEC §5 admission), warning at or below the workspace's
 * highest low-balance threshold (the first `balance.low` the workspace would get).
 */
export function severityOf(snapshot: CreditsSnapshot): Severity {
  if (isSelfHosted(snapshot)) return 'normal';
  if (!snapshot.balance.canBegin) return 'error';
  const threshold = lowBalanceThresholdMicros(snapshot);
  if (threshold !== null && snapshot.balance.spendableMicros <= threshold) return 'warning';
  return 'normal';
}

/** Why work may not begin, in one sentence (null when it may). */
export function blockedReason(snapshot: CreditsSnapshot): string | null {
  const { balance, workspace } = snapshot;
  if (isSelfHosted(snapshot) || balance.canBegin) return null;
  const unit = balance.unit;
  if (balance.deficitMicros > 0) {
    return `The workspace owes ${money(balance.deficitMicros, unit)} (a deficit): new work can begin once funds cover it.`;
  }
  const { overage } = balance;
  if (overage.enabled && overage.capMicros !== null && overage.usedMicros >= overage.capMicros) {
    return `The workspace reached its monthly overage cap of ${money(overage.capMicros, unit)}: new work can begin when the period ends or an admin raises the cap.`;
  }
  if (balance.reservedMicros > 0 && balance.availableMicros > 0) {
    return `Everything left (${money(balance.availableMicros, unit)}) is held by sessions still running: new work can begin when they finish.`;
  }
  if (workspace.unit === 'credits' && !overage.enabled) {
    return 'Your included credits are used up and overage is off: new work can begin next period, or when an admin adds credits or turns overage on.';
  }
  return `No credits left to spend (${money(balance.spendableMicros, unit)} spendable): new work can begin once funds are added.`;
}

function tooltipFor(snapshot: CreditsSnapshot, now: Date): string {
  const { balance, workspace, identity } = snapshot;
  const unit = balance.unit;
  const m = (micros: number) => money(micros, unit);
  // Deductions read as negative; a zero stays "$0.00" rather than "−$0.00".
  const minus = (micros: number) => money(-micros === 0 ? 0 : -micros, unit);
  const lines: string[] = [];
  lines.push(`**AI credits · ${escapeMarkdown(workspace.name)}**`, '');
  if (isSelfHosted(snapshot)) {
    lines.push('Self-hosted workspace: your own provider key is used and nothing is metered.');
  } else {
    const whose = balance.memberId === null ? 'the workspace pool' : 'you';
    lines.push(`Spendable now by ${whose}: **${m(balance.spendableMicros)}**`, '');
    lines.push('| | |', '|:--|--:|');
    if (balance.memberIncludedRemainingMicros !== null) {
      lines.push(`| Your included credits | ${m(balance.memberIncludedRemainingMicros)} |`);
    }
    const pool = balance.byScope.find((s) => s.scope === 'workspace');
    if (pool !== undefined) lines.push(`| Workspace pool | ${m(pool.availableMicros)} |`);
    lines.push(
      `| Promotional | ${m(balance.byKind.promotional)} |`,
      `| Included | ${m(balance.byKind.included)} |`,
      `| Support | ${m(balance.byKind.support)} |`,
      `| Purchased | ${m(balance.byKind.purchased)} |`,
      `| Reserved by running sessions | ${minus(balance.reservedMicros)} |`,
    );
    if (balance.deficitMicros > 0) lines.push(`| Deficit | ${minus(balance.deficitMicros)} |`);
    const { overage } = balance;
    const overageText = overage.enabled
      ? `${m(overage.usedMicros)}${overage.capMicros === null ? '' : ` of ${m(overage.capMicros)} cap`}`
      : 'off';
    lines.push(`| Overage this period | ${overageText} |`, '');
    if (balance.nextExpiry !== null) {
      lines.push(
        `Next expiry: ${m(balance.nextExpiry.amountMicros)} on ${day(balance.nextExpiry.at)} (${relativeDays(balance.nextExpiry.at, now)})`,
        '',
      );
    }
    const reason = blockedReason(snapshot);
    if (reason !== null) lines.push(`$(error) ${escapeMarkdown(reason)}`, '');
    else if (severityOf(snapshot) === 'warning') lines.push('$(warning) Running low.', '');
  }
  const who = identity.memberId === null ? '' : ` · member ${escapeMarkdown(identity.memberId)}`;
  lines.push(
    `Workspace ${escapeMarkdown(workspace.id)}${who} · updated ${clock(snapshot.fetchedAt)} UTC`,
    '',
  );
  lines.push('Click for details.');
  return lines.join('\n');
}

export function presentStatus(state: StatusState, now: Date): StatusPresentation {
  switch (state.kind) {
    case 'signedOut':
      return {
        text: '$(account) AI Credits: Sign In',
        tooltipMarkdown: 'Signed out of AI Credits. Click to sign in with your member token.',
        severity: 'normal',
        command: COMMANDS.signIn,
        accessibilityLabel: 'AI Credits: signed out. Activate to sign in.',
      };
    case 'needsSetup':
      return {
        text: '$(gear) AI Credits: Set Up',
        tooltipMarkdown:
          state.missing === 'apiUrl'
            ? 'Set `aicredits.apiUrl` to your credits API. Click to sign in.'
            : 'Choose the workspace whose credits you spend. Click to sign in.',
        severity: 'normal',
        command: COMMANDS.signIn,
        accessibilityLabel: 'AI Credits: not set up. Activate to sign in.',
      };
    case 'loading':
      return {
        text: '$(sync~spin) AI Credits',
        tooltipMarkdown: 'Loading your AI credits…',
        severity: 'normal',
        command: COMMANDS.showDetails,
        accessibilityLabel: 'AI Credits: loading',
      };
    case 'rejected':
      return {
        text: '$(account) AI Credits: Sign In Again',
        tooltipMarkdown: `${escapeMarkdown(state.message)}\n\nClick to sign in again.`,
        severity: 'error',
        command: COMMANDS.signIn,
        accessibilityLabel: `AI Credits: ${state.message} Activate to sign in again.`,
      };
    case 'offline': {
      const seconds = Math.max(0, Math.round((state.retryAt.getTime() - now.getTime()) / 1000));
      const last =
        state.last === null
          ? ''
          : `\n\nLast known: ${money(state.last.balance.spendableMicros, state.last.balance.unit)} spendable at ${clock(state.last.fetchedAt)} UTC.`;
      return {
        text: '$(cloud-offline) AI Credits: Offline',
        tooltipMarkdown: `Can't reach the credits API: ${escapeMarkdown(state.message)}\n\nRetrying in ${seconds} s (click to retry now).${last}`,
        severity: 'warning',
        command: COMMANDS.refresh,
        accessibilityLabel: 'AI Credits: offline. Activate to retry.',
      };
    }
    case 'ok': {
      const { snapshot } = state;
      const severity = severityOf(snapshot);
      const icon =
        severity === 'error' ? '$(error)' : severity === 'warning' ? '$(warning)' : '$(credit-card)';
      const amount = isSelfHosted(snapshot)
        ? 'Unmetered'
        : money(snapshot.balance.spendableMicros, snapshot.balance.unit);
      const status =
        severity === 'error' ? ', work cannot begin' : severity === 'warning' ? ', running low' : '';
      return {
        text: `${icon} ${amount}`,
        tooltipMarkdown: tooltipFor(snapshot, now),
        severity,
        command: COMMANDS.showDetails,
        accessibilityLabel: `AI credits: ${amount} spendable${status}`,
      };
    }
  }
}
