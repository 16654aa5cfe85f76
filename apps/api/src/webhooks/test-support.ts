import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningService } from '../service.js';

/*
 * Helpers for the background-work tests: a local webhook receiver and a thin HTTP client for the
 * running service (real requests, platform key).
 */

export interface ReceivedDelivery {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered. */
  status: number;
}

export interface Receiver {
  url: string;
  received: ReceivedDelivery[];
  /** The status to answer for a path (default 200). */
  respond(path: string, status: number): void;
  /** Milliseconds to wait before answering (to keep attempts in flight). */
  delayMs: number;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const statuses = new Map<string, number>();
  const received: ReceivedDelivery[] = [];
  const receiver: Receiver = {
    url: '',
    received,
    respond: (path, status) => statuses.set(path, status),
    delayMs: 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      const status = statuses.get(path) ?? 200;
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(status < 300 ? 'ok' : 'unavailable');
      }, receiver.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

export interface ApiResponse {
  status: number;
  body: Record<string, unknown>;
}

/** A platform-key client for one running service. */
export function apiClient(service: RunningService) {
  const key = service.platformKey ?? '';
  const call = async (method: string, path: string, body?: unknown): Promise<ApiResponse> => {
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
  };
  const ok = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const res = await call(method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  return {
    call,
    ok,
    get: (path: string) => ok('GET', path),
    post: (path: string, body: unknown) => ok('POST', path, body),
    /** Moves the service clock (forward only). Returns the new time in epoch ms. */
    async setClock(input: { now?: string; advanceSeconds?: number }): Promise<number> {
      const body = await ok('POST', '/v1/test-clock', input);
      return Date.parse(String(body.now));
    },
  };
}

export type ApiClient = ReturnType<typeof apiClient>;

/** Polls `check` until it returns true, failing after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

let counter = 0;
/** A workspace id unique within the test run. */
export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}_${Date.now().toString(36)}${counter}`;
}
