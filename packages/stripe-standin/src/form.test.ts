import { describe, expect, it } from 'vitest';
import { canonicalForm, FormParseError, parseForm } from './form.js';

describe('parseForm', () => {
  it('nests bracketed keys and turns indexed keys into arrays', () => {
    const body =
      'amount=1000&metadata[topupId]=t_1&metadata[workspaceId]=ws%201&automatic_payment_methods[enabled]=true' +
      '&line_items[0][amount]=500&line_items[1][amount]=250&customer_details[address][country]=US&expand[]=a&expand[]=b';
    expect(parseForm(body)).toEqual({
      amount: '1000',
      metadata: { topupId: 't_1', workspaceId: 'ws 1' },
      automatic_payment_methods: { enabled: 'true' },
      line_items: [{ amount: '500' }, { amount: '250' }],
      customer_details: { address: { country: 'US' } },
      expand: ['a', 'b'],
    });
  });

  it('accepts percent-encoded brackets and plus as space', () => {
    expect(parseForm('metadata%5Bnote%5D=hello+world')).toEqual({ metadata: { note: 'hello world' } });
  });

  it('refuses a key used both as a value and as an object', () => {
    expect(() => parseForm('a=1&a[b]=2')).toThrow(FormParseError);
    expect(() => parseForm('a[b=2')).toThrow(FormParseError);
  });

  it('canonicalises independent of parameter order', () => {
    expect(canonicalForm(parseForm('a=1&b[x]=2&b[y]=3'))).toBe(canonicalForm(parseForm('b[y]=3&a=1&b[x]=2')));
    expect(canonicalForm(parseForm('a=1'))).not.toBe(canonicalForm(parseForm('a=2')));
  });
});
