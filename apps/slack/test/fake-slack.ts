import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Slack's Web API, enough for the bot: `POST /api/<method>` with a
 * form-encoded (or JSON) body and the token as Bearer, like the real one. Blocks and views arrive
 * as JSON strings and are parsed for assertions. It also receives `response_url` posts
 * (`POST /respond/<id>`) and can answer the next calls of a method with 429 + Retry-After.
 */
export interface RecordedCall {
  method: string;
  token: string | null;
  args: Record<string, unknown>;
  at: number;
}

export interface RecordedResponse {
  id: string;
  body: Record<string, unknown>;
  at: number;
}

export interface FakeOAuthGrant {
  teamId: string;
  teamName: string;
  botToken: string;
  botUserId: string;
  authedUserId: string;
}

export interface FakeSlack {
  url: string;
  /** For `clientOptions.slackApiUrl`. */
  apiUrl: string;
  calls: RecordedCall[];
  responses: RecordedResponse[];
  /** A response_url that lands in `responses` under `id`. */
  responseUrl(id: string): string;
  callsOf(method: string): RecordedCall[];
  responsesOf(id: string): RecordedResponse[];
  /** The next `times` calls of `method` get 429 with `Retry-After: retryAfterSeconds`. */
  rateLimit(method: string, retryAfterSeconds: number, times?: number): void;
  /** The next call of `method` fails with `{ ok: false, error }`. */
  failNext(method: string, error: string): void;
  /** Registers an OAuth code that `oauth.v2.access` exchanges for a bot token. */
  grant(code: string, grant: FakeOAuthGrant): void;
  /** Waits until `predicate` holds (calls arrive asynchronously). */
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: RecordedCall[] = [];
  const responses: RecordedResponse[] = [];
  const rateLimits = new Map<string, { retryAfterSeconds: number; remaining: number }>();
  const failures = new Map<string, string>();
  const grants = new Map<string, FakeOAuthGrant>();
  const tokens = new Map<string, { teamId: string; botUserId: string }>();
  let ts = 1_700_000_000;
  const nextTs = () => {
    ts += 1;
    return `${ts}.000100`;
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error: 'fake_failure', detail: String(error) }));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const raw = await read(req);
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim();
    const args = parseArgs(raw, type);
    if (url.pathname.startsWith('/respond/')) {
      responses.push({ id: url.pathname.slice('/respond/'.length), body: args, at: Date.now() });
      return send(res, 200, { ok: true });
    }
    if (!url.pathname.startsWith('/api/')) return send(res, 404, { ok: false, error: 'unknown_path' });
    const method = url.pathname.slice('/api/'.length);
    const bearer = /^Bearer\s+(\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? null;
    const token = bearer ?? (typeof args.token === 'string' ? args.token : null);
    calls.push({ method, token, args, at: Date.now() });

    const limit = rateLimits.get(method);
    if (limit !== undefined && limit.remaining > 0) {
      limit.remaining -= 1;
      res.writeHead(429, {
        'content-type': 'application/json',
        'retry-after': String(limit.retryAfterSeconds),
      });
      res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    const failure = failures.get(method);
    if (failure !== undefined) {
      failures.delete(method);
      return send(res, 200, { ok: false, error: failure });
    }
    if (method !== 'oauth.v2.access' && token === null)
      return send(res, 200, { ok: false, error: 'not_authed' });
    const known = token === null ? undefined : tokens.get(token);
    const teamId = known?.teamId ?? 'T0001';

    switch (method) {
      case 'auth.test':
        return send(res, 200, {
          ok: true,
          url: 'https://fake.slack.test/',
          team: 'Fake team',
          user: 'aicredits',
          team_id: teamId,
          user_id: known?.botUserId ?? 'U0BOT',
          bot_id: 'B0BOT',
          is_enterprise_install: false,
        });
      case 'chat.postMessage':
        return send(res, 200, {
          ok: true,
          channel: args.channel,
          ts: nextTs(),
          message: { text: args.text },
        });
      case 'chat.update':
        return send(res, 200, { ok: true, channel: args.channel, ts: args.ts, text: args.text });
      case 'chat.postEphemeral':
        return send(res, 200, { ok: true, message_ts: nextTs() });
      case 'views.open':
      case 'views.update':
      case 'views.push':
        return send(res, 200, { ok: true, view: { id: `V${calls.length}`, ...(args.view as object) } });
      case 'oauth.v2.access': {
        const grant = grants.get(String(args.code));
        if (grant === undefined) return send(res, 200, { ok: false, error: 'invalid_code' });
        grants.delete(String(args.code));
        tokens.set(grant.botToken, { teamId: grant.teamId, botUserId: grant.botUserId });
        return send(res, 200, {
          ok: true,
          access_token: grant.botToken,
          token_type: 'bot',
          scope: 'commands,chat:write,chat:write.public',
          bot_user_id: grant.botUserId,
          app_id: 'A0APP',
          team: { id: grant.teamId, name: grant.teamName },
          enterprise: null,
          is_enterprise_install: false,
          authed_user: { id: grant.authedUserId },
        });
      }
      default:
        return send(res, 200, { ok: false, error: 'unknown_method' });
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    apiUrl: `${url}/api/`,
    calls,
    responses,
    responseUrl: (id) => `${url}/respond/${id}`,
    callsOf: (method) => calls.filter((c) => c.method === method),
    responsesOf: (id) => responses.filter((r) => r.id === id),
    rateLimit(method, retryAfterSeconds, times = 1) {
      rateLimits.set(method, { retryAfterSeconds, remaining: times });
    },
    failNext(method, error) {
      failures.set(method, error);
    },
    grant(code, grant) {
      grants.set(code, grant);
    },
    async waitFor(predicate, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error('fake Slack: condition not met in time');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    reset() {
      calls.length = 0;
      responses.length = 0;
      rateLimits.clear();
      failures.clear();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseArgs(raw: string, type: string | undefined): Record<string, unknown> {
  if (raw === '') return {};
  if (type === 'application/json') return JSON.parse(raw) as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    // Slack's form API takes structured arguments as JSON strings.
    const structured = key === 'blocks' || key === 'view' || key === 'attachments';
    args[key] = structured ? safeJson(value) : value;
  }
  return args;
}

function safeJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    // Not JSON: keep the raw string so the assertion shows what the bot sent.
    return value;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
