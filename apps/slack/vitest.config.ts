import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'e2e/**/*.test.ts'],
    // PGlite starts in seconds and the real credits API starts per file.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
