/** The one place this example reads its environment; every bad value gets its own message. */
export interface Config {
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly workspaceId: string;
  readonly port: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const need = (name: string, hint: string): string => {
    const value = env[name]?.trim();
    if (!value) problems.push(`${name} is not set: ${hint}`);
    return value ?? '';
  };
  const apiUrl = need(
    'AICREDITS_API_URL',
    'the credits API URL that `npm start` prints (e.g. http://127.0.0.1:8787).',
  );
  const apiKey = need('AICREDITS_API_KEY', 'a server key of the workspace (`npm start` prints one).');
  const workspaceId = need('AICREDITS_WORKSPACE_ID', 'the workspace that pays for the AI calls.');
  const port = Number(env.PORT ?? '3000');
  if (!Number.isSafeInteger(port) || port < 0 || port > 65_535)
    problems.push(`PORT is not a port number: ${env.PORT}.`);
  if (problems.length > 0) {
    throw new Error(`Cannot start the example:\n  - ${problems.join('\n  - ')}`);
  }
  return { apiUrl, apiKey, workspaceId, port };
}
