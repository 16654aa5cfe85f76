/**
 * What a test card does when a PaymentIntent confirms with it. Stripe's real test cards are
 * synchronous; `processing` and `processing_declined` are stand-in inventions that stay
 * `processing` until `settlePending()` so asynchronous settlement through webhooks can be tested.
 */
export type TestCardKind =
  | 'visa'
  | 'mastercard'
  | 'declined'
  | 'insufficient_funds'
  | 'processing'
  | 'processing_declined';

export interface CardProfile {
  brand: 'visa' | 'mastercard';
  last4: string;
  outcome: 'succeed' | 'decline' | 'processing';
  /** For `decline`, and for `processing` cards that fail when settled. */
  decline?: { declineCode: string; message: string };
}

const GENERIC_DECLINE = { declineCode: 'generic_decline', message: 'Your card was declined.' };
const INSUFFICIENT_FUNDS = {
  declineCode: 'insufficient_funds',
  message: 'Your card has insufficient funds.',
};

export const CARD_PROFILES: Readonly<Record<TestCardKind, CardProfile>> = {
  visa: { brand: 'visa', last4: '4242', outcome: 'succeed' },
  mastercard: { brand: 'mastercard', last4: '4444', outcome: 'succeed' },
  declined: { brand: 'visa', last4: '0002', outcome: 'decline', decline: GENERIC_DECLINE },
  insufficient_funds: { brand: 'visa', last4: '9995', outcome: 'decline', decline: INSUFFICIENT_FUNDS },
  processing: { brand: 'visa', last4: '0077', outcome: 'processing' },
  processing_declined: { brand: 'visa', last4: '0078', outcome: 'processing', decline: GENERIC_DECLINE },
};

/** Stripe's own test PaymentMethod ids, plus `pm_card_standin_*` for the invented processing cards. */
export const MAGIC_PAYMENT_METHODS: Readonly<Record<string, TestCardKind>> = {
  pm_card_visa: 'visa',
  pm_card_mastercard: 'mastercard',
  pm_card_chargeDeclined: 'declined',
  pm_card_visa_chargeDeclined: 'declined',
  pm_card_chargeDeclinedInsufficientFunds: 'insufficient_funds',
  pm_card_visa_chargeDeclinedInsufficientFunds: 'insufficient_funds',
  pm_card_standin_processing: 'processing',
  pm_card_standin_processingDeclined: 'processing_declined',
};

/** Stripe's test tokens, accepted by `POST /v1/payment_methods` as `card[token]`. */
export const MAGIC_TOKENS: Readonly<Record<string, TestCardKind>> = {
  tok_visa: 'visa',
  tok_mastercard: 'mastercard',
  tok_chargeDeclined: 'declined',
  tok_chargeDeclinedInsufficientFunds: 'insufficient_funds',
};
