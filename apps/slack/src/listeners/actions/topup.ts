import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import {
  ACTION_TOPUP_CANCEL,
  ACTION_TOPUP_CONFIRM,
  ACTION_TOPUP_OPEN,
  BLOCK_AMOUNT,
  type Block,
  INPUT_AMOUNT,
  section,
  VIEW_TOPUP_AMOUNT,
} from '../../blocks.js';
import { type BotContext, describeApiError } from '../../context.js';
import { checkBillingAccess, executeTopup, type SlackUser } from '../../topup/flow.js';
import { resultView } from '../views/topup.js';

function slackUser(body: BlockAction): SlackUser {
  return { teamId: body.user.team_id ?? body.team?.id ?? '', userId: body.user.id };
}

/**
 * The Top up button (alerts, `/credits`) opens the amount modal; Confirm and Cancel finish a
 * confirmation, in an ephemeral message (from `/topup`) or in the modal.
 */
export function register(app: App, ctx: BotContext): void {
  app.action<BlockAction<ButtonAction>>(
    ACTION_TOPUP_OPEN,
    async ({ ack, body, action, client, respond, logger }) => {
      await ack();
      const user = slackUser(body);
      try {
        const access = await checkBillingAccess(ctx, user);
        if (!access.ok) {
          await respond({ response_type: 'ephemeral', replace_original: false, text: access.text });
          return;
        }
        if (action.value !== undefined && action.value !== access.link.workspaceId) {
          await respond({
            response_type: 'ephemeral',
            replace_original: false,
            text: `You're linked to workspace \`${access.link.workspaceId}\`, not \`${action.value}\`.`,
          });
          return;
        }
        await client.views.open({
          trigger_id: body.trigger_id,
          view: {
            type: 'modal',
            callback_id: VIEW_TOPUP_AMOUNT,
            private_metadata: JSON.stringify({ workspaceId: access.link.workspaceId }),
            title: { type: 'plain_text', text: 'Top up credits' },
            submit: { type: 'plain_text', text: 'Review' },
            close: { type: 'plain_text', text: 'Cancel' },
            blocks: [
              section(`Add funds to workspace \`${access.link.workspaceId}\`. Sales tax is added on top.`),
              {
                type: 'input',
                block_id: BLOCK_AMOUNT,
                label: { type: 'plain_text', text: 'Amount in USD' },
                hint: { type: 'plain_text', text: 'Whole cents, e.g. 50 or 12.50' },
                element: {
                  type: 'plain_text_input',
                  action_id: INPUT_AMOUNT,
                  placeholder: { type: 'plain_text', text: '50' },
                },
              },
            ],
          },
        });
      } catch (error) {
        logger.error('opening the top-up modal failed', error);
        await respond({ response_type: 'ephemeral', replace_original: false, text: describeApiError(error) });
      }
    },
  );

  app.action<BlockAction<ButtonAction>>(
    ACTION_TOPUP_CONFIRM,
    async ({ ack, body, action, client, respond, logger }) => {
      await ack();
      let text: string;
      let blocks: Block[];
      try {
        const outcome = await executeTopup(ctx, slackUser(body), action.value ?? '');
        text = outcome.text;
        blocks = outcome.ok ? outcome.blocks : [section(outcome.text)];
      } catch (error) {
        logger.error('top-up confirmation failed', error);
        text = describeApiError(error);
        blocks = [section(text)];
      }
      if (body.view !== undefined) {
        await client.views.update({ view_id: body.view.id, view: resultView(text, blocks) });
      } else {
        await respond({ response_type: 'ephemeral', replace_original: true, text, blocks });
      }
    },
  );

  app.action<BlockAction<ButtonAction>>(
    ACTION_TOPUP_CANCEL,
    async ({ ack, body, action, client, respond }) => {
      await ack();
      const confirmation = await ctx.confirmations.get(action.value ?? '');
      const user = slackUser(body);
      const mine =
        confirmation !== null &&
        confirmation.teamId === user.teamId &&
        confirmation.slackUserId === user.userId;
      const cancelled = mine && (await ctx.confirmations.cancel(confirmation.id));
      const text = cancelled
        ? 'Top-up cancelled; nothing was charged.'
        : 'This top-up can no longer be cancelled here: it was already submitted, or it is not yours.';
      if (body.view !== undefined) {
        await client.views.update({ view_id: body.view.id, view: resultView(text, [section(text)]) });
      } else {
        await respond({ response_type: 'ephemeral', replace_original: true, text });
      }
    },
  );
}
