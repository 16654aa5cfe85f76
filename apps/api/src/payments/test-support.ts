import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PaymentLogger } from './types.js';

/** A logger that keeps what it was told, so tests can assert on warnings. */
export function recordingLogger(): PaymentLogger & { warnings: string[]; infos: string[] } {
  const warnings: string[] = [];
  const infos: string[] = [];
  return {
    warnings,
    infos,
    warn(_obj, msg) {
      warnings.push(msg ?? '');
    },
    info(_obj, msg) {
      infos.push(msg ?? '');
    },
  };
}

export interface ReceivedWebhook {
  body: string;
  signature: string | undefined;
}

export interface WebhookReceiver {
  url: string;
  /** Resolves with the first request (already received or still to come) whose raw body contains `text`. */
  waitFor(text: string): Promise<ReceivedWebhook>;
  close(): Promise<void>;
}

/** A bare HTTP endpoint standing in for `POST /v1/stripe/webhook`: it hands over the exact raw bytes. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const waiters: Array<{ text: string; resolve: (value: ReceivedWebhook) => void }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const header = req.headers['stripe-signature'];
      const item = {
        body: Buffer.concat(chunks).toString('utf8'),
        signature: typeof header === 'string' ? header : undefined,
      };
      const index = waiters.findIndex((w) => item.body.includes(w.text));
      const waiter = index === -1 ? undefined : waiters.splice(index, 1)[0];
      if (waiter === undefined) received.push(item);
      else waiter.resolve(item);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/stripe/webhook`,
    waitFor(text) {
      const index = received.findIndex((item) => item.body.includes(text));
      if (index !== -1) return Promise.resolve(received.splice(index, 1)[0] as ReceivedWebhook);
      return new Promise((resolve) => waiters.push({ text, resolve }));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
