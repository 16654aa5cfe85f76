/**
 * The dashboard's only way to the credits API: the SDK, pointed at the page's own origin (the API
 * serves the page at /dashboard/, and Vite proxies /v1 in development).
 */
import {
  type AicreditsClient,
  AicreditsError,
  APIError,
  type Balance,
  createClient,
  type Member,
  PermissionDeniedError,
  type Workspace,
} from '@aicredits/sdk';
import type { Role } from './model';
import type { Session } from './session';

export function clientFor(session: Session, origin: string): AicreditsClient {
  // Retries stay on for transient failures, but a person is waiting: keep each attempt short.
  return createClient({ baseUrl: origin, apiKey: session.token, timeoutMs: 15_000, maxRetries: 1 });
}

export interface Identity {
  workspace: Workspace;
  /** The signed-in member, when it could be told from the token. */
  member: Member | null;
  role: Role;
  /** The balance as this caller sees it (a plain member's own view). */
  balance: Balance;
}

/**
 * Who the token belongs to. The API has no "who am I" route, so:
 * - a plain member's balance comes back computed for their own member id;
 * - an admin's comes back for the pool, and the admin's member is found among the workspace's
 *   API keys by the key's public prefix (the first characters of the secret).
 * If no single key matches, the caller is treated as an admin (they could list the keys, which
 * only admins may); billing access is then decided by the API on the top-up itself.
 */
export async function resolveIdentity(client: AicreditsClient, session: Session): Promise<Identity> {
  const { workspaceId, token } = session;
  const [workspace, balance] = await Promise.all([
    client.workspaces.retrieve(workspaceId),
    client.balance.retrieve(workspaceId),
  ]);
  if (balance.memberId !== null) {
    const member = await client.members.retrieve(workspaceId, balance.memberId);
    return { workspace, member, role: member.role, balance };
  }
  const matches: string[] = [];
  try {
    for await (const key of client.apiKeys.list(workspaceId, { limit: 100 })) {
      if (
        key.type === 'member' &&
        key.revokedAt === null &&
        key.memberId !== null &&
        token.startsWith(key.prefix)
      ) {
        matches.push(key.memberId);
      }
    }
  } catch (error) {
    // Only admins may list keys: a refusal means a member key whose view is pooled (seat pooling).
    if (error instanceof PermissionDeniedError) return { workspace, member: null, role: 'member', balance };
    throw error;
  }
  const unique = [...new Set(matches)];
  if (unique.length === 1 && unique[0] !== undefined) {
    const member = await client.members.retrieve(workspaceId, unique[0]);
    return { workspace, member, role: member.role, balance };
  }
  return { workspace, member: null, role: 'admin', balance };
}

/** A sentence for a failed call, with the API's stable code and request id when there is one. */
export function describeError(error: unknown): string {
  if (error instanceof APIError) {
    const ref = error.requestId === undefined ? '' : ` (request ${error.requestId})`;
    return `${error.message}${ref}`;
  }
  if (error instanceof AicreditsError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

export function isAuthError(error: unknown): boolean {
  return error instanceof APIError && (error.status === 401 || error.code === 'not_found');
}
