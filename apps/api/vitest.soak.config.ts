import { defineConfig } from 'vitest/config';
import { SOAK_SUITE, sdkAlias } from './vitest.config.js';

/**
 * The soak suite alone: its latency and memory trends are only meaningful without other suites
 * competing for the same two cores. `SOAK_SECONDS` sets its length (CI runs a short one).
 */
export default defineConfig({
  resolve: { alias: sdkAlias },
  test: {
    include: [SOAK_SUITE],
    testTimeout: 3_600_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
