import { defineConfig } from 'tsup';

/**
 * One CommonJS file that VS Code loads with `require`. Everything except `vscode` (provided by
 * the editor) is bundled, so the .vsix ships no node_modules.
 */
export default defineConfig({
  entry: { extension: 'src/extension.ts' },
  format: ['cjs'],
  platform: 'node',
  target: 'node20',
  outDir: 'dist',
  // tsup bundles devDependencies (all of ours); only the editor's own module stays outside.
  external: ['vscode'],
  sourcemap: true,
  clean: true,
  dts: false,
  // Smaller to load on activation; the source map keeps stack traces readable.
  minify: true,
  outExtension: () => ({ js: '.js' }),
});
