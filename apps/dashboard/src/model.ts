/**
 * View-model logic of the dashboard: everything that turns API resources into what a panel shows.
 * Pure functions over the SDK's types, so they are unit-tested without a browser. Amounts stay
 * integer micros until the last step, where `formatMicros` (the SDK's one formatter) makes text.
 */
import {
  type Balance,
  type Billing,
  formatCard,
  formatMicros,
  type LedgerEntry,
  type Lot,
  type Member,
  MoneyError,
  parseAmountToMicros,
  type TopupQuote,
  type Unit,
  type UsageReport,
} from '@aicredits/sdk';

export type Role = Member['role'];
export type LotKind = keyof Balance['byKind'];

const MS_PER_DAY = 86_400_000;

/** Burn order (SPEC §3): the order panels list kinds in, so the first row is spent first. */
export const LOT_KINDS: readonly LotKind[] = ['promotional', 'included', 'support', 'purchased'];

export const KIND_LABELS: Record<LotKind, string> = {
  promotional: 'Promotional',
  included: 'Included',
  support: 'Support credit',
  purchased: 'Purchased',
};

export const money = (micros: number, unit: Unit): string => formatMicros(micros, unit);

// ---------------------------------------------------------------------------------------------
// Roles and billing access

/** SPEC §7: on Enterprise workspaces only owners add funds; on every other plan admins too. */
export function hasBillingAccess(role: Role, enterprise: boolean): boolean {
  return enterprise ? role === 'owner' : role === 'owner' || role === 'admin';
}

/** Shown next to the disabled Add funds button: says who can, as the API's 403 does. */
export function billingAccessExplanation(enterprise: boolean): string {
  return enterprise
    ? 'Only workspace owners can add funds on Enterprise workspaces. Ask an owner to add funds.'
    : 'Only workspace admins and owners can add funds. Ask an admin to add funds.';
}

export function isAdmin(role: Role): boolean {
  return role === 'owner' || role === 'admin';
}

// ---------------------------------------------------------------------------------------------
// Balance

export interface Figure {
  id: string;
  label: string;
  micros: number;
  text: string;
  hint?: string;
}

export function balanceFigures(balance: Balance): Figure[] {
  const { unit } = balance;
  const figures: Figure[] = [
    {
      id: 'available',
      label: 'Total balance',
      micros: balance.availableMicros,
      text: money(balance.availableMicros, unit),
      hint: 'Remaining value of every spendable lot',
    },
    {
      id: 'spendable',
      label: 'Spendable now',
      micros: balance.spendableMicros,
      text: money(balance.spendableMicros, unit),
      hint: 'Total minus reserved and deficit; new work starts only while positive',
    },
    {
      id: 'reserved',
      label: 'Reserved',
      micros: balance.reservedMicros,
      text: money(balance.reservedMicros, unit),
      hint: 'Held for tasks that are running',
    },
    {
      id: 'deficit',
      label: 'Deficit',
      micros: balance.deficitMicros,
      text: money(balance.deficitMicros, unit),
      hint: 'Covered first by the next top-up',
    },
  ];
  if (balance.memberIncludedRemainingMicros !== null) {
    figures.push({
      id: 'member-included',
      label: 'Your included credits',
      micros: balance.memberIncludedRemainingMicros,
      text: money(balance.memberIncludedRemainingMicros, unit),
      hint: 'Left this billing period on your seat',
    });
  }
  return figures;
}

export function kindRows(balance: Balance): Figure[] {
  return LOT_KINDS.map((kind) => ({
    id: kind,
    label: KIND_LABELS[kind],
    micros: balance.byKind[kind],
    text: money(balance.byKind[kind], balance.unit),
  }));
}

export interface SeatRow {
  memberId: string;
  name: string;
  micros: number;
  text: string;
}

