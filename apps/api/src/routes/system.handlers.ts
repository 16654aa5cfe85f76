import type { OpenAPIHono } from '@hono/zod-openapi';
import { requirePlatform } from '../auth.js';
import type { AppEnv } from '../context.js';
import { ApiError } from '../errors.js';
import { iso } from '../store/records.js';
import * as routes from './system.routes.js';

export function registerSystemRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(routes.healthz, async (c) => {
    const services = c.get('services');
    let database: 'ok' | 'unavailable' = 'ok';
    try {
      await services.db.query('SELECT 1');
    } catch (error) {
      services.logger.error({ err: error }, 'health check: database unavailable');
      database = 'unavailable';
    }
    const body = {
      status: database === 'ok' ? ('ok' as const) : ('degraded' as const),
      database,
      storage: services.db.kind,
      paymentMode: services.payments.mode,
      now: iso(services.clock.now()),
    };
    return database === 'ok' ? c.json(body, 200) : c.json(body, 503);
  });

  app.openapi(routes.setTestClock, async (c) => {
    requirePlatform(c);
    const services = c.get('services');
    if (!services.clock.testClock) {
      throw new ApiError(
        'test_clock_disabled',
        'The test clock is disabled; start the service with CREDITS_TEST_CLOCK=1.',
      );
    }
    const body = c.req.valid('json');
    const now = await services.clock.set({
      ...(body.now === undefined ? {} : { now: Date.parse(body.now) }),
      ...(body.advanceSeconds === undefined ? {} : { advanceSeconds: body.advanceSeconds }),
    });
    return c.json({ now: iso(now) }, 200);
  });

  app.openapi(routes.getTestClock, async (c) => {
    requirePlatform(c);
    const services = c.get('services');
    if (!services.clock.testClock) {
      throw new ApiError(
        'test_clock_disabled',
        'The test clock is disabled; start the service with CREDITS_TEST_CLOCK=1.',
      );
    }
    return c.json({ now: iso(services.clock.now()) }, 200);
  });
}
