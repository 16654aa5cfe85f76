import { WorkspaceSchema } from '@aicredits/contract';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { workspace } from '../../test/fixtures';
import { errorBody, startTestServer, type TestServer } from '../../test/http-server';
import {
  APIError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  InsufficientCreditsError,
  InternalServerError,
  NotFoundError,
  PaymentFailedError,
  PermissionDeniedError,
  RateLimitError,
  RequestAbortedError,
  ResponseValidationError,
  TimeoutError,
  UnprocessableEntityError,
} from './errors';
import { MAX_RETRY_DELAY_MS } from './retry';
import { Transport, type TransportConfig } from './transport';

const server: TestServer = await startTestServer();
afterAll(() => server.close());

let sleeps: number[] = [];
beforeEach(() => {
  server.reset();
  sleeps = [];
});

let transportFetch: typeof globalThis.fetch | undefined;

/** A transport whose backoff waits are recorded instead of slept, so retry tests stay fast. */
function transport(overrides: Partial<TransportConfig> = {}): Transport {
  return new Transport({
    fetch: transportFetch,
    baseUrl: server.url,
    apiKey: 'ak_server_test',
    timeoutMs: 2_000,
    maxRetries: 3,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...overrides,
  });
}

const getWorkspace = (t: Transport, options = {}) =>
  t.request({ method: 'GET', path: 'v1/workspaces/ws_1', schema: WorkspaceSchema, options });
const postWorkspace = (t: Transport, options = {}) =>
  t.request({
    method: 'POST',
    path: 'v1/workspaces',
    body: { name: 'Acme' },
    schema: WorkspaceSchema,
    options,
  });

/**
 * Every case runs over both transports the package ships: the built-in fetch (the default build,
 * for browsers and edge runtimes) and the Node transport (what the `node` export condition builds
 * in, and what these tests get when they name none).
 */
