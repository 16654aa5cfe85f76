import type { AicreditsClient, Member } from '@aicredits/sdk';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { clientFor, describeError, type Identity, isAuthError, resolveIdentity } from './api';
import { hasBillingAccess, isAdmin } from './model';
import { AddFundsPanel } from './panels/AddFunds';
import { BalancePanel } from './panels/Balance';
import { DeletionPanel } from './panels/Deletion';
import { ExpirationsPanel } from './panels/Expirations';
import { OveragePanel } from './panels/Overage';
import { SettingsPanel } from './panels/Settings';
import { TransactionsPanel } from './panels/Transactions';
import { UsagePanel } from './panels/Usage';
import type { Session } from './session';
import { useAsync } from './use-async';

/** What every panel needs: the client, who is looking, and a way to ask siblings to refresh. */
export interface PanelContext {
  client: AicreditsClient;
  workspaceId: string;
  identity: Identity;
  /** Member id → display name (admins: every member; members: themselves). */
  names: ReadonlyMap<string, string>;
  /** Bumped after a change (top-up, settings) so panels showing money reload. */
  version: number;
  changed: () => void;
}

const ROLE_LABELS = { owner: 'Owner', admin: 'Admin', member: 'Member' } as const;

async function loadNames(client: AicreditsClient, identity: Identity): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const label = (m: Member) => m.name ?? m.email ?? m.id;
  if (identity.member !== null) names.set(identity.member.id, label(identity.member));
  if (!isAdmin(identity.role)) return names;
  let count = 0;
  for await (const member of client.members.list(identity.workspace.id, { limit: 100 })) {
    names.set(member.id, label(member));
    // Bounded: names are a nicety; a huge workspace shows ids past this point.
    count += 1;
    if (count >= 2_000) break;
  }
  return names;
}

export function Dashboard({
  session,
  origin,
  onSignOut,
}: {
  session: Session;
  origin: string;
  onSignOut: (reason?: string) => void;
}) {
  const client = useMemo(() => clientFor(session, origin), [session, origin]);
  const who = useAsync(`${session.workspaceId}`, async () => {
    const identity = await resolveIdentity(client, session);
    const names = await loadNames(client, identity);
    return { identity, names };
  });
  const [version, setVersion] = useState(0);
  const changed = useCallback(() => setVersion((v) => v + 1), []);

  useEffect(() => {
    if (who.status === 'error' && isAuthError(who.error)) {
      onSignOut(`Could not sign in: ${describeError(who.error)}`);
    }
  }, [who, onSignOut]);

  if (who.status !== 'ready') {
    return (
      <main id="main" className="page">
        {who.status === 'error' ? (
          <div className="error" role="alert">
            <p>The dashboard could not load: {describeError(who.error)}</p>
            <button type="button" onClick={who.reload}>
              Try again
            </button>{' '}
            <button type="button" onClick={() => onSignOut()}>
              Sign out
            </button>
          </div>
        ) : (
          <p aria-live="polite">Loading your workspace…</p>
        )}
      </main>
    );
  }

  const { identity, names } = who.data;
  const ctx: PanelContext = { client, workspaceId: session.workspaceId, identity, names, version, changed };
  const admin = isAdmin(identity.role);
  const canAddFunds = hasBillingAccess(identity.role, identity.workspace.enterprise);
  const whoLabel = identity.member === null ? ROLE_LABELS[identity.role] : `${names.get(identity.member.id)}`;

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div>
          <p className="crumbs">Settings › Billing</p>
          <h1>AI usage and credits</h1>
          <p className="muted">
            {identity.workspace.name} · {identity.workspace.plan} plan
            {identity.workspace.enterprise ? ' (Enterprise)' : ''}
          </p>
        </div>
        <nav aria-label="Account" className="account">
          <span>
            Signed in as <strong>{whoLabel}</strong> ({ROLE_LABELS[identity.role]})
          </span>
          <button type="button" onClick={() => onSignOut()}>
            Sign out
          </button>
        </nav>
      </header>
      <main id="main" className="page" tabIndex={-1}>
        {!admin && (
          <p className="notice">
            You are seeing your own usage and included credits. Workspace admins see the whole workspace.
          </p>
        )}
        <div className="grid">
          <BalancePanel ctx={ctx} />
          <AddFundsPanel ctx={ctx} allowed={canAddFunds} />
        </div>
        <UsagePanel ctx={ctx} />
        {admin && <TransactionsPanel ctx={ctx} />}
        <div className="grid">
          <ExpirationsPanel ctx={ctx} />
          {admin && <OveragePanel ctx={ctx} />}
        </div>
        {admin && <SettingsPanel ctx={ctx} />}
        {admin && <DeletionPanel ctx={ctx} onDeleted={() => onSignOut('The workspace was deleted.')} />}
      </main>
    </>
  );
}
