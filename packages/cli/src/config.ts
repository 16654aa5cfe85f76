import { CliError } from './errors.js';

/**
 * The only module that reads the environment. Flags win over variables; a missing value is a
 * usage error (exit 2) that names both the flag and the variable.
 */

export const ENV_API_URL = 'AICREDITS_API_URL';
export const ENV_API_KEY = 'AICREDITS_API_KEY';
export const ENV_WORKSPACE = 'AICREDITS_WORKSPACE';
export const ENV_MEMBER = 'AICREDITS_MEMBER';

/** The global flags as commander hands them over. */
export interface GlobalFlags {
  apiUrl?: string | undefined;
  apiKey?: string | undefined;
  workspace?: string | undefined;
  member?: string | undefined;
  json?: boolean | undefined;
}

export interface CliConfig {
  apiUrl: string;
  apiKey: string;
  workspaceId: string;
  memberId: string | undefined;
  json: boolean;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** The process environment, read once here and handed to whoever needs it. */
export function processEnv(): Env {
  return process.env;
}

function pick(flag: string | undefined, env: Env, name: string): string | undefined {
  const value = flag?.trim() || env[name]?.trim();
  return value === '' ? undefined : value;
}

function required(
  value: string | undefined,
  code: string,
  flag: string,
  variable: string,
  what: string,
): string {
  if (value !== undefined) return value;
  throw new CliError({
    code,
    exitCode: 'usage',
    message: `No ${what}: pass ${flag} or set ${variable}.`,
  });
}

export function resolveConfig(flags: GlobalFlags, env: Env): CliConfig {
  const apiUrl = required(
    pick(flags.apiUrl, env, ENV_API_URL),
    'missing_api_url',
    '--api-url',
    ENV_API_URL,
    'API URL',
  );
  const apiKey = required(
    pick(flags.apiKey, env, ENV_API_KEY),
    'missing_api_key',
    '--api-key',
    ENV_API_KEY,
    'API key',
  );
  const workspaceId = required(
    pick(flags.workspace, env, ENV_WORKSPACE),
    'missing_workspace',
    '--workspace',
    ENV_WORKSPACE,
    'workspace',
  );
  return {
    apiUrl,
    apiKey,
    workspaceId,
    memberId: pick(flags.member, env, ENV_MEMBER),
    json: flags.json === true,
  };
}
