// Shared builders for the test suites (not exported from the package entry).
import { createMemoryLedger, type MemoryLedger } from './memory-ledger.js';
import { MICROS_PER_UNIT } from './money.js';
import type { BillingPeriod, Lot, WorkspacePolicy } from './types.js';

export const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const PERIOD: BillingPeriod = { start: Date.UTC(2026, 0, 1), end: Date.UTC(2026, 1, 1) };

export const usd = (dollars: number): number => Math.round(dollars * 100) * (MICROS_PER_UNIT / 100);

export function policyOf(overrides: Partial<WorkspacePolicy> = {}): WorkspacePolicy {
  return {
    id: 'ws_test',
    unit: 'usd',
    hosting: 'cloud',
    enterprise: false,
    overage: { enabled: false, monthlyCapMicros: null },
    seatPooling: false,
    maxDeficitMicros: usd(5),
    deletedAt: null,
    ...overrides,
  };
}

export function ledgerOf(overrides: Partial<WorkspacePolicy> = {}): MemoryLedger {
  return createMemoryLedger(policyOf(overrides), PERIOD);
}

export function lotOf(overrides: Partial<Lot> & Pick<Lot, 'id'>): Lot {
  return {
    workspaceId: 'ws_test',
    kind: 'purchased',
    scope: 'workspace',
    originalMicros: usd(10),
    remainingMicros: usd(10),
    grantedAt: T0,
    effectiveAt: T0,
    expiresAt: null,
    source: 'payment',
    note: null,
    chargeId: null,
    topupId: null,
    closedAt: null,
    closeReason: null,
    ...overrides,
  };
}
