import { defineConfig } from 'vitest/config';

// The browser suite: one real API (in-memory database, demo data) and one headless Chromium for
// the whole file. Every wait inside is bounded; these limits only catch a hang.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    testTimeout: 90_000,
    // Installing Chromium on a fresh machine (apt-get) can take a few minutes.
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
