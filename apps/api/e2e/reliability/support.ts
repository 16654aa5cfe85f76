import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AicreditsClient, createClient } from '@aicredits/sdk';
import type { Queryable } from '../../src/db/db.js';
import { openPostgres } from '../../src/db/postgres.js';
import { assertLedgerInvariants, type InvariantReport } from '../../src/invariants.js';
import { verifyWebhookSignature } from '../../src/webhooks/index.js';

/*
 * Shared machinery of the reliability suites: fresh PostgreSQL databases, the BUILT service as
 * child processes (configured only by env, killed with SIGKILL), SDK clients that retry like
 * real callers, a webhook receiver, and a digest of every money table to catch partial writes.
 */

/** The kernel's clock ticks per second for /proc times (`getconf CLK_TCK`; 100 on Linux). */
const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export const API_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST_MAIN = join(API_DIR, 'dist', 'main.js');

/** The machine's PostgreSQL (CI sets it); suites that need a shared server skip without it. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? '';
export const HAVE_POSTGRES = TEST_DATABASE_URL !== '';
export const NO_POSTGRES_REASON =
  'TEST_DATABASE_URL is not set: the multi-process reliability suites need PostgreSQL (e.g. postgres://postgres@127.0.0.1:5432/test)';

/** Newest modification time under a folder (to tell whether dist/ was built from the current source). */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The suites test the built service, as it ships. A missing or stale build would test other
 * code than the source, so it is refused with the command that fixes it.
 */
export function assertBuilt(): void {
  const hint = 'run `node scripts/pnpm.mjs --filter @aicredits/api build` first';
  if (!existsSync(DIST_MAIN)) throw new Error(`${DIST_MAIN} does not exist: ${hint}.`);
  if (statSync(DIST_MAIN).mtimeMs + 1_000 < newestMtime(join(API_DIR, 'src'))) {
    throw new Error(`${DIST_MAIN} is older than apps/api/src: ${hint}.`);
  }
}

export const uniqueName = (prefix: string) => `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;

export const platformKey = () => `ak_platform_${randomBytes(18).toString('hex')}`;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function eventually<T>(
  fn: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 20_000,
  intervalMs = 100,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (ok(value) || Date.now() > until) return value;
    await sleep(intervalMs);
  }
}

/** A fresh database on the machine's PostgreSQL, dropped by `drop()` (connections are terminated first). */
export interface TestDatabase {
  url: string;
  name: string;
  /** A small pool for the checker and the tests' own queries. */
  db: Awaited<ReturnType<typeof openPostgres>>;
  drop(): Promise<void>;
}

export async function createTestDatabase(baseUrl = TEST_DATABASE_URL): Promise<TestDatabase> {
  const name = uniqueName('aicredits_rel');
  const admin = await openPostgres({ url: baseUrl, max: 1 });
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.close();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const db = await openPostgres({ url: url.toString(), max: 4 });
  return {
    url: url.toString(),
    name,
    db,
    async drop() {
      await db.close().catch(() => undefined);
      const a = await openPostgres({ url: baseUrl, max: 1 });
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.close();
      }
    },
  };
}

/** A free TCP port (the service restarts on the same one, so clients keep their URL). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface LogLine {
  level: number;
  msg: string;
  time: number;
  [key: string]: unknown;
}

export interface ApiProcessOptions {
  databaseUrl: string;
  platformKey: string;
  port?: number;
  /** Extra environment (STRIPE_*, rate limits, …). */
  env?: Record<string, string>;
  logLevel?: string;
  name?: string;
}

/**
 * One replica of the built service (`node dist/main.js`), configured only by environment, as an
 * operator runs it. Its JSON log lines are kept (the replica suite reads job passes from them).
 */
export class ApiProcess {
  readonly name: string;
  readonly logs: LogLine[] = [];
  readonly stderr: string[] = [];
  port = 0;
  private child: ChildProcess | null = null;
  private exited: Promise<number | null> = Promise.resolve(null);
  private partial = '';

  constructor(private readonly options: ApiProcessOptions) {
    this.name = options.name ?? 'api';
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = this.options.port ?? (await freePort());
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      DATABASE_URL: this.options.databaseUrl,
      CREDITS_PORT: String(this.port),
      CREDITS_HOST: '127.0.0.1',
      CREDITS_PLATFORM_KEY: this.options.platformKey,
      CREDITS_TEST_CLOCK: '1',
      CREDITS_LOG_LEVEL: this.options.logLevel ?? 'info',
      ...this.options.env,
    };
    const child = spawn(process.execPath, [DIST_MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => this.collect(chunk));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderr.push(chunk);
    });
    await this.waitReady();
  }

  private collect(chunk: string): void {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        this.logs.push(JSON.parse(line) as LogLine);
      } catch {
        this.logs.push({ level: 30, msg: line, time: Date.now() });
      }
      // A soak run logs every request; keep memory bounded, the suites only read recent lines.
      if (this.logs.length > 200_000) this.logs.splice(0, 100_000);
    }
  }

  async waitReady(timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) {
        throw new Error(`${this.name} exited during start:\n${this.stderr.join('')}`);
      }
      try {
        const res = await fetch(`${this.url}/healthz`);
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > until) throw new Error(`${this.name} did not become healthy in ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  /** kill -9: no graceful shutdown, no flushing, whatever was in flight is cut off. */
  async kill(): Promise<void> {
    const pid = this.child?.pid;
    if (pid === undefined || !this.running) return;
    process.kill(pid, 'SIGKILL');
    await this.exited;
  }

  /** SIGTERM: the graceful path (finish in-flight work, close the database). */
  async stop(): Promise<void> {
    const pid = this.child?.pid;
    if (pid === undefined || !this.running) return;
    process.kill(pid, 'SIGTERM');
    const code = await Promise.race([this.exited, sleep(15_000).then(() => 'timeout' as const)]);
    if (code === 'timeout') await this.kill();
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  /** Resident set size from /proc, in bytes (Linux). */
  rssBytes(): number {
    const pid = this.child?.pid;
    if (pid === undefined) return 0;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return match?.[1] === undefined ? 0 : Number(match[1]) * 1024;
  }

  /** CPU time the process has used so far (user + system), in seconds, from /proc (Linux). */
  cpuSeconds(): number {
    const pid = this.child?.pid;
    if (pid === undefined) return 0;
    // Fields after the command name, which is in parentheses and may itself hold spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are the 14th and 15th fields of the whole line, 12th and 13th after the name.
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  }

  /** Log lines at error level or above (pino: 50 error, 60 fatal). */
  errors(): LogLine[] {
    return this.logs.filter((l) => l.level >= 50);
  }
}

