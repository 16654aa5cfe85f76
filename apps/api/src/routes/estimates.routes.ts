import { EstimateRequestSchema, EstimateSchema, PriceTableSchema } from '@aicredits/contract';
import { createRoute } from '@hono/zod-openapi';
import { errorResponses, json, jsonBody, security, WsParams } from './common.js';

export const createEstimate = createRoute({
  method: 'post',
  path: '/v1/workspaces/{ws}/estimates',
  tags: ['Estimates'],
  security,
  summary: 'Estimated cost range of a Coding Session, its model, and whether the balance covers it',
  request: { params: WsParams, body: jsonBody(EstimateRequestSchema) },
  responses: { 200: json(EstimateSchema, 'The estimate'), ...errorResponses },
});

export const getPrices = createRoute({
  method: 'get',
  path: '/v1/prices',
  tags: ['Estimates'],
  security,
  summary: 'The model price table in force',
  responses: { 200: json(PriceTableSchema, 'The price table'), ...errorResponses },
});
