import { ConfigError, loadConfig } from './config.js';
import { startService } from './service.js';

/** The service alone, configured only by the environment. */
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
  const service = await startService({ config });
  if (service.platformKeyGenerated && service.platformKey !== null) {
    process.stdout.write(`\nPlatform key (shown once, store it now): ${service.platformKey}\n\n`);
  }
  const stop = (signal: string) => {
    service.services.logger.info({ signal }, 'shutting down');
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        service.services.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `credits API failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
