import { z } from 'zod';
import { parseEncryptionKey } from './crypto.js';

/**
 * The bot's configuration, read from the environment once at start. This is the only module that
 * reads `process.env`.
 */
const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/** A variable that must be set; the message says what to put there. */
function required(what: string) {
  return z
    .string({ error: `is required: ${what}` })
    .trim()
    .min(1, `is required: ${what}`);
}

const EnvSchema = z
  .object({
    SLACK_SIGNING_SECRET: required('the signing secret from the Slack app’s Basic Information page'),
    SLACK_BOT_TOKEN: optionalString,
    SLACK_CLIENT_ID: optionalString,
    SLACK_CLIENT_SECRET: optionalString,
    SLACK_STATE_SECRET: optionalString,
    /** Points the Web API client elsewhere (a local stand-in); Slack's own URL when unset. */
    SLACK_API_URL: optionalString.pipe(z.string().url().optional()),
    AICREDITS_API_URL: required('the credits API base URL').pipe(
      z.string().url('must be a URL, e.g. https://credits.example.com'),
    ),
    /** Base of the dashboard links in messages (usage pages); defaults to the API URL. */
    AICREDITS_DASHBOARD_URL: optionalString.pipe(z.string().url().optional()),
    /** Where Slack and the credits API reach this bot, e.g. https://slack-bot.example.com. */
    SLACK_BOT_PUBLIC_URL: required('the URL where Slack and the credits API reach this bot').pipe(
      z.string().url('must be a URL, e.g. https://slack-bot.example.com'),
    ),
    SLACK_ENCRYPTION_KEY: required('a 32-byte key (openssl rand -hex 32)').refine(
      (v) => parseEncryptionKey(v) !== null,
      {
        message:
          'SLACK_ENCRYPTION_KEY must be 32 bytes as 64 hex characters or base64 (openssl rand -hex 32)',
      },
    ),
    SLACK_DATABASE_URL: optionalString,
    DATABASE_URL: optionalString,
    SLACK_DATA_DIR: optionalString,
    PORT: optionalString.pipe(
      z
        .string()
        .regex(/^\d{1,5}$/, 'PORT must be a port number')
        .transform(Number)
        .pipe(z.number().int().min(0).max(65_535))
        .optional(),
    ),
    SLACK_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  })
  .superRefine((env, ctx) => {
    const oauth = [env.SLACK_CLIENT_ID, env.SLACK_CLIENT_SECRET, env.SLACK_STATE_SECRET];
    const someOauth = oauth.some((v) => v !== undefined);
    if (env.SLACK_BOT_TOKEN !== undefined && someOauth) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_BOT_TOKEN'],
        message:
          'set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID/SECRET/STATE_SECRET (OAuth), not both',
      });
    } else if (env.SLACK_BOT_TOKEN === undefined && !oauth.every((v) => v !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_CLIENT_ID'],
        message:
          'set SLACK_BOT_TOKEN for one workspace, or all of SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET for OAuth installs',
      });
    }
  });

export type SlackAuthConfig =
  | { mode: 'token'; botToken: string }
  | { mode: 'oauth'; clientId: string; clientSecret: string; stateSecret: string };

export interface BotConfig {
  signingSecret: string;
  auth: SlackAuthConfig;
  slackApiUrl: string | undefined;
  apiUrl: string;
  dashboardUrl: string;
  publicUrl: string;
  encryptionKey: Buffer;
  database: { url: string } | { dataDir: string };
  port: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export class ConfigError extends Error {
  readonly code = 'invalid_config';
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): BotConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`));
  }
  const e = parsed.data;
  const auth: SlackAuthConfig =
    e.SLACK_BOT_TOKEN !== undefined
      ? { mode: 'token', botToken: e.SLACK_BOT_TOKEN }
      : {
          mode: 'oauth',
          clientId: e.SLACK_CLIENT_ID ?? '',
          clientSecret: e.SLACK_CLIENT_SECRET ?? '',
          stateSecret: e.SLACK_STATE_SECRET ?? '',
        };
  const databaseUrl = e.SLACK_DATABASE_URL ?? e.DATABASE_URL;
  return {
    signingSecret: e.SLACK_SIGNING_SECRET,
    auth,
    slackApiUrl: e.SLACK_API_URL,
    apiUrl: e.AICREDITS_API_URL,
    dashboardUrl: e.AICREDITS_DASHBOARD_URL ?? e.AICREDITS_API_URL,
    publicUrl: e.SLACK_BOT_PUBLIC_URL,
    // Checked by the schema above.
    encryptionKey: parseEncryptionKey(e.SLACK_ENCRYPTION_KEY) ?? Buffer.alloc(0),
    database:
      databaseUrl !== undefined ? { url: databaseUrl } : { dataDir: e.SLACK_DATA_DIR ?? '.data/slack' },
    port: e.PORT ?? 3000,
    logLevel: e.SLACK_LOG_LEVEL,
  };
}
