import { addMonths } from '@aicredits/ledger';
import { type Queryable, toSafeInt } from '../db/db.js';
import { USAGE_RETENTION_MONTHS } from '../jobs/retention.js';

const MS_PER_DAY = 86_400_000;

export interface UsageGroupRow {
  /** Feature, member id ('' = workspace-level) or UTC day number, by `groupBy`. */
  key: string;
  amountMicros: number;
  overageMicros: number;
  charges: number;
}

export interface UsageQuery {
  workspaceId: string;
  /** Window [from, to), epoch ms. */
  from: number;
  to: number;
  groupBy: 'day' | 'feature' | 'member';
  memberId?: string;
  feature?: string;
  now: number;
}

/**
 * The usage report's groups. Whole UTC days inside the window come from the daily rollup
 * (`usage_daily`, one row per workspace × day × member × feature, kept by the money batch in the
 * same transaction as the charges), the partial days at either edge from the detail rows — so a
 * 30-day report reads ~30 × members × features rollup rows plus at most two days of detail,
 * instead of every charge. Usage older than the retention period (12 months) is not reported:
 * its detail is pruned, and the rollup must not outlive it.
 */
export async function usageGroups(q: Queryable, query: UsageQuery): Promise<UsageGroupRow[]> {
  const from = Math.max(query.from, addMonths(query.now, -USAGE_RETENTION_MONTHS));
  const to = query.to;
  if (from >= to) return [];
  // Whole days [firstDay, lastDay) lie inside the window; the rest is read from the detail.
  const firstDay = Math.ceil(from / MS_PER_DAY);
  const lastDay = Math.max(firstDay, Math.floor(to / MS_PER_DAY));
  const params: (string | number)[] = [query.workspaceId, from, to, firstDay, lastDay];
  let filter = '';
  if (query.memberId !== undefined) {
    params.push(query.memberId);
    filter += ` AND member_id = $${params.length}`;
  }
  if (query.feature !== undefined) {
    params.push(query.feature);
    filter += ` AND feature = $${params.length}`;
  }
  const detailKey =
    query.groupBy === 'feature'
      ? 'feature'
      : query.groupBy === 'member'
        ? "COALESCE(member_id, '')"
        : `(at / ${MS_PER_DAY})::text`;
  const rollupKey =
    query.groupBy === 'feature' ? 'feature' : query.groupBy === 'member' ? 'member_id' : 'day::text';
  const { rows } = await q.query<{ k: string; amount: string; overage: string; n: string }>(
    `SELECT k, SUM(amount) AS amount, SUM(overage) AS overage, SUM(n) AS n FROM (
       SELECT ${rollupKey} AS k, amount_micros AS amount, overage_micros AS overage, charges AS n
       FROM usage_daily WHERE workspace_id = $1 AND day >= $4 AND day < $5${filter}
       UNION ALL
       SELECT ${detailKey} AS k, amount_micros, overage_micros, 1
       FROM usage_events WHERE workspace_id = $1${filter}
         AND ((at >= $2 AND at < LEAST($3, $4::bigint * ${MS_PER_DAY}))
           OR (at >= GREATEST($2, $5::bigint * ${MS_PER_DAY}) AND at < $3))
     ) u GROUP BY k ORDER BY ${query.groupBy === 'day' ? 'k::bigint' : 'k'}`,
    params,
  );
  return rows.map((r) => ({
    key: r.k,
    amountMicros: toSafeInt(r.amount, 'amount'),
    overageMicros: toSafeInt(r.overage, 'overage'),
    charges: toSafeInt(r.n, 'count'),
  }));
}
