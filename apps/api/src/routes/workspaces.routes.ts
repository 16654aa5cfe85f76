import {
  BillingSchema,
  CreateWorkspaceRequestSchema,
  DeletedWorkspaceSchema,
  DeleteWorkspaceQuerySchema,
  DeletionPreviewSchema,
  UpdateBillingRequestSchema,
  UpdateSettingsRequestSchema,
  WorkspaceSchema,
} from '@aicredits/contract';
import { createRoute } from '@hono/zod-openapi';
import { errorResponses, idempotencyHeader, json, jsonBody, security, WsParams } from './common.js';

const tags = ['Workspaces'];

export const createWorkspace = createRoute({
  method: 'post',
  path: '/v1/workspaces',
  tags,
  security,
  summary: 'Create a workspace (platform key)',
  request: { headers: idempotencyHeader, body: jsonBody(CreateWorkspaceRequestSchema) },
  responses: { 201: json(WorkspaceSchema, 'The new workspace'), ...errorResponses },
});

export const getWorkspace = createRoute({
  method: 'get',
  path: '/v1/workspaces/{ws}',
  tags,
  security,
  summary: 'The workspace with its settings',
  request: { params: WsParams },
  responses: { 200: json(WorkspaceSchema, 'The workspace'), ...errorResponses },
});

export const updateSettings = createRoute({
  method: 'patch',
  path: '/v1/workspaces/{ws}/settings',
  tags,
  security,
  summary: 'Change settings (admin); plan terms need the platform key',
  request: { params: WsParams, headers: idempotencyHeader, body: jsonBody(UpdateSettingsRequestSchema) },
  responses: { 200: json(WorkspaceSchema, 'The updated workspace'), ...errorResponses },
});

export const deletionPreview = createRoute({
  method: 'get',
  path: '/v1/workspaces/{ws}/deletion-preview',
  tags,
  security,
  summary: 'What deleting the workspace would forfeit (owner)',
  request: { params: WsParams },
  responses: { 200: json(DeletionPreviewSchema, 'The forfeiture preview'), ...errorResponses },
});

export const deleteWorkspace = createRoute({
  method: 'delete',
  path: '/v1/workspaces/{ws}',
  tags,
  security,
  summary: 'Delete the workspace, forfeiting every remaining lot (owner; needs ?confirm={ws})',
  request: { params: WsParams, query: DeleteWorkspaceQuerySchema, headers: idempotencyHeader },
  responses: { 200: json(DeletedWorkspaceSchema, 'The deletion record'), ...errorResponses },
});

export const getBilling = createRoute({
  method: 'get',
  path: '/v1/workspaces/{ws}/billing',
  tags,
  security,
  summary: 'Billing details for AI credits (billing access)',
  request: { params: WsParams },
  responses: { 200: json(BillingSchema, 'Billing details'), ...errorResponses },
});

export const putBilling = createRoute({
  method: 'put',
  path: '/v1/workspaces/{ws}/billing',
  tags,
  security,
  summary: 'Set the billing address and the card for AI credits (billing access)',
  request: { params: WsParams, headers: idempotencyHeader, body: jsonBody(UpdateBillingRequestSchema) },
  responses: { 200: json(BillingSchema, 'Billing details'), ...errorResponses },
});
