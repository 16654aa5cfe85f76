import { type FormEvent, useId, useState } from 'react';
import type { Session } from './session';

export function SignIn({
  onSignIn,
  notice,
}: {
  onSignIn: (session: Session) => void;
  notice: string | null;
}) {
  const [token, setToken] = useState('');
  const [workspaceId, setWorkspaceId] = useState('');
  const [error, setError] = useState<string | null>(null);
  const tokenId = useId();
  const workspaceFieldId = useId();
  const errorId = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (token.trim() === '' || workspaceId.trim() === '') {
      setError('Enter both your access token and the workspace id.');
      return;
    }
    onSignIn({ token, workspaceId });
  };

  return (
    <main id="main" className="signin">
      <h1>AI usage and credits</h1>
      <p className="muted">
        Sign in with your member token to see your workspace's AI credits. The token is kept only in this
        browser tab.
      </p>
      {notice !== null && (
        <p className="notice" role="alert">
          {notice}
        </p>
      )}
      <form onSubmit={submit} aria-describedby={error === null ? undefined : errorId} noValidate>
        <div className="field">
          <label htmlFor={workspaceFieldId}>Workspace id</label>
          <input
            id={workspaceFieldId}
            name="workspace"
            autoComplete="organization"
            value={workspaceId}
            onChange={(e) => setWorkspaceId(e.target.value)}
            required
          />
        </div>
        <div className="field">
          <label htmlFor={tokenId}>Access token</label>
          <input
            id={tokenId}
            name="token"
            type="password"
            autoComplete="current-password"
            placeholder="ak_member_…"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            required
          />
        </div>
        {error !== null && (
          <p id={errorId} className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary">
          Sign in
        </button>
      </form>
    </main>
  );
}
