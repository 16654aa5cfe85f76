import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { platformFetch } from './platform-fetch.node';

type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;

let server: Server;
let baseUrl: string;
let handler: Handler;
const connections = new Set<Socket>();
let connectionsOpened = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handler(req, Buffer.concat(chunks), res));
  });
  server.on('connection', (socket) => {
    connectionsOpened += 1;
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const socket of connections) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  handler = (_req, _body, res) => res.end('ok');
});

/** Answers with what arrived: method, path, headers and the body as base64 (exact bytes). */
const echo: Handler = (req, body, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(
    JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: body.toString('base64') }),
  );
};

describe('the node:http transport', () => {
  it('sends method, path, query, headers and the exact body bytes', async () => {
    handler = echo;
    const body = JSON.stringify({ note: 'café ☕ 𝄞', amountMicros: 9_007_199_254_740_991 });
    const response = await platformFetch(
      new Request(`${baseUrl}/v1/things/a%2Fb?x=1&y=%20`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: 'Bearer k',
          'idempotency-key': 'key-1',
        },
        body,
      }),
    );
    expect(response.status).toBe(200);
    const seen = (await response.json()) as {
      method: string;
      url: string;
      headers: Record<string, string>;
      body: string;
    };
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/v1/things/a%2Fb?x=1&y=%20');
    expect(seen.headers).toMatchObject({
      'content-type': 'application/json',
      authorization: 'Bearer k',
      'idempotency-key': 'key-1',
      'content-length': String(Buffer.byteLength(body)),
    });
    expect(Buffer.from(seen.body, 'base64').toString('utf8')).toBe(body);
  });

  it('also takes a URL and init, like fetch', async () => {
    handler = echo;
    const response = await platformFetch(`${baseUrl}/plain`, { method: 'PUT', body: 'x' });
    expect(await response.json()).toMatchObject({ method: 'PUT', url: '/plain' });
  });

  it('hands back status, status text and every response header, repeated ones included', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(402, 'Payment Required', [
        ['x-request-id', 'req_1'],
        ['set-cookie', 'a=1'],
        ['set-cookie', 'b=2'],
        ['retry-after', '3'],
      ]);
      res.end('{"error":{}}');
    };
    const response = await platformFetch(`${baseUrl}/x`);
    expect(response.status).toBe(402);
    expect(response.statusText).toBe('Payment Required');
    expect(response.headers.get('x-request-id')).toBe('req_1');
    expect(response.headers.get('retry-after')).toBe('3');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.text()).toBe('{"error":{}}');
  });

  it('gives 204 and HEAD answers no body', async () => {
    handler = (_req, _body, res) => {
      res.statusCode = 204;
      res.end();
    };
    const noContent = await platformFetch(`${baseUrl}/x`, { method: 'DELETE' });
    expect(noContent.status).toBe(204);
    expect(noContent.body).toBeNull();
    handler = (_req, _body, res) => {
      res.setHeader('content-length', '5');
      res.end();
    };
    const head = await platformFetch(`${baseUrl}/x`, { method: 'HEAD' });
    expect(head.body).toBeNull();
  });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ] as const)('asks for compression like fetch and decodes %s', async (encoding, compress) => {
    const text = JSON.stringify({ data: Array.from({ length: 200 }, (_, i) => ({ id: `e${i}` })) });
    let asked: string | undefined;
    handler = (req, _body, res) => {
      asked = req.headers['accept-encoding'];
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding });
      res.end(compress(Buffer.from(text)));
    };
    const response = await platformFetch(`${baseUrl}/list`);
    expect(asked).toBe('gzip, deflate, br');
    expect(await response.text()).toBe(text);
  });

  it('reuses one keep-alive connection for requests one after another', async () => {
    const clientPorts: number[] = [];
    handler = (req, _body, res) => {
      clientPorts.push(req.socket.remotePort ?? 0);
      res.end('ok');
    };
    for (let k = 0; k < 5; k += 1) {
      const response = await platformFetch(`${baseUrl}/x`, { method: 'POST', body: '{}' });
      await response.text();
    }
    expect(clientPorts).toHaveLength(5);
    expect(new Set(clientPorts).size).toBe(1);
  });

  it('follows redirects the way fetch does (303 turns a POST into a GET)', async () => {
    handler = (req, body, res) => {
      if (req.url === '/moved') {
        res.writeHead(303, { location: '/landing' });
        res.end();
        return;
      }
      echo(req, body, res);
    };
    const response = await platformFetch(`${baseUrl}/moved`, { method: 'POST', body: '{"a":1}' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ method: 'GET', url: '/landing' });
    const manual = await platformFetch(`${baseUrl}/moved`, { redirect: 'manual' });
    expect(manual.status).toBe(303);
    expect(manual.headers.get('location')).toBe('/landing');
  });

  it('rejects with the signal reason when aborted while waiting, and drops the connection', async () => {
    let arrived: () => void = () => undefined;
    const requestArrived = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    handler = () => arrived(); // never answers
    const controller = new AbortController();
    const pending = platformFetch(`${baseUrl}/slow`, { signal: controller.signal });
    await requestArrived;
    const open = connections.size;
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await expect.poll(() => connections.size).toBe(open - 1);
  });

  it('sends nothing when the signal is already aborted', async () => {
    handler = echo;
    const before = connectionsOpened;
    const reason = new Error('before start');
    await expect(platformFetch(`${baseUrl}/x`, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(connectionsOpened).toBe(before);
  });

  it('rejects a refused connection with TypeError("fetch failed") and the cause, as fetch does', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const failure = await platformFetch(`http://127.0.0.1:${port}/x`).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as TypeError).message).toBe('fetch failed');
    expect((failure as { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
  });

  it('rejects when the server drops the connection mid-answer', async () => {
    handler = (req, _body, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      setTimeout(() => req.socket.destroy(), 5);
    };
    await expect(platformFetch(`${baseUrl}/x`).then((r) => r.text())).rejects.toThrow('fetch failed');
  });

  it('speaks TLS to an https URL, over the https module', async () => {
    // A self-signed certificate made for these tests only (test/localhost-*.pem, 127.0.0.1).
    const cert = readFileSync(new URL('../../test/localhost-cert.pem', import.meta.url));
    const key = readFileSync(new URL('../../test/localhost-key.pem', import.meta.url));
    const secure = https.createServer({ cert, key }, (req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, encrypted: 'encrypted' in req.socket }));
    });
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', () => resolve()));
    const { port } = secure.address() as AddressInfo;
    const trusted = https.globalAgent.options.ca;
    try {
      // Not yet trusted: the TLS failure is a network failure, as fetch reports it.
      const untrusted = await platformFetch(`https://127.0.0.1:${port}/x`).catch((error: unknown) => error);
      expect(untrusted).toBeInstanceOf(TypeError);
      https.globalAgent.options.ca = cert;
      const response = await platformFetch(`https://127.0.0.1:${port}/x`, { method: 'POST', body: '{}' });
      expect(await response.json()).toEqual({ method: 'POST', encrypted: true });
    } finally {
      https.globalAgent.options.ca = trusted;
      https.globalAgent.destroy();
      await new Promise<void>((resolve) => secure.close(() => resolve()));
    }
  });
});
