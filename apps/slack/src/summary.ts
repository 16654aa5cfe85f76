import type { Balance, Workspace } from '@aicredits/contract';
import { formatMicros } from '@aicredits/sdk';
import {
  ACTION_TOPUP_OPEN,
  ACTION_USAGE_LINK,
  actions,
  type Block,
  button,
  context,
  fields,
  header,
  section,
  slackDate,
  usageUrl,
} from './blocks.js';

/** The `/credits` answer: the pool, the caller's own seat credits, overage and the next expiry. */
export function balanceSummary(
  workspace: Workspace,
  balance: Balance,
  memberId: string,
  dashboardUrl: string,
): { text: string; blocks: Block[] } {
  const f = (micros: number) => formatMicros(micros, balance.unit);
  const status = balance.canBegin
    ? 'AI features can start new work.'
    : '⛔ New AI work cannot start until funds are added.';
  const pairs: [string, string][] = [
    ['Spendable', f(balance.spendableMicros)],
    ['Available', f(balance.availableMicros)],
    ['Reserved by running work', f(balance.reservedMicros)],
  ];
  if (balance.deficitMicros > 0) pairs.push(['Deficit', f(balance.deficitMicros)]);
  if (balance.memberIncludedRemainingMicros !== null) {
    pairs.push(['Your included credits left', f(balance.memberIncludedRemainingMicros)]);
  }
  if (balance.overage.enabled) {
    const cap = balance.overage.capMicros === null ? 'no cap' : `cap ${f(balance.overage.capMicros)}`;
    pairs.push(['Overage this period', `${f(balance.overage.usedMicros)} (${cap})`]);
  }
  if (balance.nextExpiry !== null) {
    pairs.push([
      'Next expiry',
      `${f(balance.nextExpiry.amountMicros)} on ${slackDate(balance.nextExpiry.at)}`,
    ]);
  }
  const kinds = (['promotional', 'included', 'support', 'purchased'] as const)
    .filter((k) => balance.byKind[k] > 0)
    .map((k) => `${k} ${f(balance.byKind[k])}`);
  const mine =
    balance.memberIncludedRemainingMicros === null
      ? ''
      : `; your included credits: ${f(balance.memberIncludedRemainingMicros)}`;
  return {
    text: `${workspace.name}: ${f(balance.spendableMicros)} spendable${mine}.`,
    blocks: [
      header(`Credits · ${workspace.name}`),
      section(status),
      fields(pairs),
      ...(kinds.length === 0 ? [] : [context(`By kind (in burn order): ${kinds.join(' · ')}`)]),
      actions('credits_actions', [
        button('Top up', ACTION_TOPUP_OPEN, { value: workspace.id }),
        button('View usage', ACTION_USAGE_LINK, { url: usageUrl(dashboardUrl, workspace.id) }),
      ]),
      context(
        `Workspace \`${workspace.id}\` · member \`${memberId}\` · plan ${workspace.plan} · as of ${slackDate(balance.asOf)}`,
      ),
    ],
  };
}
