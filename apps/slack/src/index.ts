/**
 * @aicredits/slack: the Slack bot of the aicredits platform. `createSlackBot` builds a bot from a
 * config (tests start it on port 0); `loadConfig` reads the environment.
 */
export { type RenderedAlert, renderAlert } from './alerts/render.js';
export { createSlackBot, SLACK_BOT_SCOPES, type SlackBot, type SlackBotOptions } from './bot.js';
export { type BotConfig, ConfigError, loadConfig, type SlackAuthConfig } from './config.js';
export type { BotContext } from './context.js';
export { type BotDb, openDatabase } from './db/db.js';
export { type AmountErrorCode, parseTopupAmount } from './topup/amount.js';
