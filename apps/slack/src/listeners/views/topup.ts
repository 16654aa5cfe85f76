import type { App, types } from '@slack/bolt';
import {
  BLOCK_AMOUNT,
  type Block,
  INPUT_AMOUNT,
  VIEW_TOPUP_AMOUNT,
  VIEW_TOPUP_CONFIRM,
} from '../../blocks.js';
import { type BotContext, describeApiError } from '../../context.js';
import { prepareTopup } from '../../topup/flow.js';

export function resultView(text: string, blocks: Block[]): types.ModalView {
  return {
    type: 'modal',
    callback_id: VIEW_TOPUP_CONFIRM,
    title: { type: 'plain_text', text: 'Top up credits' },
    close: { type: 'plain_text', text: 'Close' },
    blocks: blocks.length > 0 ? blocks : [{ type: 'section', text: { type: 'mrkdwn', text } }],
  };
}

/** The amount modal: a bad amount is shown on the field; a good one turns into the confirmation. */
export function register(app: App, ctx: BotContext): void {
  app.view(VIEW_TOPUP_AMOUNT, async ({ ack, body, view, logger }) => {
    const amountText = view.state.values[BLOCK_AMOUNT]?.[INPUT_AMOUNT]?.value ?? '';
    const user = { teamId: body.user.team_id ?? body.team?.id ?? '', userId: body.user.id };
    try {
      // The answer to a submission must carry the errors or the next view, so the checks run first.
      const outcome = await prepareTopup(ctx, user, amountText);
      if (!outcome.ok) {
        await ack({ response_action: 'errors', errors: { [BLOCK_AMOUNT]: outcome.text.slice(0, 150) } });
        return;
      }
      await ack({ response_action: 'update', view: resultView(outcome.text, outcome.blocks) });
    } catch (error) {
      logger.error('top-up modal failed', error);
      await ack({
        response_action: 'errors',
        errors: { [BLOCK_AMOUNT]: describeApiError(error).slice(0, 150) },
      });
    }
  });
}
