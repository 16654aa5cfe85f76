import { defineConfig } from 'vitest/config';

/** The code-server suite: one file, one worker, long but bounded timeouts. */
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 300_000,
    teardownTimeout: 60_000,
  },
});
