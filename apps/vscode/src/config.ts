import * as keys from './common/settingKeys';

/** The extension's settings, validated. Amounts and ids are plain; times are whole seconds. */
export interface ExtensionConfig {
  apiUrl: string | null;
  workspaceId: string | null;
  memberId: string | null;
  refreshIntervalSeconds: number;
  launcherCommand: string | null;
  holdTtlSeconds: number;
  addFundsUrl: string | null;
  adminContact: string | null;
}

export const DEFAULT_REFRESH_INTERVAL_SECONDS = 60;
export const MIN_REFRESH_INTERVAL_SECONDS = 15;
export const MAX_REFRESH_INTERVAL_SECONDS = 3600;
export const DEFAULT_HOLD_TTL_SECONDS = 4 * 3600;
/** The API accepts holds of at most a day. */
export const MAX_HOLD_TTL_SECONDS = 86_400;
const MIN_HOLD_TTL_SECONDS = 60;

/** Reads one setting by its key (relative to the `aicredits` namespace). */
export type SettingReader = (key: string) => unknown;

function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

function clampedInt(value: unknown, fallback: number, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, Math.round(value)));
}

/** An http(s) URL without its trailing slashes, or null (an invalid URL counts as unset). */
export function normalizeApiUrl(value: unknown): string | null {
  const raw = text(value);
  if (raw === null) return null;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  } catch {
    return null;
  }
  return raw.replace(/\/+$/, '');
}

/**
 * Settings come from the user: the editor validates them against package.json's schema only as
 * a hint, so out-of-range numbers are clamped and blank strings mean "unset".
 */
export function readConfig(read: SettingReader): ExtensionConfig {
  return {
    apiUrl: normalizeApiUrl(read(keys.API_URL)),
    workspaceId: text(read(keys.WORKSPACE_ID)),
    memberId: text(read(keys.MEMBER_ID)),
    refreshIntervalSeconds: clampedInt(
      read(keys.REFRESH_INTERVAL_SECONDS),
      DEFAULT_REFRESH_INTERVAL_SECONDS,
      MIN_REFRESH_INTERVAL_SECONDS,
      MAX_REFRESH_INTERVAL_SECONDS,
    ),
    launcherCommand: text(read(keys.SESSION_LAUNCHER_COMMAND)),
    holdTtlSeconds: clampedInt(
      read(keys.SESSION_HOLD_TTL_SECONDS),
      DEFAULT_HOLD_TTL_SECONDS,
      MIN_HOLD_TTL_SECONDS,
      MAX_HOLD_TTL_SECONDS,
    ),
    addFundsUrl: text(read(keys.ADD_FUNDS_URL)),
    adminContact: text(read(keys.ADMIN_CONTACT)),
  };
}
