import type { Balance, Estimate, LedgerEntry, Lot, Topup, UsageReport } from '@aicredits/sdk';
import { describe, expect, it } from 'vitest';
import {
  formatTimestamp,
  renderBalance,
  renderEstimate,
  renderLots,
  renderPairs,
  renderTable,
  renderTopup,
  renderTransactions,
  renderUsage,
  signedMoney,
} from './format.js';

const AT = '2025-03-01T09:30:15.123Z';

describe('renderTable', () => {
  it('aligns columns without borders or colour codes', () => {
    const text = renderTable(
      ['NAME', 'AMOUNT'],
      [
        ['a', '$1.00'],
        ['longer', '$100.00'],
      ],
      ['left', 'right'],
    );
    expect(text.split('\n')).toEqual(['NAME     AMOUNT', 'a         $1.00', 'longer  $100.00']);
    expect(text.includes('\u001b[')).toBe(false);
  });
});

describe('small formatters', () => {
  it('aligns label/value pairs', () => {
    expect(
      renderPairs([
        ['A', '1'],
        ['Long', '2'],
      ]),
    ).toBe('A     1\nLong  2');
  });

  it('shows the direction of ledger movements', () => {
    expect(signedMoney(5_000_000, 'usd')).toBe('+$5.00');
    expect(signedMoney(-1_250_000, 'usd')).toBe('−$1.25');
    expect(signedMoney(0, 'usd')).toBe('$0.00');
  });

  it('shortens timestamps to minutes, UTC', () => {
    expect(formatTimestamp(AT)).toBe('2025-03-01 09:30 UTC');
    expect(formatTimestamp('not a time')).toBe('not a time');
  });
});

const balance: Balance = {
  workspaceId: 'ws_1',
  memberId: 'mia',
  unit: 'usd',
  availableMicros: 15_000_000,
  reservedMicros: 2_660_000,
  spendableMicros: 12_340_000,
  deficitMicros: 0,
  byKind: { promotional: 5_000_000, included: 0, support: 0, purchased: 10_000_000 },
  byScope: [{ scope: 'workspace', availableMicros: 15_000_000 }],
  memberIncludedRemainingMicros: 0,
  overage: { enabled: true, usedMicros: 1_000_000, capMicros: 50_000_000, period: { start: AT, end: AT } },
  canBegin: true,
  nextExpiry: { at: AT, amountMicros: 5_000_000 },
  asOf: AT,
} as Balance;

describe('renderBalance', () => {
  it('shows spendable first, the overage state and credits by kind', () => {
    const text = renderBalance(balance);
    expect(text).toContain('Spendable       $12.34');
    expect(text).toContain('Reserved        $2.66');
    expect(text).toContain('Overage         on, $1.00 used of $50.00 cap this period');
    expect(text).toContain('Next expiry     $5.00 on 2025-03-01');
    expect(text).toMatch(/purchased\s+\$10\.00/);
  });

  it('says when overage is off', () => {
    const off = { ...balance, overage: { ...balance.overage, enabled: false, usedMicros: 0 } };
    expect(renderBalance(off)).toMatch(/Overage\s+off$/m);
  });
});

describe('lists', () => {
  it('renders lots in the order given (burn order)', () => {
    const lot = {
      id: 'lot_1',
      workspaceId: 'ws_1',
      kind: 'promotional',
      scope: 'workspace',
      originalMicros: 5_000_000,
      remainingMicros: 4_500_000,
      grantedAt: AT,
      effectiveAt: AT,
      expiresAt: AT,
      source: 'promotion',
      note: null,
      chargeId: null,
      topupId: null,
      status: 'active',
      closedAt: null,
    } as Lot;
    const text = renderLots([lot, { ...lot, id: 'lot_2', kind: 'purchased', expiresAt: null }], 'usd');
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^ID\s+KIND\s+SCOPE\s+REMAINING\s+ORIGINAL\s+EXPIRES\s+STATUS\s+SOURCE$/);
    expect(lines[1]).toMatch(/^lot_1\s+promotional\s+workspace\s+\$4\.50\s+\$5\.00\s+2025-03-01\s+active/);
    expect(lines[2]).toMatch(/never/);
    expect(renderLots([], 'usd')).toBe('No lots.');
  });

  it('renders transactions with signed amounts and the most specific reference', () => {
    const entry: LedgerEntry = {
      id: 'le_1',
      workspaceId: 'ws_1',
      type: 'charge_draw',
      amountMicros: -420_000,
      at: AT,
      lotId: 'lot_1',
      reservationId: 'res_1',
      chargeId: 'ch_1',
      topupId: null,
      memberId: 'mia',
      feature: 'coding_session',
    };
    const text = renderTransactions([entry], 'usd');
    expect(text.split('\n')[1]).toMatch(
      /^2025-03-01 09:30 UTC\s+charge_draw\s+−\$0\.42\s+mia\s+coding_session\s+ch_1$/,
    );
    expect(renderTransactions([], 'usd')).toBe('No transactions.');
  });

  it('renders usage groups with a total row', () => {
    const report: UsageReport = {
      workspaceId: 'ws_1',
      unit: 'usd',
      from: '2025-03-01T00:00:00.000Z',
      to: '2025-03-03T00:00:00.000Z',
      groupBy: 'feature',
      memberId: null,
      totalMicros: 3_000_000,
      overageMicros: 0,
      charges: 3,
      groups: [{ key: 'coding_session', amountMicros: 3_000_000, overageMicros: 0, charges: 3 }],
    };
    const lines = renderUsage(report).split('\n');
    expect(lines[0]).toBe('Usage 2025-03-01 00:00 UTC → 2025-03-03 00:00 UTC');
    expect(lines[1]).toMatch(/^FEATURE\s+AMOUNT\s+OVERAGE\s+CHARGES$/);
    expect(lines[3]).toMatch(/^TOTAL\s+\$3\.00\s+\$0\.00\s+3$/);
    expect(renderUsage({ ...report, groups: [] })).toMatch(/No usage\.$/);
  });
});

describe('single results', () => {
  it('renders a top-up with tax and test-funds note', () => {
    const topup = {
      id: 'tu_1',
      workspaceId: 'ws_1',
      amountMicros: 50_000_000,
      taxMicros: 0,
      totalMicros: 50_000_000,
      status: 'succeeded',
      paid: false,
      testFunds: true,
      coveredDeficitMicros: 1_000_000,
      lotId: 'lot_9',
      invoiceId: null,
      paymentIntentId: null,
      failure: null,
      createdAt: AT,
      completedAt: AT,
    } as Topup;
    const text = renderTopup(topup);
    expect(text).toContain('Status           succeeded (test funds: nothing was charged)');
    expect(text).toContain('Covered deficit  $1.00');
    expect(text).toContain('Lot              lot_9');
  });

  it('renders an estimate as a range with its basis and coverage', () => {
    const estimate: Estimate = {
      feature: 'coding_session',
      taskKind: 'bug_fix',
      model: 'model-x',
      lowMicros: 5_000_000,
      highMicros: 7_000_000,
      basis: 'history',
      sampleSize: 12,
      covered: false,
      spendableMicros: 3_000_000,
      priceVersion: 'v1',
      unit: 'usd',
    };
    const text = renderEstimate(estimate);
    expect(text).toContain('Estimate   $5.00–$7.00');
    expect(text).toContain("Based on   this workspace's history (12 settled sessions)");
    expect(text).toContain('Covered    no — add funds before starting');
  });
});
