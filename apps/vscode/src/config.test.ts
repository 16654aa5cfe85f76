import { describe, expect, it } from 'vitest';
import { DEFAULT_HOLD_TTL_SECONDS, normalizeApiUrl, readConfig } from './config';

function reader(values: Record<string, unknown>) {
  return (key: string) => values[key];
}

describe('readConfig', () => {
  it('treats blank strings as unset and applies defaults', () => {
    const config = readConfig(reader({ apiUrl: ' ', workspaceId: '', memberId: '  ' }));
    expect(config).toEqual({
      apiUrl: null,
      workspaceId: null,
      memberId: null,
      refreshIntervalSeconds: 60,
      launcherCommand: null,
      holdTtlSeconds: DEFAULT_HOLD_TTL_SECONDS,
      addFundsUrl: null,
      adminContact: null,
    });
  });

  it('trims values and clamps numbers into range', () => {
    const config = readConfig(
      reader({
        apiUrl: 'https://credits.example.com//',
        workspaceId: ' ws_1 ',
        refreshIntervalSeconds: 1,
        'session.holdTtlSeconds': 1e9,
        'session.launcherCommand': ' my-agent --task "$AICREDITS_TASK_KIND" ',
      }),
    );
    expect(config.apiUrl).toBe('https://credits.example.com');
    expect(config.workspaceId).toBe('ws_1');
    expect(config.refreshIntervalSeconds).toBe(15);
    expect(config.holdTtlSeconds).toBe(86_400);
    expect(config.launcherCommand).toBe('my-agent --task "$AICREDITS_TASK_KIND"');
  });

  it('ignores numbers of the wrong type', () => {
    expect(readConfig(reader({ refreshIntervalSeconds: '30' })).refreshIntervalSeconds).toBe(60);
    expect(readConfig(reader({ refreshIntervalSeconds: Number.NaN })).refreshIntervalSeconds).toBe(60);
  });
});

describe('normalizeApiUrl', () => {
  it('accepts http and https only', () => {
    expect(normalizeApiUrl('http://127.0.0.1:8787/')).toBe('http://127.0.0.1:8787');
    expect(normalizeApiUrl('ftp://example.com')).toBeNull();
    expect(normalizeApiUrl('not a url')).toBeNull();
    expect(normalizeApiUrl(42)).toBeNull();
  });
});
