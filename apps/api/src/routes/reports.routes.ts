import {
  ListQuerySchema,
  TransactionListSchema,
  UsageQuerySchema,
  UsageReportSchema,
} from '@aicredits/contract';
import { createRoute } from '@hono/zod-openapi';
import { errorResponses, json, security, WsParams } from './common.js';

export const listTransactions = createRoute({
  method: 'get',
  path: '/v1/workspaces/{ws}/transactions',
  tags: ['Reports'],
  security,
  summary: 'Ledger entries, newest first (admin)',
  request: { params: WsParams, query: ListQuerySchema },
  responses: { 200: json(TransactionListSchema, 'A page of ledger entries'), ...errorResponses },
});

export const usageReport = createRoute({
  method: 'get',
  path: '/v1/workspaces/{ws}/usage',
  tags: ['Reports'],
  security,
  summary: 'Usage totals by feature, member or day (admin; members see their own)',
  request: { params: WsParams, query: UsageQuerySchema },
  responses: { 200: json(UsageReportSchema, 'Usage totals'), ...errorResponses },
});
