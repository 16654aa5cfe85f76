import { join } from 'node:path';
import { defineConfig, type Options } from 'tsup';

const common: Options = {
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  sourcemap: true,
  target: 'node20',
};

/**
 * Two builds of the one entry. The default one runs on fetch alone (browsers, edge runtimes); the
 * `node` export condition loads `index.node.*`, the same code with `core/platform-fetch.node.ts`
 * (a `node:http` transport) in place of `core/platform-fetch.ts`. The types are shared.
 */
export default defineConfig([
  {
    ...common,
    dts: true,
    // The node build writes into the same folder at the same time: leave its files alone.
    clean: ['!index.node.*'],
  },
  {
    ...common,
    entry: { 'index.node': 'src/index.ts' },
    platform: 'node',
    dts: false,
    clean: false,
    esbuildPlugins: [
      {
        name: 'node-platform-fetch',
        setup(build) {
          build.onResolve({ filter: /\/platform-fetch$/ }, (args) => ({
            path: join(args.resolveDir, 'platform-fetch.node.ts'),
          }));
        },
      },
    ],
  },
]);
