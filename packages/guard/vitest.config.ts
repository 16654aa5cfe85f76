import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The e2e suites start a real credits API (embedded PGlite, ~10 s) once per file.
    hookTimeout: 120_000,
    testTimeout: 30_000,
  },
});
