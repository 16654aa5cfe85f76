/**
 * The only place the SDK reads the environment. `globalThis.process` is looked up defensively so
 * the bundle loads in browsers and edge runtimes, where `process` does not exist.
 */
export function readEnv(name: string): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.[name]?.trim();
  return value === '' ? undefined : value;
}

export const ENV_BASE_URL = 'AICREDITS_API_URL';
export const ENV_API_KEY = 'AICREDITS_API_KEY';
