import type { Balance, Workspace } from '@aicredits/sdk';

export type Role = 'owner' | 'admin' | 'member';

export const TASK_KINDS = ['bug_fix', 'short_task', 'feature', 'refactor', 'multi_turn'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export const TASK_KIND_LABELS: Record<TaskKind, string> = {
  bug_fix: 'Bug fix',
  short_task: 'Short task',
  feature: 'Feature',
  refactor: 'Refactor',
  multi_turn: 'Multi-turn session',
};

/** The feature Coding Sessions bill under (SPEC §5 feature registry). */
export const CODING_SESSION_FEATURE = 'coding_session';

/**
 * Who the token belongs to, as far as the API tells. `memberId` is null for an admin or owner who
 * has not set `aicredits.memberId` (their token alone does not name the member); `role` is null
 * when it could not be read.
 */
export interface Identity {
  memberId: string | null;
  role: Role | null;
}

/** One refresh's worth of data: what the status bar shows. */
export interface CreditsSnapshot {
  workspace: Workspace;
  /** The member's view (their seat credits count) or, without a member id, the pool's. */
  balance: Balance;
  identity: Identity;
  fetchedAt: Date;
}

export function isAdmin(identity: Identity): boolean {
  return identity.role === 'admin' || identity.role === 'owner';
}

/** SPEC §7: owners add funds on Enterprise workspaces, admins and owners everywhere else. */
export function hasBillingAccess(identity: Identity, workspace: Workspace): boolean {
  if (identity.role === 'owner') return true;
  return identity.role === 'admin' && !workspace.enterprise;
}
