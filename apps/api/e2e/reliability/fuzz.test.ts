import { ERROR_STATUS, ErrorBodySchema, type ErrorCode } from '@aicredits/contract';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedgerInvariants } from '../../src/invariants.js';
import { grant, type Harness, startHarness, type TestWorkspace, topUp, USD } from '../harness.js';
import { ledgerDigest } from './support.js';

/**
 * Property-based fuzzing of every route in the generated OpenAPI document: bodies, queries,
 * path parameters and headers, from plausible to hostile (wrong types, huge, negative and
 * fractional numbers, unknown fields, missing fields, bad JSON, oversize bodies, bad keys and
 * idempotency keys). For every request:
 *
 * - the answer is never a 5xx;
 * - a refusal is a 4xx whose body is the contract's error shape with a stable code, and whose
 *   status is the one the contract maps that code to;
 * - a refusal changes nothing: a digest of every table a request can write is the same after it.
 *
 * The routes come from /openapi.json, so a route added later is fuzzed without touching this
 * file. `FUZZ_RUNS` (per route, default 40) and `FUZZ_SEED` reproduce or lengthen a run.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? '40');
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
}

interface Operation {
  method: string;
  path: string;
  params: { name: string; in: 'path' | 'query' | 'header'; schema: JsonSchema; required: boolean }[];
  body: JsonSchema | null;
}

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  label: string;
}

let h: Harness;
let ws: TestWorkspace;
let other: TestWorkspace;
let revokedKey: string;
let operations: Operation[] = [];
let models: string[] = [];
const existing = {
  reservations: [] as string[],
  charges: [] as string[],
  lots: [] as string[],
  topups: [] as string[],
};
let lastDigest = '';
const seen = { requests: 0, byStatus: new Map<number, number>(), codes: new Set<string>() };

beforeAll(async () => {
  h = await startHarness();
  // Background passes would write between a request and its digest; this suite runs none.
  await h.service.background.stop();
  await h.setClock('2032-02-01T00:00:00.000Z');
  ws = await h.workspace({ seats: { member: true }, settings: { includedMicrosPerSeat: 2 * USD } });
  other = await h.workspace();
  await topUp(h, ws, 100 * USD);
  const promo = await grant(h, ws, {
    kind: 'promotional',
    amountMicros: 5 * USD,
    expiresAt: '2032-06-01T00:00:00.000Z',
  });
  existing.lots.push(promo.id);
  for (let i = 0; i < 3; i += 1) {
    const r = await h.call('POST', `/v1/workspaces/${ws.id}/reservations`, {
      key: ws.server,
      body: { feature: 'coding_session', estimateMicros: USD, ttlSeconds: 86_400 },
    });
    existing.reservations.push(r.body.id);
  }
  const c = await h.call('POST', `/v1/workspaces/${ws.id}/charges`, {
    key: ws.server,
    body: { feature: 'coding_session', amountMicros: 10_000, outcome: 'succeeded' },
  });
  existing.charges.push(c.body.id);
  const topups = await h.call('GET', `/v1/workspaces/${ws.id}/topups`, { key: ws.admin });
  existing.topups.push(...topups.body.data.map((t: { id: string }) => t.id));
  const k = await h.call('POST', `/v1/workspaces/${ws.id}/api-keys`, {
    key: ws.admin,
    body: { type: 'server' },
  });
  revokedKey = k.body.secret;
  await h.call('DELETE', `/v1/workspaces/${ws.id}/api-keys/${k.body.id}`, { key: ws.admin });
  const prices = await h.call('GET', '/v1/prices', { key: ws.server });
  models = prices.body.models.map((m: { model: string }) => m.model);

  const doc = (await (await fetch(`${h.url}/openapi.json`)).json()) as {
    paths: Record<
      string,
      Record<
        string,
        {
          parameters?: { name: string; in: string; schema: JsonSchema; required?: boolean }[];
          requestBody?: { content?: Record<string, { schema: JsonSchema }> };
        }
      >
    >;
  };
  operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      params: (op.parameters ?? [])
        .filter((p) => p.in === 'path' || p.in === 'query' || p.in === 'header')
        .map((p) => ({
          name: p.name,
          in: p.in as 'path' | 'query' | 'header',
          schema: p.schema,
          required: p.required === true,
        })),
      body: op.requestBody?.content?.['application/json']?.schema ?? null,
    })),
  );
  lastDigest = await ledgerDigest(h.service.services.db);
}, 180_000);

afterAll(async () => {
  await h?.close();
});

// ---------------------------------------------------------------------------------------------
// Values: plausible ones first (so requests get past validation into the handlers), then hostile.

const HOSTILE: unknown[] = [
  -1,
  0,
  0.5,
  1.5,
  -0.000001,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 63),
  1e21,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  '1000000',
  '1e3',
  '',
  ' ',
  'null',
  null,
  true,
  false,
  [],
  [1, 2],
  {},
  { $gt: 0 },
  'x'.repeat(5_000),
  '\u0000',
  '😀',
  '../../etc/passwd',
  "' OR 1=1 --",
  '2032-13-45T99:99:99Z',
  '1970-01-01T00:00:00.000Z',
  '9999-12-31T23:59:59.999Z',
];
const hostile = fc.oneof(fc.constantFrom(...HOSTILE), fc.jsonValue({ maxDepth: 3 }));

const freshId = fc.stringMatching(/^[a-z0-9]{1,12}$/).map((s) => `fz_${s}`);

function isoAround(): fc.Arbitrary<string> {
  const base = Date.parse('2032-02-01T00:00:00.000Z');
  return fc
    .integer({ min: -400, max: 800 })
    .map((days) => new Date(base + days * 86_400_000 + 1).toISOString());
}

function stringFor(name: string, schema: JsonSchema): fc.Arbitrary<unknown> {
  const lower = name.toLowerCase();
  if (lower === 'memberid') return fc.constantFrom('member', 'admin', 'owner', 'fuzz_member', 'ghost');
  if (lower === 'feature') return fc.constantFrom('coding_session', 'chat', 'review');
  if (lower === 'model' || lower === 'pinnedmodel') return fc.constantFrom(...models, 'no-such-model');
  if (lower === 'reservationid' || lower === 'id')
    return fc.oneof(fc.constantFrom(...existing.reservations), freshId);
  if (lower === 'chargeid') return fc.oneof(fc.constantFrom(...existing.charges), freshId);
  if (lower === 'lotid') return fc.oneof(fc.constantFrom(...existing.lots), freshId);
  if (lower === 'url')
    return fc.constantFrom('http://127.0.0.1:9/hook', 'https://example.com/hook', 'ftp://x/y');
  if (lower === 'paymentmethodid') return fc.constantFrom('pm_card_visa', 'pm_nope');
  if (
    schema.format === 'date-time' ||
    lower.endsWith('at') ||
    lower === 'now' ||
    lower === 'from' ||
    lower === 'to'
  )
    return isoAround();
  if (schema.pattern !== undefined) {
    const max = Math.min(schema.maxLength ?? 24, 24);
    return fc
      .stringMatching(new RegExp(schema.pattern))
      .filter((s) => s.length >= (schema.minLength ?? 0) && s.length <= max);
  }
  return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 24, 24) });
}

function integerFor(name: string, schema: JsonSchema): fc.Arbitrary<number> {
  const min =
    schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -1_000);
  const max = schema.maximum ?? 1_000_000;
  // Amounts: mostly sensible dollars and cents, so money operations succeed now and then.
  const soft = name.toLowerCase().endsWith('micros') ? Math.min(max, 50 * USD) : Math.min(max, 100_000);
  const low = Math.max(min, -1_000_000);
  const edges = [min, max, Math.min(max, Math.max(min, 1))];
  return fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: low, max: Math.max(low, soft) }) },
    { weight: 1, arbitrary: fc.constantFrom(...edges) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: low, max }).map((n) => (name.endsWith('Micros') ? n - (n % 10_000) : n)),
    },
  );
}

function plausible(schema: JsonSchema | undefined, name = ''): fc.Arbitrary<unknown> {
  if (schema === undefined) return fc.jsonValue({ maxDepth: 2 });
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives !== undefined) return fc.oneof(...alternatives.map((s) => plausible(s, name)));
  if (schema.allOf !== undefined) return plausible(Object.assign({}, ...schema.allOf) as JsonSchema, name);
  if (Array.isArray(schema.type)) {
    return fc.oneof(...schema.type.map((t) => plausible({ ...schema, type: t }, name)));
  }
  switch (schema.type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
    case 'number':
      return integerFor(name, schema);
    case 'string':
      return stringFor(name, schema);
    case 'array':
      return fc.array(plausible(schema.items, name), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 4, 4),
      });
    case 'object': {
      const props = schema.properties ?? {};
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, sub] of Object.entries(props)) shape[key] = plausible(sub, key);
      return fc
        .record(shape, {
          // Both halves of an exclusive pair are generated; exactlyOne then keeps one.
          requiredKeys: [...(schema.required ?? []), ...EXCLUSIVE_PAIRS.flat()].filter((k) => k in props),
        })
        .chain((value) => exactlyOne(value, props));
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/**
 * Pairs the contract requires exactly one of (a rule zod checks with a refinement, so it is not
 * in the JSON schema): a plausible body keeps one of each pair.
 */
