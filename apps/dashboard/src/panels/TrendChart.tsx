import type { UsageReport } from '@aicredits/sdk';
import { useId } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { money, shortDay, trendSeries } from '../model';

/** Daily consumption. The bars plot integer micros; only the axis and tooltip format them. */
export function TrendChart({ report }: { report: UsageReport }) {
  const points = trendSeries(report);
  const titleId = useId();
  const peak = points.reduce((best, p) => (p.micros > best.micros ? p : best), {
    day: '',
    micros: 0,
    charges: 0,
  });
  const summary =
    peak.micros > 0
      ? `Daily usage over ${points.length} days; highest ${money(peak.micros, report.unit)} on ${shortDay(peak.day)}.`
      : `No usage in these ${points.length} days.`;
  return (
    <figure className="chart" aria-labelledby={titleId} data-chart="trend" data-points={points.length}>
      <figcaption id={titleId}>
        <strong>Consumption trend</strong> <span className="muted">{summary}</span>
      </figcaption>
      <div className="chart-box" aria-hidden="true">
        <ResponsiveContainer width="100%" height={220}>
          <BarChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="day" tickFormatter={shortDay} minTickGap={16} tick={{ fontSize: 12 }} />
            <YAxis
              allowDecimals={false}
              tickFormatter={(value: number) => money(Math.round(value), report.unit)}
              width={64}
              tick={{ fontSize: 12 }}
            />
            <Tooltip
              formatter={(value) => [money(Math.round(Number(value)), report.unit), 'Usage']}
              labelFormatter={(label) => shortDay(String(label))}
            />
            <Bar
              dataKey="micros"
              name="Usage"
              fill="#3b5bdb"
              radius={[3, 3, 0, 0]}
              isAnimationActive={false}
            />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <details>
        <summary>Daily figures as a table</summary>
        <div className="table-scroll">
          <table className="compact" data-table="trend">
            <caption className="visually-hidden">Usage per day</caption>
            <thead>
              <tr>
                <th scope="col">Day (UTC)</th>
                <th scope="col" className="num">
                  Tasks
                </th>
                <th scope="col" className="num">
                  Amount
                </th>
              </tr>
            </thead>
            <tbody>
              {points.map((p) => (
                <tr key={p.day}>
                  <th scope="row">{p.day}</th>
                  <td className="num">{p.charges}</td>
                  <td className="num">{money(p.micros, report.unit)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
