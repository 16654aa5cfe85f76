import type { Balance, Billing, LedgerEntry, Lot, TopupQuote, UsageReport } from '@aicredits/sdk';
import { describe, expect, it } from 'vitest';
import {
  balanceFigures,
  billingAccessExplanation,
  cardOnFile,
  expirationRows,
  formatWhen,
  hasBillingAccess,
  kindRows,
  memberLabel,
  microsToInput,
  parseOptionalAmount,
  parseThresholds,
  parseTopupAmount,
  periodFor,
  quoteSummary,
  seatRows,
  sharePercent,
  transactionRow,
  trendSeries,
  usageRows,
} from './model';

const USD = 1_000_000;
const DAY = 86_400_000;

function balance(overrides: Partial<Balance> = {}): Balance {
  return {
    workspaceId: 'demo',
    memberId: null,
    unit: 'usd',
    availableMicros: 120_540_000,
    reservedMicros: 1_500_000,
    spendableMicros: 119_040_000,
    deficitMicros: 0,
    byKind: { promotional: 5 * USD, included: 25_540_000, support: 5 * USD, purchased: 85 * USD },
    byScope: [
      { scope: 'workspace', availableMicros: 95 * USD },
      { scope: 'member:mia', availableMicros: 8_540_000 },
      { scope: 'member:adam', availableMicros: 8_550_000 },
    ],
    memberIncludedRemainingMicros: null,
    overage: {
      enabled: false,
      usedMicros: 0,
      capMicros: null,
      period: { start: '2026-11-12T00:00:00.000Z', end: '2026-12-12T00:00:00.000Z' },
    },
    canBegin: true,
    nextExpiry: null,
    asOf: '2026-11-21T12:00:00.000Z',
    ...overrides,
  };
}

function report(
  groupBy: UsageReport['groupBy'],
  groups: UsageReport['groups'],
  extra: Partial<UsageReport> = {},
) {
  const totalMicros = groups.reduce((sum, g) => sum + g.amountMicros, 0);
  return {
    workspaceId: 'demo',
    unit: 'usd',
    from: '2026-11-18T10:00:00.000Z',
    to: '2026-11-21T10:00:00.000Z',
    groupBy,
    memberId: null,
    totalMicros,
    overageMicros: groups.reduce((sum, g) => sum + g.overageMicros, 0),
    charges: groups.reduce((sum, g) => sum + g.charges, 0),
    groups,
    ...extra,
  } satisfies UsageReport;
}

const names = new Map([
  ['mia', 'Mia Member'],
  ['adam', 'Adam Admin'],
]);

describe('billing access', () => {
  it('follows SPEC §7: owners on Enterprise, admins and owners elsewhere', () => {
    expect(hasBillingAccess('owner', true)).toBe(true);
    expect(hasBillingAccess('admin', true)).toBe(false);
    expect(hasBillingAccess('member', true)).toBe(false);
    expect(hasBillingAccess('owner', false)).toBe(true);
    expect(hasBillingAccess('admin', false)).toBe(true);
    expect(hasBillingAccess('member', false)).toBe(false);
  });

  it('explains who can add funds', () => {
    expect(billingAccessExplanation(true)).toMatch(/owners/);
    expect(billingAccessExplanation(false)).toMatch(/admins and owners/);
  });
});

