import type { Balance, Estimate, LedgerEntry, Lot, Topup, Unit, UsageReport } from '@aicredits/sdk';
import { formatMicros } from '@aicredits/sdk';
import Table from 'cli-table3';

/**
 * Human output. Everything here is a pure function from API objects to text, so the layout is
 * unit-tested without a terminal; money goes through the SDK's integer formatter only.
 */

export type Align = 'left' | 'right';

// No borders and no colours: the output must read well when piped into grep, less or a log.
const PLAIN_CHARS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};

/** Aligned columns with a header row; trailing spaces trimmed. */
export function renderTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[] = [],
): string {
  const table = new Table({
    head: [...head],
    chars: PLAIN_CHARS,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
    colAligns: head.map((_, i) => align[i] ?? 'left'),
  });
  for (const row of rows) table.push([...row]);
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

/** Label/value pairs, labels aligned. */
export function renderPairs(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `${label.padEnd(width)}  ${value}`.trimEnd()).join('\n');
}

export function money(micros: number, unit: Unit): string {
  return formatMicros(micros, unit);
}

/** Ledger movements show their direction: +$5.00, −$1.25. */
export function signedMoney(micros: number, unit: Unit): string {
  return micros > 0 ? `+${formatMicros(micros, unit)}` : formatMicros(micros, unit);
}

/** `2025-01-31T12:34:56.789Z` → `2025-01-31 12:34 UTC`: minutes are enough at a glance; --json has the rest. */
export function formatTimestamp(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return match === null ? iso : `${match[1]} ${match[2]} UTC`;
}

export function formatDate(iso: string): string {
  return iso.slice(0, 10);
}

export function renderBalance(balance: Balance): string {
  const { unit } = balance;
  const pairs: [string, string][] = [
    ['Workspace', balance.workspaceId],
    ...(balance.memberId === null ? [] : ([['Member', balance.memberId]] as [string, string][])),
    ['Spendable', money(balance.spendableMicros, unit)],
    ['Available', money(balance.availableMicros, unit)],
    ['Reserved', money(balance.reservedMicros, unit)],
    ['Deficit', money(balance.deficitMicros, unit)],
  ];
  if (balance.memberIncludedRemainingMicros !== null) {
    pairs.push(['Included left', money(balance.memberIncludedRemainingMicros, unit)]);
  }
  const { overage } = balance;
  pairs.push([
    'Overage',
    overage.enabled
      ? `on, ${money(overage.usedMicros, unit)} used${overage.capMicros === null ? '' : ` of ${money(overage.capMicros, unit)} cap`} this period`
      : overage.usedMicros > 0
        ? `off (${money(overage.usedMicros, unit)} used this period)`
        : 'off',
  ]);
  pairs.push(['Can begin work', balance.canBegin ? 'yes' : 'no']);
  if (balance.nextExpiry !== null) {
    pairs.push([
      'Next expiry',
      `${money(balance.nextExpiry.amountMicros, unit)} on ${formatDate(balance.nextExpiry.at)}`,
    ]);
  }
  const kinds = renderTable(
    ['KIND', 'AVAILABLE'],
    (['promotional', 'included', 'support', 'purchased'] as const).map((kind) => [
      kind,
      money(balance.byKind[kind], unit),
    ]),
    ['left', 'right'],
  );
  return `${renderPairs(pairs)}\n\n${kinds}`;
}

export function renderLots(lots: readonly Lot[], unit: Unit): string {
  if (lots.length === 0) return 'No lots.';
  return renderTable(
    ['ID', 'KIND', 'SCOPE', 'REMAINING', 'ORIGINAL', 'EXPIRES', 'STATUS', 'SOURCE'],
    lots.map((lot) => [
      lot.id,
      lot.kind,
      lot.scope,
      money(lot.remainingMicros, unit),
      money(lot.originalMicros, unit),
      lot.expiresAt === null ? 'never' : formatDate(lot.expiresAt),
      lot.status,
      lot.source,
    ]),
    ['left', 'left', 'left', 'right', 'right', 'left', 'left', 'left'],
  );
}

/** The id that says what an entry is about, most specific first. */
function entryReference(entry: LedgerEntry): string {
  return entry.chargeId ?? entry.reservationId ?? entry.topupId ?? entry.lotId ?? '';
}

export function renderTransactions(entries: readonly LedgerEntry[], unit: Unit): string {
  if (entries.length === 0) return 'No transactions.';
  return renderTable(
    ['AT', 'TYPE', 'AMOUNT', 'MEMBER', 'FEATURE', 'REFERENCE'],
    entries.map((entry) => [
      formatTimestamp(entry.at),
      entry.type,
      signedMoney(entry.amountMicros, unit),
      entry.memberId ?? '',
      entry.feature ?? '',
      entryReference(entry),
    ]),
    ['left', 'left', 'right', 'left', 'left', 'left'],
  );
}

export function renderUsage(report: UsageReport): string {
  const { unit } = report;
  const title = `Usage ${formatTimestamp(report.from)} → ${formatTimestamp(report.to)}${report.memberId === null ? '' : ` for ${report.memberId}`}`;
  if (report.groups.length === 0) return `${title}\nNo usage.`;
  const rows = report.groups.map((group) => [
    group.key,
    money(group.amountMicros, unit),
    money(group.overageMicros, unit),
    String(group.charges),
  ]);
  rows.push([
    'TOTAL',
    money(report.totalMicros, unit),
    money(report.overageMicros, unit),
    String(report.charges),
  ]);
  const table = renderTable([report.groupBy.toUpperCase(), 'AMOUNT', 'OVERAGE', 'CHARGES'], rows, [
    'left',
    'right',
    'right',
    'right',
  ]);
  return `${title}\n${table}`;
}

export function renderTopup(topup: Topup): string {
  const unit: Unit = 'usd';
  const pairs: [string, string][] = [
    ['Top-up', topup.id],
    ['Status', topup.status + (topup.testFunds ? ' (test funds: nothing was charged)' : '')],
    ['Amount', money(topup.amountMicros, unit)],
    ['Tax', money(topup.taxMicros, unit)],
    ['Total', money(topup.totalMicros, unit)],
  ];
  if (topup.coveredDeficitMicros > 0)
    pairs.push(['Covered deficit', money(topup.coveredDeficitMicros, unit)]);
  if (topup.lotId !== null) pairs.push(['Lot', topup.lotId]);
  if (topup.invoiceId !== null) pairs.push(['Invoice', topup.invoiceId]);
  if (topup.failure !== null) pairs.push(['Failure', `${topup.failure.code}: ${topup.failure.message}`]);
  return renderPairs(pairs);
}

export function renderEstimate(estimate: Estimate): string {
  const { unit } = estimate;
  const range =
    estimate.lowMicros === estimate.highMicros
      ? money(estimate.lowMicros, unit)
      : `${money(estimate.lowMicros, unit)}–${money(estimate.highMicros, unit)}`;
  const basis =
    estimate.basis === 'history'
      ? `this workspace's history (${estimate.sampleSize} settled ${estimate.sampleSize === 1 ? 'session' : 'sessions'})`
      : `the price table (${estimate.priceVersion})`;
  return renderPairs([
    ['Estimate', range],
    ['Task', `${estimate.taskKind} (${estimate.feature})`],
    ['Model', estimate.model],
    ['Based on', basis],
    ['Spendable', money(estimate.spendableMicros, unit)],
    ['Covered', estimate.covered ? 'yes' : 'no — add funds before starting'],
  ]);
}
