import type { Balance, Estimate, Lot, UsageReport, Workspace } from '@aicredits/sdk';
import type { CreditsSnapshot, Identity } from '../model';

/** Test data shaped exactly like the API's responses (the SDK's contract types). */

export const NOW = new Date('2025-06-10T12:00:00.000Z');

export function workspace(overrides: Partial<Workspace> = {}): Workspace {
  return {
    id: 'ws_acme',
    name: 'Acme',
    plan: 'pro',
    unit: 'usd',
    hosting: 'cloud',
    enterprise: false,
    billingAnchor: '2025-06-01T00:00:00.000Z',
    billingPeriod: { start: '2025-06-01T00:00:00.000Z', end: '2025-07-01T00:00:00.000Z' },
    deficitMicros: 0,
    createdAt: '2025-01-01T00:00:00.000Z',
    deletedAt: null,
    ...overrides,
    settings: {
      overage: { enabled: false, monthlyCapMicros: null },
      seatPooling: false,
      pinnedModel: null,
      lowBalanceThresholdsMicros: [10_000_000, 5_000_000],
      expiryWarningDays: [30, 7],
      includedMicrosPerSeat: 0,
      maxDeficitMicros: 20_000_000,
      ...overrides.settings,
    },
  };
}

export function balance(overrides: Partial<Balance> = {}): Balance {
  return {
    workspaceId: 'ws_acme',
    memberId: 'mem_dev',
    unit: 'usd',
    availableMicros: 42_500_000,
    reservedMicros: 0,
    spendableMicros: 42_500_000,
    deficitMicros: 0,
    byKind: { promotional: 2_500_000, included: 0, support: 0, purchased: 40_000_000 },
    byScope: [{ scope: 'workspace', availableMicros: 42_500_000 }],
    memberIncludedRemainingMicros: 0,
    overage: {
      enabled: false,
      usedMicros: 0,
      capMicros: null,
      period: { start: '2025-06-01T00:00:00.000Z', end: '2025-07-01T00:00:00.000Z' },
    },
    canBegin: true,
    nextExpiry: { at: '2025-06-20T00:00:00.000Z', amountMicros: 2_500_000 },
    asOf: NOW.toISOString(),
    ...overrides,
  };
}

export function snapshot(
  overrides: {
    workspace?: Partial<Workspace>;
    balance?: Partial<Balance>;
    identity?: Partial<Identity>;
  } = {},
): CreditsSnapshot {
  return {
    workspace: workspace(overrides.workspace),
    balance: balance(overrides.balance),
    identity: { memberId: 'mem_dev', role: 'member', ...overrides.identity },
    fetchedAt: NOW,
  };
}

export function estimate(overrides: Partial<Estimate> = {}): Estimate {
  return {
    feature: 'coding_session',
    taskKind: 'bug_fix',
    model: 'gpt-5',
    lowMicros: 5_000_000,
    highMicros: 7_000_000,
    basis: 'price_table',
    sampleSize: 0,
    covered: true,
    spendableMicros: 42_500_000,
    priceVersion: '2025-06-01',
    unit: 'usd',
    ...overrides,
  };
}

export function lot(overrides: Partial<Lot> = {}): Lot {
  return {
    id: 'lot_1',
    workspaceId: 'ws_acme',
    kind: 'purchased',
    scope: 'workspace',
    originalMicros: 50_000_000,
    remainingMicros: 40_000_000,
    grantedAt: '2025-05-01T00:00:00.000Z',
    effectiveAt: '2025-05-01T00:00:00.000Z',
    expiresAt: '2026-05-01T00:00:00.000Z',
    source: 'payment',
    note: null,
    chargeId: null,
    topupId: 'tu_1',
    status: 'active',
    closedAt: null,
    ...overrides,
  };
}

export function usageReport(overrides: Partial<UsageReport> = {}): UsageReport {
  return {
    workspaceId: 'ws_acme',
    unit: 'usd',
    from: '2025-05-11T12:00:00.000Z',
    to: NOW.toISOString(),
    groupBy: 'feature',
    memberId: 'mem_dev',
    totalMicros: 7_500_000,
    overageMicros: 0,
    charges: 3,
    groups: [{ key: 'coding_session', amountMicros: 7_500_000, overageMicros: 0, charges: 3 }],
    ...overrides,
  };
}
