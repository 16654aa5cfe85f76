import type * as C from '@aicredits/contract';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { hasBillingAccess, workspaceAccess } from '../auth.js';
import type { AppEnv } from '../context.js';
import { loadWorkspace } from '../store/state.js';
import * as routes from './me.routes.js';

/** Lets a surface (dashboard, editor, CLI) learn what its key may do without probing routes. */
export function registerMeRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(routes.getMe, async (c) => {
    const principal = c.get('principal');
    if (principal.type === 'platform') {
      const body: C.Me = {
        keyType: 'platform',
        workspaceId: null,
        memberId: null,
        role: null,
        billingAccess: true,
      };
      return c.json(body, 200);
    }
    // Reads the member's current role, and refuses a key whose member was removed.
    const access = await workspaceAccess(c, principal.workspaceId);
    const w = await loadWorkspace(c.get('services').db, principal.workspaceId);
    const body: C.Me = {
      keyType: principal.type,
      workspaceId: w.id,
      memberId: principal.type === 'member' ? principal.memberId : null,
      role: access.role,
      billingAccess: hasBillingAccess(access, w.enterprise),
      workspace: { id: w.id, name: w.name, unit: w.unit, hosting: w.hosting, enterprise: w.enterprise },
    };
    return c.json(body, 200);
  });
}
