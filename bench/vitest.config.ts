import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // The smoke test boots PGlite (seconds) and runs every workload at tiny size.
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
