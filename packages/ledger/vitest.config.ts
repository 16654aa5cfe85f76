import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The property suites run hundreds of random operation sequences; on a busy 2-core CI
    // machine that can take far longer than vitest's 5 s default, without anything being wrong.
    testTimeout: 60_000,
  },
});
