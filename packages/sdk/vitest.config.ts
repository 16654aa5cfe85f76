import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests run on Node, so they get what the package's `node` export condition ships: the
    // node:http transport in place of the fetch-only default (tsup.config.ts does the same swap).
    alias: [
      {
        find: /^\.\/platform-fetch$/,
        replacement: fileURLToPath(new URL('./src/core/platform-fetch.node.ts', import.meta.url)),
      },
    ],
  },
  test: {
    include: ['src/**/*.test.ts', 'e2e/**/*.test.ts'],
    // The e2e suites start the real API (an in-memory database needs a few seconds to boot).
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
