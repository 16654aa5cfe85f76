import type { UsageReport } from '@aicredits/sdk';
import { useId, useState } from 'react';
import type { PanelContext } from '../Dashboard';
import {
  featureLabel,
  isAdmin,
  memberLabel,
  money,
  PERIOD_LABELS,
  type PeriodPreset,
  periodFor,
  type UsageRow,
  usageRows,
} from '../model';
import { useAsync } from '../use-async';
import { LoadError, Loading, Panel } from './Panel';
import { TrendChart } from './TrendChart';

const PRESETS = Object.keys(PERIOD_LABELS) as PeriodPreset[];

function todayUtc(offsetDays = 0): string {
  return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

function UsageTable({
  caption,
  rows,
  keyLabel,
  name,
}: {
  caption: string;
  rows: UsageRow[];
  keyLabel: string;
  name: string;
}) {
  if (rows.length === 0) return <p className="muted">No usage in this period.</p>;
  return (
    <div className="table-scroll">
      <table data-table={name}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{keyLabel}</th>
            <th scope="col" className="num">
              Tasks
            </th>
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col" className="num">
              Share
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key} data-key={row.key} data-micros={row.micros}>
              <th scope="row">{row.label}</th>
              <td className="num">{row.charges}</td>
              <td className="num">
                {row.text}
                {row.overageText !== null && <span className="hint"> incl. {row.overageText} overage</span>}
              </td>
              <td className="num">{row.share}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function UsagePanel({ ctx }: { ctx: PanelContext }) {
  const { client, workspaceId, identity, names, version } = ctx;
  const admin = isAdmin(identity.role);
  const [preset, setPreset] = useState<PeriodPreset>('30d');
  const [fromDay, setFromDay] = useState(todayUtc(-13));
  const [toDay, setToDay] = useState(todayUtc());
  const presetId = useId();
  const fromId = useId();
  const toId = useId();
  // Minutes are enough resolution for a period; it also keeps the key stable across renders.
  const [now] = useState(() => Date.now());
  const period = periodFor(preset, now, identity.balance.overage.period, { fromDay, toDay });

  const usage = useAsync(`usage:${period?.from}:${period?.to}:${version}`, async (signal) => {
    if (period === null) return null;
    const query = { from: period.from, to: period.to };
    const [byFeature, byMember, byDay] = await Promise.all([
      client.usage.retrieve(workspaceId, { ...query, groupBy: 'feature' }, { signal }),
      admin
        ? client.usage.retrieve(workspaceId, { ...query, groupBy: 'member' }, { signal })
        : Promise.resolve<UsageReport | null>(null),
      client.usage.retrieve(workspaceId, { ...query, groupBy: 'day' }, { signal }),
    ]);
    return { byFeature, byMember, byDay };
  });

  const data = usage.data ?? null;
  return (
    <Panel title={admin ? 'Usage' : 'Your usage'} id="usage">
      <fieldset className="period">
        <legend>Period</legend>
        <div className="field inline">
          <label htmlFor={presetId}>Show</label>
          <select id={presetId} value={preset} onChange={(e) => setPreset(e.target.value as PeriodPreset)}>
            {PRESETS.map((p) => (
              <option key={p} value={p}>
                {PERIOD_LABELS[p]}
              </option>
            ))}
          </select>
        </div>
        {preset === 'custom' && (
          <>
            <div className="field inline">
              <label htmlFor={fromId}>From</label>
              <input id={fromId} type="date" value={fromDay} onChange={(e) => setFromDay(e.target.value)} />
            </div>
            <div className="field inline">
              <label htmlFor={toId}>To (inclusive)</label>
              <input id={toId} type="date" value={toDay} onChange={(e) => setToDay(e.target.value)} />
            </div>
          </>
        )}
      </fieldset>
      {period === null && (
        <p className="error" role="alert">
          Choose a start date on or before the end date.
        </p>
      )}
      {usage.status === 'error' && <LoadError error={usage.error} retry={usage.reload} />}
      {usage.status === 'loading' && data === null && <Loading what="usage" />}
      {data !== null && (
        <>
          <p className="total" data-usage-total={data.byFeature.totalMicros}>
            Total {money(data.byFeature.totalMicros, data.byFeature.unit)} across {data.byFeature.charges}{' '}
            tasks
            {data.byFeature.overageMicros > 0
              ? `, of which ${money(data.byFeature.overageMicros, data.byFeature.unit)} overage`
              : ''}
            .
          </p>
          <TrendChart report={data.byDay} />
          <div className="grid">
            <UsageTable
              caption="Usage by feature"
              name="usage-feature"
              keyLabel="Feature"
              rows={usageRows(data.byFeature, featureLabel)}
            />
            {data.byMember !== null && (
              <UsageTable
                caption="Usage by member"
                name="usage-member"
                keyLabel="Member"
                rows={usageRows(data.byMember, (key) => memberLabel(key, names))}
              />
            )}
          </div>
        </>
      )}
    </Panel>
  );
}
