#!/usr/bin/env node
/**
 * Packages the built extension as `aicredits-vscode.vsix` (run `build` first). vsce runs on the
 * cached Node 24 (see e2e/setup.mjs) from outside the pnpm workspace; `--no-dependencies`
 * because the bundle in dist/ already contains everything (the .vsix has no node_modules).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolchain } from '../e2e/setup.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'aicredits-vscode.vsix');

if (!existsSync(join(root, 'dist', 'extension.js'))) {
  process.stderr.write('dist/extension.js is missing: run the build first.\n');
  process.exit(1);
}
const tools = toolchain();
const result = spawnSync(
  tools.node24,
  [tools.vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--out', out],
  { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
);
if (result.status !== 0) process.exit(result.status ?? 1);
process.stdout.write(`${out} (${Math.round(statSync(out).size / 1024)} KB)\n`);