const EXCLUSIVE_PAIRS: readonly [string, string][] = [
  ['estimateMicros', 'usageEstimate'],
  ['amountMicros', 'usage'],
  ['now', 'advanceSeconds'],
];

function exactlyOne(
  value: Record<string, unknown>,
  props: Record<string, JsonSchema>,
): fc.Arbitrary<Record<string, unknown>> {
  const pairs = EXCLUSIVE_PAIRS.filter(([a, b]) => a in props && b in props);
  if (pairs.length === 0) return fc.constant(value);
  return fc.tuple(...pairs.map(() => fc.boolean())).map((keepFirst) => {
    const out = { ...value };
    pairs.forEach(([a, b], i) => {
      const drop = keepFirst[i] ? b : a;
      delete out[drop];
    });
    return out;
  });
}

/** Replaces the n-th node (in a depth-first walk) of `value` with `replacement`. */
function replaceNth(value: unknown, n: number, replacement: unknown): unknown {
  let index = 0;
  const walk = (node: unknown): unknown => {
    if (index++ === n) return replacement;
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    }
    return node;
  };
  const out = walk(value);
  return index > n ? out : replacement;
}

const RAW_BODIES = [
  '{',
  '{"a":',
  'null',
  '[]',
  '"text"',
  '42',
  '{"amountMicros": 1e400}',
  '{"amountMicros": -0}',
  '{"estimateMicros": 100000000000000000000000000000}',
  '{"feature":"coding_session","feature":1}',
  '\ufeff{"feature":"coding_session"}',
  '{"feature":"coding_session"} trailing',
  `${'['.repeat(3_000)}${']'.repeat(3_000)}`,
  `{"note":"${'x'.repeat(300_000)}"}`,
  '{"__proto__":{"admin":true},"feature":"coding_session"}',
  '{"constructor":{"prototype":{"polluted":1}}}',
];

