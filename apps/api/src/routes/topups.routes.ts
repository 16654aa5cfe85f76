import {
  CreateTopupRequestSchema,
  ErrorBodySchema,
  ListQuerySchema,
  pageSchema,
  TopupQuoteRequestSchema,
  TopupQuoteSchema,
  TopupSchema,
} from '@aicredits/contract';
import { createRoute, z } from '@hono/zod-openapi';
import {
  errorResponses,
  idempotencyHeader,
  json,
  jsonBody,
  security,
  WsIdParams,
  WsParams,
} from './common.js';

const tags = ['Top-ups'];

export const createTopup = createRoute({
  method: 'post',
  path: '/v1/workspaces/{ws}/topups',
  tags,
  security,
  summary: 'Add funds (billing access): covers any deficit first, the rest becomes a purchased lot',
  request: { params: WsParams, headers: idempotencyHeader, body: jsonBody(CreateTopupRequestSchema) },
  responses: {
    201: json(TopupSchema, 'The top-up with tax, status and invoice'),
    402: json(ErrorBodySchema, 'The payment failed (`payment_failed`); nothing was credited'),
    ...errorResponses,
  },
});

export const quoteTopup = createRoute({
  method: 'post',
  path: '/v1/workspaces/{ws}/topups/quote',
  tags,
  security,
  summary: 'What a top-up would charge (billing access): the tax, the total and the card; charges nothing',
  request: { params: WsParams, body: jsonBody(TopupQuoteRequestSchema) },
  responses: {
    200: json(TopupQuoteSchema, 'The amount, tax, total and the card that would be charged'),
    ...errorResponses,
  },
});

export const listTopups = createRoute({
  method: 'get',
  path: '/v1/workspaces/{ws}/topups',
  tags,
  security,
  summary: 'Top-ups, newest first (billing access)',
  request: { params: WsParams, query: ListQuerySchema },
  responses: { 200: json(pageSchema(TopupSchema), 'Top-ups'), ...errorResponses },
});

export const getTopup = createRoute({
  method: 'get',
  path: '/v1/workspaces/{ws}/topups/{id}',
  tags,
  security,
  summary: 'One top-up (billing access)',
  request: { params: WsIdParams },
  responses: { 200: json(TopupSchema, 'The top-up'), ...errorResponses },
});

export const stripeWebhook = createRoute({
  method: 'post',
  path: '/v1/stripe/webhook',
  tags: ['Stripe'],
  summary: 'Signature-verified Stripe events (payment confirmations)',
  responses: {
    200: json(z.object({ received: z.boolean() }), 'Event accepted'),
    ...errorResponses,
  },
});
