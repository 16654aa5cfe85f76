#!/usr/bin/env node
// Runs the repository's pinned pnpm on a machine that has only Node and npm.
// Corepack cannot be relied on (its signature check fails behind registry mirrors),
// so pnpm is installed once into .tools/ with npm and put first on PATH for the child,
// which lets turbo and nested scripts find the same pnpm.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager;
const version = pinned.replace(/^pnpm@/, '');
const toolsDir = join(root, '.tools');
const binDir = join(toolsDir, 'node_modules', '.bin');
const isWindows = process.platform === 'win32';
const pnpmBin = join(binDir, isWindows ? 'pnpm.cmd' : 'pnpm');

function installedVersion() {
  const manifest = join(toolsDir, 'node_modules', 'pnpm', 'package.json');
  return existsSync(manifest) ? JSON.parse(readFileSync(manifest, 'utf8')).version : undefined;
}

if (installedVersion() !== version) {
  console.error(`Installing pnpm ${version} into .tools/ (one time)…`);
  const result = spawnSync(
    'npm',
    ['install', '--prefix', toolsDir, '--no-save', '--no-package-lock', '--silent', `pnpm@${version}`],
    { stdio: 'inherit', shell: isWindows },
  );
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const env = { ...process.env, PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}` };
const result = spawnSync(pnpmBin, process.argv.slice(2), { stdio: 'inherit', env, shell: isWindows });
process.exit(result.status ?? 1);
