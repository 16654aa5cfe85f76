import {
  CreatedWebhookEndpointSchema,
  CreateWebhookEndpointRequestSchema,
  LargeListQuerySchema,
  pageSchema,
  WebhookEndpointSchema,
} from '@aicredits/contract';
import { createRoute } from '@hono/zod-openapi';
import {
  errorResponses,
  idempotencyHeader,
  json,
  jsonBody,
  security,
  WsIdParams,
  WsParams,
} from './common.js';

const tags = ['Webhooks'];

export const createWebhookEndpoint = createRoute({
  method: 'post',
  path: '/v1/workspaces/{ws}/webhook-endpoints',
  tags,
  security,
  summary: 'Subscribe a URL to alert events (admin); the signing secret is returned once',
  request: {
    params: WsParams,
    headers: idempotencyHeader,
    body: jsonBody(CreateWebhookEndpointRequestSchema),
  },
  responses: {
    201: json(CreatedWebhookEndpointSchema, 'The endpoint with its signing secret'),
    ...errorResponses,
  },
});

export const listWebhookEndpoints = createRoute({
  method: 'get',
  path: '/v1/workspaces/{ws}/webhook-endpoints',
  tags,
  security,
  summary: 'Webhook endpoints (admin)',
  request: { params: WsParams, query: LargeListQuerySchema },
  responses: { 200: json(pageSchema(WebhookEndpointSchema), 'Endpoints'), ...errorResponses },
});

export const deleteWebhookEndpoint = createRoute({
  method: 'delete',
  path: '/v1/workspaces/{ws}/webhook-endpoints/{id}',
  tags,
  security,
  summary: 'Stop delivering to an endpoint (admin)',
  request: { params: WsIdParams, headers: idempotencyHeader },
  responses: { 200: json(WebhookEndpointSchema, 'The disabled endpoint'), ...errorResponses },
});
