/**
 * A real HTTP server for unit tests: each request is answered by the next scripted reply, so
 * tests exercise ky, fetch and sockets for real instead of mocking them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: string;
  /** `performance.now()` when the request arrived. */
  atMs: number;
}

export type Reply =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  /** Close the socket without answering: the client sees a network error. */
  | 'destroy'
  /** Never answer: the client times out. */
  | 'hang'
  /** Send a 200's headers and the start of its body, then nothing: the client times out reading it. */
  | 'stall-body';

export type Responder = Reply | ((request: RecordedRequest) => Reply);

export interface TestServer {
  url: string;
  requests: RecordedRequest[];
  /** Queue replies; once the queue is empty, `fallback` answers. */
  reply(...replies: Responder[]): void;
  fallback: Responder;
  /** Forget queued replies and recorded requests (call before each test). */
  reset(): void;
  close(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  const queue: Responder[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const state: TestServer = {
    url: '',
    requests,
    reply: (...replies) => queue.push(...replies),
    reset: () => {
      queue.length = 0;
      requests.length = 0;
    },
    fallback: {
      status: 500,
      body: { error: { code: 'internal_error', message: 'no reply queued', requestId: 'req_none' } },
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        url: new URL(req.url ?? '/', 'http://localhost'),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        atMs: performance.now(),
      };
      requests.push(recorded);
      const responder = queue.shift() ?? state.fallback;
      const reply = typeof responder === 'function' ? responder(recorded) : responder;
      if (reply === 'destroy') {
        req.socket.destroy();
        return;
      }
      if (reply === 'hang') return;
      if (reply === 'stall-body') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"id":');
        return;
      }
      const text =
        reply.body === undefined
          ? ''
          : typeof reply.body === 'string'
            ? reply.body
            : JSON.stringify(reply.body);
      res.writeHead(reply.status, {
        ...(text === '' ? {} : { 'content-type': 'application/json' }),
        ...reply.headers,
      });
      res.end(text);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

export function errorBody(code: string, message = code, details?: Record<string, unknown>) {
  return { error: { code, message, requestId: `req_${code}`, ...(details ? { details } : {}) } };
}
