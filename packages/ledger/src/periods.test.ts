import { describe, expect, it } from 'vitest';
import { addMonths, billingPeriodAt } from './periods.js';

describe('periods', () => {
  it('adds calendar months in UTC, clamping to the end of the month', () => {
    expect(addMonths(Date.UTC(2026, 0, 31, 10), 1)).toBe(Date.UTC(2026, 1, 28, 10));
    expect(addMonths(Date.UTC(2028, 0, 31), 1)).toBe(Date.UTC(2028, 1, 29));
    expect(addMonths(Date.UTC(2026, 2, 15), 12)).toBe(Date.UTC(2027, 2, 15));
    expect(addMonths(Date.UTC(2026, 0, 15), -1)).toBe(Date.UTC(2025, 11, 15));
  });

  it('finds the monthly period containing now, anchored on the anchor day', () => {
    const anchor = Date.UTC(2025, 0, 31, 8);
    expect(billingPeriodAt(anchor, Date.UTC(2026, 1, 10))).toEqual({
      start: Date.UTC(2026, 0, 31, 8),
      end: Date.UTC(2026, 1, 28, 8),
    });
    // After a short month the anchor day comes back instead of drifting.
    expect(billingPeriodAt(anchor, Date.UTC(2026, 2, 5))).toEqual({
      start: Date.UTC(2026, 1, 28, 8),
      end: Date.UTC(2026, 2, 31, 8),
    });
  });

  it('treats the boundary instant as the start of the next period', () => {
    const anchor = Date.UTC(2026, 0, 1);
    expect(billingPeriodAt(anchor, Date.UTC(2026, 1, 1)).start).toBe(Date.UTC(2026, 1, 1));
    expect(billingPeriodAt(anchor, Date.UTC(2026, 1, 1) - 1).start).toBe(Date.UTC(2026, 0, 1));
    expect(billingPeriodAt(anchor, Date.UTC(2025, 5, 3)).start).toBe(Date.UTC(2025, 5, 1));
  });
});
