/**
 * Who is signed in: a member token and a workspace id. They come from the sign-in form, or from
 * the URL fragment when a host product embeds the page (`#token=…&workspace=…`). A fragment is
 * never sent to a server, which is why an embedding host passes the token there and not in the
 * query string; the page still removes it from the address bar at once so it does not linger in
 * history or get copied into a shared link.
 */

export interface Session {
  token: string;
  workspaceId: string;
}

export const SESSION_STORAGE_KEY = 'aicredits.dashboard.session';

/** The minimal Storage surface used here, so tests can pass a Map-backed stand-in. */
export interface SessionStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

function clean(session: Partial<Session> | null | undefined): Session | null {
  const token = session?.token?.trim() ?? '';
  const workspaceId = session?.workspaceId?.trim() ?? '';
  if (token === '' || workspaceId === '') return null;
  return { token, workspaceId };
}

/** Reads `#token=…&workspace=…`; null when either part is missing. */
export function sessionFromFragment(hash: string): Session | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  return clean({ token: params.get('token') ?? '', workspaceId: params.get('workspace') ?? '' });
}

export function loadSession(store: SessionStore): Session | null {
  const raw = store.getItem(SESSION_STORAGE_KEY);
  if (raw === null) return null;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null) return null;
    const record = parsed as Record<string, unknown>;
    return clean({
      token: typeof record.token === 'string' ? record.token : '',
      workspaceId: typeof record.workspaceId === 'string' ? record.workspaceId : '',
    });
  } catch {
    // A corrupted entry is the same as no entry: the user signs in again.
    store.removeItem(SESSION_STORAGE_KEY);
    return null;
  }
}

export function saveSession(store: SessionStore, session: Session): Session | null {
  const cleaned = clean(session);
  if (cleaned === null) return null;
  store.setItem(SESSION_STORAGE_KEY, JSON.stringify(cleaned));
  return cleaned;
}

export function clearSession(store: SessionStore): void {
  store.removeItem(SESSION_STORAGE_KEY);
}

/**
 * The session at page load: a fragment wins over a stored session (the host just handed over a
 * fresh token) and is stored, then the fragment is stripped from the address bar.
 */
export function bootSession(
  store: SessionStore,
  location: { hash: string; pathname: string; search: string },
  replaceUrl: (url: string) => void,
): Session | null {
  const fromFragment = sessionFromFragment(location.hash);
  if (location.hash.includes('token=')) replaceUrl(`${location.pathname}${location.search}`);
  if (fromFragment !== null) return saveSession(store, fromFragment);
  return loadSession(store);
}
