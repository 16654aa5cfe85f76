import type { Balance, Lot } from '@aicredits/sdk';
import type { CreditsDetails } from './credits-service';
import { day, money, relativeDays } from './format';
import { type CreditsSnapshot, isAdmin } from './model';

/** A node of the AI Credits view, independent of the VS Code tree API. */
export interface TreeNode {
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  /** A codicon name. */
  icon?: string;
  children?: TreeNode[];
  /** Nodes that start expanded (the ones people look at first). */
  expanded?: boolean;
}

const MS_PER_DAY = 86_400_000;

const KIND_LABELS: Record<Lot['kind'], string> = {
  promotional: 'Promotional',
  included: 'Included',
  support: 'Support',
  purchased: 'Purchased',
};

const FEATURE_LABELS: Record<string, string> = { coding_session: 'Coding Sessions' };

function featureLabel(feature: string): string {
  return FEATURE_LABELS[feature] ?? feature;
}

function lotNode(lot: Lot, position: number, unit: Balance['unit'], now: Date, prefix: string): TreeNode {
  const scope = lot.scope === 'workspace' ? 'pooled' : 'your seat';
  // The sidebar is narrow: the date comes first, the scope only when it is the member's own.
  const expiry = lot.expiresAt === null ? 'no expiry' : `until ${day(lot.expiresAt)}`;
  const scheduled = lot.status === 'scheduled' ? ` · from ${day(lot.effectiveAt)}` : '';
  const own = lot.scope === 'workspace' ? '' : ' · your seat';
  const lines = [
    `${KIND_LABELS[lot.kind]} lot ${lot.id} (${scope})`,
    `${money(lot.remainingMicros, unit)} left of ${money(lot.originalMicros, unit)}`,
    lot.expiresAt === null
      ? 'Never expires'
      : `Expires ${day(lot.expiresAt)} (${relativeDays(lot.expiresAt, now)})`,
    `Granted ${day(lot.grantedAt)} · source ${lot.source.replace('_', ' ')}`,
  ];
  if (lot.note !== null) lines.push(lot.note);
  return {
    id: `${prefix}:${lot.id}`,
    label: `${position}. ${KIND_LABELS[lot.kind]} ${money(lot.remainingMicros, unit)}`,
    description: `${expiry}${scheduled}${own}`,
    tooltip: lines.join('\n'),
    icon: lot.kind === 'purchased' ? 'credit-card' : lot.kind === 'promotional' ? 'gift' : 'package',
  };
}

function balanceNodes(balance: Balance, prefix: string): TreeNode[] {
  const unit = balance.unit;
  const m = (micros: number) => money(micros, unit);
  const nodes: TreeNode[] = [
    { id: `${prefix}:spendable`, label: 'Spendable', description: m(balance.spendableMicros), icon: 'pass' },
    { id: `${prefix}:available`, label: 'Available', description: m(balance.availableMicros) },
    { id: `${prefix}:reserved`, label: 'Reserved', description: m(balance.reservedMicros) },
    { id: `${prefix}:deficit`, label: 'Deficit', description: m(balance.deficitMicros) },
  ];
  for (const kind of ['promotional', 'included', 'support', 'purchased'] as const) {
    nodes.push({
      id: `${prefix}:kind:${kind}`,
      label: KIND_LABELS[kind],
      description: m(balance.byKind[kind]),
    });
  }
  const { overage } = balance;
  nodes.push({
    id: `${prefix}:overage`,
    label: 'Overage this period',
    description: overage.enabled
      ? `${m(overage.usedMicros)}${overage.capMicros === null ? '' : ` of ${m(overage.capMicros)}`}`
      : 'off',
  });
  return nodes;
}

/** The AI Credits view: lots in burn order, upcoming expirations, usage, and the pool for admins. */
export function buildTree(snapshot: CreditsSnapshot, details: CreditsDetails, now: Date): TreeNode[] {
  const unit = snapshot.balance.unit;
  const roots: TreeNode[] = [];

  roots.push({
    id: 'balance',
    label: snapshot.balance.memberId === null ? 'Pool balance' : 'Your balance',
    description: `${money(snapshot.balance.spendableMicros, unit)} spendable`,
    icon: 'credit-card',
    expanded: false,
    children: balanceNodes(snapshot.balance, 'balance'),
  });

  const lots = details.lots;
  roots.push({
    id: 'lots',
    label: 'Lots in burn order',
    description: lots.length === 0 ? 'none' : `${lots.length}`,
    tooltip:
      'Consumed top to bottom: promotional, included, support, purchased; soonest expiry first within a kind.',
    icon: 'list-ordered',
    expanded: true,
    children:
      lots.length === 0
        ? [{ id: 'lots:none', label: 'No open lots' }]
        : lots.map((lot, i) => lotNode(lot, i + 1, unit, now, 'lots')),
  });

  const horizon = now.getTime() + details.expiryWindowDays * MS_PER_DAY;
  const expiring = lots
    .filter(
      (lot) => lot.expiresAt !== null && Date.parse(lot.expiresAt) <= horizon && lot.remainingMicros > 0,
    )
    .sort((a, b) => Date.parse(a.expiresAt ?? '') - Date.parse(b.expiresAt ?? ''));
  const expiringTotal = expiring.reduce((sum, lot) => sum + lot.remainingMicros, 0);
  roots.push({
    id: 'expiring',
    label: `Expiring within ${details.expiryWindowDays} days`,
    description: expiring.length === 0 ? 'nothing' : money(expiringTotal, unit),
    icon: 'watch',
    expanded: expiring.length > 0,
    children:
      expiring.length === 0
        ? [{ id: 'expiring:none', label: 'Nothing expires soon' }]
        : expiring.map((lot) => ({
            id: `expiring:${lot.id}`,
            label: `${money(lot.remainingMicros, unit)} ${KIND_LABELS[lot.kind].toLowerCase()}`,
            description: `${day(lot.expiresAt ?? '')} (${relativeDays(lot.expiresAt ?? '', now)})`,
            icon: 'warning',
          })),
  });

  const usage = details.usage;
  const whose = usage?.memberId === null ? 'Workspace' : 'Your';
  roots.push({
    id: 'usage',
    label: `${whose} usage, last 30 days`,
    description:
      usage === null ? 'unavailable' : `${money(usage.totalMicros, unit)} · ${usage.charges} charges`,
    icon: 'graph',
    expanded: true,
    children:
      usage === null || usage.groups.length === 0
        ? [{ id: 'usage:none', label: 'No usage in the last 30 days' }]
        : usage.groups.map((group) => ({
            id: `usage:${group.key}`,
            label: featureLabel(group.key),
            description: `${money(group.amountMicros, unit)} · ${group.charges} charge${group.charges === 1 ? '' : 's'}${
              group.overageMicros > 0 ? ` · ${money(group.overageMicros, unit)} overage` : ''
            }`,
          })),
  });

  if (isAdmin(snapshot.identity) && details.workspaceBalance !== null) {
    roots.push({
      id: 'workspace',
      label: 'Workspace balance (admin)',
      description: `${money(details.workspaceBalance.spendableMicros, unit)} spendable`,
      icon: 'organization',
      expanded: false,
      children: balanceNodes(details.workspaceBalance, 'workspace'),
    });
  }
  return roots;
}
