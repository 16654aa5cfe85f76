import { MeSchema } from '@aicredits/contract';
import { createRoute } from '@hono/zod-openapi';
import { errorResponses, json, security } from './common.js';

export const getMe = createRoute({
  method: 'get',
  path: '/v1/me',
  tags: ['System'],
  security,
  summary: 'Who the calling key is: its type, workspace, member, role and billing access',
  responses: { 200: json(MeSchema, 'The calling key'), ...errorResponses },
});
