import { describe, expect, it } from 'vitest';
import { canDraw, compareBurnOrder, isSpendable, sortInBurnOrder } from './burn-order.js';
import { DAY, lotOf, policyOf, T0 } from './test-fixtures.js';

describe('burn order', () => {
  it('uses promotional, then included, then support, then purchased', () => {
    const lots = [
      lotOf({ id: 'p', kind: 'purchased', expiresAt: T0 + DAY }),
      lotOf({ id: 's', kind: 'support', expiresAt: null }),
      lotOf({ id: 'i', kind: 'included', expiresAt: T0 + 30 * DAY }),
      lotOf({ id: 'pr', kind: 'promotional', expiresAt: T0 + 90 * DAY }),
    ];
    expect(sortInBurnOrder(lots).map((lot) => lot.id)).toEqual(['pr', 'i', 's', 'p']);
  });

  it('within a kind: soonest expiry first, never-expiring last, then granted-at, then id', () => {
    const lots = [
      lotOf({ id: 'never', expiresAt: null }),
      lotOf({ id: 'late', expiresAt: T0 + 10 * DAY }),
      lotOf({ id: 'b-soon', expiresAt: T0 + DAY, grantedAt: T0 }),
      lotOf({ id: 'a-soon', expiresAt: T0 + DAY, grantedAt: T0 }),
      lotOf({ id: 'old-soon', expiresAt: T0 + DAY, grantedAt: T0 - DAY }),
    ];
    expect(sortInBurnOrder(lots).map((lot) => lot.id)).toEqual([
      'old-soon',
      'a-soon',
      'b-soon',
      'late',
      'never',
    ]);
  });

  it('is total: distinct lots never compare equal and the order is antisymmetric', () => {
    const a = lotOf({ id: 'a' });
    const b = lotOf({ id: 'b' });
    expect(compareBurnOrder(a, b)).toBeLessThan(0);
    expect(compareBurnOrder(b, a)).toBeGreaterThan(0);
    expect(compareBurnOrder(a, a)).toBe(0);
  });

  it('a lot is spendable until one millisecond before it expires, and not at the instant', () => {
    const lot = lotOf({ id: 'x', expiresAt: T0 + DAY });
    expect(isSpendable(lot, T0 + DAY - 1)).toBe(true);
    expect(isSpendable(lot, T0 + DAY)).toBe(false);
    expect(isSpendable(lotOf({ id: 'y', effectiveAt: T0 + 1 }), T0)).toBe(false);
    expect(isSpendable(lotOf({ id: 'z', remainingMicros: 0 }), T0)).toBe(false);
    expect(isSpendable(lotOf({ id: 'c', closedAt: T0, closeReason: 'forfeited' }), T0)).toBe(false);
  });

  it('member lots belong to their member unless seats are pooled', () => {
    const aliceLot = lotOf({ id: 'seat', kind: 'included', scope: 'member:alice' });
    const pooled = lotOf({ id: 'pool', scope: 'workspace' });
    const policy = policyOf();
    expect(canDraw(policy, 'alice', aliceLot)).toBe(true);
    expect(canDraw(policy, 'bob', aliceLot)).toBe(false);
    expect(canDraw(policy, null, aliceLot)).toBe(false);
    expect(canDraw(policy, 'bob', pooled)).toBe(true);
    expect(canDraw(policyOf({ seatPooling: true }), 'bob', aliceLot)).toBe(true);
  });
});
