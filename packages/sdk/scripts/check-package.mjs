#!/usr/bin/env node
// Checks the published shape of the package (exports, ESM + CJS + types) with publint and
// @arethetypeswrong/cli. It builds into a throwaway copy of the package instead of ./dist, so it
// can run inside `test` while turbo builds ./dist for dependent packages at the same time.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) =>
  join(packageDir, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);
const stage = mkdtempSync(join(tmpdir(), 'aicredits-sdk-pack-'));

function run(command, args, cwd = packageDir) {
  console.log(`$ ${[command, ...args].join(' ')}`);
  const result = spawnSync(bin(command), args, {
    cwd,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (result.status !== 0) {
    rmSync(stage, { recursive: true, force: true });
    process.exit(result.status ?? 1);
  }
}

try {
  run('tsup', ['--out-dir', join(stage, 'dist'), '--silent']);
  copyFileSync(join(packageDir, 'package.json'), join(stage, 'package.json'));
  copyFileSync(join(packageDir, 'README.md'), join(stage, 'README.md'));
  // Browsers and edge runtimes have no Node built-ins: the bundle must not reach for them.
  for (const file of ['index.js', 'index.cjs']) {
    const code = readFileSync(join(stage, 'dist', file), 'utf8');
    if (/from\s*['"]node:|require\(\s*['"]node:|import\(\s*['"]node:/.test(code)) {
      console.error(`dist/${file} imports a node: built-in; the SDK must run on fetch alone.`);
      rmSync(stage, { recursive: true, force: true });
      process.exit(1);
    }
  }
  run('publint', ['run', stage, '--strict']);
  // `attw --pack` packs the staged copy with npm, exactly as a publish would.
  run('attw', ['--pack', stage, '--profile', 'node16']);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
