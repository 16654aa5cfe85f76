import { PermissionDeniedError } from '@aicredits/sdk';
import { type FormEvent, useId, useState } from 'react';
import { describeError } from '../api';
import type { PanelContext } from '../Dashboard';
import { KIND_LABELS, LOT_KINDS, money } from '../model';
import { useAsync } from '../use-async';
import { LoadError, Loading, Panel } from './Panel';

/**
 * SPEC §11: deleting a workspace forfeits every remaining lot, for good. Owners see the API's
 * preview and must type the confirmation; admins see what would be lost and who can delete.
 */
export function DeletionPanel({ ctx, onDeleted }: { ctx: PanelContext; onDeleted: () => void }) {
  const { client, workspaceId, identity, version } = ctx;
  const owner = identity.role === 'owner';
  // A known non-owner is not sent to the owner-only preview; an unknown role is tried.
  const mayPreview = owner || identity.member === null;
  const preview = useAsync(`deletion:${version}:${owner}`, async (signal) => {
    if (!mayPreview)
      return { preview: null, balance: await client.balance.retrieve(workspaceId, {}, { signal }) };
    try {
      return { preview: await client.workspaces.deletionPreview(workspaceId, { signal }), balance: null };
    } catch (error) {
      // Only owners may preview; everyone else is shown the same loss from the balance.
      if (!(error instanceof PermissionDeniedError)) throw error;
      return { preview: null, balance: await client.balance.retrieve(workspaceId, {}, { signal }) };
    }
  });
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState(false);
  const confirmId = useId();
  const unit = identity.workspace.unit;

  const remove = async (event: FormEvent) => {
    event.preventDefault();
    const p = preview.data?.preview;
    if (p === null || p === undefined || typed !== p.confirm) return;
    setDeleting(true);
    try {
      await client.workspaces.delete(workspaceId, { confirm: p.confirm });
      onDeleted();
    } catch (failure) {
      setError(describeError(failure));
      setDeleting(false);
    }
  };

  const data = preview.data;
  const byKind = data?.preview?.byKind ?? data?.balance?.byKind;
  const forfeited = data?.preview?.forfeitedMicros ?? data?.balance?.availableMicros ?? 0;
  return (
    <Panel title="Delete workspace" id="deletion" className="danger">
      {preview.status === 'error' && <LoadError error={preview.error} retry={preview.reload} />}
      {data === undefined && preview.status === 'loading' && <Loading what="what deletion would forfeit" />}
      {data !== undefined && byKind !== undefined && (
        <>
          <p data-forfeit-micros={forfeited}>
            <strong>Deleting this workspace forfeits {money(forfeited, unit)}</strong> of remaining credits.
            Every remaining balance expires at once and cannot be recovered, refunded or transferred.
          </p>
          <ul className="plain">
            {LOT_KINDS.filter((k) => byKind[k] > 0).map((k) => (
              <li key={k}>
                {KIND_LABELS[k]}: {money(byKind[k], unit)}
              </li>
            ))}
          </ul>
          {data.preview !== null && data.preview.lots.length > 0 && (
            <details>
              <summary>Every balance that would be forfeited ({data.preview.lots.length})</summary>
              <ul className="plain">
                {data.preview.lots.map((lot) => (
                  <li key={lot.lotId}>
                    {KIND_LABELS[lot.kind]} {lot.scope === 'workspace' ? '' : `(${lot.scope})`}:{' '}
                    {money(lot.remainingMicros, unit)}
                  </li>
                ))}
              </ul>
            </details>
          )}
          {data.preview === null ? (
            <p className="muted">Only workspace owners can delete the workspace.</p>
          ) : (
            <form onSubmit={remove} noValidate>
              <div className="field">
                <label htmlFor={confirmId}>
                  Type <code>{data.preview.confirm}</code> to confirm
                </label>
                <input
                  id={confirmId}
                  value={typed}
                  onChange={(e) => setTyped(e.target.value)}
                  autoComplete="off"
                />
              </div>
              {error !== null && (
                <p className="error" role="alert">
                  {error}
                </p>
              )}
              <button
                type="submit"
                className="destructive"
                disabled={typed !== data.preview.confirm || deleting}
              >
                {deleting ? 'Deleting…' : 'Delete workspace and forfeit credits'}
              </button>
            </form>
          )}
        </>
      )}
    </Panel>
  );
}