/** Attempts that got no HTTP answer (refused or cut connections): the faults the SDK rode out. */
export const transport = { networkErrors: 0, responses: 0 };

/** An SDK client that retries like a patient real caller (enough to ride out a restart). */
export function client(url: string, apiKey: string, options: { maxRetries?: number } = {}): AicreditsClient {
  return createClient({
    baseUrl: url,
    apiKey,
    maxRetries: options.maxRetries ?? 8,
    timeoutMs: 15_000,
    fetch: async (input, init) => {
      try {
        const res = await fetch(input, init);
        transport.responses += 1;
        return res;
      } catch (error) {
        transport.networkErrors += 1;
        throw error;
      }
    },
  });
}

/** Workspace with a server key and an admin; funded by the caller. */
export interface Tenant {
  id: string;
  server: string;
  admin: string;
}

export async function createTenant(
  platform: AicreditsClient,
  options: { id?: string; maxDeficitMicros?: number } = {},
): Promise<Tenant> {
  const id = options.id ?? uniqueName('ws');
  await platform.workspaces.create({
    id,
    name: `Reliability ${id}`,
    unit: 'usd',
    hosting: 'cloud',
    enterprise: false,
  });
  if (options.maxDeficitMicros !== undefined) {
    await platform.workspaces.updateSettings(id, { maxDeficitMicros: options.maxDeficitMicros });
  }
  await platform.members.upsert(id, 'admin', { role: 'admin', seat: { paid: false, active: true } });
  const admin = await platform.apiKeys.create(id, { type: 'member', memberId: 'admin' });
  const server = await platform.apiKeys.create(id, { type: 'server' });
  return { id, server: server.secret, admin: admin.secret };
}

/**
 * Counts and sums of every table a request can write. Compared before and after a refused
 * request, any difference is a partial write.
 */
