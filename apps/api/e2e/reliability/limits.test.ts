import { request } from 'node:http';
import { createClient, RateLimitError } from '@aicredits/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { expectError, type Harness, startHarness, type TestWorkspace, topUp, USD } from '../harness.js';
import { client, ledgerDigest, sleep } from './support.js';

/**
 * Request limits: 413 payload_too_large for bodies over the limit (declared or streamed), and a
 * per-key token bucket answering 429 rate_limited with Retry-After. Small limits are set here;
 * the defaults are generous enough that no other suite meets them.
 */
const BODY_LIMIT = 4_096;
const PER_SECOND = 2;
// Enough for the setup below (about a dozen platform-key calls), small enough to drain quickly.
const BURST = 20;

let h: Harness;
let ws: TestWorkspace;

beforeAll(async () => {
  h = await startHarness({
    config: {
      ...loadConfig({}),
      bodyLimitBytes: BODY_LIMIT,
      rateLimit: { perSecond: PER_SECOND, burst: BURST },
    },
  });
  await h.service.background.stop();
  await h.setClock('2032-03-01T00:00:00.000Z');
  ws = await h.workspace();
  await topUp(h, ws, 50 * USD);
  // Setting up used the platform, admin and owner keys; the server key starts with a full bucket.
});
afterAll(async () => {
  await h?.close();
});

/** Raw HTTP, so the body can be streamed without a Content-Length (chunked). */
function rawPost(path: string, key: string, chunks: string[], contentLength?: number) {
  return new Promise<{
    status: number;
    body: string;
    headers: Record<string, string | string[] | undefined>;
  }>((resolve, reject) => {
    const url = new URL(`${h.url}${path}`);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          ...(contentLength === undefined ? {} : { 'content-length': String(contentLength) }),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    // The server may answer 413 and close before the whole body is written.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET') return;
      reject(error);
    });
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('body size limit', () => {
  it('refuses a declared oversize body with 413 payload_too_large and writes nothing', async () => {
    const before = await ledgerDigest(h.service.services.db);
    const body = JSON.stringify({
      feature: 'coding_session',
      estimateMicros: USD,
      pad: 'x'.repeat(BODY_LIMIT),
    });
    const r = await h.call('POST', `/v1/workspaces/${ws.id}/reservations`, {
      key: h.platformKey,
      rawBody: body,
    });
    expectError(r, 413, 'payload_too_large');
    expect(r.headers.get('connection')).toBe('close');
    expect(await ledgerDigest(h.service.services.db)).toBe(before);
  });

  it('refuses a streamed (chunked) body as soon as it passes the limit', async () => {
    const before = await ledgerDigest(h.service.services.db);
    const chunks = [
      '{"feature":"coding_session","estimateMicros":1000000,"pad":"',
      ...Array(20).fill('y'.repeat(1_000)),
      '"}',
    ];
    const r = await rawPost(`/v1/workspaces/${ws.id}/reservations`, h.platformKey, chunks);
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).error.code).toBe('payload_too_large');
    expect(await ledgerDigest(h.service.services.db)).toBe(before);
  });

  it('accepts a body just under the limit', async () => {
    const base = { feature: 'coding_session', estimateMicros: USD, reservationId: 'r_under_limit' };
    const body = JSON.stringify({ ...base, taskKind: 'bug_fix' });
    expect(body.length).toBeLessThan(BODY_LIMIT);
    const r = await h.call('POST', `/v1/workspaces/${ws.id}/reservations`, {
      key: h.platformKey,
      rawBody: body,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  });
});

describe('rate limit per API key', () => {
  it('answers 429 rate_limited with Retry-After once a key spends its burst, writing nothing', async () => {
    await sleep((BURST / PER_SECOND) * 1000);
    // Charges until the bucket is empty: at least the burst gets through, then a refusal that
    // must have written nothing.
    let accepted = 0;
    let refused: Awaited<ReturnType<Harness['call']>> | null = null;
    while (refused === null) {
      const before = await ledgerDigest(h.service.services.db);
      const r = await h.call('POST', `/v1/workspaces/${ws.id}/charges`, {
        key: ws.server,
        body: { feature: 'coding_session', amountMicros: 10_000, outcome: 'succeeded' },
      });
      if (r.status === 201) accepted += 1;
      else {
        refused = r;
        expect(await ledgerDigest(h.service.services.db)).toBe(before);
      }
    }
    expect(accepted).toBeGreaterThanOrEqual(BURST);
    expectError(refused, 429, 'rate_limited');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);

    // Another key of the same workspace has its own bucket.
    const other = await h.call('GET', `/v1/workspaces/${ws.id}/balance`, { key: ws.admin });
    expect(other.status).toBe(200);

    await sleep(retryAfter * 1000);
    const after = await h.call('GET', `/v1/workspaces/${ws.id}/balance`, { key: ws.server });
    expect(after.status).toBe(200);
  });

  it('the SDK waits out Retry-After and the retried call is applied exactly once', async () => {
    // Drain the bucket, then make one logical charge through the SDK. The next token may arrive
    // between the two, so try a few times until the SDK really met a 429.
    for (let attempt = 0; attempt < 6; attempt += 1) {
      const statuses: number[] = [];
      const sdk = createClient({
        baseUrl: h.url,
        apiKey: ws.server,
        maxRetries: 6,
        fetch: async (input, init) => {
          const res = await fetch(input, init);
          statuses.push(res.status);
          return res;
        },
      });
      while ((await h.call('GET', '/v1/prices', { key: ws.server })).status !== 429) {
        // spend tokens
      }
      const charge = await sdk.charges.create(
        ws.id,
        { feature: 'coding_session', amountMicros: 250_000, outcome: 'succeeded' },
        { idempotencyKey: `rate-limited-charge-${attempt}` },
      );
      const { rows } = await h.service.services.db.query<{ n: string }>(
        'SELECT count(*) AS n FROM charges WHERE workspace_id = $1 AND id = $2',
        [ws.id, charge.id],
      );
      expect(Number(rows[0]?.n)).toBe(1);
      if (statuses[0] !== 429) continue;
      expect(statuses[statuses.length - 1]).toBe(201);
      return;
    }
    throw new Error('the SDK never met a 429 in six tries');
  });

  it('a caller that will not wait gets a RateLimitError with retryAfterSeconds', async () => {
    const sdk = client(h.url, ws.server, { maxRetries: 0 });
    while ((await h.call('GET', '/v1/prices', { key: ws.server })).status !== 429) {
      // spend tokens
    }
    // The bucket refills between calls (a token every 500 ms), so the first call after a 429 may
    // still find one: ask until the SDK meets the refusal itself.
    let error: unknown;
    for (let i = 0; i < 2 * BURST && !(error instanceof RateLimitError); i += 1) {
      error = await sdk.balance.retrieve(ws.id).then(
        () => undefined,
        (e: unknown) => e,
      );
    }
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).code).toBe('rate_limited');
    expect((error as RateLimitError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });
});
