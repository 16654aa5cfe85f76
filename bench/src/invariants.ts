import { checkLedgerInvariants, type Db } from '@aicredits/api';

export interface InvariantTally {
  ok: boolean;
  workspaces: number;
  charges: number;
  firstViolation: string | null;
}

export const EMPTY_TALLY: InvariantTally = { ok: true, workspaces: 0, charges: 0, firstViolation: null };

/** Checks at most this many workspaces per scenario: the most used first (where batches were). */
const MAX_CHECKED = 200;

/**
 * Runs the API's whole-ledger invariant checker over the workspaces a scenario touched (the
 * busiest `MAX_CHECKED` of them): lot balances, deficits, charge sums, holds, burn order and the
 * overshoot bound, read back from what was committed.
 */
export async function checkTouched(db: Db, touched: ReadonlyMap<string, number>): Promise<InvariantTally> {
  const ids = [...touched.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, MAX_CHECKED)
    .map(([id]) => id);
  if (ids.length === 0) return EMPTY_TALLY;
  const report = await checkLedgerInvariants(db, { workspaceIds: ids, maxViolations: 5 });
  const v = report.violations[0];
  return {
    ok: report.ok,
    workspaces: report.counts.workspaces,
    charges: report.counts.charges,
    firstViolation: v === undefined ? null : `[${v.invariant}] ${v.workspaceId} ${v.subject}: ${v.message}`,
  };
}

export function mergeTallies(tallies: readonly InvariantTally[]): InvariantTally {
  return tallies.reduce(
    (a, b) => ({
      ok: a.ok && b.ok,
      workspaces: a.workspaces + b.workspaces,
      charges: a.charges + b.charges,
      firstViolation: a.firstViolation ?? b.firstViolation,
    }),
    EMPTY_TALLY,
  );
}

export function describeTally(t: InvariantTally): string {
  return t.ok
    ? `invariants hold (${t.workspaces} workspace checks, ${t.charges} charges)`
    : `INVARIANT VIOLATED: ${t.firstViolation ?? ''}`;
}