function bodyFor(op: Operation): fc.Arbitrary<string | undefined> {
  if (op.body === null) {
    // Routes without a body still get one sometimes (it must be ignored or refused cleanly).
    return fc.oneof(
      { weight: 4, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom(...RAW_BODIES) },
    );
  }
  const valid = plausible(op.body);
  const required = op.body.required ?? [];
  return fc.oneof(
    { weight: 8, arbitrary: valid.map((v) => JSON.stringify(v)) },
    {
      weight: 5,
      arbitrary: fc
        .tuple(valid, fc.nat({ max: 12 }), hostile)
        .map(([v, n, bad]) => JSON.stringify(replaceNth(v, n, bad))),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(valid, fc.stringMatching(/^[a-zA-Z_]{1,12}$/), hostile)
        .map(([v, key, bad]) =>
          JSON.stringify(typeof v === 'object' && v !== null ? { ...v, [key]: bad } : v),
        ),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(valid, fc.nat()).map(([v, n]) => {
        if (typeof v !== 'object' || v === null || required.length === 0) return JSON.stringify(v);
        const drop = required[n % required.length] ?? '';
        const { [drop]: _dropped, ...rest } = v as Record<string, unknown>;
        return JSON.stringify(rest);
      }),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_BODIES) },
    { weight: 1, arbitrary: fc.string({ maxLength: 64 }) },
  );
}

