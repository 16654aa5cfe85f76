import { type ErrorBody, REQUEST_ID_HEADER, RETRY_AFTER_HEADER } from '@aicredits/contract';
import { OpenAPIHono } from '@hono/zod-openapi';
import { Scalar } from '@scalar/hono-api-reference';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { ZodError } from 'zod';
import { authMiddleware } from './auth.js';
import type { AppEnv, Principal, Services } from './context.js';
import { mountDashboard } from './dashboard.js';
import { DatabaseUnavailableError } from './db/unavailable.js';
import { ApiError, toApiError } from './errors.js';
import { randomId } from './keys.js';
import { RateLimiter, rateLimitMiddleware } from './rate-limit.js';
import { registerBalanceRoutes } from './routes/balance.handlers.js';
import { registerEstimateRoutes } from './routes/estimates.handlers.js';
import { registerMeRoutes } from './routes/me.handlers.js';
import { registerMemberRoutes } from './routes/members.handlers.js';
import { registerReportRoutes } from './routes/reports.handlers.js';
import { registerReservationRoutes } from './routes/reservations.handlers.js';
import { registerSystemRoutes } from './routes/system.handlers.js';
import { registerTopupRoutes } from './routes/topups.handlers.js';
import { registerWebhookEndpointRoutes } from './routes/webhook-endpoints.handlers.js';
import { registerWorkspaceRoutes } from './routes/workspaces.handlers.js';

export interface AppOptions {
  services: Services;
  resolveKey: (secret: string) => Promise<Principal>;
  /** True once shutdown began: new requests get 503 while in-flight ones finish. */
  isShuttingDown: () => boolean;
  version: string;
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

function validationError(error: ZodError): ApiError {
  const issues = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
    code: issue.code,
  }));
  const first = issues[0];
  return new ApiError(
    'invalid_request',
    first === undefined
      ? 'The request is invalid.'
      : `Invalid request: ${first.path || 'body'}: ${first.message}.`,
    { issues },
  );
}

/**
 * PostgreSQL text cannot hold U+0000: a value carrying one would fail in the database, and inside
 * a money batch it would fail the other requests batched with it. Refused at the edge instead.
 */
function nulCharacterPath(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = nulCharacterPath(item, childPath(path, String(i)));
      if (found !== null) return found;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const found = key.includes('\u0000')
        ? childPath(path, key)
        : nulCharacterPath(item, childPath(path, key));
      if (found !== null) return found;
    }
  }
  return null;
}

const childPath = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

/** SQLSTATEs of text the database cannot store (U+0000, invalid encoding): the caller's input. */
const UNSTORABLE_TEXT = new Set(['22021', '22P05']);

