import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const base = {
  SLACK_SIGNING_SECRET: 'secret',
  AICREDITS_API_URL: 'https://credits.example.com',
  SLACK_BOT_PUBLIC_URL: 'https://bot.example.com',
  SLACK_ENCRYPTION_KEY: 'a'.repeat(64),
};

describe('loadConfig', () => {
  it('reads single-workspace mode with defaults', () => {
    const config = loadConfig({ ...base, SLACK_BOT_TOKEN: 'xoxb-1' });
    expect(config.auth).toEqual({ mode: 'token', botToken: 'xoxb-1' });
    expect(config.database).toEqual({ dataDir: '.data/slack' });
    expect(config.port).toBe(3000);
    expect(config.dashboardUrl).toBe('https://credits.example.com');
    expect(config.encryptionKey).toHaveLength(32);
  });

  it('reads OAuth mode and PostgreSQL', () => {
    const config = loadConfig({
      ...base,
      SLACK_CLIENT_ID: 'id',
      SLACK_CLIENT_SECRET: 's',
      SLACK_STATE_SECRET: 'st',
      DATABASE_URL: 'postgres://db/x',
      SLACK_DATABASE_URL: 'postgres://db/slack',
      PORT: '8080',
    });
    expect(config.auth.mode).toBe('oauth');
    expect(config.database).toEqual({ url: 'postgres://db/slack' });
    expect(config.port).toBe(8080);
  });

  it('names every bad field', () => {
    try {
      loadConfig({
        AICREDITS_API_URL: 'nope',
        SLACK_ENCRYPTION_KEY: 'short',
        PORT: 'x',
        SLACK_CLIENT_ID: 'id',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const text = (error as ConfigError).issues.join('\n');
      for (const field of [
        'SLACK_SIGNING_SECRET',
        'AICREDITS_API_URL',
        'SLACK_BOT_PUBLIC_URL',
        'SLACK_ENCRYPTION_KEY',
        'PORT',
      ]) {
        expect(text).toContain(field);
      }
    }
  });

  it('refuses a token together with OAuth settings, and neither', () => {
    expect(() => loadConfig({ ...base, SLACK_BOT_TOKEN: 'x', SLACK_CLIENT_ID: 'id' })).toThrow(/not both/);
    expect(() => loadConfig(base)).toThrow(/SLACK_BOT_TOKEN for one workspace/);
  });
});
