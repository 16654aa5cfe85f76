import { describe, expect, it } from 'vitest';
import { formatCard } from './card';

describe('formatCard', () => {
  it('names the brand, the last four digits and the expiry', () => {
    expect(formatCard({ brand: 'visa', last4: '4242', expMonth: 12, expYear: 2030 })).toBe(
      'Visa •••• 4242 (exp 12/2030)',
    );
    expect(formatCard({ brand: 'amex', last4: '0005', expMonth: 3, expYear: 2028 })).toBe(
      'American Express •••• 0005 (exp 03/2028)',
    );
  });

  it('shows a brand it does not know capitalised, and an unknown one as a card', () => {
    expect(formatCard({ brand: 'newnet', last4: '1111', expMonth: 1, expYear: 2031 })).toBe(
      'Newnet •••• 1111 (exp 01/2031)',
    );
    expect(formatCard({ brand: 'unknown', last4: '1111', expMonth: 1, expYear: 2031 })).toBe(
      'Card •••• 1111 (exp 01/2031)',
    );
  });
});