describe('balance figures', () => {
  it('formats every headline figure through the SDK, keeping the micros', () => {
    const figures = balanceFigures(balance({ deficitMicros: 1_000_000, spendableMicros: -2_500_000 }));
    expect(figures.map((f) => [f.id, f.micros, f.text])).toEqual([
      ['available', 120_540_000, '$120.54'],
      ['spendable', -2_500_000, '−$2.50'],
      ['reserved', 1_500_000, '$1.50'],
      ['deficit', 1_000_000, '$1.00'],
    ]);
  });

  it("adds the member's own included credits when the balance is a member's", () => {
    const figures = balanceFigures(balance({ memberId: 'mia', memberIncludedRemainingMicros: 8_540_000 }));
    expect(figures.at(-1)).toMatchObject({ id: 'member-included', text: '$8.54' });
  });

  it('lists kinds in burn order', () => {
    expect(kindRows(balance()).map((r) => [r.id, r.text])).toEqual([
      ['promotional', '$5.00'],
      ['included', '$25.54'],
      ['support', '$5.00'],
      ['purchased', '$85.00'],
    ]);
  });

  it("shows members' seat credits by name, largest first, and skips the pool", () => {
    expect(seatRows(balance(), names).map((r) => [r.memberId, r.name, r.text])).toEqual([
      ['adam', 'Adam Admin', '$8.55'],
      ['mia', 'Mia Member', '$8.54'],
    ]);
  });

  it('uses credits as the unit when the workspace counts credits', () => {
    expect(kindRows(balance({ unit: 'credits' }))[0]?.text).toBe('5 credits');
  });
});

describe('usage', () => {
  it('computes shares with integers, rounding half up', () => {
    expect(sharePercent(1, 3)).toBe('33.3%');
    expect(sharePercent(2, 3)).toBe('66.7%');
    expect(sharePercent(1, 2)).toBe('50%');
    expect(sharePercent(0, 0)).toBe('0%');
    expect(sharePercent(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)).toBe('100%');
  });

  it('sorts groups by amount and labels members, including charges without one', () => {
    const rows = usageRows(
      report('member', [
        { key: 'mia', amountMicros: 4_870_000, overageMicros: 0, charges: 20 },
        { key: 'workspace', amountMicros: 130_000, overageMicros: 0, charges: 1 },
        { key: 'adam', amountMicros: 5_000_000, overageMicros: 1_000_000, charges: 19 },
      ]),
      (key) => memberLabel(key, names),
    );
    expect(rows.map((r) => [r.label, r.text, r.share, r.overageText])).toEqual([
      ['Adam Admin', '$5.00', '50%', '$1.00'],
      ['Mia Member', '$4.87', '48.7%', null],
      ['Workspace (no member)', '$0.13', '1.3%', null],
    ]);
  });

  it('fills every day of the period, with zeros on quiet days', () => {
    const series = trendSeries(
      report('day', [
        { key: '2026-11-18', amountMicros: 300_000, overageMicros: 0, charges: 1 },
        { key: '2026-11-20', amountMicros: 500_000, overageMicros: 0, charges: 2 },
      ]),
    );
    expect(series).toEqual([
      { day: '2026-11-18', micros: 300_000, charges: 1 },
      { day: '2026-11-19', micros: 0, charges: 0 },
      { day: '2026-11-20', micros: 500_000, charges: 2 },
      { day: '2026-11-21', micros: 0, charges: 0 },
    ]);
  });
});

describe('periods', () => {
  const now = Date.parse('2026-11-21T10:00:00.000Z');
  const billing = { start: '2026-11-12T00:00:00.000Z', end: '2026-12-12T00:00:00.000Z' };

  it('ends presets now', () => {
    expect(periodFor('7d', now, billing)).toEqual({
      from: '2026-11-14T10:00:00.000Z',
      to: '2026-11-21T10:00:00.000Z',
    });
    expect(periodFor('billing', now, billing)).toEqual({
      from: billing.start,
      to: '2026-11-21T10:00:00.000Z',
    });
  });

  it('includes both days of a custom range and refuses an inverted one', () => {
    expect(periodFor('custom', now, billing, { fromDay: '2026-11-01', toDay: '2026-11-03' })).toEqual({
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-11-04T00:00:00.000Z',
    });
    expect(periodFor('custom', now, billing, { fromDay: '2026-11-05', toDay: '2026-11-03' })).toBeNull();
    expect(periodFor('custom', now, billing, { fromDay: '', toDay: '2026-11-03' })).toBeNull();
  });
});

