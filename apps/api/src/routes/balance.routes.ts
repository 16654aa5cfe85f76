import {
  BalanceQuerySchema,
  BalanceSchema,
  GrantLotRequestSchema,
  ListLotsQuerySchema,
  LotListSchema,
  LotSchema,
} from '@aicredits/contract';
import { createRoute } from '@hono/zod-openapi';
import { errorResponses, idempotencyHeader, json, jsonBody, security, WsParams } from './common.js';

export const getBalance = createRoute({
  method: 'get',
  path: '/v1/workspaces/{ws}/balance',
  tags: ['Balance'],
  security,
  summary: 'Available, reserved, spendable, deficit, by kind; a member key sees its own view',
  request: { params: WsParams, query: BalanceQuerySchema },
  responses: { 200: json(BalanceSchema, 'The balance'), ...errorResponses },
});

export const listLots = createRoute({
  method: 'get',
  path: '/v1/workspaces/{ws}/lots',
  tags: ['Lots'],
  security,
  summary: 'Lots in burn order',
  request: { params: WsParams, query: ListLotsQuerySchema },
  responses: { 200: json(LotListSchema, 'Lots in the order they will be consumed'), ...errorResponses },
});

export const grantLot = createRoute({
  method: 'post',
  path: '/v1/workspaces/{ws}/lots',
  tags: ['Lots'],
  security,
  summary: 'Grant a promotional, included or support lot (platform key)',
  request: { params: WsParams, headers: idempotencyHeader, body: jsonBody(GrantLotRequestSchema) },
  responses: { 201: json(LotSchema, 'The granted lot'), ...errorResponses },
});
