import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The reliability suites drive the service through the SDK, as real callers do. The SDK
 * devDepends on this package for its own tests, so depending on it back would make a package
 * cycle; the suites load its source through this alias instead (tsconfig `paths` says the same).
 */
export const sdkAlias = {
  '@aicredits/sdk': fileURLToPath(new URL('../../packages/sdk/src/index.ts', import.meta.url)),
};

/** Minutes of steady load that measure trends, not correctness: run alone (vitest.soak.config.ts). */
export const SOAK_SUITE = 'e2e/reliability/soak.test.ts';

export default defineConfig({
  resolve: { alias: sdkAlias },
  test: {
    include: ['src/**/*.test.ts', 'e2e/**/*.test.ts'],
    exclude: [...configDefaults.exclude, SOAK_SUITE],
    // Each end-to-end file starts one real service (PGlite in memory takes seconds to boot).
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
