import type { App } from '@slack/bolt';
import type { BotContext } from '../context.js';
import * as actions from './actions/index.js';
import * as commands from './commands/index.js';
import * as views from './views/index.js';

/** One file per listener, each registered here (the bolt-ts starter template layout). */
export function registerListeners(app: App, ctx: BotContext): void {
  commands.register(app, ctx);
  actions.register(app, ctx);
  views.register(app, ctx);
}
