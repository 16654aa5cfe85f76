/**
 * Webhooks end to end: the real API signs and delivers an event to a local receiver, and
 * `verifyWebhook` (Web Crypto) accepts exactly what the service (Node crypto) signed.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RunningService, startService } from '@aicredits/api';
import { WEBHOOK_SIGNATURE_HEADER } from '@aicredits/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AicreditsClient, createClient, verifyWebhook, WebhookVerificationError } from '../src/index';

const PLATFORM_KEY = 'ak_platform_sdkhooks00001_0123456789abcdef0123456789abcdef';
const ws = 'ws_sdk_hooks';

interface Delivery {
  body: string;
  headers: IncomingHttpHeaders;
}

let service: RunningService;
let platform: AicreditsClient;
let receiver: Server;
let receiverUrl: string;
const deliveries: Delivery[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      deliveries.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

  service = await startService({
    port: 0,
    dataDir: 'memory://',
    platformKey: PLATFORM_KEY,
    testClock: true,
    logLevel: 'silent',
  });
  platform = createClient({ baseUrl: service.url, apiKey: PLATFORM_KEY, maxRetries: 0 });
  await platform.workspaces.create({ id: ws, name: 'Hooks' });
}, 120_000);

afterAll(async () => {
  await service?.close();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
});

describe('verifyWebhook against the service', () => {
  it('verifies a real topup.succeeded delivery and rejects it with any other secret', async () => {
    const endpoint = await platform.webhookEndpoints.create(ws, {
      url: receiverUrl,
      events: ['topup.succeeded'],
    });
    const topup = await platform.topups.create(ws, { amountMicros: 25_000_000 });
    await service.background.runOnce();

    const delivery = deliveries.find((d) => d.body.includes(topup.id));
    expect(delivery, 'the service delivered the event').toBeDefined();
    if (!delivery) return;
    expect(delivery.headers[WEBHOOK_SIGNATURE_HEADER]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);

    const { now } = await platform.testClock.retrieve();
    const event = await verifyWebhook(delivery.body, delivery.headers, endpoint.secret, {
      now: new Date(now),
    });
    expect(event.type).toBe('topup.succeeded');
    if (event.type === 'topup.succeeded') {
      expect(event.data).toMatchObject({ topupId: topup.id, amountMicros: 25_000_000, testFunds: true });
    }
    expect(event.workspaceId).toBe(ws);

    const wrong = await verifyWebhook(delivery.body, delivery.headers, `${endpoint.secret}x`, {
      now: new Date(now),
    }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(WebhookVerificationError);
    expect(wrong).toMatchObject({ code: 'signature_mismatch' });

    const tampered = await verifyWebhook(
      delivery.body.replace('25000000', '95000000'),
      delivery.headers,
      endpoint.secret,
      {
        now: new Date(now),
      },
    ).catch((e: unknown) => e);
    expect(tampered).toMatchObject({ code: 'signature_mismatch' });
  });
});
