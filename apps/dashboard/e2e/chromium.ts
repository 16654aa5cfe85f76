import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

// biome-ignore lint/complexity/useLiteralKeys: process.env is typed as an index signature.
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** The flags the toolchain guide asks for: no sandbox (root in CI), no network chatter. */
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function run(command: string, args: string[], timeoutMs: number): void {
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    timeout: timeoutMs,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (status ${result.status}, signal ${result.signal})`);
  }
}

/**
 * Debian's Chromium, installed when missing (CI runs as root on a machine that may not have it).
 * Playwright's own browser download is never used: it cannot reach its servers from here.
 */
export function ensureChromium(): void {
  if (existsSync(CHROMIUM_PATH)) return;
  if (CHROMIUM_PATH !== '/usr/bin/chromium') throw new Error(`CHROMIUM_PATH ${CHROMIUM_PATH} does not exist`);
  // An install killed half-way (a cancelled CI run) leaves dpkg refusing every later one until
  // its configuration is finished; doing so first is a no-op when nothing is pending.
  run('dpkg', ['--configure', '-a'], 420_000);
  run('apt-get', ['update'], 240_000);
  run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], 420_000);
  if (!existsSync(CHROMIUM_PATH))
    throw new Error('apt-get installed chromium but /usr/bin/chromium is missing');
}

/** A headless Chromium with a fresh, throwaway profile. */
export function launchChromium(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'aicredits-dashboard-')), {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 900 },
    timeout: 60_000,
  });
}
