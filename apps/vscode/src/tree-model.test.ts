import { describe, expect, it } from 'vitest';
import { balance, lot, NOW, snapshot, usageReport } from './testing/fixtures';
import { buildTree, type TreeNode } from './tree-model';

const lots = [
  lot({
    id: 'lot_promo',
    kind: 'promotional',
    originalMicros: 5_000_000,
    remainingMicros: 2_500_000,
    expiresAt: '2025-06-20T00:00:00.000Z',
    source: 'promotion',
  }),
  lot({
    id: 'lot_paid',
    kind: 'purchased',
    remainingMicros: 40_000_000,
    expiresAt: '2026-05-01T00:00:00.000Z',
  }),
  lot({
    id: 'lot_support',
    kind: 'support',
    remainingMicros: 1_000_000,
    expiresAt: null,
    source: 'support_ticket',
  }),
];

const seatLot = lot({
  id: 'lot_seat',
  kind: 'included',
  scope: 'member:mem_dev',
  remainingMicros: 8_000_000,
  expiresAt: '2025-07-01T00:00:00.000Z',
  source: 'plan_period',
});

function find(nodes: TreeNode[], id: string): TreeNode {
  const node = nodes.find((n) => n.id === id);
  if (node === undefined) throw new Error(`no node ${id}`);
  return node;
}

describe('buildTree', () => {
  it('lists lots in the order the API gave (burn order), with expiry dates', () => {
    const tree = buildTree(
      snapshot(),
      { lots, expiryWindowDays: 30, usage: usageReport(), workspaceBalance: null },
      NOW,
    );
    const lotNodes = find(tree, 'lots').children ?? [];
    expect(lotNodes.map((n) => [n.label, n.description])).toEqual([
      ['1. Promotional $2.50', 'until 2025-06-20'],
      ['2. Purchased $40.00', 'until 2026-05-01'],
      ['3. Support $1.00', 'no expiry'],
    ]);
    expect(lotNodes[0]?.tooltip).toContain('Expires 2025-06-20 (in 10 days)');
  });

  it("marks the member's own seat credits", () => {
    const tree = buildTree(
      snapshot(),
      { lots: [seatLot], expiryWindowDays: 30, usage: null, workspaceBalance: null },
      NOW,
    );
    const node = find(tree, 'lots').children?.[0];
    expect(node?.description).toBe('until 2025-07-01 · your seat');
    expect(node?.tooltip).toContain('Included lot lot_seat (your seat)');
  });

  it('shows what expires within the warning window, soonest first', () => {
    const tree = buildTree(
      snapshot(),
      { lots, expiryWindowDays: 30, usage: null, workspaceBalance: null },
      NOW,
    );
    const expiring = find(tree, 'expiring');
    expect(expiring.description).toBe('$2.50');
    expect(expiring.children?.map((n) => `${n.label} ${n.description}`)).toEqual([
      '$2.50 promotional 2025-06-20 (in 10 days)',
    ]);
  });

  it('shows recent usage by feature', () => {
    const tree = buildTree(
      snapshot(),
      { lots: [], expiryWindowDays: 30, usage: usageReport(), workspaceBalance: null },
      NOW,
    );
    const usage = find(tree, 'usage');
    expect(usage.label).toBe('Your usage, last 30 days');
    expect(usage.children?.[0]).toMatchObject({ label: 'Coding Sessions', description: '$7.50 · 3 charges' });
    expect(find(tree, 'lots').children?.[0]?.label).toBe('No open lots');
  });

  it('adds the workspace balance for admins only', () => {
    const details = { lots, expiryWindowDays: 7, usage: null, workspaceBalance: balance({ memberId: null }) };
    expect(buildTree(snapshot(), details, NOW).some((n) => n.id === 'workspace')).toBe(false);
    const admin = buildTree(snapshot({ identity: { role: 'admin' } }), details, NOW);
    const ws = find(admin, 'workspace');
    expect(ws.description).toBe('$42.50 spendable');
    expect(ws.children?.map((n) => n.label)).toContain('Overage this period');
    expect(find(admin, 'expiring').label).toBe('Expiring within 7 days');
  });
});
