/**
 * Response bodies that satisfy the contract schemas, for unit tests against the local server.
 * Reservation and charge are left untyped so a field the contract adds (here `taskKind`) can be
 * present before and after the contract change; zod drops fields it does not know.
 */
import type { Balance, LedgerEntry, Workspace } from '@aicredits/contract';

const at = '2026-01-01T00:00:00.000Z';
const period = { start: at, end: '2026-02-01T00:00:00.000Z' };

export const workspace: Workspace = {
  id: 'ws_1',
  name: 'Acme',
  plan: 'pro',
  unit: 'usd',
  hosting: 'cloud',
  enterprise: false,
  settings: {
    overage: { enabled: false, monthlyCapMicros: null },
    seatPooling: false,
    pinnedModel: null,
    lowBalanceThresholdsMicros: [],
    expiryWarningDays: [30, 7],
    includedMicrosPerSeat: 0,
    maxDeficitMicros: 5_000_000,
  },
  billingAnchor: at,
  billingPeriod: period,
  deficitMicros: 0,
  createdAt: at,
  deletedAt: null,
};

export const balance: Balance = {
  workspaceId: 'ws_1',
  memberId: 'm_1',
  unit: 'usd',
  availableMicros: 10_000_000,
  reservedMicros: 0,
  spendableMicros: 10_000_000,
  deficitMicros: 0,
  byKind: { promotional: 0, included: 0, support: 0, purchased: 10_000_000 },
  byScope: [{ scope: 'workspace', availableMicros: 10_000_000 }],
  memberIncludedRemainingMicros: 0,
  overage: { enabled: false, usedMicros: 0, capMicros: null, period },
  canBegin: true,
  nextExpiry: null,
  asOf: at,
};

export const reservation = {
  id: 'res_1',
  workspaceId: 'ws_1',
  memberId: 'm_1',
  feature: 'coding_session',
  heldMicros: 2_000_000,
  metered: true,
  status: 'held' as const,
  createdAt: at,
  expiresAt: '2026-01-01T00:15:00.000Z',
  settledAt: null,
  chargeId: null,
  taskKind: null,
};

export const charge = {
  id: 'ch_1',
  workspaceId: 'ws_1',
  reservationId: 'res_1',
  memberId: 'm_1',
  feature: 'coding_session',
  amountMicros: 1_500_000,
  outcome: 'succeeded' as const,
  usage: null,
  priceVersion: null,
  taskKind: null,
  draws: [
    { lotId: 'lot_1', kind: 'purchased' as const, scope: 'workspace' as const, amountMicros: 1_500_000 },
  ],
  deficitMicros: 0,
  overageMicros: 0,
  overrunMicros: 0,
  createdAt: at,
};

export function entry(id: string): LedgerEntry {
  return {
    id,
    workspaceId: 'ws_1',
    type: 'charge_draw',
    amountMicros: -1_000,
    at,
    lotId: 'lot_1',
    reservationId: null,
    chargeId: 'ch_1',
    topupId: null,
    memberId: null,
    feature: 'coding_session',
  };
}
