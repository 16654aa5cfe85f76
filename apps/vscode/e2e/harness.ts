import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';

/** Helpers for driving code-server in headless Chromium. Every wait here is bounded. */

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`,
  );
}

export interface CodeServer {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface CodeServerOptions {
  node: string;
  entry: string;
  runDir: string;
  userDataDir: string;
  extensionsDir: string;
  folder: string;
}

function codeServerEnv(runDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    EXTENSIONS_GALLERY: '{}',
    XDG_CONFIG_HOME: join(runDir, 'xdg-config'),
    XDG_DATA_HOME: join(runDir, 'xdg-data'),
    XDG_CACHE_HOME: join(runDir, 'xdg-cache'),
  };
}

export function installExtension(options: CodeServerOptions, vsix: string): void {
  const result = spawnSync(
    options.node,
    [
      options.entry,
      '--user-data-dir',
      options.userDataDir,
      '--extensions-dir',
      options.extensionsDir,
      '--install-extension',
      vsix,
    ],
    { env: codeServerEnv(options.runDir), encoding: 'utf8', timeout: 120_000 },
  );
  if (result.status !== 0) {
    throw new Error(
      `installing ${vsix} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`,
    );
  }
}

/** Starts code-server in its own process group so that stopping it stops its children too. */
export async function startCodeServer(options: CodeServerOptions, port: number): Promise<CodeServer> {
  mkdirSync(options.runDir, { recursive: true });
  const log = openSync(join(options.runDir, 'code-server.log'), 'a');
  const child = spawn(
    options.node,
    [
      options.entry,
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--user-data-dir',
      options.userDataDir,
      '--extensions-dir',
      options.extensionsDir,
      options.folder,
    ],
    { env: codeServerEnv(options.runDir), detached: true, stdio: ['ignore', log, log] },
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.pid === undefined || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return; // the group is already gone
    }
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5_000));
    if ((await Promise.race([exited, timer])) === 'timeout') {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  try {
    await waitFor(
      'code-server /healthz',
      async () => {
        if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}`);
        const response = await fetch(`${url}/healthz`);
        return response.ok ? true : undefined;
      },
      60_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, process: child, stop };
}

export function writeUserSettings(userDataDir: string, settings: Record<string, unknown>): void {
  const dir = join(userDataDir, 'User');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
}

/** The status bar item created with an explicit id: `<publisher>.<name>.<itemId>`, lower case. */
export function statusBarItem(page: Page, publisher: string, name: string, id: string): Locator {
  const domId = `${publisher}.${name}.${id}`.toLowerCase().replace(/\./g, '\\.');
  return page.locator(`#${domId}`);
}

export async function textOf(locator: Locator): Promise<string> {
  return ((await locator.textContent({ timeout: 2_000 })) ?? '').replace(/\s+/g, ' ').trim();
}

/** Runs a command from the palette (F1), the way a person does. */
export async function runCommand(page: Page, title: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  await page.keyboard.press('F1');
  const input = widget.locator('input.input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(`>${title}`);
  await widget
    .locator('.monaco-list-row', { hasText: title })
    .first()
    .waitFor({ state: 'visible', timeout: 15_000 });
  await page.keyboard.press('Enter');
}

/** Types into the input box a command opened (e.g. Sign In's token prompt) and submits it. */
export async function answerInputBox(page: Page, expectedPrompt: string, value: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  await widget
    .locator('.quick-input-message', { hasText: expectedPrompt })
    .waitFor({ state: 'visible', timeout: 15_000 });
  await widget.locator('input.input').fill(value);
  await page.keyboard.press('Enter');
}
