import { serveStatic } from '@hono/node-server/serve-static';
import type { Hono } from 'hono';
import type { AppEnv } from './context.js';

/**
 * Serves a built single-page dashboard at /dashboard/. Files are served as they are; any other
 * path without a file extension gets index.html so the page's own routes survive a reload, while
 * a missing asset stays a 404 instead of turning into HTML.
 */
export function mountDashboard(app: Hono<AppEnv>, dir: string): void {
  app.get('/dashboard', (c) => c.redirect('/dashboard/', 301));
  app.get(
    '/dashboard/*',
    serveStatic({ root: dir, rewriteRequestPath: (path) => path.slice('/dashboard'.length) || '/' }),
  );
  app.get('/dashboard/*', (c, next) => {
    if (/\.[A-Za-z0-9]+$/.test(c.req.path)) return next();
    return serveStatic({ root: dir, path: 'index.html' })(c, next);
  });
}
