import type { PanelContext } from '../Dashboard';
import { featureLabel, formatDate, memberLabel, money } from '../model';
import { useAsync } from '../use-async';
import { LoadError, Loading, Panel } from './Panel';

/** Workspace overage this billing period (SPEC §4): amount so far, the cap, and who used it. */
export function OveragePanel({ ctx }: { ctx: PanelContext }) {
  const { client, workspaceId, names, version } = ctx;
  const data = useAsync(`overage:${version}`, async (signal) => {
    const balance = await client.balance.retrieve(workspaceId, {}, { signal });
    const { start, end } = balance.overage.period;
    const [byMember, byFeature] = await Promise.all([
      client.usage.retrieve(workspaceId, { from: start, to: end, groupBy: 'member' }, { signal }),
      client.usage.retrieve(workspaceId, { from: start, to: end, groupBy: 'feature' }, { signal }),
    ]);
    return { balance, byMember, byFeature };
  });

  if (data.data === undefined) {
    return (
      <Panel title="Overage this period" id="overage">
        {data.status === 'error' ? (
          <LoadError error={data.error} retry={data.reload} />
        ) : (
          <Loading what="overage" />
        )}
      </Panel>
    );
  }
  const { balance, byMember, byFeature } = data.data;
  const { overage, unit } = balance;
  const members = byMember.groups.filter((g) => g.overageMicros > 0);
  const features = byFeature.groups.filter((g) => g.overageMicros > 0);
  return (
    <Panel title="Overage this period" id="overage">
      <p className="muted">
        {formatDate(overage.period.start)} – {formatDate(overage.period.end)}
      </p>
      <dl className="figures">
        <div className="figure" data-figure="overage-used" data-micros={overage.usedMicros}>
          <dt>Overage so far</dt>
          <dd>
            <span className="amount">{money(overage.usedMicros, unit)}</span>
          </dd>
        </div>
        <div className="figure" data-figure="overage-cap">
          <dt>Monthly cap</dt>
          <dd>
            <span className="amount">
              {overage.capMicros === null ? 'No cap' : money(overage.capMicros, unit)}
            </span>
          </dd>
        </div>
      </dl>
      <p>
        Overage is <strong>{overage.enabled ? 'on' : 'off'}</strong>:{' '}
        {overage.enabled
          ? 'members keep working after their included credits run out; the extra is billed to the workspace.'
          : 'a member whose included credits run out waits for the next period or for added capacity.'}
      </p>
      {members.length > 0 && (
        <ul className="plain" data-list="overage-members">
          {members.map((g) => (
            <li key={g.key}>
              {memberLabel(g.key, names)}: {money(g.overageMicros, unit)}
            </li>
          ))}
        </ul>
      )}
      {features.length > 0 && (
        <ul className="plain" data-list="overage-features">
          {features.map((g) => (
            <li key={g.key}>
              {featureLabel(g.key)}: {money(g.overageMicros, unit)}
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}
