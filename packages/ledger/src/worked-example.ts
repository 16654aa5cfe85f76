import { createMemoryLedger } from './memory-ledger.js';
import { MICROS_PER_UNIT } from './money.js';
import { costOfUsage, DEFAULT_PRICE_TABLE } from './prices.js';
import type { Micros, WorkspacePolicy } from './types.js';

// Formatting belongs at the edge; the engine itself only ever sees integer micros.
function usd(micros: Micros): string {
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  const cents = Math.floor(abs / 10_000) + (abs % 10_000 >= 5_000 ? 1 : 0);
  return `${sign}$${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

function day(instant: number): string {
  return new Date(instant).toISOString().slice(0, 10);
}

/**
 * A short story told by the engine: lots of every kind, one task drawing across several of them,
 * a second task that runs the balance into a deficit, and the top-up that covers it.
 */
export function runWorkedExample(): string {
  const lines: string[] = [];
  const t0 = Date.UTC(2026, 0, 15, 9, 0, 0);
  const policy: WorkspacePolicy = {
    id: 'ws_example',
    unit: 'usd',
    hosting: 'cloud',
    enterprise: false,
    overage: { enabled: false, monthlyCapMicros: null },
    seatPooling: false,
    maxDeficitMicros: 5 * MICROS_PER_UNIT,
    deletedAt: null,
  };
  const ledger = createMemoryLedger(policy, { start: Date.UTC(2026, 0, 1), end: Date.UTC(2026, 1, 1) });
  const dollars = (n: number) => n * MICROS_PER_UNIT;

  ledger.grantLot(
    {
      lotId: 'promo_welcome',
      kind: 'promotional',
      scope: 'workspace',
      amountMicros: dollars(2),
      expiresAt: Date.UTC(2026, 2, 1),
      source: 'promotion',
      note: 'Welcome credit for turning on Coding Sessions',
    },
    t0,
  );
  ledger.grantLot(
    {
      lotId: 'support_adj_1',
      kind: 'support',
      scope: 'workspace',
      amountMicros: dollars(1),
      expiresAt: null,
      source: 'support_ticket',
    },
    t0,
  );
  ledger.topUp({ topupId: 'tu_1', lotId: 'purchase_1', amountMicros: dollars(5), paid: true }, t0);

  lines.push('Lots, in the order they are used:');
  for (const lot of ledger.deletionPreview(t0).lots) {
    const expiry = lot.expiresAt === null ? 'never expires' : `expires ${day(lot.expiresAt)}`;
    lines.push(
      `  ${lot.id.padEnd(14)} ${lot.kind.padEnd(11)} ${usd(lot.remainingMicros).padStart(7)}  ${expiry}`,
    );
  }
  lines.push(`Balance: ${usd(ledger.balanceOf(t0).availableMicros)}`);

  // Task 1: a bug fix priced from its usage, reserved first, then captured at its real cost.
  const t1 = t0 + 60_000;
  const usage = {
    model: DEFAULT_PRICE_TABLE.latestModel,
    inputTokens: 1_000_000,
    outputTokens: 50_000,
    cachedInputTokens: 2_000_000,
    sandboxSeconds: 1_500,
  };
  const cost = costOfUsage(usage, DEFAULT_PRICE_TABLE);
  ledger.reserve(
    {
      reservationId: 'res_1',
      memberId: 'mia',
      feature: 'coding_session',
      amountMicros: dollars(6),
      ttlSeconds: 3_600,
    },
    t1,
  );
  const first = ledger.capture(
    {
      reservationId: 'res_1',
      chargeId: 'ch_1',
      amountMicros: cost.costMicros,
      outcome: 'succeeded',
      usage,
      priceVersion: cost.priceVersion,
    },
    t1 + 1_500_000,
  ).value.charge;
  lines.push('');
  lines.push(`Task 1 (bug fix on ${usage.model}) cost ${usd(cost.costMicros)}, paid by:`);
  for (const draw of first?.draws ?? [])
    lines.push(`  ${draw.lotId.padEnd(14)} ${usd(draw.amountMicros).padStart(7)}`);
  const afterFirst = ledger.balanceOf(t1 + 1_500_000);
  lines.push(`Balance: ${usd(afterFirst.availableMicros)}`);

  // Task 2 was admitted while the balance was positive and cost more than what was left.
  const t2 = t1 + 2_000_000;
  ledger.reserve(
    {
      reservationId: 'res_2',
      memberId: 'noah',
      feature: 'coding_session',
      amountMicros: dollars(4),
      ttlSeconds: 3_600,
    },
    t2,
  );
  const second = ledger.capture(
    { reservationId: 'res_2', chargeId: 'ch_2', amountMicros: 4_500_000, outcome: 'partial' },
    t2 + 900_000,
  ).value.charge;
  lines.push('');
  lines.push(`Task 2 (partial run, still billable) cost ${usd(second?.amountMicros ?? 0)}:`);
  for (const draw of second?.draws ?? [])
    lines.push(`  ${draw.lotId.padEnd(14)} ${usd(draw.amountMicros).padStart(7)}`);
  lines.push(`  unpaid by lots -> deficit ${usd(second?.deficitMicros ?? 0)}`);
  const negative = ledger.balanceOf(t2 + 900_000);
  lines.push(
    `Balance: ${usd(negative.availableMicros - negative.deficitMicros)} (new work can begin: ${negative.canBegin ? 'yes' : 'no'})`,
  );

  // The top-up covers the deficit first; only the rest becomes a new purchased lot.
  const t3 = t2 + 3_600_000;
  const top = ledger.topUp(
    { topupId: 'tu_2', lotId: 'purchase_2', amountMicros: dollars(50), paid: true },
    t3,
  ).value;
  const after = ledger.balanceOf(t3);
  lines.push('');
  lines.push(
    `Top-up of ${usd(dollars(50))}: ${usd(top.coveredDeficitMicros)} covers the deficit, ${usd(top.lot?.originalMicros ?? 0)} becomes lot ${top.lot?.id ?? '-'} (expires ${top.lot?.expiresAt ? day(top.lot.expiresAt) : 'never'})`,
  );
  lines.push(
    `Balance: ${usd(after.availableMicros - after.deficitMicros)} (new work can begin: ${after.canBegin ? 'yes' : 'no'})`,
  );
  lines.push('');
  lines.push(`Ledger entries written: ${ledger.entries().length}`);
  return lines.join('\n');
}
