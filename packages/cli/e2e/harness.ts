import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type RunningService, startService } from '@aicredits/api';
import { type AicreditsClient, createClient } from '@aicredits/sdk';

/** The built binary: these suites test what `npm i -g @aicredits/cli` installs. */
export const BIN = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

export const USD = 1_000_000;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface TestWorkspace {
  id: string;
  server: string;
  owner: string;
  admin: string;
  member: string;
}

export interface Api {
  service: RunningService;
  url: string;
  platform: AicreditsClient;
  workspace(options?: {
    unit?: 'usd' | 'credits';
    hosting?: 'cloud' | 'self_hosted';
  }): Promise<TestWorkspace>;
  close(): Promise<void>;
}

let counter = 0;
export const uniqueId = (prefix: string) =>
  `${prefix}_${process.pid}_${++counter}_${randomBytes(3).toString('hex')}`;

/** Starts the real credits API (in-memory database, test clock) and a platform client over the SDK. */
export async function startApi(): Promise<Api> {
  if (!existsSync(BIN))
    throw new Error(`${BIN} is missing: build the CLI first (the package's test script does).`);
  const platformKey = `ak_platform_${randomBytes(18).toString('hex')}`;
  const service = await startService({
    port: 0,
    dataDir: 'memory://',
    platformKey,
    testClock: true,
    logLevel: 'silent',
  });
  const platform = createClient({ baseUrl: service.url, apiKey: platformKey, maxRetries: 0 });
  return {
    service,
    url: service.url,
    platform,
    async workspace(options = {}) {
      const id = uniqueId('ws');
      await platform.workspaces.create({
        id,
        name: `CLI ${id}`,
        plan: 'business',
        unit: options.unit ?? 'usd',
        hosting: options.hosting ?? 'cloud',
      });
      const keys: Record<string, string> = {};
      for (const role of ['owner', 'admin', 'member'] as const) {
        await platform.members.upsert(id, role, { role, seat: { paid: false, active: true } });
        keys[role] = (await platform.apiKeys.create(id, { type: 'member', memberId: role })).secret;
      }
      const server = (await platform.apiKeys.create(id, { type: 'server' })).secret;
      return { id, server, owner: keys.owner ?? '', admin: keys.admin ?? '', member: keys.member ?? '' };
    },
    close: () => service.close(),
  };
}

/** A port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface RunOptions {
  env?: Record<string, string>;
  /** Called with the child once it is spawned (to send it signals). */
  onSpawn?: (child: ReturnType<typeof spawn>) => void;
}

/**
 * Runs `node dist/cli.js …` with only the environment given (plus PATH), so nothing from the
 * developer's shell leaks in.
 */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    options.onSpawn?.(child);
  });
}

/** The last JSON document on stdout (a wrapped command may have printed before it). */
export function lastJson<T = Record<string, unknown>>(stdout: string): T {
  const start = stdout.lastIndexOf('\n{\n');
  return JSON.parse(start === -1 ? stdout : stdout.slice(start + 1)) as T;
}

export async function waitFor(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
