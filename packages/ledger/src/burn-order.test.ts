import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canDraw, compareBurnOrder, insertInBurnOrder, isSpendable, sortInBurnOrder } from './burn-order.js';
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

  const arbitraryLots = fc.uniqueArray(
    fc.record({
      id: fc.string({ minLength: 1, maxLength: 4 }),
      kind: fc.constantFrom('promotional', 'included', 'support', 'purchased'),
      expiresAt: fc.option(fc.integer({ min: 0, max: 5 }).map((d) => T0 + d * DAY)),
      grantedAt: fc.integer({ min: 0, max: 3 }).map((d) => T0 - d * DAY),
    }),
    { selector: (l) => l.id, maxLength: 30 },
  );

  it('sorts any order as a full sort does, and returns a copy even when the lots are in order', () => {
    fc.assert(
      fc.property(arbitraryLots, (specs) => {
        const lots = specs.map((spec) => lotOf(spec));
        const expected = [...lots].sort(compareBurnOrder);
        expect(sortInBurnOrder(lots)).toEqual(expected);
        const again = sortInBurnOrder(expected);
        expect(again).toEqual(expected);
        expect(again).not.toBe(expected);
      }),
    );
  });

  it('inserts a lot at its place, so lots kept in order stay in order', () => {
    fc.assert(
      fc.property(arbitraryLots, (specs) => {
        const lots = specs.map((spec) => lotOf(spec));
        let kept: ReturnType<typeof lotOf>[] = [];
        for (const lot of lots) kept = insertInBurnOrder(kept, lot);
        expect(kept).toEqual([...lots].sort(compareBurnOrder));
      }),
    );
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
