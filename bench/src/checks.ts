import type { Queryable } from '@aicredits/api';

const KIND_RANK: Record<string, number> = { promotional: 0, included: 1, support: 2, purchased: 3 };

interface LotRow {
  id: string;
  kind: string;
  original: number;
  effectiveAt: number;
  expiresAt: number | null;
  grantedAt: number;
  /** Sequence of its `lot_granted` entry: a charge before it could not see the lot. */
  grantedSeq: number;
}

/** Burn order: promotional → included → support → purchased; soonest expiry; granted; id. */
function compareBurn(a: LotRow, b: LotRow): number {
  return (
    (KIND_RANK[a.kind] ?? 9) - (KIND_RANK[b.kind] ?? 9) ||
    (a.expiresAt ?? Number.POSITIVE_INFINITY) - (b.expiresAt ?? Number.POSITIVE_INFINITY) ||
    a.grantedAt - b.grantedAt ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

export interface BurnOrderCheck {
  charges: number;
  mismatches: number;
  firstMismatch: string | null;
}

/**
 * Replays every charge of a workspace in commit order (ledger sequence) against the lots as they
 * stood, and checks the stored draws are exactly what burn order gives: the right lots, in the
 * right order, the right amounts, nothing from a lot that had expired or not yet started. A lot
 * exists for a charge only if its grant came first in the sequence: a lot granted in the same
 * millisecond as a charge, after it, has a timestamp that would otherwise say it was there.
 */
export async function checkBurnOrder(q: Queryable, workspaceId: string): Promise<BurnOrderCheck> {
  const lots = (
    await q.query<Record<string, string | null>>(
      `SELECT l.id, l.kind, l.original_micros, l.effective_at, l.expires_at, l.granted_at, e.seq AS granted_seq
       FROM lots l JOIN ledger_entries e
         ON e.workspace_id = l.workspace_id AND e.lot_id = l.id AND e.type = 'lot_granted'
       WHERE l.workspace_id = $1`,
      [workspaceId],
    )
  ).rows.map(
    (r): LotRow => ({
      id: String(r.id),
      kind: String(r.kind),
      original: Number(r.original_micros),
      effectiveAt: Number(r.effective_at),
      expiresAt: r.expires_at === null ? null : Number(r.expires_at),
      grantedAt: Number(r.granted_at),
      grantedSeq: Number(r.granted_seq),
    }),
  );
  const charges = (
    await q.query<{ id: string; at: string; amount_micros: string; first_seq: string }>(
      `SELECT c.id, c.at, c.amount_micros, MIN(e.seq) AS first_seq
       FROM charges c JOIN ledger_entries e ON e.workspace_id = c.workspace_id AND e.charge_id = c.id
       WHERE c.workspace_id = $1 GROUP BY c.id, c.at, c.amount_micros ORDER BY first_seq`,
      [workspaceId],
    )
  ).rows;
  const drawRows = (
    await q.query<{ charge_id: string; lot_id: string; amount_micros: string }>(
      'SELECT charge_id, lot_id, amount_micros FROM charge_draws WHERE workspace_id = $1 ORDER BY charge_id, seq',
      [workspaceId],
    )
  ).rows;
  const draws = new Map<string, string[]>();
  for (const d of drawRows) {
    const list = draws.get(d.charge_id) ?? [];
    list.push(`${d.lot_id}:${Number(d.amount_micros)}`);
    draws.set(d.charge_id, list);
  }
  const remaining = new Map(lots.map((l) => [l.id, l.original]));
  const ordered = [...lots].sort(compareBurn);
  let mismatches = 0;
  let firstMismatch: string | null = null;
  for (const c of charges) {
    const at = Number(c.at);
    const seq = Number(c.first_seq);
    let left = Number(c.amount_micros);
    const expected: string[] = [];
    for (const lot of ordered) {
      if (left === 0) break;
      if (lot.grantedSeq > seq || lot.effectiveAt > at || (lot.expiresAt !== null && lot.expiresAt <= at))
        continue;
      const have = remaining.get(lot.id) ?? 0;
      if (have === 0) continue;
      const take = Math.min(have, left);
      remaining.set(lot.id, have - take);
      left -= take;
      expected.push(`${lot.id}:${take}`);
    }
    const stored = draws.get(c.id) ?? [];
    if (stored.join(',') !== expected.join(',')) {
      mismatches += 1;
      firstMismatch ??= `${c.id}: stored [${stored.join(', ')}], burn order gives [${expected.join(', ')}]`;
    }
  }
  return { charges: charges.length, mismatches, firstMismatch };
}

export interface OvershootCheck {
  deficitMicros: number;
  boundMicros: number;
  withinBound: boolean;
}

/**
 * The documented negative-balance bound (packages/ledger README): deficit ≤ maxDeficit + Σ
 * overruns (capture beyond its hold). No hold lapses in these runs, so that term is zero.
 */
export async function checkOvershoot(q: Queryable, workspaceId: string): Promise<OvershootCheck> {
  const { rows } = await q.query<{ deficit: string; max_deficit: string; overruns: string }>(
    `SELECT w.deficit_micros AS deficit, w.max_deficit_micros AS max_deficit,
       (SELECT COALESCE(SUM(overrun_micros), 0) FROM charges c WHERE c.workspace_id = w.id) AS overruns
     FROM workspaces w WHERE w.id = $1`,
    [workspaceId],
  );
  const row = rows[0];
  if (row === undefined) throw new Error(`workspace ${workspaceId} not found`);
  const deficitMicros = Number(row.deficit);
  const boundMicros = Number(row.max_deficit) + Number(row.overruns);
  return { deficitMicros, boundMicros, withinBound: deficitMicros <= boundMicros };
}
