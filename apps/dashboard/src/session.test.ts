import { describe, expect, it } from 'vitest';
import {
  bootSession,
  clearSession,
  loadSession,
  SESSION_STORAGE_KEY,
  type SessionStore,
  saveSession,
  sessionFromFragment,
} from './session';

function memoryStore(): SessionStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => void data.set(key, value),
    removeItem: (key) => void data.delete(key),
  };
}

describe('sessionFromFragment', () => {
  it('reads token and workspace, decoding them', () => {
    expect(sessionFromFragment('#token=ak_member_abc&workspace=ws%201')).toEqual({
      token: 'ak_member_abc',
      workspaceId: 'ws 1',
    });
  });

  it('needs both parts', () => {
    expect(sessionFromFragment('#token=ak_member_abc')).toBeNull();
    expect(sessionFromFragment('#workspace=demo')).toBeNull();
    expect(sessionFromFragment('')).toBeNull();
  });
});

describe('stored sessions', () => {
  it('round-trips trimmed values and clears', () => {
    const store = memoryStore();
    expect(saveSession(store, { token: ' t ', workspaceId: ' demo ' })).toEqual({
      token: 't',
      workspaceId: 'demo',
    });
    expect(loadSession(store)).toEqual({ token: 't', workspaceId: 'demo' });
    clearSession(store);
    expect(loadSession(store)).toBeNull();
  });

  it('treats a corrupted entry as signed out and removes it', () => {
    const store = memoryStore();
    store.setItem(SESSION_STORAGE_KEY, '{not json');
    expect(loadSession(store)).toBeNull();
    expect(store.data.has(SESSION_STORAGE_KEY)).toBe(false);
  });

  it('refuses to save an incomplete session', () => {
    const store = memoryStore();
    expect(saveSession(store, { token: '', workspaceId: 'demo' })).toBeNull();
    expect(store.data.size).toBe(0);
  });
});

describe('bootSession', () => {
  it('takes the fragment over a stored session, stores it and strips it from the URL', () => {
    const store = memoryStore();
    saveSession(store, { token: 'old', workspaceId: 'old' });
    const replaced: string[] = [];
    const session = bootSession(
      store,
      { hash: '#token=new&workspace=demo', pathname: '/dashboard/', search: '?x=1' },
      (url) => replaced.push(url),
    );
    expect(session).toEqual({ token: 'new', workspaceId: 'demo' });
    expect(loadSession(store)).toEqual({ token: 'new', workspaceId: 'demo' });
    expect(replaced).toEqual(['/dashboard/?x=1']);
  });

  it('still strips a half-filled fragment that carries a token', () => {
    const store = memoryStore();
    const replaced: string[] = [];
    expect(
      bootSession(store, { hash: '#token=abc', pathname: '/dashboard/', search: '' }, (u) =>
        replaced.push(u),
      ),
    ).toBeNull();
    expect(replaced).toEqual(['/dashboard/']);
  });

  it('falls back to the stored session and leaves other fragments alone', () => {
    const store = memoryStore();
    saveSession(store, { token: 't', workspaceId: 'demo' });
    const replaced: string[] = [];
    expect(
      bootSession(store, { hash: '#usage', pathname: '/dashboard/', search: '' }, (u) => replaced.push(u)),
    ).toEqual({
      token: 't',
      workspaceId: 'demo',
    });
    expect(replaced).toEqual([]);
  });
});
