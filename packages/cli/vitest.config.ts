import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'e2e/**/*.test.ts'],
    // The e2e suites start the real API (an in-memory database needs a few seconds to boot) and
    // run the built binary once per assertion group.
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});
