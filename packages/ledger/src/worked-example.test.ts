import { expect, it } from 'vitest';
import { runWorkedExample } from './index.js';

it('the worked example draws one task across lots, runs into a deficit and the top-up covers it', () => {
  const output = runWorkedExample();
  expect(output).toContain('promo_welcome    $2.00');
  expect(output).toContain('unpaid by lots -> deficit $1.00');
  expect(output).toContain('Balance: -$1.00 (new work can begin: no)');
  expect(output).toContain('$1.00 covers the deficit, $49.00 becomes lot purchase_2');
  expect(output).toContain('Balance: $49.00 (new work can begin: yes)');
});
