import type { App } from '@slack/bolt';
import type { BotContext } from '../../context.js';
import * as topup from './topup.js';

export function register(app: App, ctx: BotContext): void {
  topup.register(app, ctx);
}