function pathValue(name: string): fc.Arbitrary<string> {
  const garbage = fc.constantFrom(
    '',
    ' ',
    'a'.repeat(300),
    '%00',
    '..',
    '%2e%2e',
    'ws with space',
    '😀',
    "'",
  );
  const real =
    name === 'ws'
      ? fc.constantFrom(ws.id, ws.id, ws.id, other.id, 'ws_missing')
      : name === 'memberId'
        ? fc.constantFrom('member', 'fuzz_member', 'ghost')
        : fc.oneof(
            fc.constantFrom(...existing.reservations, ...existing.charges, ...existing.topups, 'missing_id'),
            freshId,
          );
  return fc.oneof({ weight: 8, arbitrary: real }, { weight: 1, arbitrary: garbage });
}

function keyFor(): fc.Arbitrary<string | null> {
  return fc.oneof(
    // The platform key may call every route, so it gets the most requests into the handlers.
    { weight: 6, arbitrary: fc.constant(h.platformKey) },
    { weight: 5, arbitrary: fc.constantFrom(ws.server, ws.admin, ws.owner) },
    { weight: 1, arbitrary: fc.constantFrom(ws.member, other.server, other.admin, revokedKey) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<string | null>(
        null,
        'ak_server_',
        'ak_server_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        'ak_platform_0123456789abcdef0123456789',
        'ak_root_abcdefabcdefabcdef',
        `${ws.server}x`,
        ws.server.slice(0, -1),
        'not a key',
      ),
    },
  );
}

function requestFor(op: Operation): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const pathArb = fc.tuple(...pathParams.map((p) => pathValue(p.name))).map((values) => {
    let path = op.path;
    pathParams.forEach((p, i) => {
      path = path.replace(`{${p.name}}`, encodeURIComponent(values[i] ?? ''));
    });
    return path;
  });
  const queryArb = fc
    .tuple(
      ...queryParams.map((p) =>
        fc.option(
          fc.oneof({ weight: 3, arbitrary: plausible(p.schema, p.name) }, { weight: 1, arbitrary: hostile }),
          { nil: undefined, freq: 2 },
        ),
      ),
      fc.option(fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.string({ maxLength: 12 })), {
        nil: undefined,
      }),
    )
    .map((values) => {
      const search = new URLSearchParams();
      queryParams.forEach((p, i) => {
        const v = values[i];
        if (v === undefined) return;
        search.set(p.name, typeof v === 'string' ? v : JSON.stringify(v));
      });
      const unknown = values[queryParams.length] as [string, string] | undefined;
      if (unknown !== undefined) search.set(unknown[0], unknown[1]);
      const text = search.toString();
      return text === '' ? '' : `?${text}`;
    });
  const idempotencyArb = fc.option(
    fc.oneof(
      { weight: 4, arbitrary: fc.uuid() },
      { weight: 1, arbitrary: fc.constantFrom('fuzz-fixed-key', 'fuzz-fixed-key-2') },
      { weight: 1, arbitrary: fc.constantFrom('', ' ', 'a b', 'k'.repeat(256), 'é', '\t') },
    ),
    { nil: undefined, freq: 2 },
  );
  const contentTypeArb = fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json; charset=latin1',
        '',
      ),
    },
  );
  return fc
    .tuple(
      pathArb,
      queryArb,
      bodyFor(op),
      keyFor(),
      idempotencyArb,
      contentTypeArb,
      fc.option(fc.string({ maxLength: 200 }), { nil: undefined, freq: 8 }),
    )
    .map(([path, query, body, key, idempotencyKey, contentType, requestId]) => {
      const headers: Record<string, string> = {};
      if (key !== null) headers.authorization = `Bearer ${key}`;
      if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
      if (body !== undefined && contentType !== '') headers['content-type'] = contentType;
      if (requestId !== undefined) headers['x-request-id'] = requestId;
      return {
        method: op.method,
        path: `${path}${query}`,
        headers,
        body,
        label: `${op.method} ${op.path}`,
      };
    });
}

// ---------------------------------------------------------------------------------------------
// The property.

const KNOWN_CODES = new Set(Object.keys(ERROR_STATUS));

