import { randomBytes } from 'node:crypto';
import type { ErrorCode } from '@aicredits/contract';
import { billingPeriodAt } from '@aicredits/ledger';
import { expect } from 'vitest';
import { type Queryable, type RunningService, type StartServiceOptions, startService } from '../src/index.js';

export interface Harness {
  service: RunningService;
  url: string;
  platformKey: string;
  call<T = Json>(method: string, path: string, options?: CallOptions): Promise<Reply<T>>;
  /** Sets up a workspace with an owner, an admin, a member and server/member keys. */
  workspace(options?: WorkspaceSetup): Promise<TestWorkspace>;
  setClock(iso: string): Promise<void>;
  advance(seconds: number): Promise<void>;
  now(): Promise<number>;
  close(): Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: test replies are inspected field by field
export type Json = any;

export interface CallOptions {
  key?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
  rawBody?: string;
}

export interface Reply<T> {
  status: number;
  body: T;
  headers: Headers;
}

export interface WorkspaceSetup {
  id?: string;
  unit?: 'usd' | 'credits';
  hosting?: 'cloud' | 'self_hosted';
  enterprise?: boolean;
  plan?: string;
  settings?: Record<string, unknown>;
  seats?: { owner?: boolean; admin?: boolean; member?: boolean };
}

export interface TestWorkspace {
  id: string;
  server: string;
  owner: string;
  admin: string;
  member: string;
}

export const USD = 1_000_000;

let counter = 0;
export const uniqueId = (prefix: string) =>
  `${prefix}_${process.pid}_${++counter}_${randomBytes(3).toString('hex')}`;

export async function startHarness(options: StartServiceOptions = {}): Promise<Harness> {
  const platformKey = `ak_platform_${randomBytes(18).toString('hex')}`;
  const service = await startService({
    port: 0,
    dataDir: 'memory://',
    platformKey,
    testClock: true,
    logLevel: 'silent',
    ...options,
  });
  const call = async <T = Json>(method: string, path: string, o: CallOptions = {}): Promise<Reply<T>> => {
    const headers: Record<string, string> = { ...o.headers };
    const key = o.key === undefined ? platformKey : o.key;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    let body: string | undefined;
    if (o.rawBody !== undefined) body = o.rawBody;
    else if (o.body !== undefined) body = JSON.stringify(o.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const text = await res.text();
    const parsed =
      text.length === 0 ? null : res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
    return { status: res.status, body: parsed as T, headers: res.headers };
  };
  const h: Harness = {
    service,
    url: service.url,
    platformKey,
    call,
    async workspace(setup = {}) {
      const id = setup.id ?? uniqueId('ws');
      const created = await call('POST', '/v1/workspaces', {
        body: {
          id,
          name: `Workspace ${id}`,
          unit: setup.unit ?? 'usd',
          hosting: setup.hosting ?? 'cloud',
          enterprise: setup.enterprise ?? false,
          ...(setup.plan === undefined ? {} : { plan: setup.plan }),
          ...(setup.settings === undefined ? {} : { settings: setup.settings }),
        },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const seats = setup.seats ?? {};
      const keys: Record<string, string> = {};
      for (const [memberId, role] of [
        ['owner', 'owner'],
        ['admin', 'admin'],
        ['member', 'member'],
      ] as const) {
        const paid = seats[memberId] ?? false;
        const m = await call('PUT', `/v1/workspaces/${id}/members/${memberId}`, {
          body: { role, seat: { paid, active: true } },
        });
        expect(m.status, JSON.stringify(m.body)).toBe(200);
        const k = await call('POST', `/v1/workspaces/${id}/api-keys`, { body: { type: 'member', memberId } });
        expect(k.status).toBe(201);
        keys[memberId] = k.body.secret;
      }
      const server = await call('POST', `/v1/workspaces/${id}/api-keys`, { body: { type: 'server' } });
      expect(server.status).toBe(201);
      return {
        id,
        server: server.body.secret,
        owner: keys.owner ?? '',
        admin: keys.admin ?? '',
        member: keys.member ?? '',
      };
    },
    async setClock(iso) {
      const r = await call('POST', '/v1/test-clock', { body: { now: iso } });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    },
    async advance(seconds) {
      const r = await call('POST', '/v1/test-clock', { body: { advanceSeconds: seconds } });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    },
    async now() {
      const r = await call('GET', '/v1/test-clock');
      return Date.parse(r.body.now);
    },
    close: () => service.close(),
  };
  return h;
}

export function expectError(reply: Reply<Json>, status: number, code: ErrorCode): void {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  expect(reply.body.error.code).toBe(code);
  expect(typeof reply.body.error.requestId).toBe('string');
  expect(typeof reply.body.error.message).toBe('string');
}

/** Top-up in no-payment mode through the public API (admin key). */
export async function topUp(h: Harness, ws: TestWorkspace, amountMicros: number): Promise<Json> {
  const r = await h.call('POST', `/v1/workspaces/${ws.id}/topups`, { key: ws.admin, body: { amountMicros } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

export async function grant(
  h: Harness,
  ws: TestWorkspace,
  body: {
    kind: 'promotional' | 'included' | 'support';
    amountMicros: number;
    expiresAt?: string | null;
    memberId?: string;
    lotId?: string;
    reason?: string;
  },
): Promise<Json> {
  const r = await h.call('POST', `/v1/workspaces/${ws.id}/lots`, {
    body: { reason: 'test grant', expiresAt: null, ...body },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

export async function balance(h: Harness, ws: TestWorkspace, memberId?: string): Promise<Json> {
  const r = await h.call(
    'GET',
    `/v1/workspaces/${ws.id}/balance${memberId === undefined ? '' : `?memberId=${memberId}`}`,
    {
      key: ws.server,
    },
  );
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

export async function outboxTypes(h: Harness, workspaceId: string): Promise<string[]> {
  const { rows } = await h.service.services.db.query<{ type: string }>(
    'SELECT type FROM outbox_events WHERE workspace_id = $1 ORDER BY seq',
    [workspaceId],
  );
  return rows.map((r) => r.type);
}

/** A bare pay-as-you-go workspace row, for suites that drive the money store without HTTP. */
export async function insertWorkspaceRow(
  db: Queryable,
  id: string,
  options: { maxDeficitMicros?: number; now?: number } = {},
): Promise<void> {
  const now = options.now ?? Date.now();
  await db.query(
    `INSERT INTO workspaces (id, name, plan, unit, hosting, enterprise, max_deficit_micros, billing_anchor,
       overage_period_start, created_at)
     VALUES ($1, $1, 'pro', 'usd', 'cloud', false, $2, $3, $4, $3)`,
    [id, options.maxDeficitMicros ?? 0, now, billingPeriodAt(now, now).start],
  );
}
