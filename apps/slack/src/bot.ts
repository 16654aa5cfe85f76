import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, type Logger, LogLevel, webApi } from '@slack/bolt';
import { ChannelQueue } from './alerts/channel-queue.js';
import { eventsRoute } from './alerts/route.js';
import type { BotConfig } from './config.js';
import { type BotContext, creditsClientFactory } from './context.js';
import { SecretBox } from './crypto.js';
import { type BotDb, openDatabase } from './db/db.js';
import { migrate } from './db/migrations.js';
import { linkRoutes } from './link/route.js';
import { registerListeners } from './listeners/index.js';
import { AlertMessageStore } from './store/alert-messages.js';
import { ChannelStore } from './store/channels.js';
import { DbInstallationStore, InstallationNotFoundError } from './store/installations.js';
import { LinkStore } from './store/links.js';
import { TopupConfirmationStore } from './store/topup-confirmations.js';

export const SLACK_BOT_SCOPES = ['commands', 'chat:write', 'chat:write.public'] as const;

export interface SlackBotOptions {
  config: BotConfig;
  /** Use this database instead of opening the configured one (the bot does not close it). */
  database?: BotDb;
  /** Retry policy of the Web API client used by listeners (tests keep it short). */
  slackRetryConfig?: webApi.RetryOptions;
  /** Minimum gap between alert posts in one channel. Default 1000 ms (Slack's ~1 msg/s/channel). */
  alertIntervalMs?: number;
  /** Make the HTTP answer wait for the listener (deterministic tests, FaaS). Default false. */
  processBeforeResponse?: boolean;
  /** The fetch the SDK uses to reach the credits API. */
  fetch?: typeof globalThis.fetch;
  logger?: Logger;
}

export interface SlackBot {
  app: App;
  context: BotContext;
  installationStore: DbInstallationStore;
  /** Starts the HTTP receiver; port 0 picks a free one. */
  start(port?: number): Promise<{ url: string; port: number }>;
  stop(): Promise<void>;
}

/**
 * Builds the bot: Bolt in HTTP mode with the Slack endpoints (`/slack/events`, and for OAuth
 * `/slack/install` + `/slack/oauth_redirect`) plus the bot's own routes (`/aicredits/events/:ws`,
 * `/aicredits/link`), all on one port.
 */
export async function createSlackBot(options: SlackBotOptions): Promise<SlackBot> {
  const { config } = options;
  const ownsDatabase = options.database === undefined;
  const db = options.database ?? (await openDatabase(config.database));
  try {
    await migrate(db);
  } catch (error) {
    if (ownsDatabase) await db.close();
    throw error;
  }
  const box = new SecretBox(config.encryptionKey);
  const installationStore = new DbInstallationStore(db, box);
  const slackApiUrl =
    config.slackApiUrl === undefined ? undefined : `${config.slackApiUrl.replace(/\/+$/, '')}/`;
  const clientOptions: webApi.WebClientOptions = {
    ...(slackApiUrl === undefined ? {} : { slackApiUrl }),
    ...(options.slackRetryConfig === undefined ? {} : { retryConfig: options.slackRetryConfig }),
  };
  const logLevel = LogLevel[config.logLevel.toUpperCase() as keyof typeof LogLevel];

  let context: BotContext | undefined;
  const getContext = (): BotContext => {
    if (context === undefined) throw new Error('the bot is not initialised yet');
    return context;
  };
  const receiver = new HTTPReceiver({
    signingSecret: config.signingSecret,
    processBeforeResponse: options.processBeforeResponse ?? false,
    customRoutes: [eventsRoute(getContext), ...linkRoutes(getContext)],
    ...(options.logger === undefined ? { logLevel } : { logger: options.logger }),
    ...(config.auth.mode === 'oauth'
      ? {
          clientId: config.auth.clientId,
          clientSecret: config.auth.clientSecret,
          stateSecret: config.auth.stateSecret,
          scopes: [...SLACK_BOT_SCOPES],
          installationStore,
          installerOptions: { directInstall: true, clientOptions },
        }
      : {}),
  });
  const app = new App({
    receiver,
    clientOptions,
    ...(config.auth.mode === 'token' ? { token: config.auth.botToken } : {}),
    ...(options.logger === undefined ? { logLevel } : { logger: options.logger }),
  });

  const alertClients = new Map<string, webApi.WebClient>();
  const botTokenFor = async (teamId: string, enterpriseId: string | null): Promise<string> => {
    if (config.auth.mode === 'token') return config.auth.botToken;
    let installation = await installationStore
      .fetchInstallation({ teamId, enterpriseId: enterpriseId ?? undefined, isEnterpriseInstall: false })
      .catch((error: unknown) => {
        if (error instanceof InstallationNotFoundError) return null;
        throw error;
      });
    if (installation === null && enterpriseId !== null) {
      // An org-wide (Enterprise Grid) install covers every team of the org.
      installation = await installationStore.fetchInstallation({
        teamId: undefined,
        enterpriseId,
        isEnterpriseInstall: true,
      });
    }
    const token = installation?.bot?.token;
    if (token === undefined) throw new Error(`no bot token is installed for Slack team ${teamId}`);
    return token;
  };

  context = {
    apiUrl: config.apiUrl,
    dashboardUrl: config.dashboardUrl,
    publicUrl: config.publicUrl,
    db,
    links: new LinkStore(db, box),
    channels: new ChannelStore(db, box),
    alertMessages: new AlertMessageStore(db),
    confirmations: new TopupConfirmationStore(db),
    queue: new ChannelQueue({ minIntervalMs: options.alertIntervalMs ?? 1000, logger: app.logger }),
    logger: app.logger,
    credits: creditsClientFactory(options.fetch),
    async alertClient(teamId, enterpriseId) {
      const token = await botTokenFor(teamId, enterpriseId);
      let client = alertClients.get(token);
      if (client === undefined) {
        client = new webApi.WebClient(token, {
          ...clientOptions,
          // 429s go to the channel queue, which waits Retry-After for that channel only.
          rejectRateLimitedCalls: true,
          logger: app.logger,
        });
        alertClients.set(token, client);
      }
      return client;
    },
  };
  registerListeners(app, context);

  let started = false;
  return {
    app,
    context,
    installationStore,
    async start(port = config.port) {
      const server = (await app.start(port)) as { address(): AddressInfo | string | null };
      started = true;
      const address = server.address();
      const actualPort = typeof address === 'object' && address !== null ? address.port : port;
      return { url: `http://127.0.0.1:${actualPort}`, port: actualPort };
    },
    async stop() {
      if (started) await app.stop();
      started = false;
      if (ownsDatabase) await db.close();
    },
  };
}
