#!/usr/bin/env node
// Checks the published shape of the package (exports, ESM + CJS + types) with publint and
// @arethetypeswrong/cli. It builds into a throwaway copy of the package instead of ./dist, so it
// can run inside `test` while turbo builds ./dist for dependent packages at the same time.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
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
  // Browsers and edge runtimes have no Node built-ins: the default bundle must not reach for them;
  // the `node` condition's bundle must carry the node:http transport it exists for.
  const builtins = new Set(builtinModules.map((name) => name.replace(/^node:/, '')));
  const importedBuiltins = (file) => {
    const code = readFileSync(join(stage, 'dist', file), 'utf8');
    const specifiers = code.matchAll(/(?:from\s*|require\(\s*|import\(\s*)['"]([^'"]+)['"]/g);
    return [...specifiers].map((m) => m[1].replace(/^node:/, '')).filter((name) => builtins.has(name));
  };
  const fail = (message) => {
    console.error(message);
    rmSync(stage, { recursive: true, force: true });
    process.exit(1);
  };
  for (const file of ['index.js', 'index.cjs']) {
    const found = importedBuiltins(file);
    if (found.length > 0)
      fail(`dist/${file} imports Node built-ins (${found.join(', ')}); it must run on fetch alone.`);
  }
  for (const file of ['index.node.js', 'index.node.cjs']) {
    if (!importedBuiltins(file).includes('http')) fail(`dist/${file} lacks the node:http transport.`);
  }
  run('publint', ['run', stage, '--strict']);
  // `attw --pack` packs the staged copy with npm, exactly as a publish would.
  run('attw', ['--pack', stage, '--profile', 'node16']);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
