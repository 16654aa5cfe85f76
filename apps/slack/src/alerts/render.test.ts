import type { WebhookEvent } from '@aicredits/contract';
import { describe, expect, it } from 'vitest';
import { renderAlert } from './render.js';

const ws = 'ws_1';
const base = { createdAt: '2030-01-01T00:00:00.000Z', workspaceId: ws };
const period = { start: '2030-01-01T00:00:00.000Z', end: '2030-02-01T00:00:00.000Z' };
const figures = {
  unit: 'usd' as const,
  availableMicros: 1_000_000,
  reservedMicros: 0,
  spendableMicros: -250_000,
  deficitMicros: 250_000,
};

const events: WebhookEvent[] = [
  { ...base, id: 'e1', type: 'balance.low', data: { thresholdMicros: 5_000_000, ...figures } },
  { ...base, id: 'e2', type: 'balance.depleted', data: figures },
  { ...base, id: 'e3', type: 'balance.negative', data: figures },
  { ...base, id: 'e4', type: 'balance.recovered', data: { thresholdMicros: null, ...figures } },
  {
    ...base,
    id: 'e5',
    type: 'lots.expiring',
    data: {
      unit: 'credits',
      withinDays: 30,
      totalMicros: 2_500_000,
      earliestExpiresAt: '2030-01-20T00:00:00.000Z',
      lots: [],
    },
  },
  { ...base, id: 'e6', type: 'seat.exhausted', data: { memberId: 'm_1', period, unit: 'credits' } },
  {
    ...base,
    id: 'e7',
    type: 'overage.started',
    data: { memberId: 'm_1', period, usedMicros: 1_000_000, capMicros: null, unit: 'credits' },
  },
  {
    ...base,
    id: 'e8',
    type: 'overage.cap_reached',
    data: { period, usedMicros: 9_000_000, capMicros: 9_000_000, unit: 'usd' },
  },
  {
    ...base,
    id: 'e9',
    type: 'topup.succeeded',
    data: {
      topupId: 'tu_1',
      amountMicros: 50_000_000,
      taxMicros: 3_630_000,
      totalMicros: 53_630_000,
      coveredDeficitMicros: 250_000,
      lotId: 'lot_1',
      testFunds: false,
      invoiceId: 'in_1',
      paymentIntentId: 'pi_1',
    },
  },
  {
    ...base,
    id: 'e10',
    type: 'topup.failed',
    data: {
      topupId: 'tu_2',
      amountMicros: 20_000_000,
      paymentIntentId: null,
      failureCode: 'card_declined',
      failureMessage: 'Your card was declined.',
    },
  },
];

const expected: Record<WebhookEvent['type'], { text: string; topUp: boolean }> = {
  'balance.low': { text: 'Low balance: −$0.25 left (below $5.00)', topUp: true },
  'balance.depleted': { text: 'Credits depleted', topUp: true },
  'balance.negative': { text: '$0.25 deficit', topUp: true },
  'balance.recovered': { text: 'Balance recovered', topUp: false },
  'lots.expiring': {
    text: '2.5 credits expires within 30 days in workspace ws_1; the first on 2030-01-20',
    topUp: false,
  },
  'seat.exhausted': { text: 'Member m_1 used all included credits', topUp: false },
  'overage.started': { text: '1 credit so far (no cap)', topUp: false },
  'overage.cap_reached': { text: 'Overage cap of $9.00 reached', topUp: false },
  'topup.succeeded': { text: 'Top-up of $50.00 succeeded', topUp: false },
  'topup.failed': { text: 'Your card was declined. Nothing was credited.', topUp: true },
};

describe('renderAlert', () => {
  it.each(
    events.map((e) => [e.type, e] as const),
  )('%s: headline text, numbers, usage link', (type, event) => {
    const rendered = renderAlert(event, 'https://dash.example/');
    expect(rendered.text).toContain(expected[type].text);
    const json = JSON.stringify(rendered.blocks);
    expect(json).toContain('https://dash.example/workspaces/ws_1/usage');
    expect(json.includes('aicredits_topup_open')).toBe(expected[type].topUp);
    expect(rendered.alertKey.startsWith(`${type.startsWith('topup') ? 'topup' : type}:${ws}:`)).toBe(true);
    expect(rendered.blocks.length).toBeLessThanOrEqual(50);
  });

  it('keys name the situation, not the delivery', () => {
    const a = renderAlert({ ...events[0]!, id: 'other' } as WebhookEvent, 'https://d');
    expect(a.alertKey).toBe(renderAlert(events[0]!, 'https://d').alertKey);
  });

  it('recovery re-arms the low, depleted and negative alerts', () => {
    expect(renderAlert(events[3]!, 'https://d').rearm).toEqual([
      `balance.low:${ws}:`,
      `balance.depleted:${ws}:`,
      `balance.negative:${ws}:`,
    ]);
  });
});
