import { useCallback, useMemo, useState } from 'react';
import { Dashboard } from './Dashboard';
import { SignIn } from './SignIn';
import { bootSession, clearSession, type Session, saveSession } from './session';

function initialSession(): Session | null {
  return bootSession(window.sessionStorage, window.location, (url) =>
    window.history.replaceState(null, '', url),
  );
}

export function App() {
  const [session, setSession] = useState<Session | null>(initialSession);
  const [notice, setNotice] = useState<string | null>(null);

  const signIn = useCallback((next: Session) => {
    const saved = saveSession(window.sessionStorage, next);
    setNotice(null);
    setSession(saved);
  }, []);

  const signOut = useCallback((reason?: string) => {
    clearSession(window.sessionStorage);
    setNotice(reason ?? null);
    setSession(null);
  }, []);

  const origin = useMemo(() => window.location.origin, []);

  if (session === null) return <SignIn onSignIn={signIn} notice={notice} />;
  return (
    <Dashboard
      key={`${session.workspaceId}:${session.token}`}
      session={session}
      origin={origin}
      onSignOut={signOut}
    />
  );
}