/** Members' included seat credits (the Plane model): the `member:<id>` scopes of the balance. */
export function seatRows(balance: Balance, names: ReadonlyMap<string, string>): SeatRow[] {
  const rows: SeatRow[] = [];
  for (const scope of balance.byScope) {
    if (!scope.scope.startsWith('member:')) continue;
    const memberId = scope.scope.slice('member:'.length);
    rows.push({
      memberId,
      name: names.get(memberId) ?? memberId,
      micros: scope.availableMicros,
      text: money(scope.availableMicros, balance.unit),
    });
  }
  return rows.sort((a, b) => b.micros - a.micros || a.name.localeCompare(b.name));
}

// ---------------------------------------------------------------------------------------------
// Usage

export interface UsageRow {
  key: string;
  label: string;
  micros: number;
  text: string;
  overageText: string | null;
  charges: number;
  /** Share of the period's total, one decimal, computed in integers (e.g. "42.5%"). */
  share: string;
}

/** Percentage with one decimal, rounded half up, without floats: 1/3 → "33.3%". */
export function sharePercent(part: number, total: number): string {
  if (total <= 0) return '0%';
  const tenths = (BigInt(part) * 2000n + BigInt(total)) / (2n * BigInt(total));
  const whole = tenths / 10n;
  const decimal = tenths % 10n;
  return decimal === 0n ? `${whole}%` : `${whole}.${decimal}%`;
}

export function featureLabel(feature: string): string {
  if (feature === 'coding_session') return 'Coding Sessions';
  const words = feature.replace(/[._-]+/g, ' ').trim();
  return words === '' ? feature : words.charAt(0).toUpperCase() + words.slice(1);
}

/** The usage report's `workspace` key stands for charges made without a member. */
export function memberLabel(key: string, names: ReadonlyMap<string, string>): string {
  if (key === 'workspace') return 'Workspace (no member)';
  return names.get(key) ?? key;
}

/** Largest first; ties by label so the order is stable between refreshes. */
export function usageRows(report: UsageReport, label: (key: string) => string): UsageRow[] {
  return report.groups
    .map((group) => ({
      key: group.key,
      label: label(group.key),
      micros: group.amountMicros,
      text: money(group.amountMicros, report.unit),
      overageText: group.overageMicros > 0 ? money(group.overageMicros, report.unit) : null,
      charges: group.charges,
      share: sharePercent(group.amountMicros, report.totalMicros),
    }))
    .sort((a, b) => b.micros - a.micros || a.label.localeCompare(b.label));
}

export interface TrendPoint {
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  micros: number;
  charges: number;
}

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The daily series for the chart: one point per UTC day from `from` up to (not including) `to`,
 * zero on days without usage, so a quiet day shows as a dip instead of being skipped.
 */
export function trendSeries(report: UsageReport): TrendPoint[] {
  const byDay = new Map(report.groups.map((g) => [g.key, g]));
  const start = Date.parse(`${utcDay(Date.parse(report.from))}T00:00:00.000Z`);
  const end = Date.parse(report.to);
  const points: TrendPoint[] = [];
  // Bounded: a report spans at most a few hundred days, but never loop past ~3 years.
  for (let t = start; t < end && points.length < 1_100; t += MS_PER_DAY) {
    const day = utcDay(t);
    const group = byDay.get(day);
    points.push({ day, micros: group?.amountMicros ?? 0, charges: group?.charges ?? 0 });
  }
  return points;
}

