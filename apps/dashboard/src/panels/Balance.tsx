import type { PanelContext } from '../Dashboard';
import { balanceFigures, isAdmin, kindRows, money, seatRows } from '../model';
import { useAsync } from '../use-async';
import { LoadError, Loading, Panel } from './Panel';

export function BalancePanel({ ctx }: { ctx: PanelContext }) {
  const { client, workspaceId, identity, names, version } = ctx;
  const balance = useAsync(`balance:${version}`, (signal) =>
    client.balance.retrieve(workspaceId, {}, { signal }),
  );
  const data = balance.data ?? identity.balance;
  const admin = isAdmin(identity.role);
  const seats = seatRows(data, names);

  return (
    <Panel title={admin ? 'Current balance' : 'Your credits'} id="balance">
      {balance.status === 'error' && <LoadError error={balance.error} retry={balance.reload} />}
      {balance.status === 'loading' && balance.data === undefined && <Loading what="the balance" />}
      <dl className="figures">
        {balanceFigures(data).map((f) => (
          <div key={f.id} className={`figure figure-${f.id}`} data-figure={f.id} data-micros={f.micros}>
            <dt>{f.label}</dt>
            <dd>
              <span
                className={`amount ${f.micros < 0 || (f.id === 'deficit' && f.micros > 0) ? 'negative' : ''}`}
              >
                {f.text}
              </span>
              {f.hint !== undefined && <span className="hint">{f.hint}</span>}
            </dd>
          </div>
        ))}
      </dl>
      <h3>By kind, in the order they are spent</h3>
      <table className="compact">
        <caption className="visually-hidden">Balance by kind</caption>
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col" className="num">
              Remaining
            </th>
          </tr>
        </thead>
        <tbody>
          {kindRows(data).map((row) => (
            <tr key={row.id} data-kind={row.id} data-micros={row.micros}>
              <th scope="row">{row.label}</th>
              <td className="num">{row.text}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {admin && seats.length > 0 && (
        <>
          <h3>Members' included credits</h3>
          <table className="compact" data-table="seats">
            <caption className="visually-hidden">Included seat credits left per member</caption>
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col" className="num">
                  Left this period
                </th>
              </tr>
            </thead>
            <tbody>
              {seats.map((s) => (
                <tr key={s.memberId} data-member={s.memberId} data-micros={s.micros}>
                  <th scope="row">{s.name}</th>
                  <td className="num">{s.text}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {data.nextExpiry !== null && (
        <p className="muted">
          Next expiry: {money(data.nextExpiry.amountMicros, data.unit)} on{' '}
          {new Date(data.nextExpiry.at).toLocaleDateString('en-US', { dateStyle: 'medium', timeZone: 'UTC' })}
          .
        </p>
      )}
      {!data.canBegin && (
        <output className="notice block">
          New AI work cannot start until funds are added or credits reset.
        </output>
      )}
    </Panel>
  );
}
