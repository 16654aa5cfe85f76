import type { App } from '@slack/bolt';
import type { BotContext } from '../../context.js';
import * as credits from './credits.js';
import * as topup from './topup.js';

export function register(app: App, ctx: BotContext): void {
  credits.register(app, ctx);
  topup.register(app, ctx);
}