describe('transactions', () => {
  const entry = (overrides: Partial<LedgerEntry>): LedgerEntry => ({
    id: 'le_1',
    workspaceId: 'demo',
    type: 'charge_draw',
    amountMicros: -320_000,
    at: '2026-11-21T00:47:00.000Z',
    lotId: 'lot_1',
    reservationId: null,
    chargeId: 'ch_1',
    topupId: null,
    memberId: 'mia',
    feature: 'coding_session',
    ...overrides,
  });

  it('describes a usage charge with its feature and member', () => {
    expect(transactionRow(entry({}), 'usd', names)).toMatchObject({
      description: 'Usage charge · Coding Sessions',
      who: 'Mia Member',
      text: '−$0.32',
      micros: -320_000,
    });
  });

  it('tells a top-up apart from a granted credit', () => {
    expect(
      transactionRow(
        entry({
          type: 'lot_granted',
          amountMicros: 25 * USD,
          topupId: 'tu_1',
          memberId: null,
          feature: null,
        }),
        'usd',
        names,
      ),
    ).toMatchObject({
      description: 'Funds added',
      who: '—',
      text: '$25.00',
    });
    expect(
      transactionRow(
        entry({ type: 'lot_granted', amountMicros: 3 * USD, memberId: null, feature: null }),
        'usd',
        names,
      ).description,
    ).toBe('Credit added');
  });
});

describe('expirations', () => {
  const now = Date.parse('2026-11-21T10:00:00.000Z');
  const lot = (overrides: Partial<Lot>): Lot => ({
    id: 'lot_1',
    workspaceId: 'demo',
    kind: 'purchased',
    scope: 'workspace',
    originalMicros: 25 * USD,
    remainingMicros: 25 * USD,
    grantedAt: '2026-11-21T00:00:00.000Z',
    effectiveAt: '2026-11-21T00:00:00.000Z',
    expiresAt: new Date(now + 365 * DAY).toISOString(),
    source: 'payment',
    note: null,
    chargeId: null,
    topupId: 'tu_1',
    status: 'active',
    closedAt: null,
    ...overrides,
  });

  it('lists open lots with value that will expire, soonest first', () => {
    const rows = expirationRows(
      [
        lot({}),
        lot({
          id: 'lot_promo',
          kind: 'promotional',
          remainingMicros: 5 * USD,
          expiresAt: new Date(now + 4.5 * DAY).toISOString(),
        }),
        lot({
          id: 'lot_seat',
          kind: 'included',
          scope: 'member:mia',
          expiresAt: new Date(now + 21 * DAY).toISOString(),
        }),
        lot({ id: 'lot_forever', expiresAt: null }),
        lot({ id: 'lot_empty', remainingMicros: 0 }),
        lot({ id: 'lot_gone', status: 'expired' }),
      ],
      'usd',
      now,
      names,
    );
    expect(rows.map((r) => [r.lotId, r.kind, r.scope, r.text, r.daysLeft, r.soon])).toEqual([
      ['lot_promo', 'Promotional', 'Workspace', '$5.00', 5, true],
      ['lot_seat', 'Included', 'Mia Member', '$25.00', 21, true],
      ['lot_1', 'Purchased', 'Workspace', '$25.00', 365, false],
    ]);
  });
});

