import type { Lot } from '@aicredits/sdk';
import type { PanelContext } from '../Dashboard';
import { expirationRows } from '../model';
import { useAsync } from '../use-async';
import { LoadError, Loading, Panel } from './Panel';

const MAX_LOTS = 500;

export function ExpirationsPanel({ ctx }: { ctx: PanelContext }) {
  const { client, workspaceId, identity, names, version } = ctx;
  const lots = useAsync(`lots:${version}`, async (signal) => {
    const all: Lot[] = [];
    for await (const lot of client.lots.list(workspaceId, { status: 'open' }, { signal })) {
      all.push(lot);
      if (all.length >= MAX_LOTS) break;
    }
    return { lots: all, at: Date.now() };
  });
  const rows =
    lots.data === undefined
      ? []
      : expirationRows(lots.data.lots, identity.workspace.unit, lots.data.at, names);

  return (
    <Panel title="Upcoming expirations" id="expirations">
      {lots.status === 'error' && <LoadError error={lots.error} retry={lots.reload} />}
      {lots.status === 'loading' && lots.data === undefined && <Loading what="expirations" />}
      {lots.data !== undefined &&
        (rows.length === 0 ? (
          <p className="muted">Nothing is due to expire.</p>
        ) : (
          <ul className="expirations" data-list="expirations">
            {rows.map((row) => (
              <li
                key={row.lotId}
                data-lot={row.lotId}
                data-micros={row.micros}
                className={row.soon ? 'soon' : ''}
              >
                <span className="amount">{row.text}</span>{' '}
                <span>
                  {row.kind}
                  {row.scope === 'Workspace' ? '' : ` · ${row.scope}`}
                </span>
                <span className="when">
                  expires {row.date} (
                  {row.daysLeft === 0 ? 'today' : `in ${row.daysLeft} day${row.daysLeft === 1 ? '' : 's'}`})
                </span>
                {row.note !== null && <span className="hint">{row.note}</span>}
              </li>
            ))}
          </ul>
        ))}
      <p className="hint">Expired funds are forfeited: they cannot be refunded, restored or transferred.</p>
    </Panel>
  );
}
