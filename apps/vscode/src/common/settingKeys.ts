/**
 * Every setting the extension reads, in one place (`package.json` contributes the same keys).
 * Read them as `workspace.getConfiguration(SETTINGS_NAMESPACE).get(KEY)`.
 */
export const SETTINGS_NAMESPACE = 'aicredits';

export const API_URL = 'apiUrl';
export const WORKSPACE_ID = 'workspaceId';
export const MEMBER_ID = 'memberId';
export const REFRESH_INTERVAL_SECONDS = 'refreshIntervalSeconds';
export const SESSION_LAUNCHER_COMMAND = 'session.launcherCommand';
export const SESSION_HOLD_TTL_SECONDS = 'session.holdTtlSeconds';
export const ADD_FUNDS_URL = 'addFundsUrl';
export const ADMIN_CONTACT = 'adminContact';

/** Fully qualified, for `affectsConfiguration` and `workbench.action.openSettings`. */
export function qualified(key: string): string {
  return `${SETTINGS_NAMESPACE}.${key}`;
}
