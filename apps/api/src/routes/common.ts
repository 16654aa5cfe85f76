import { ErrorBodySchema, IdSchema, MemberIdSchema, WorkspaceIdSchema } from '@aicredits/contract';
import { z } from '@hono/zod-openapi';

/** Error answers every route may give; documented once, produced by the one `onError`. */
export const errorResponses = {
  400: {
    description: 'Invalid request (`invalid_request`, `invalid_amount`, …)',
    content: { 'application/json': { schema: ErrorBodySchema } },
  },
  401: {
    description: 'Missing, unknown or revoked API key',
    content: { 'application/json': { schema: ErrorBodySchema } },
  },
  403: {
    description: 'The key may not do this (`forbidden`, `billing_access_required`)',
    content: { 'application/json': { schema: ErrorBodySchema } },
  },
  404: {
    description: 'Not found (or another workspace)',
    content: { 'application/json': { schema: ErrorBodySchema } },
  },
  409: {
    description: 'Conflict or idempotency key mismatch',
    content: { 'application/json': { schema: ErrorBodySchema } },
  },
  422: {
    description: 'A business rule refused the request',
    content: { 'application/json': { schema: ErrorBodySchema } },
  },
  429: {
    description: 'Rate limited (see `Retry-After`)',
    content: { 'application/json': { schema: ErrorBodySchema } },
  },
  500: { description: 'Internal error', content: { 'application/json': { schema: ErrorBodySchema } } },
} as const;

export const paymentRequired = {
  402: {
    description: 'New work may not begin (`insufficient_credits`, `overage_disabled`, `overage_cap_reached`)',
    content: { 'application/json': { schema: ErrorBodySchema } },
  },
} as const;

export const security = [{ bearerAuth: [] }];

export const idempotencyHeader = z.object({
  'idempotency-key': z.string().max(255).optional(),
});

export const WsParams = z.object({ ws: WorkspaceIdSchema });
export const WsMemberParams = z.object({ ws: WorkspaceIdSchema, memberId: MemberIdSchema });
export const WsIdParams = z.object({ ws: WorkspaceIdSchema, id: IdSchema });

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});
