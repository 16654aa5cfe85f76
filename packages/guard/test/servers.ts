import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import {
  type AicreditsVariables,
  aicreditsFastify,
  currentMeter,
  expressGuard,
  type Guard,
  honoGuard,
} from '../src/index.js';

/** One running HTTP server and how to stop it. */
export interface Running {
  readonly url: string;
  close(): Promise<void>;
}

export interface Routing {
  workspaceId: string;
  memberId?: string;
  estimateMicros?: number;
}

// Each app serves the same routes:
//   POST /ai      reports 1,234 micros of usage and answers 200
//   POST /broken  reports 500 micros and answers 500
//   POST /current answers whether the handler runs in the meter's async context (after an await)
// The workspace comes from the `x-workspace` header, so one server can serve several tests.
const workspaceOf = (header: string | string[] | undefined, fallback: string) =>
  typeof header === 'string' ? header : fallback;

export async function startExpress(guard: Guard, routing: Routing): Promise<Running> {
  const app = express();
  const guarded = expressGuard(guard, {
    workspaceId: (req) => workspaceOf(req.headers['x-workspace'], routing.workspaceId),
    memberId: () => routing.memberId,
    estimate: () => ({ amountMicros: routing.estimateMicros ?? 5_000 }),
  });
  app.post('/ai', guarded, (req, res) => {
    req.aicredits?.setAmountMicros(1_234);
    res.json({ ok: true, mode: req.aicredits?.mode });
  });
  app.post('/current', guarded, async (req, res) => {
    await new Promise((resolve) => setImmediate(resolve));
    res.json({ same: currentMeter() !== undefined && currentMeter() === req.aicredits });
  });
  app.post('/broken', guarded, (req, res) => {
    req.aicredits?.setAmountMicros(500);
    res.status(500).json({ ok: false });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export async function startFastify(guard: Guard, routing: Routing): Promise<Running> {
  const app = Fastify();
  await app.register(aicreditsFastify, {
    guard,
    workspaceId: (request) => workspaceOf(request.headers['x-workspace'], routing.workspaceId),
    memberId: () => routing.memberId,
    estimate: () => ({ amountMicros: routing.estimateMicros ?? 5_000 }),
  });
  app.post('/ai', async (request) => {
    request.aicredits?.setAmountMicros(1_234);
    return { ok: true, mode: request.aicredits?.mode };
  });
  app.post('/current', async (request) => {
    await new Promise((resolve) => setImmediate(resolve));
    return { same: currentMeter() !== undefined && currentMeter() === request.aicredits };
  });
  app.post('/broken', async (request, reply) => {
    request.aicredits?.setAmountMicros(500);
    return reply.code(500).send({ ok: false });
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, close: () => app.close() };
}

export async function startHono(guard: Guard, routing: Routing): Promise<Running> {
  const app = new Hono<{ Variables: AicreditsVariables }>();
  const guarded = honoGuard(guard, {
    workspaceId: (c) => c.req.header('x-workspace') ?? routing.workspaceId,
    memberId: () => routing.memberId,
    estimate: () => ({ amountMicros: routing.estimateMicros ?? 5_000 }),
  });
  app.post('/ai', guarded, (c) => {
    c.get('aicredits').setAmountMicros(1_234);
    return c.json({ ok: true, mode: c.get('aicredits').mode });
  });
  app.post('/current', guarded, async (c) => {
    await new Promise((resolve) => setImmediate(resolve));
    return c.json({ same: currentMeter() !== undefined && currentMeter() === c.get('aicredits') });
  });
  app.post('/broken', guarded, (c) => {
    c.get('aicredits').setAmountMicros(500);
    return c.json({ ok: false }, 500);
  });
  app.post('/stream', guarded, (c) =>
    stream(c, async (s) => {
      await s.write('part one;');
      c.get('aicredits').setAmountMicros(300);
      await s.write('part two');
    }),
  );
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export const adapters = [
  { name: 'express', start: startExpress },
  { name: 'fastify', start: startFastify },
  { name: 'hono', start: startHono },
] as const;