const builtInFetch: typeof globalThis.fetch = (input, init) => globalThis.fetch(input, init);
describe.each([
  ['globalThis.fetch', builtInFetch],
  ['the node:http transport', undefined],
] as const)('over %s', (_name, fetch) => {
  beforeAll(() => {
    transportFetch = fetch;
  });

  describe('retries', () => {
    it.each([408, 409, 429, 500, 502, 503, 504])('retries %i and then succeeds', async (status) => {
      server.reply({ status, body: errorBody('conflict') }, { status: 200, body: workspace });
      await expect(getWorkspace(transport())).resolves.toEqual(workspace);
      expect(server.requests).toHaveLength(2);
    });

    it.each([
      [400, 'invalid_request'],
      [401, 'unauthorized'],
      [402, 'insufficient_credits'],
      [403, 'forbidden'],
      [404, 'not_found'],
      [422, 'rule_violation'],
    ])('does not retry %i', async (status, code) => {
      server.reply({ status, body: errorBody(code) }, { status: 200, body: workspace });
      await expect(postWorkspace(transport())).rejects.toMatchObject({ status, code });
      expect(server.requests).toHaveLength(1);
      expect(sleeps).toEqual([]);
    });

    it('reuses one Idempotency-Key for every retry of a POST', async () => {
      server.reply(
        { status: 503, body: errorBody('service_unavailable') },
        'destroy',
        { status: 429, body: errorBody('rate_limited') },
        { status: 200, body: workspace },
      );
      await postWorkspace(transport());
      expect(server.requests).toHaveLength(4);
      const keys = server.requests.map((r) => r.headers['idempotency-key']);
      expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
      expect(new Set(keys)).toEqual(new Set([keys[0]]));
    });

    it('generates a fresh key per call and honours a caller key', async () => {
      server.reply(
        { status: 200, body: workspace },
        { status: 200, body: workspace },
        { status: 200, body: workspace },
      );
      const t = transport();
      await postWorkspace(t);
      await postWorkspace(t);
      await postWorkspace(t, { idempotencyKey: 'caller-key-1' });
      const [first, second, third] = server.requests.map((r) => r.headers['idempotency-key']);
      expect(first).not.toEqual(second);
      expect(third).toBe('caller-key-1');
    });

    it('sends no Idempotency-Key on GET and authenticates every request', async () => {
      server.reply({ status: 200, body: workspace });
      await getWorkspace(transport());
      expect(server.requests[0]?.headers['idempotency-key']).toBeUndefined();
      expect(server.requests[0]?.headers.authorization).toBe('Bearer ak_server_test');
    });

    it('retries network errors, then throws ConnectionError', async () => {
      server.reply('destroy', 'destroy', 'destroy');
      const error = await postWorkspace(transport({ maxRetries: 2 })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error).toMatchObject({ code: 'connection_error', status: undefined });
      expect(server.requests).toHaveLength(3);
    });

    it('stops after maxRetries and throws the last error', async () => {
      server.reply(
        { status: 500, body: errorBody('internal_error') },
        { status: 502, body: errorBody('internal_error') },
        { status: 503, body: errorBody('service_unavailable') },
      );
      const error = await getWorkspace(transport({ maxRetries: 2 })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InternalServerError);
      expect(error).toMatchObject({ status: 503, code: 'service_unavailable' });
      expect(server.requests).toHaveLength(3);
    });

    it('honours a per-call maxRetries of 0', async () => {
      server.reply({ status: 503, body: errorBody('service_unavailable') }, { status: 200, body: workspace });
      await expect(getWorkspace(transport(), { maxRetries: 0 })).rejects.toBeInstanceOf(InternalServerError);
      expect(server.requests).toHaveLength(1);
    });

    it('backs off exponentially with jitter bounded to 25%', async () => {
      server.reply(
        ...Array.from({ length: 6 }, () => ({ status: 503, body: errorBody('service_unavailable') })),
        { status: 200, body: workspace },
      );
      await getWorkspace(transport({ maxRetries: 6 }));
      const bases = [500, 1_000, 2_000, 4_000, 8_000, 8_000];
      expect(sleeps).toHaveLength(6);
      sleeps.forEach((ms, i) => {
        const base = bases[i] ?? MAX_RETRY_DELAY_MS;
        expect(ms).toBeGreaterThanOrEqual(base * 0.75);
        expect(ms).toBeLessThanOrEqual(base);
      });
    });

    it('waits exactly what Retry-After asks (seconds and HTTP date)', async () => {
      const inTwoSeconds = new Date(Date.now() + 2_000).toUTCString();
      server.reply(
        { status: 429, body: errorBody('rate_limited'), headers: { 'retry-after': '3' } },
        { status: 503, body: errorBody('service_unavailable'), headers: { 'retry-after': inTwoSeconds } },
        { status: 200, body: workspace },
      );
      await getWorkspace(transport());
      expect(sleeps[0]).toBe(3_000);
      // An HTTP date has one-second resolution.
      expect(sleeps[1]).toBeGreaterThan(0);
      expect(sleeps[1]).toBeLessThanOrEqual(2_000);
    });

    it('gives up when Retry-After is longer than a minute, exposing retryAfterSeconds', async () => {
      server.reply({ status: 429, body: errorBody('rate_limited'), headers: { 'retry-after': '120' } });
      const error = await getWorkspace(transport()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RateLimitError);
      expect((error as RateLimitError).retryAfterSeconds).toBe(120);
      expect(server.requests).toHaveLength(1);
    });

    it('lets the server veto a retry with x-should-retry: false', async () => {
      server.reply({
        status: 409,
        body: errorBody('idempotency_mismatch'),
        headers: { 'x-should-retry': 'false' },
      });
      await expect(postWorkspace(transport())).rejects.toBeInstanceOf(ConflictError);
      expect(server.requests).toHaveLength(1);
    });
  });

  describe('timeouts and cancellation', () => {
    it('throws TimeoutError when no answer arrives in time', async () => {
      server.reply('hang');
      const started = performance.now();
      const error = await getWorkspace(transport({ timeoutMs: 150, maxRetries: 0 })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error).toMatchObject({ code: 'timeout', status: undefined });
      expect(performance.now() - started).toBeLessThan(2_000);
    });

    it('throws TimeoutError when the body stops half way (the limit covers the body too)', async () => {
      server.reply('stall-body');
      const started = performance.now();
      const error = await getWorkspace(transport({ timeoutMs: 200, maxRetries: 0 })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TimeoutError);
      expect(performance.now() - started).toBeLessThan(2_000);
    });

    it('retries a timed-out attempt with the same key', async () => {
      server.reply('hang', { status: 200, body: workspace });
      await postWorkspace(transport({ timeoutMs: 1_000, maxRetries: 1 }));
      expect(server.requests).toHaveLength(2);
      expect(server.requests[0]?.headers['idempotency-key']).toBe(
        server.requests[1]?.headers['idempotency-key'],
      );
    });

    it('applies a per-call timeout', async () => {
      server.reply('hang');
      await expect(
        getWorkspace(transport({ timeoutMs: 10_000 }), { timeoutMs: 100, maxRetries: 0 }),
      ).rejects.toBeInstanceOf(TimeoutError);
    });

    it('throws RequestAbortedError, without retrying, when the caller aborts', async () => {
      server.reply('hang', { status: 200, body: workspace });
      const controller = new AbortController();
      const pending = getWorkspace(transport(), { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await expect(pending).rejects.toBeInstanceOf(RequestAbortedError);
      expect(server.requests).toHaveLength(1);
    });

    it('aborts during a backoff wait', async () => {
      server.reply({ status: 503, body: errorBody('service_unavailable') });
      const controller = new AbortController();
      const real = new Transport({ baseUrl: server.url, apiKey: 'k', timeoutMs: 2_000, maxRetries: 3 });
      const pending = getWorkspace(real, { signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      await expect(pending).rejects.toBeInstanceOf(RequestAbortedError);
      expect(server.requests).toHaveLength(1);
    });
  });

  describe('error mapping', () => {
    it.each([
      [400, 'invalid_request', BadRequestError],
      [401, 'unauthorized', AuthenticationError],
      [402, 'insufficient_credits', InsufficientCreditsError],
      [402, 'overage_disabled', InsufficientCreditsError],
      [402, 'overage_cap_reached', InsufficientCreditsError],
      [402, 'payment_failed', PaymentFailedError],
      [403, 'forbidden', PermissionDeniedError],
      [403, 'billing_access_required', PermissionDeniedError],
      [404, 'not_found', NotFoundError],
      [409, 'idempotency_mismatch', ConflictError],
      [422, 'rule_violation', UnprocessableEntityError],
      [429, 'rate_limited', RateLimitError],
      [500, 'internal_error', InternalServerError],
      [413, 'payload_too_large', APIError],
    ])('%i %s → %o', async (status, code, ErrorClass) => {
      server.reply({ status, body: errorBody(code, `about ${code}`, { roles: ['owner'] }) });
      const error = await postWorkspace(transport({ maxRetries: 0 })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ErrorClass);
      expect(error).toBeInstanceOf(APIError);
      expect(error).toMatchObject({
        status,
        code,
        message: `about ${code}`,
        requestId: `req_${code}`,
        details: { roles: ['owner'] },
      });
    });

    it('keeps a code newer than this SDK, and survives a non-JSON error body', async () => {
      server.reply(
        { status: 409, body: errorBody('brand_new_code') },
        { status: 502, body: '<html>bad gateway</html>', headers: { 'x-request-id': 'req_proxy' } },
      );
      const t = transport({ maxRetries: 0 });
      await expect(postWorkspace(t)).rejects.toMatchObject({ code: 'brand_new_code', status: 409 });
      await expect(postWorkspace(t)).rejects.toMatchObject({
        code: 'http_error',
        status: 502,
        requestId: 'req_proxy',
      });
    });
  });

  describe('response validation', () => {
    it('throws ResponseValidationError (not retried) when a 2xx body breaks the contract', async () => {
      server.reply(
        { status: 200, body: { ...workspace, unit: 'euros' }, headers: { 'x-request-id': 'req_bad' } },
        { status: 200, body: workspace },
      );
      const error = await getWorkspace(transport()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResponseValidationError);
      expect(error).toMatchObject({ code: 'response_validation_failed', status: 200, requestId: 'req_bad' });
      expect((error as ResponseValidationError).issues[0]).toMatchObject({ path: ['unit'] });
      expect(server.requests).toHaveLength(1);
    });

    it('rejects a float where the contract wants integer micros', async () => {
      server.reply({ status: 200, body: { ...workspace, deficitMicros: 1.5 } });
      await expect(getWorkspace(transport())).rejects.toBeInstanceOf(ResponseValidationError);
    });

    it('rejects a body that is not JSON', async () => {
      server.reply({ status: 200, body: 'not json' });
      await expect(getWorkspace(transport())).rejects.toMatchObject({ code: 'response_validation_failed' });
    });
  });
});
