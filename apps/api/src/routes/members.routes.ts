import {
  ApiKeySchema,
  CreateApiKeyRequestSchema,
  CreatedApiKeySchema,
  IdSchema,
  LargeListQuerySchema,
  MemberSchema,
  pageSchema,
  UpsertMemberRequestSchema,
  WorkspaceIdSchema,
} from '@aicredits/contract';
import { createRoute, z } from '@hono/zod-openapi';
import {
  errorResponses,
  idempotencyHeader,
  json,
  jsonBody,
  security,
  WsMemberParams,
  WsParams,
} from './common.js';

export const upsertMember = createRoute({
  method: 'put',
  path: '/v1/workspaces/{ws}/members/{memberId}',
  tags: ['Members'],
  security,
  summary: 'Create or update a member: role and seat (admin)',
  request: { params: WsMemberParams, headers: idempotencyHeader, body: jsonBody(UpsertMemberRequestSchema) },
  responses: { 200: json(MemberSchema, 'The member'), ...errorResponses },
});

export const getMember = createRoute({
  method: 'get',
  path: '/v1/workspaces/{ws}/members/{memberId}',
  tags: ['Members'],
  security,
  summary: 'One member (members may read themselves)',
  request: { params: WsMemberParams },
  responses: { 200: json(MemberSchema, 'The member'), ...errorResponses },
});

export const listMembers = createRoute({
  method: 'get',
  path: '/v1/workspaces/{ws}/members',
  tags: ['Members'],
  security,
  summary: 'Members of the workspace (admin)',
  request: { params: WsParams, query: LargeListQuerySchema },
  responses: { 200: json(pageSchema(MemberSchema), 'Members'), ...errorResponses },
});

export const createApiKey = createRoute({
  method: 'post',
  path: '/v1/workspaces/{ws}/api-keys',
  tags: ['API keys'],
  security,
  summary: 'Create a server or member key (admin); the secret is returned once',
  request: { params: WsParams, headers: idempotencyHeader, body: jsonBody(CreateApiKeyRequestSchema) },
  responses: { 201: json(CreatedApiKeySchema, 'The key with its secret'), ...errorResponses },
});

export const listApiKeys = createRoute({
  method: 'get',
  path: '/v1/workspaces/{ws}/api-keys',
  tags: ['API keys'],
  security,
  summary: 'Keys of the workspace, without secrets (admin)',
  request: { params: WsParams, query: LargeListQuerySchema },
  responses: { 200: json(pageSchema(ApiKeySchema), 'Keys'), ...errorResponses },
});

export const revokeApiKey = createRoute({
  method: 'delete',
  path: '/v1/workspaces/{ws}/api-keys/{keyId}',
  tags: ['API keys'],
  security,
  summary: 'Revoke a key (admin)',
  request: { params: z.object({ ws: WorkspaceIdSchema, keyId: IdSchema }), headers: idempotencyHeader },
  responses: { 200: json(ApiKeySchema, 'The revoked key'), ...errorResponses },
});
