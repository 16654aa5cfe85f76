import { createSlackBot } from './bot.js';
import { ConfigError, loadConfig } from './config.js';

/** Starts the bot from the environment (see README for the variables). */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const bot = await createSlackBot({ config });
  const { port } = await bot.start();
  bot.app.logger.info(
    `aicredits Slack bot listening on :${port} (${config.auth.mode === 'token' ? 'single workspace' : 'OAuth installs'}, ${
      'url' in config.database ? 'PostgreSQL' : `PGlite at ${config.database.dataDir}`
    })`,
  );
  const shutdown = (signal: string) => {
    bot.app.logger.info(`${signal}: stopping`);
    bot.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        bot.app.logger.error('stop failed', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