export async function ledgerDigest(db: Queryable): Promise<string> {
  const { rows } = await db.query(`SELECT
      (SELECT count(*) FROM workspaces) AS workspaces,
      (SELECT coalesce(sum(deficit_micros), 0) FROM workspaces) AS deficit,
      (SELECT md5(coalesce(string_agg(id || alert_state::text || overage_enabled::text || coalesce(overage_cap_micros, -1)::text
         || seat_pooling::text || coalesce(pinned_model, '') || low_balance_thresholds_micros::text
         || expiry_warning_days::text || coalesce(deleted_at, 0)::text || coalesce(billing_name, '')
         || coalesce(billing_address::text, '') || coalesce(payment_method_id, ''), ',' ORDER BY id), '')) FROM workspaces) AS settings,
      (SELECT count(*) FROM members) AS members,
      (SELECT md5(coalesce(string_agg(workspace_id || id || role || seat_paid::text || seat_active::text, ',' ORDER BY workspace_id, id), '')) FROM members) AS member_rows,
      (SELECT count(*) FROM api_keys) AS api_keys,
      (SELECT count(*) FROM api_keys WHERE revoked_at IS NOT NULL) AS revoked_keys,
      (SELECT count(*) FROM lots) AS lots,
      (SELECT coalesce(sum(remaining_micros), 0) FROM lots) AS lot_remaining,
      (SELECT count(*) FROM reservations) AS reservations,
      (SELECT md5(coalesce(string_agg(id || status || held_micros::text || expires_at::text, ',' ORDER BY workspace_id, id), '')) FROM reservations) AS reservation_rows,
      (SELECT count(*) FROM charges) AS charges,
      (SELECT count(*) FROM charge_draws) AS draws,
      (SELECT count(*) FROM ledger_entries) AS entries,
      (SELECT coalesce(sum(amount_micros), 0) FROM ledger_entries) AS entry_sum,
      (SELECT count(*) FROM usage_events) AS usage_events,
      (SELECT count(*) FROM topups) AS topups,
      (SELECT md5(coalesce(string_agg(id || status, ',' ORDER BY id), '')) FROM topups) AS topup_rows,
      (SELECT count(*) FROM idempotency_keys) AS idempotency_keys,
      (SELECT count(*) FROM outbox_events) AS outbox_events,
      (SELECT count(*) FROM webhook_endpoints) AS endpoints,
      (SELECT count(*) FROM webhook_endpoints WHERE deleted_at IS NOT NULL) AS deleted_endpoints,
      (SELECT count(*) FROM price_tables) AS price_tables`);
  return JSON.stringify(rows[0]);
}

/** Runs the whole-ledger checker and fails the test with every violation listed. */
export async function expectLedgerInvariants(
  db: Parameters<typeof assertLedgerInvariants>[0],
  options: Parameters<typeof assertLedgerInvariants>[1] = {},
): Promise<InvariantReport> {
  return assertLedgerInvariants(db, options);
}

export interface ReceivedWebhook {
  eventId: string;
  type: string;
  attempt: number;
  at: number;
  signatureValid: boolean;
  status: number;
}

/**
 * A customer's webhook endpoint. `mode` decides its answer: `up` (204), `down` (503), `slow`
 * (answers after `slowMs`), `hang` (never answers; the sender times out).
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  mode: 'up' | 'down' | 'slow' | 'hang' = 'up';
  slowMs = 1_500;
  /** Signing secrets of the endpoints pointing here (one per workspace). */
  readonly secrets: string[] = [];
  private server: Server | null = null;
  private readonly hanging = new Set<ServerResponse>();
  url = '';

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/hook`;
    this.server = server;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const mode = this.mode;
    const status = mode === 'up' || mode === 'slow' ? 204 : mode === 'down' ? 503 : 0;
    const signature = header('aicredits-signature') ?? '';
    const nowSeconds = Math.floor(Date.now() / 1000);
    const signatureValid = this.secrets.some(
      (secret) => verifyWebhookSignature(secret, body, signature, nowSeconds).ok,
    );
    let parsed: { id: string; type: string };
    try {
      parsed = JSON.parse(body) as { id: string; type: string };
    } catch {
      res.writeHead(400).end();
      return;
    }
    this.received.push({
      eventId: parsed.id,
      type: parsed.type,
      attempt: Number(header('aicredits-delivery-attempt') ?? '0'),
      at: Date.now(),
      signatureValid,
      status,
    });
    if (mode === 'hang') {
      this.hanging.add(res);
      return;
    }
    if (mode === 'slow') await sleep(this.slowMs);
    res.writeHead(status).end();
  }

  /** Event ids answered 2xx, with how many times each was accepted. */
  accepted(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of this.received) {
      if (r.status >= 200 && r.status < 300) counts.set(r.eventId, (counts.get(r.eventId) ?? 0) + 1);
    }
    return counts;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    const server = this.server;
    if (server === null) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Percentile by nearest rank over an ascending-sorted array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? 0;
}
