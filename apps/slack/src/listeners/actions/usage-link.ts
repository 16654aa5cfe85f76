import type { App } from '@slack/bolt';
import { ACTION_USAGE_LINK } from '../../blocks.js';

/** Link buttons still send an action; acknowledging it keeps Slack from showing a warning. */
export function register(app: App): void {
  app.action(ACTION_USAGE_LINK, async ({ ack }) => {
    await ack();
  });
}