async function send(req: FuzzRequest): Promise<{ status: number; text: string; headers: Headers } | null> {
  let res: Response;
  try {
    res = await fetch(`${h.url}${req.path}`, {
      method: req.method,
      headers: req.headers,
      ...(req.body === undefined ? {} : { body: req.body }),
    });
  } catch (error) {
    // The client refused to send it (e.g. a header value fetch rejects): not the server's doing.
    if (error instanceof TypeError && !String(error.cause ?? '').includes('ECONN')) return null;
    throw error;
  }
  return { status: res.status, text: await res.text(), headers: res.headers };
}

async function checkRequest(req: FuzzRequest): Promise<void> {
  const reply = await send(req);
  if (reply === null) return;
  seen.requests += 1;
  seen.byStatus.set(reply.status, (seen.byStatus.get(reply.status) ?? 0) + 1);
  const where = `${req.method} ${req.path} ${JSON.stringify(req.headers)} body=${(req.body ?? '').slice(0, 300)}`;
  expect(reply.status, `5xx for ${where}: ${reply.text.slice(0, 500)}`).toBeLessThan(500);
  const digest = await ledgerDigest(h.service.services.db);
  if (reply.status >= 400) {
    const parsed = ErrorBodySchema.safeParse(JSON.parse(reply.text));
    expect(parsed.success, `not the error shape for ${where}: ${reply.text.slice(0, 300)}`).toBe(true);
    if (parsed.success) {
      const code = parsed.data.error.code as ErrorCode;
      seen.codes.add(code);
      expect(KNOWN_CODES.has(code)).toBe(true);
      expect(ERROR_STATUS[code], `code ${code} with status ${reply.status} for ${where}`).toBe(reply.status);
      if (reply.status === 429) expect(reply.headers.get('retry-after')).toMatch(/^\d+$/);
    }
    expect(
      digest,
      `a refused request (${reply.status} ${reply.text.slice(0, 300)}) wrote something: ${where}`,
    ).toBe(lastDigest);
  }
  lastDigest = digest;
}

describe('fuzzing every route', () => {
  it('found the routes in the OpenAPI document', () => {
    expect(operations.length).toBeGreaterThanOrEqual(35);
    expect(operations.some((o) => o.path.endsWith('/capture'))).toBe(true);
  });

  it('answers every generated request with a stable 4xx or a success, never a 5xx or a partial write', async () => {
    for (const op of operations) {
      // Moving the test clock would make later refusals write expiry entries (housekeeping that
      // is not the request's doing); only non-platform keys fuzz it, so it is always refused.
      const arb =
        op.path === '/v1/test-clock' && op.method === 'POST'
          ? requestFor(op).map((r) => ({
              ...r,
              headers: { ...r.headers, authorization: `Bearer ${ws.server}` },
            }))
          : requestFor(op);
      await fc.assert(
        fc.asyncProperty(arb, (req) => checkRequest(req)),
        { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }), endOnFailure: true },
      );
    }
    console.info(
      `fuzz: ${seen.requests} requests over ${operations.length} routes; statuses ${JSON.stringify(
        Object.fromEntries([...seen.byStatus.entries()].sort(([a], [b]) => a - b)),
      )}; codes ${[...seen.codes].sort().join(', ')}`,
    );
    // The run reached both sides: successes and a spread of refusal codes.
    const ok = [...seen.byStatus.entries()].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0);
    expect(ok).toBeGreaterThan(RUNS);
    for (const code of ['invalid_request', 'unauthorized', 'not_found', 'forbidden']) {
      expect([...seen.codes]).toContain(code);
    }
  }, 600_000);

  it('refuses unknown routes and methods with not_found', async () => {
    for (const path of ['/v2/anything', '/v1/workspaces/x/nope', '/v1/../../etc/passwd', '/%ff']) {
      for (const method of ['GET', 'POST', 'DELETE', 'PATCH']) {
        await checkRequest({
          method,
          path,
          headers: { authorization: `Bearer ${h.platformKey}`, 'content-type': 'application/json' },
          body: method === 'GET' ? undefined : '{}',
          label: 'unknown route',
        });
      }
    }
  });

  it('leaves a ledger that satisfies every invariant', async () => {
    const report = await checkLedgerInvariants(h.service.services.db, { now: await h.now() });
    expect(report.violations).toEqual([]);
    expect(report.counts.charges).toBeGreaterThan(0);
  });
});
