import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DroppingProxy {
  readonly url: string;
  /** Requests whose response was swallowed, by method and path. */
  readonly dropped: string[];
  /** Every forwarded request, with its Idempotency-Key. */
  readonly forwarded: { path: string; idempotencyKey: string | undefined }[];
  close(): Promise<void>;
}

/**
 * A small HTTP proxy in front of the API that, for the first `dropCount` requests matching
 * `shouldDrop`, forwards the request, lets the API process it, and then cuts the client's
 * connection instead of answering: the worst case for a capture, where the money moved but the
 * caller cannot know.
 */
export async function startDroppingProxy(
  targetUrl: string,
  shouldDrop: (method: string, path: string) => boolean,
  dropCount = 1,
): Promise<DroppingProxy> {
  const target = new URL(targetUrl);
  const dropped: string[] = [];
  const forwarded: { path: string; idempotencyKey: string | undefined }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      const method = req.method ?? 'GET';
      const key = req.headers['idempotency-key'];
      forwarded.push({ path, idempotencyKey: typeof key === 'string' ? key : undefined });
      const drop = dropped.length < dropCount && shouldDrop(method, path);
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method,
          path,
          headers: { ...req.headers, host: target.host },
        },
        (answer: IncomingMessage) => {
          if (drop) {
            // Let the API finish, then hang up without a byte of the answer.
            answer.resume();
            answer.on('end', () => {
              dropped.push(`${method} ${path}`);
              req.socket.destroy();
            });
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => req.socket.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    dropped,
    forwarded,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
