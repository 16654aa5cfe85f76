import type { App } from '@slack/bolt';
import { section } from '../../blocks.js';
import { type BotContext, describeApiError } from '../../context.js';
import { prepareTopup } from '../../topup/flow.js';

/** `/topup <amount>`: billing access only; answers privately with a confirmation to click. */
export function register(app: App, ctx: BotContext): void {
  app.command('/topup', async ({ ack, command, respond, logger }) => {
    await ack();
    try {
      const outcome = await prepareTopup(
        ctx,
        { teamId: command.team_id, userId: command.user_id },
        command.text,
      );
      await respond({
        response_type: 'ephemeral',
        text: outcome.text,
        blocks: outcome.ok ? outcome.blocks : [section(outcome.text)],
      });
    } catch (error) {
      logger.error('/topup failed', error);
      await respond({ response_type: 'ephemeral', text: describeApiError(error) });
    }
  });
}
