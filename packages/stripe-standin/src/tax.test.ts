import { describe, expect, it } from 'vitest';
import { rateFor, taxForLine } from './tax.js';

describe('tax table', () => {
  it('uses the documented state rates and no tax outside the US', () => {
    expect(rateFor({ country: 'US', state: 'CA' }).rateMilliPercent).toBe(7250);
    expect(rateFor({ country: 'us', state: 'ny' }).rateMilliPercent).toBe(8875);
    expect(rateFor({ country: 'US', state: 'TX' }).rateMilliPercent).toBe(6250);
    expect(rateFor({ country: 'US', state: 'OR' }).rateMilliPercent).toBe(0);
    expect(rateFor({ country: 'US', state: 'DE' }).rateMilliPercent).toBe(0);
    expect(rateFor({ country: 'DE' }).rateMilliPercent).toBe(0);
    expect(rateFor({ country: 'DE' }).taxabilityReason).toBe('not_collecting');
  });

  it('rounds exclusive tax to the nearest cent, half up', () => {
    expect(taxForLine(10_000, 7250, 'exclusive')).toBe(725); // $100 in CA
    expect(taxForLine(10_000, 8875, 'exclusive')).toBe(888); // 887.5 → 888
    expect(taxForLine(1_234, 8875, 'exclusive')).toBe(110); // 109.5175 → 110
    expect(taxForLine(1_000, 6250, 'exclusive')).toBe(63); // 62.5 → 63
    expect(taxForLine(1_000_000, 7250, 'exclusive')).toBe(72_500);
    expect(taxForLine(999, 0, 'exclusive')).toBe(0);
  });

  it('extracts inclusive tax from the amount', () => {
    // $107.25 including 7.25% → $100 net, $7.25 tax.
    expect(taxForLine(10_725, 7250, 'inclusive')).toBe(725);
  });
});
