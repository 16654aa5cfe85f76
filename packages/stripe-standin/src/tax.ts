/**
 * A small, documented sales-tax table standing in for Stripe Tax. Rates are in thousandths of a
 * percent (7.25% = 7250) so every rate is an integer and the arithmetic stays exact.
 * Real Stripe Tax knows thousands of jurisdictions, registrations and product tax codes; this
 * table only has to give tests distinct, predictable answers.
 */
export const US_STATE_RATES_MILLI_PERCENT: Readonly<Record<string, number>> = {
  CA: 7250,
  NY: 8875,
  TX: 6250,
  WA: 6500,
  FL: 6000,
  IL: 6250,
  OR: 0,
  DE: 0,
  MT: 0,
  NH: 0,
};

/** Rate for a US address without a known state, and for states missing from the table. */
export const US_DEFAULT_RATE_MILLI_PERCENT = 5000;

const HUNDRED_PERCENT = 100_000n;

export interface TaxLocation {
  country: string;
  state?: string | undefined;
}

/** Only US sales tax is modelled; every other country is outside the (stand-in) registrations. */
export function rateFor(location: TaxLocation): {
  rateMilliPercent: number;
  jurisdiction: string;
  taxabilityReason: string;
} {
  const country = location.country.toUpperCase();
  if (country !== 'US') {
    return { rateMilliPercent: 0, jurisdiction: country, taxabilityReason: 'not_collecting' };
  }
  const state = location.state?.toUpperCase();
  const rate = state === undefined ? undefined : US_STATE_RATES_MILLI_PERCENT[state];
  const rateMilliPercent = rate ?? US_DEFAULT_RATE_MILLI_PERCENT;
  return {
    rateMilliPercent,
    jurisdiction: state === undefined ? 'US' : `US-${state}`,
    taxabilityReason: rateMilliPercent === 0 ? 'not_subject_to_tax' : 'standard_rated',
  };
}

/** Integer division rounding half away from zero (amounts here are never negative): Stripe rounds tax to the cent. */
function divideRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (numerator * 2n + denominator) / (denominator * 2n);
}

/** Tax on a line, in cents. Exclusive: tax on top of `amount`. Inclusive: the tax part already inside `amount`. */
export function taxForLine(
  amountCents: number,
  rateMilliPercent: number,
  behavior: 'exclusive' | 'inclusive',
): number {
  const amount = BigInt(amountCents);
  const rate = BigInt(rateMilliPercent);
  if (behavior === 'exclusive') return Number(divideRoundHalfUp(amount * rate, HUNDRED_PERCENT));
  const net = divideRoundHalfUp(amount * HUNDRED_PERCENT, HUNDRED_PERCENT + rate);
  return Number(amount - net);
}
