import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('applies defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8787,
      dataDir: '.data',
      databaseUrl: null,
      testClock: false,
      nodeEnv: 'development',
    });
    expect(c.topupMinMicros).toBe(5_000_000);
    expect(c.topupMaxMicros).toBe(10_000_000_000);
  });

  it('reports every bad variable at once', () => {
    try {
      loadConfig({ CREDITS_PORT: 'abc', DATABASE_URL: 'mysql://x', CREDITS_PLATFORM_KEY: 'secret' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/CREDITS_PORT/);
      expect(problems).toMatch(/DATABASE_URL/);
      expect(problems).toMatch(/CREDITS_PLATFORM_KEY/);
    }
  });

  it('refuses the test clock and no-payment mode in production', () => {
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        CREDITS_TEST_CLOCK: '1',
        STRIPE_SECRET_KEY: 'sk',
        STRIPE_WEBHOOK_SECRET: 'wh',
      }),
    ).toThrow(/CREDITS_TEST_CLOCK/);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/STRIPE_SECRET_KEY/);
    expect(
      loadConfig({ NODE_ENV: 'production', STRIPE_SECRET_KEY: 'sk', STRIPE_WEBHOOK_SECRET: 'wh' }).nodeEnv,
    ).toBe('production');
  });

  it('requires the webhook secret with a Stripe key', () => {
    expect(() => loadConfig({ STRIPE_SECRET_KEY: 'sk_test' })).toThrow(/STRIPE_WEBHOOK_SECRET/);
  });
});