describe('form amounts', () => {
  const limits = { minMicros: 5 * USD, maxMicros: 10_000 * USD };

  it('accepts whole cents within the limits', () => {
    expect(parseTopupAmount('25', limits)).toEqual({ ok: true, value: 25 * USD });
    expect(parseTopupAmount('$1,000.50'.replace(',', ''), limits)).toEqual({
      ok: true,
      value: 1_000_500_000,
    });
  });

  it('refuses fractions of a cent, out-of-range and non-numbers with a sentence', () => {
    expect(parseTopupAmount('25.005', limits)).toEqual({
      ok: false,
      error: 'Use at most two decimals (whole cents).',
    });
    expect(parseTopupAmount('4.99', limits)).toEqual({
      ok: false,
      error: 'Add between $5.00 and $10,000.00.',
    });
    expect(parseTopupAmount('10000.01', limits)).toMatchObject({ ok: false });
    expect(parseTopupAmount('abc', limits)).toEqual({
      ok: false,
      error: 'Enter an amount like 25 or 25.50.',
    });
    expect(parseTopupAmount('-5', limits)).toEqual({ ok: false, error: 'Enter a positive amount.' });
    expect(parseTopupAmount(' ', limits)).toEqual({ ok: false, error: 'Enter an amount.' });
  });

  it('parses an optional cap, empty meaning none', () => {
    expect(parseOptionalAmount('')).toEqual({ ok: true, value: null });
    expect(parseOptionalAmount('50')).toEqual({ ok: true, value: 50 * USD });
    expect(parseOptionalAmount('x')).toMatchObject({ ok: false });
  });

  it('parses thresholds, de-duplicated, largest first', () => {
    expect(parseThresholds('5, 10 10,2.5')).toEqual({ ok: true, value: [10 * USD, 5 * USD, 2_500_000] });
    expect(parseThresholds('')).toEqual({ ok: true, value: [] });
    expect(parseThresholds('5, lots')).toMatchObject({ ok: false });
    expect(parseThresholds('1 2 3 4 5 6 7 8 9 10 11')).toEqual({
      ok: false,
      error: 'At most 10 thresholds.',
    });
  });

  it('prefills inputs with plain decimals', () => {
    expect(microsToInput(10 * USD)).toBe('10');
    expect(microsToInput(2_500_000)).toBe('2.5');
    expect(microsToInput(4_200)).toBe('0.0042');
  });
});

describe('dates', () => {
  it('shows transaction times compactly, in UTC', () => {
    expect(formatWhen('2026-11-21T23:47:05.000Z')).toBe('Nov 21, 2026, 23:47');
  });
});

describe('add funds: card and quote', () => {
  const card = { paymentMethodId: 'pm_1', brand: 'visa', last4: '4242', expMonth: 12, expYear: 2030 };
  const billing: Billing = {
    workspaceId: 'ws_1',
    mode: 'stripe',
    address: { country: 'US', state: 'CA', postalCode: '94107' },
    paymentMethodId: 'pm_1',
    card,
    customerId: 'cus_1',
    name: 'One',
    topupLimits: { minMicros: 5 * USD, maxMicros: 10_000 * USD },
    billingAccess: 'admins_and_owners',
  };

  it('shows the card by brand, last four and expiry; the id when Stripe could not describe it', () => {
    expect(cardOnFile(billing)).toBe('Card for AI credits: Visa •••• 4242 (exp 12/2030)');
    expect(cardOnFile({ ...billing, card: null })).toBe('Card for AI credits: pm_1');
    expect(cardOnFile({ ...billing, card: null, paymentMethodId: null })).toBe(
      'No card is saved for AI credits yet.',
    );
    expect(cardOnFile({ ...billing, mode: 'no_payment', card: null })).toMatch(/^No-payment mode/);
  });

  it('shows the quoted tax with its place and the total to be charged', () => {
    const quote: TopupQuote = {
      amountMicros: 50 * USD,
      taxMicros: 3_630_000,
      totalMicros: 53_630_000,
      currency: 'usd',
      billingAddress: { country: 'US', state: 'CA' },
      paymentMethod: card,
      testFunds: false,
    };
    expect(quoteSummary(quote)).toEqual({ tax: '$3.63 (CA, US)', total: '$53.63' });
    expect(quoteSummary({ ...quote, taxMicros: 0, totalMicros: 50 * USD, billingAddress: null })).toEqual({
      tax: '$0.00 (no billing address saved)',
      total: '$50.00',
    });
    expect(quoteSummary({ ...quote, testFunds: true, taxMicros: 0, paymentMethod: null })).toEqual({
      tax: 'none (test funds)',
      total: 'nothing (test funds)',
    });
  });
});