export function shortDay(day: string): string {
  const date = new Date(`${day}T00:00:00.000Z`);
  return date.toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

// ---------------------------------------------------------------------------------------------
// Periods

export type PeriodPreset = 'billing' | '7d' | '30d' | '90d' | 'custom';

export const PERIOD_LABELS: Record<PeriodPreset, string> = {
  billing: 'This billing period',
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  '90d': 'Last 90 days',
  custom: 'Custom range',
};

export interface Period {
  /** Inclusive ISO instant. */
  from: string;
  /** Exclusive ISO instant. */
  to: string;
}

/**
 * `custom` takes `YYYY-MM-DD` dates (UTC, both days included); the others end now. Returns null
 * for an empty or inverted custom range, so the panel can say so instead of asking the API.
 */
export function periodFor(
  preset: PeriodPreset,
  now: number,
  billingPeriod: { start: string; end: string },
  custom?: { fromDay: string; toDay: string },
): Period | null {
  const nowIso = new Date(now).toISOString();
  switch (preset) {
    case 'billing':
      return { from: billingPeriod.start, to: nowIso };
    case '7d':
    case '30d':
    case '90d': {
      const days = Number.parseInt(preset, 10);
      return { from: new Date(now - days * MS_PER_DAY).toISOString(), to: nowIso };
    }
    case 'custom': {
      if (custom === undefined) return null;
      const from = Date.parse(`${custom.fromDay}T00:00:00.000Z`);
      const toStart = Date.parse(`${custom.toDay}T00:00:00.000Z`);
      if (Number.isNaN(from) || Number.isNaN(toStart) || toStart < from) return null;
      return { from: new Date(from).toISOString(), to: new Date(toStart + MS_PER_DAY).toISOString() };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Transactions

const ENTRY_LABELS: Record<LedgerEntry['type'], string> = {
  lot_granted: 'Credit added',
  charge_draw: 'Usage charge',
  lot_expired: 'Expired',
  lot_forfeited: 'Forfeited',
  charge_deficit: 'Charge into deficit',
  deficit_covered: 'Deficit covered',
  charge_overage: 'Overage charge',
  reservation_held: 'Hold placed',
  reservation_extended: 'Hold extended',
  reservation_released: 'Hold released',
};

export interface TransactionRow {
  id: string;
  when: string;
  description: string;
  who: string;
  micros: number;
  text: string;
}

/** `Nov 21, 2026, 23:47` in UTC (the column header says so), short enough for a phone. */
export function formatWhen(iso: string): string {
  return new Date(iso).toLocaleString('en-US', {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: 'UTC',
  });
}

export function formatDate(iso: string): string {
  return new Date(iso).toLocaleDateString('en-US', {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  });
}

export function transactionRow(
  entry: LedgerEntry,
  unit: Unit,
  names: ReadonlyMap<string, string>,
): TransactionRow {
  let description = ENTRY_LABELS[entry.type];
  if (entry.type === 'lot_granted' && entry.topupId !== null) description = 'Funds added';
  if (entry.feature !== null && entry.type !== 'lot_granted')
    description += ` · ${featureLabel(entry.feature)}`;
  return {
    id: entry.id,
    when: formatWhen(entry.at),
    description,
    who: entry.memberId === null ? '—' : (names.get(entry.memberId) ?? entry.memberId),
    micros: entry.amountMicros,
    text: money(entry.amountMicros, unit),
  };
}

// ---------------------------------------------------------------------------------------------
// Expirations

export interface ExpirationRow {
  lotId: string;
  kind: string;
  scope: string;
  micros: number;
  text: string;
  date: string;
  daysLeft: number;
  /** Within 30 days: the §8 default warning window. */
  soon: boolean;
  note: string | null;
}

/** Open lots that still hold value and will expire, soonest first (the burn order within a kind). */
export function expirationRows(
  lots: readonly Lot[],
  unit: Unit,
  now: number,
  names: ReadonlyMap<string, string>,
) {
  const rows: ExpirationRow[] = [];
  for (const lot of lots) {
    if (lot.expiresAt === null || lot.remainingMicros <= 0) continue;
    if (lot.status !== 'active' && lot.status !== 'scheduled') continue;
    const at = Date.parse(lot.expiresAt);
    const daysLeft = Math.max(0, Math.ceil((at - now) / MS_PER_DAY));
    rows.push({
      lotId: lot.id,
      kind: KIND_LABELS[lot.kind],
      scope: lot.scope === 'workspace' ? 'Workspace' : memberLabel(lot.scope.slice('member:'.length), names),
      micros: lot.remainingMicros,
      text: money(lot.remainingMicros, unit),
      date: formatDate(lot.expiresAt),
      daysLeft,
      soon: daysLeft <= 30,
      note: lot.note,
    });
  }
  return rows.sort((a, b) => a.daysLeft - b.daysLeft || a.lotId.localeCompare(b.lotId));
}

// ---------------------------------------------------------------------------------------------
// Forms: amounts typed by people become micros here, once.

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

function amountError(error: unknown): string {
  if (error instanceof MoneyError) {
    switch (error.code) {
      case 'negative_amount':
        return 'Enter a positive amount.';
      case 'too_many_decimals':
        return 'Use at most two decimals (whole cents).';
      case 'amount_too_large':
        return 'That amount is too large.';
      default:
        return 'Enter an amount like 25 or 25.50.';
    }
  }
  throw error;
}

const MICROS_PER_CENT = 10_000;

/** Add funds' card line: the card as Stripe describes it, the same way the Slack bot shows it. */
export function cardOnFile(billing: Billing): string {
  if (billing.mode === 'no_payment') {
    return 'No-payment mode: funds are added at once as unpaid test funds; no card is charged.';
  }
  if (billing.card !== null) return `Card for AI credits: ${formatCard(billing.card)}`;
  // A saved id Stripe could not describe is still the card that will be charged.
  return billing.paymentMethodId === null
    ? 'No card is saved for AI credits yet.'
    : `Card for AI credits: ${billing.paymentMethodId}`;
}

/** The API's quote for the typed amount: the exact tax and what the card will be charged. */
export function quoteSummary(quote: TopupQuote): { tax: string; total: string } {
  if (quote.testFunds) {
    return { tax: 'none (test funds)', total: 'nothing (test funds)' };
  }
  const address = quote.billingAddress;
  const place =
    address === null
      ? ' (no billing address saved)'
      : ` (${[address.state, address.country].filter((p) => p !== undefined).join(', ')})`;
  return {
    tax: `${money(quote.taxMicros, 'usd')}${place}`,
    total: money(quote.totalMicros, 'usd'),
  };
}

/** A top-up amount in USD: whole cents within the workspace's limits. */
export function parseTopupAmount(
  text: string,
  limits: { minMicros: number; maxMicros: number },
): Parsed<number> {
  if (text.trim() === '') return { ok: false, error: 'Enter an amount.' };
  let micros: number;
  try {
    micros = parseAmountToMicros(text);
  } catch (error) {
    return { ok: false, error: amountError(error) };
  }
  if (micros % MICROS_PER_CENT !== 0) return { ok: false, error: 'Use at most two decimals (whole cents).' };
  if (micros < limits.minMicros || micros > limits.maxMicros) {
    return {
      ok: false,
      error: `Add between ${money(limits.minMicros, 'usd')} and ${money(limits.maxMicros, 'usd')}.`,
    };
  }
  return { ok: true, value: micros };
}

/** An optional amount: empty means "none" (e.g. no overage cap). */
export function parseOptionalAmount(text: string): Parsed<number | null> {
  if (text.trim() === '') return { ok: true, value: null };
  try {
    return { ok: true, value: parseAmountToMicros(text) };
  } catch (error) {
    return { ok: false, error: amountError(error) };
  }
}

/** Alert thresholds typed as "10, 5": at most 10, distinct, largest first (the API's limit). */
export function parseThresholds(text: string): Parsed<number[]> {
  const parts = text
    .split(/[,\s]+/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length > 10) return { ok: false, error: 'At most 10 thresholds.' };
  const values = new Set<number>();
  for (const part of parts) {
    try {
      values.add(parseAmountToMicros(part));
    } catch (error) {
      return { ok: false, error: `"${part}": ${amountError(error)}` };
    }
  }
  return { ok: true, value: [...values].sort((a, b) => b - a) };
}

/** Micros back to the plain decimal a person types ("10.5"), for prefilling inputs. */
export function microsToInput(micros: number): string {
  const whole = Math.trunc(micros / 1_000_000);
  const fraction = String(micros % 1_000_000)
    .padStart(6, '0')
    .replace(/0+$/, '');
  return fraction === '' ? String(whole) : `${whole}.${fraction}`;
}
