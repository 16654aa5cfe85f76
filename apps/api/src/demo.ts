import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from './config.js';
import { seedDemo } from './demo-seed.js';
import { startService } from './service.js';

/**
 * The repository's built dashboard (apps/dashboard/dist), found by path rather than by a package
 * dependency: the dashboard's tests depend on this package, so the reverse would be a cycle.
 */
function repositoryDashboardDir(): string | null {
  const dir = resolve(dirname(fileURLToPath(import.meta.url)), '../../dashboard/dist');
  return existsSync(join(dir, 'index.html')) ? dir : null;
}

/**
 * `npm start`: the service on the embedded database with a demo workspace, printing where it
 * listens and the keys to try it with. Keys are saved under the data folder so a restart can
 * print them again (only hashes are stored in the database).
 */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const embedded = { ...config, databaseUrl: null };
  const platformFile = join(embedded.dataDir, 'demo-platform-key.txt');
  const saved =
    config.platformKey ?? (existsSync(platformFile) ? readFileSync(platformFile, 'utf8').trim() : null);
  const dashboardDir = config.dashboardDir ?? repositoryDashboardDir();
  const service = await startService({ config: { ...embedded, platformKey: saved, dashboardDir } });
  const platformKey = service.platformKey ?? saved;
  if (service.platformKeyGenerated && service.platformKey !== null) {
    writeFileSync(platformFile, `${service.platformKey}\n`, { mode: 0o600 });
  }
  const demo = await seedDemo(service);
  const lines = [
    '',
    `  aicredits credits API   ${service.url}`,
    `  API reference           ${service.url}/docs`,
    `  OpenAPI                 ${service.url}/openapi.json`,
    ...(dashboardDir === null ? [] : [`  Dashboard               ${service.url}/dashboard/`]),
    `  Demo workspace          ${demo.workspaceId}${demo.created ? ' (created)' : ''}`,
    '',
    `  platform key            ${platformKey ?? '(stored earlier; not recoverable)'}`,
    `  server key              ${demo.keys.server}`,
    `  owner (olivia)          ${demo.keys.owner}`,
    `  admin (adam)            ${demo.keys.admin}`,
    `  member (mia)            ${demo.keys.member}`,
    '',
    `  try: curl -H "Authorization: Bearer ${demo.keys.admin}" ${service.url}/v1/workspaces/${demo.workspaceId}/balance`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const stop = () => {
    service.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
