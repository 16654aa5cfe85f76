/**
 * The SDK's `fetch` on Node: ky's requests sent with `node:http` / `node:https` over the global
 * keep-alive agents. Node's built-in fetch (undici) spends about 1 ms of CPU per request on this
 * kind of call — more than the credits API needs to answer a reservation — and the guard pays it
 * before every task; this path spends a fraction of that. It keeps fetch's contract for what ky
 * and the transport use: a `Request` in, a `Response` out, the request's signal aborts (rejecting
 * with its reason), a failure to connect rejects with `TypeError('fetch failed')`, compressed
 * bodies are decoded. Redirects are handed to the built-in fetch, which follows them per spec.
 *
 * The package's `node` export condition builds this file in place of `platform-fetch.ts`, so
 * browsers and edge runtimes never load a Node built-in.
 */
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
/** What Node's fetch asks for; decoded below, as fetch does. */
const ACCEPT_ENCODING = 'gzip, deflate, br';

export const platformFetch: typeof globalThis.fetch = async (input, init) => {
  const request = input instanceof Request && init === undefined ? input : new Request(input, init);
  const { signal } = request;
  signal.throwIfAborted();
  const url = new URL(request.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return globalThis.fetch(request);
  const body = request.body === null ? undefined : Buffer.from(await request.arrayBuffer());
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  headers['accept-encoding'] ??= ACCEPT_ENCODING;
  if (body !== undefined) headers['content-length'] = String(body.byteLength);
  const response = await send(url, request.method, headers, body, signal);
  if (REDIRECT_STATUSES.has(response.status) && request.redirect !== 'manual') {
    // Following a redirect rewrites method, body and headers by rules fetch already implements.
    return globalThis.fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(body === undefined ? {} : { body }),
      redirect: request.redirect,
      signal,
    });
  }
  return response;
};

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
  signal: AbortSignal,
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const outgoing = client.request(url, { method, headers }, (incoming) => {
      readBody(incoming).then(
        (bytes) => {
          signal.removeEventListener('abort', onAbort);
          const status = incoming.statusCode ?? 0;
          resolve(
            new Response(NULL_BODY_STATUSES.has(status) || method === 'HEAD' ? null : bytes, {
              status,
              statusText: incoming.statusMessage ?? '',
              headers: responseHeaders(incoming.rawHeaders),
            }),
          );
        },
        (cause: unknown) => fail(cause),
      );
    });
    const fail = (cause: unknown) => {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) reject(signal.reason);
      else reject(new TypeError('fetch failed', { cause }));
    };
    const onAbort = () => {
      outgoing.destroy();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    outgoing.on('error', fail);
    outgoing.end(body);
  });
}

async function readBody(incoming: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of decoded(incoming)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function decoded(incoming: http.IncomingMessage): NodeJS.ReadableStream {
  const encoding = incoming.headers['content-encoding']?.trim().toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined;
  if (decoder === undefined) return incoming;
  incoming.on('error', (error) => decoder.destroy(error));
  return incoming.pipe(decoder);
}

function responseHeaders(rawHeaders: readonly string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    headers.append(rawHeaders[i] as string, rawHeaders[i + 1] as string);
  }
  return headers;
}
