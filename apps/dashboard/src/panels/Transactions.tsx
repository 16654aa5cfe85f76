import type { LedgerEntry, Page } from '@aicredits/sdk';
import { useEffect, useState } from 'react';
import type { PanelContext } from '../Dashboard';
import { transactionRow } from '../model';
import { useAsync } from '../use-async';
import { LoadError, Loading, Panel } from './Panel';

export const TRANSACTIONS_PAGE_SIZE = 10;

/**
 * Newest first, ten at a time. Pages follow the SDK's cursors; earlier pages are kept so
 * "Previous" does not refetch, and any change (a top-up) starts again from the newest page.
 */
export function TransactionsPanel({ ctx }: { ctx: PanelContext }) {
  const { client, workspaceId, identity, names, version } = ctx;
  const first = useAsync(`transactions:${version}`, (signal) =>
    client.transactions.list(workspaceId, { limit: TRANSACTIONS_PAGE_SIZE }, { signal }),
  );
  const [pages, setPages] = useState<Page<LedgerEntry>[]>([]);
  const [moving, setMoving] = useState(false);
  const [moveError, setMoveError] = useState<unknown>(null);

  useEffect(() => {
    if (first.status === 'ready') setPages([first.data]);
  }, [first.status, first.data]);

  const page = pages[pages.length - 1];
  const next = async () => {
    if (page === undefined || !page.hasNextPage()) return;
    setMoving(true);
    setMoveError(null);
    try {
      const nextPage = await page.getNextPage();
      setPages((stack) => [...stack, nextPage]);
    } catch (error) {
      setMoveError(error);
    } finally {
      setMoving(false);
    }
  };
  const previous = () => setPages((stack) => (stack.length > 1 ? stack.slice(0, -1) : stack));

  return (
    <Panel title="Recent transactions" id="transactions">
      {first.status === 'error' && <LoadError error={first.error} retry={first.reload} />}
      {page === undefined && first.status === 'loading' && <Loading what="transactions" />}
      {moveError !== null && <LoadError error={moveError} retry={next} />}
      {page !== undefined && (
        <>
          {page.data.length === 0 ? (
            <p className="muted">No transactions yet.</p>
          ) : (
            <div className="table-scroll">
              <table data-table="transactions" data-page={pages.length}>
                <caption className="visually-hidden">
                  Ledger entries, newest first, page {pages.length}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">When (UTC)</th>
                    <th scope="col">What</th>
                    <th scope="col">Member</th>
                    <th scope="col" className="num">
                      Amount
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {page.data.map((entry) => {
                    const row = transactionRow(entry, identity.workspace.unit, names);
                    return (
                      <tr key={row.id} data-entry={row.id} data-micros={row.micros}>
                        <td>{row.when}</td>
                        <td>{row.description}</td>
                        <td>{row.who}</td>
                        <td className={`num ${row.micros < 0 ? 'negative' : 'positive'}`}>{row.text}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
          <nav className="pager" aria-label="Transaction pages">
            <button type="button" onClick={previous} disabled={pages.length <= 1 || moving}>
              Previous
            </button>
            <span aria-live="polite" data-pager-page={pages.length}>
              Page {pages.length}
            </span>
            <button type="button" onClick={next} disabled={!page.hasNextPage() || moving}>
              {moving ? 'Loading…' : 'Next'}
            </button>
          </nav>
        </>
      )}
    </Panel>
  );
}