export function createApp(options: AppOptions): OpenAPIHono<AppEnv> {
  const { services } = options;
  const app = new OpenAPIHono<AppEnv>({
    // Validation failures go through the one error handler like every other refusal.
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error);
      const where = nulCharacterPath(result.data, '');
      if (where !== null) {
        throw new ApiError(
          'invalid_request',
          `Invalid request: ${where || 'body'}: text may not contain the NUL character (U+0000).`,
          { issues: [{ path: where, message: 'contains U+0000', code: 'invalid_string' }] },
        );
      }
    },
  });

  app.use('*', async (c, next) => {
    const incoming = c.req.header(REQUEST_ID_HEADER);
    const requestId =
      incoming !== undefined && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomId('req');
    c.set('requestId', requestId);
    c.set('services', services);
    c.header(REQUEST_ID_HEADER, requestId);
    const started = performance.now();
    if (options.isShuttingDown()) {
      throw new ApiError('service_unavailable', 'The service is shutting down; retry shortly.', undefined, {
        retryAfterSeconds: 1,
      });
    }
    await next();
    // Responses built without the context's headers (static files, errors) still get the id.
    // Checked first: setting a header on a finished response makes Hono rebuild it as a full
    // Web Response, which would cost every request.
    if (c.res.headers.get(REQUEST_ID_HEADER) !== requestId) c.header(REQUEST_ID_HEADER, requestId);
    services.logger.info(
      {
        requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
      },
      'request',
    );
  });

  const maxBody = services.config.bodyLimitBytes;
  const payloadTooLarge = () => {
    throw new ApiError('payload_too_large', `The request body is larger than ${maxBody} bytes.`);
  };
  // Counts a chunked body as it arrives. Only chunked bodies get here: asking a request for its
  // body stream makes the Node adapter build a full Web Request, which costs every request.
  const countChunkedBody = bodyLimit({ maxSize: maxBody, onError: payloadTooLarge });
  app.use('*', async (c, next) => {
    if (c.req.header('transfer-encoding') !== undefined) return countChunkedBody(c, next);
    const declared = c.req.header('content-length');
    // Node's HTTP parser reads exactly the declared length, so the header is the body's size;
    // with neither header there is no body (RFC 9112 §6.3).
    if (declared !== undefined && Number(declared) > maxBody) payloadTooLarge();
    await next();
  });

  const auth = authMiddleware(options.resolveKey);
  const limit = rateLimitMiddleware(new RateLimiter(services.config.rateLimit));
  app.use('/v1/*', async (c, next) => {
    // Stripe authenticates with its signature, not an API key.
    if (c.req.path === '/v1/stripe/webhook') return next();
    return auth(c, async () => {
      await limit(c, next);
    });
  });
  if (services.clock.testClock) {
    // Replicas share the test clock through the database; read it once per request.
    app.use('*', async (_c, next) => {
      await services.clock.refresh();
      await next();
    });
  }

  registerSystemRoutes(app);
  registerMeRoutes(app);
  registerWorkspaceRoutes(app);
  registerMemberRoutes(app);
  registerBalanceRoutes(app);
  registerReservationRoutes(app);
  registerTopupRoutes(app);
  registerReportRoutes(app);
  registerEstimateRoutes(app);
  registerWebhookEndpointRoutes(app);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key: ak_platform_…, ak_server_… or ak_member_…',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'aicredits credits API',
      version: options.version,
      description:
        'AI credits: balances (lots), reservations, charges, top-ups, estimates and alerts. Amounts are integer micros.',
    },
  });
  app.get('/docs', Scalar({ url: '/openapi.json', pageTitle: 'aicredits API reference' }));
  if (services.config.dashboardDir !== null) mountDashboard(app, services.config.dashboardDir);

  app.notFound(() => {
    throw new ApiError('not_found', 'No such route; see /docs for the API reference.');
  });
  app.onError((error, c) => errorResponse(c, error));
  return app;
}

function isUnstorableText(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && UNSTORABLE_TEXT.has(code);
}

function errorResponse(c: Context<AppEnv>, error: unknown): Response {
  const services = c.get('services');
  const requestId = c.get('requestId') ?? randomId('req');
  let apiError = toApiError(error);
  if (apiError === null && error instanceof HTTPException) {
    // Hono's own refusals (e.g. malformed JSON) are bad requests.
    apiError =
      error.status === 413
        ? new ApiError('payload_too_large', 'The request body is too large.')
        : new ApiError('invalid_request', error.message || 'The request is invalid.');
  }
  if (apiError === null && error instanceof SyntaxError) {
    apiError = new ApiError('invalid_request', 'The request body is not valid JSON.');
  }
  if (apiError === null && isUnstorableText(error)) {
    apiError = new ApiError('invalid_request', 'The request contains text the database cannot store.');
  }
  if (apiError === null && error instanceof DatabaseUnavailableError) {
    // Transient: the same request (same Idempotency-Key) can succeed once the database is back.
    apiError = new ApiError(
      'service_unavailable',
      'The database is unavailable; retry shortly with the same Idempotency-Key.',
      undefined,
      { retryAfterSeconds: 1, cause: error },
    );
  }
  if (apiError === null) {
    services?.logger.error({ err: error, requestId }, 'unhandled error');
    apiError = new ApiError(
      'internal_error',
      'Something went wrong on our side; retry, and quote the request id if it persists.',
    );
  } else if (apiError.status >= 500) {
    services?.logger.warn({ err: apiError, requestId }, apiError.message);
  }
  const body: ErrorBody = {
    error: {
      code: apiError.code,
      message: apiError.message,
      requestId,
      ...(apiError.details === undefined ? {} : { details: apiError.details }),
    },
  };
  c.header(REQUEST_ID_HEADER, requestId);
  const retryAfter = apiError.retryAfterSeconds ?? (apiError.code === 'rate_limited' ? 1 : undefined);
  if (retryAfter !== undefined) c.header(RETRY_AFTER_HEADER, String(retryAfter));
  // The rest of an oversized body was never read; the connection cannot be reused.
  if (apiError.code === 'payload_too_large') c.header('connection', 'close');
  return c.json(body, apiError.status as 400);
}
