import type { WebhookEvent } from '@aicredits/contract';
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
} from '../blocks.js';

/**
 * One alert as a Slack message. `alertKey` names the situation, not the delivery: a retried or
 * repeated event with the same key updates the message already posted. `rearm` lists key prefixes
 * that this event ends (a recovery ends the low-balance alerts), so the next crossing posts anew.
 */
export interface RenderedAlert {
  alertKey: string;
  rearm: string[];
  /** Top-level text: notifications and screen readers use only this. */
  text: string;
  blocks: Block[];
}

export function renderAlert(event: WebhookEvent, dashboardUrl: string): RenderedAlert {
  const ws = event.workspaceId;
  const usage = button('View usage', ACTION_USAGE_LINK, { url: usageUrl(dashboardUrl, ws) });
  const topUp = (label = 'Top up') => button(label, ACTION_TOPUP_OPEN, { value: ws, style: 'primary' });
  const footer = context(`Workspace \`${ws}\` · event \`${event.id}\``);
  // Prefixes end with ':' so workspace `ws1` never matches `ws10`.
  const balanceAlerts = [`balance.low:${ws}:`, `balance.depleted:${ws}:`, `balance.negative:${ws}:`];

  switch (event.type) {
    case 'balance.low': {
      const d = event.data;
      const headline = `Low balance: ${formatMicros(d.spendableMicros, d.unit)} left`;
      return {
        alertKey: `balance.low:${ws}:${d.thresholdMicros}`,
        rearm: [`balance.recovered:${ws}:`],
        text: `${headline} (below ${formatMicros(d.thresholdMicros, d.unit)}) in workspace ${ws}.`,
        blocks: [
          header(`⚠️ ${headline}`),
          section(
            `The spendable balance fell below *${formatMicros(d.thresholdMicros, d.unit)}*. Top up to keep AI features running.`,
          ),
          balanceFields(d),
          actions('alert_actions', [topUp(), usage]),
          footer,
        ],
      };
    }
    case 'balance.depleted': {
      const d = event.data;
      const headline = 'Credits depleted: new AI work cannot start';
      return {
        alertKey: `balance.depleted:${ws}:current`,
        rearm: [`balance.recovered:${ws}:`],
        text: `${headline} in workspace ${ws}. Spendable balance ${formatMicros(d.spendableMicros, d.unit)}.`,
        blocks: [
          header(`⛔ ${headline}`),
          section(
            'Work already running is settled at its real cost; nothing new begins until funds are added.',
          ),
          balanceFields(d),
          actions('alert_actions', [topUp(), usage]),
          footer,
        ],
      };
    }
    case 'balance.negative': {
      const d = event.data;
      const headline = `Balance is negative: ${formatMicros(d.deficitMicros, d.unit)} deficit`;
      return {
        alertKey: `balance.negative:${ws}:current`,
        rearm: [`balance.recovered:${ws}:`],
        text: `${headline} in workspace ${ws}. The next top-up covers the deficit first.`,
        blocks: [
          header(`🔻 ${headline}`),
          section(
            'Concurrent tasks settled for more than was left. The next top-up covers the deficit first.',
          ),
          balanceFields(d),
          actions('alert_actions', [topUp(), usage]),
          footer,
        ],
      };
    }
    case 'balance.recovered': {
      const d = event.data;
      const above = d.thresholdMicros === null ? '' : ` above ${formatMicros(d.thresholdMicros, d.unit)}`;
      const headline = `Balance recovered: ${formatMicros(d.spendableMicros, d.unit)} spendable`;
      return {
        alertKey: `balance.recovered:${ws}:${d.thresholdMicros ?? 'depleted'}`,
        rearm: balanceAlerts,
        text: `${headline}${above} in workspace ${ws}.`,
        blocks: [
          header(`✅ ${headline}`),
          section(`The balance is back${above}; AI features can start new work.`),
          balanceFields(d),
          actions('alert_actions', [usage]),
          footer,
        ],
      };
    }
    case 'lots.expiring': {
      const d = event.data;
      const amount = formatMicros(d.totalMicros, d.unit);
      const headline = `${amount} expires within ${d.withinDays} days`;
      const lines = d.lots
        .slice(0, 10)
        .map(
          (lot) =>
            `• ${formatMicros(lot.remainingMicros, d.unit)} ${lot.kind} on ${slackDate(lot.expiresAt)}`,
        );
      return {
        alertKey: `lots.expiring:${ws}:${d.withinDays}:${d.earliestExpiresAt}`,
        rearm: [],
        text: `${headline} in workspace ${ws}; the first on ${d.earliestExpiresAt.slice(0, 10)}. Expired funds cannot be recovered.`,
        blocks: [
          header(`⏳ ${headline}`),
          section(
            `*${amount}* will expire, the first on *${slackDate(d.earliestExpiresAt)}*. Expired funds cannot be recovered or refunded.`,
          ),
          ...(lines.length === 0 ? [] : [section(lines.join('\n'))]),
          actions('alert_actions', [usage]),
          footer,
        ],
      };
    }
    case 'seat.exhausted': {
      const d = event.data;
      const headline = `Member ${d.memberId} used all included credits`;
      return {
        alertKey: `seat.exhausted:${ws}:${d.memberId}:${d.period.start}`,
        rearm: [],
        text: `${headline} for the period ending ${d.period.end.slice(0, 10)} in workspace ${ws}.`,
        blocks: [
          header(`🪫 ${headline}`),
          section(
            `Their AI work stops until the period resets on *${slackDate(d.period.end)}*, unless an admin turns on overage.`,
          ),
          actions('alert_actions', [usage]),
          footer,
        ],
      };
    }
    case 'overage.started': {
      const d = event.data;
      const cap = d.capMicros === null ? 'no cap' : `cap ${formatMicros(d.capMicros, d.unit)}`;
      const headline = 'Overage started for this period';
      return {
        alertKey: `overage.started:${ws}:${d.period.start}`,
        rearm: [],
        text: `${headline} in workspace ${ws}: ${formatMicros(d.usedMicros, d.unit)} so far (${cap}).`,
        blocks: [
          header(`📈 ${headline}`),
          section(
            'Included credits are used up; extra usage is billed to the workspace at the end of the period.',
          ),
          fields([
            ['Overage so far', formatMicros(d.usedMicros, d.unit)],
            ['Monthly cap', d.capMicros === null ? 'None' : formatMicros(d.capMicros, d.unit)],
            ['Period ends', slackDate(d.period.end)],
            ...(d.memberId === null ? [] : ([['Started by', `member \`${d.memberId}\``]] as const)),
          ]),
          actions('alert_actions', [usage]),
          footer,
        ],
      };
    }
    case 'overage.cap_reached': {
      const d = event.data;
      const headline = `Overage cap of ${formatMicros(d.capMicros, d.unit)} reached`;
      return {
        alertKey: `overage.cap_reached:${ws}:${d.period.start}`,
        rearm: [],
        text: `${headline} in workspace ${ws}: new AI work is paused until ${d.period.end.slice(0, 10)}.`,
        blocks: [
          header(`⛔ ${headline}`),
          section(
            `New AI work is paused until the period resets on *${slackDate(d.period.end)}* or an admin raises the cap.`,
          ),
          fields([
            ['Overage used', formatMicros(d.usedMicros, d.unit)],
            ['Cap', formatMicros(d.capMicros, d.unit)],
          ]),
          actions('alert_actions', [usage]),
          footer,
        ],
      };
    }
    case 'topup.succeeded': {
      const d = event.data;
      const headline = `Top-up of ${formatMicros(d.amountMicros, 'usd')} succeeded`;
      return {
        alertKey: `topup:${ws}:${d.topupId}`,
        rearm: [],
        text: `${headline} in workspace ${ws}${d.testFunds ? ' (test funds, nothing was charged)' : ''}.`,
        blocks: [
          header(`💳 ${headline}`),
          fields([
            ['Added', formatMicros(d.amountMicros, 'usd')],
            ['Tax', formatMicros(d.taxMicros, 'usd')],
            ['Charged', d.testFunds ? 'Nothing (test funds)' : formatMicros(d.totalMicros, 'usd')],
            ...(d.coveredDeficitMicros > 0
              ? ([['Covered deficit', formatMicros(d.coveredDeficitMicros, 'usd')]] as const)
              : []),
          ]),
          actions('alert_actions', [usage]),
          footer,
        ],
      };
    }
    case 'topup.failed': {
      const d = event.data;
      const headline = `Top-up of ${formatMicros(d.amountMicros, 'usd')} failed`;
      return {
        alertKey: `topup:${ws}:${d.topupId}`,
        rearm: [],
        text: `${headline} in workspace ${ws}: ${d.failureMessage} Nothing was credited.`,
        blocks: [
          header(`❌ ${headline}`),
          section(`${d.failureMessage} Nothing was credited. (\`${d.failureCode}\`)`),
          actions('alert_actions', [topUp('Try again'), usage]),
          footer,
        ],
      };
    }
  }
}

function balanceFields(d: {
  unit: 'usd' | 'credits';
  availableMicros: number;
  reservedMicros: number;
  spendableMicros: number;
  deficitMicros: number;
}): Block {
  return fields([
    ['Spendable', formatMicros(d.spendableMicros, d.unit)],
    ['Available', formatMicros(d.availableMicros, d.unit)],
    ['Reserved by running work', formatMicros(d.reservedMicros, d.unit)],
    ...(d.deficitMicros > 0 ? ([['Deficit', formatMicros(d.deficitMicros, d.unit)]] as const) : []),
  ]);
}
