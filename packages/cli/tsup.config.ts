import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/cli.ts'],
  // A binary, not a library: one ESM file, started through its shebang.
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
});
