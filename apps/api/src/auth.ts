import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv, Principal, Services } from './context.js';
import { ApiError } from './errors.js';
import { hashesEqual, hashSecret, parseApiKey } from './keys.js';

interface CachedKey {
  principal: Principal;
  hash: string;
  until: number;
}

/** Short-lived cache of verified keys: the guard's hot path should not pay a lookup per call. */
const KEY_CACHE_MS = 10_000;
const KEY_CACHE_MAX = 10_000;

export function createKeyResolver(services: Pick<Services, 'db'>) {
  const cache = new Map<string, CachedKey>();
  async function resolve(secret: string): Promise<Principal> {
    const parsed = parseApiKey(secret);
    if (parsed === null) throw unauthorized();
    const hash = hashSecret(secret);
    const hit = cache.get(parsed.lookup);
    if (hit !== undefined && hit.until > Date.now() && hashesEqual(hit.hash, hash)) return hit.principal;
    const { rows } = await services.db.query<{
      id: string;
      secret_hash: string;
      type: string;
      workspace_id: string | null;
      member_id: string | null;
      revoked_at: string | number | null;
    }>('SELECT id, secret_hash, type, workspace_id, member_id, revoked_at FROM api_keys WHERE lookup = $1', [
      parsed.lookup,
    ]);
    const row = rows[0];
    if (
      row === undefined ||
      row.revoked_at !== null ||
      !hashesEqual(row.secret_hash, hash) ||
      row.type !== parsed.type
    ) {
      throw unauthorized();
    }
    let principal: Principal;
    if (row.type === 'platform') principal = { type: 'platform', keyId: row.id };
    else if (row.type === 'server' && row.workspace_id !== null)
      principal = { type: 'server', keyId: row.id, workspaceId: row.workspace_id };
    else if (row.type === 'member' && row.workspace_id !== null && row.member_id !== null)
      principal = { type: 'member', keyId: row.id, workspaceId: row.workspace_id, memberId: row.member_id };
    else throw unauthorized();
    if (cache.size >= KEY_CACHE_MAX) cache.clear();
    cache.set(parsed.lookup, { principal, hash, until: Date.now() + KEY_CACHE_MS });
    return principal;
  }
  function forget(keyId: string): void {
    for (const [lookup, entry] of cache) if (entry.principal.keyId === keyId) cache.delete(lookup);
  }
  return { resolve, forget };
}

function unauthorized(): ApiError {
  return new ApiError(
    'unauthorized',
    'Send a valid API key as "Authorization: Bearer ak_<type>_…"; this one is missing, unknown or revoked.',
  );
}

export function authMiddleware(resolve: (secret: string) => Promise<Principal>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
    if (match?.[1] === undefined) throw unauthorized();
    c.set('principal', await resolve(match[1]));
    await next();
  };
}

// ---------------------------------------------------------------------------------------------
// Permission checks. A key of another workspace always gets 404, never 403: it must not even
// learn that the workspace exists.

export type Role = 'owner' | 'admin' | 'member';

export interface Access {
  principal: Principal;
  /** The member's current role (member keys only), read from the members table. */
  role: Role | null;
}

export async function workspaceAccess(c: Context<AppEnv>, workspaceId: string): Promise<Access> {
  const principal = c.get('principal');
  if (principal.type === 'platform') {
    return { principal, role: null };
  }
  if (principal.workspaceId !== workspaceId) {
    throw new ApiError('not_found', `Workspace "${workspaceId}" was not found.`);
  }
  if (principal.type === 'server') return { principal, role: null };
  const { rows } = await c
    .get('services')
    .db.query<{ role: Role }>('SELECT role FROM members WHERE workspace_id = $1 AND id = $2', [
      workspaceId,
      principal.memberId,
    ]);
  const role = rows[0]?.role;
  // A key whose member was removed is as good as revoked.
  if (role === undefined) throw unauthorized();
  return { principal, role };
}

export function requirePlatform(c: Context<AppEnv>): void {
  if (c.get('principal').type !== 'platform') {
    throw new ApiError('forbidden', 'Only the platform key may do this.');
  }
}

/** Admin routes: the platform key, or a member whose role is admin or owner. */
export function requireAdmin(access: Access): void {
  if (access.principal.type === 'platform') return;
  if (access.role === 'admin' || access.role === 'owner') return;
  throw new ApiError('forbidden', 'Only workspace admins and owners may do this.', { requiredRole: 'admin' });
}

export function requireOwner(access: Access): void {
  if (access.principal.type === 'platform' || access.role === 'owner') return;
  throw new ApiError('forbidden', 'Only workspace owners may do this.', { requiredRole: 'owner' });
}

/**
 * The guard's routes (reservations, charges). Server and platform keys act for any member (null);
 * a member token (the editor, the CLI) acts only for its own member, whatever its role, and that
 * member is returned.
 */
export function guardMember(access: Access): string | null {
  return access.principal.type === 'member' ? access.principal.memberId : null;
}

/** SPEC §7: on Enterprise workspaces the owners add funds; on every other plan admins and owners. */
export function hasBillingAccess(access: Access, enterprise: boolean): boolean {
  if (access.principal.type === 'platform') return true;
  return enterprise ? access.role === 'owner' : access.role === 'owner' || access.role === 'admin';
}

export function requireBillingAccess(access: Access, enterprise: boolean): void {
  if (hasBillingAccess(access, enterprise)) return;
  throw new ApiError(
    'billing_access_required',
    enterprise
      ? 'Only workspace owners can add funds on Enterprise workspaces; ask an owner.'
      : 'Only workspace admins and owners can add funds; ask an admin.',
    { billingAccess: enterprise ? 'owners' : 'admins_and_owners' },
  );
}
