/**
 * A fake credits API behind `fetch`: routes match on method and path, and every request is
 * recorded with the key that sent it. The SDK runs for real on top (ky, zod validation, errors).
 */

export interface RecordedRequest {
  method: string;
  path: string;
  search: string;
  key: string | null;
  idempotencyKey: string | null;
  body: unknown;
}

export type Handler = (request: RecordedRequest) => { status: number; body: unknown };

export function errorBody(code: string, message: string) {
  return { error: { code, message, requestId: 'req_test' } };
}

export function fakeApi(routes: Record<string, Handler>) {
  const requests: RecordedRequest[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    const text = await request.text();
    const recorded: RecordedRequest = {
      method: request.method,
      path: url.pathname,
      search: url.search,
      key: request.headers.get('authorization')?.replace(/^Bearer /, '') ?? null,
      idempotencyKey: request.headers.get('idempotency-key'),
      body: text === '' ? undefined : JSON.parse(text),
    };
    requests.push(recorded);
    const handler = routes[`${request.method} ${url.pathname}`];
    const { status, body } =
      handler === undefined ? { status: 404, body: errorBody('not_found', 'no route') } : handler(recorded);
    return new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', 'x-should-retry': 'false' },
    });
  };
  return { fetch, requests };
}
