import type { CardSummary } from '@aicredits/contract';

/** Stripe's brand ids (`PaymentMethod.card.brand`) as people write them. */
const BRAND_NAMES: Readonly<Record<string, string>> = {
  amex: 'American Express',
  cartes_bancaires: 'Cartes Bancaires',
  diners: 'Diners Club',
  discover: 'Discover',
  eftpos_au: 'eftpos',
  interac: 'Interac',
  jcb: 'JCB',
  link: 'Link',
  mastercard: 'Mastercard',
  unionpay: 'UnionPay',
  visa: 'Visa',
};

/**
 * A saved card in one line, the same in every app: `Visa •••• 4242 (exp 12/2030)`. A brand
 * Stripe adds later is shown capitalised rather than hidden.
 */
export function formatCard(card: Pick<CardSummary, 'brand' | 'last4' | 'expMonth' | 'expYear'>): string {
  const brand =
    BRAND_NAMES[card.brand] ??
    (card.brand === '' || card.brand === 'unknown'
      ? 'Card'
      : card.brand.charAt(0).toUpperCase() + card.brand.slice(1));
  const month = String(card.expMonth).padStart(2, '0');
  return `${brand} •••• ${card.last4} (exp ${month}/${card.expYear})`;
}
