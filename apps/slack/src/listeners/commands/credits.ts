import { PermissionDeniedError } from '@aicredits/sdk';
import type { App } from '@slack/bolt';
import { slackErrorCode } from '../../alerts/deliver.js';
import { eventsUrl } from '../../alerts/route.js';
import { section } from '../../blocks.js';
import { type BotContext, describeApiError, memberClient, NOT_LINKED_TEXT } from '../../context.js';
import { linkUrl } from '../../link/route.js';
import { LINK_CODE_TTL_MS } from '../../store/links.js';
import { balanceSummary } from '../../summary.js';

const HELP = [
  '*aicredits commands*',
  '`/credits` — your workspace balance and your own included credits (only you see it)',
  '`/credits link` — link your Slack account to your aicredits member (one-time link)',
  '`/credits unlink` — forget the link',
  '`/credits alerts #channel` — send this workspace’s alerts to a channel (admins)',
  '`/topup <amount>` — add funds in USD, e.g. `/topup 50` (billing access)',
].join('\n');

/** `/credits [link|unlink|alerts #channel|help]`: every answer is private to the caller. */
export function register(app: App, ctx: BotContext): void {
  app.command('/credits', async ({ ack, command, respond, logger }) => {
    await ack();
    const reply = async (text: string, blocks = [section(text)]) => {
      await respond({ response_type: 'ephemeral', replace_original: false, text, blocks });
    };
    const [sub = '', ...rest] = command.text.trim().split(/\s+/);
    const teamId = command.team_id;
    const userId = command.user_id;
    try {
      switch (sub.toLowerCase()) {
        case '':
        case 'balance': {
          const link = await ctx.links.get(teamId, userId);
          if (link === null) return await reply(NOT_LINKED_TEXT);
          const client = memberClient(ctx, link);
          const [workspace, balance] = await Promise.all([
            client.workspaces.retrieve(link.workspaceId),
            client.balance.retrieve(link.workspaceId, { memberId: link.memberId }),
          ]);
          const summary = balanceSummary(workspace, balance, link.memberId, ctx.dashboardUrl);
          return await reply(summary.text, summary.blocks);
        }
        case 'link': {
          const { code } = await ctx.links.issueCode(teamId, userId);
          const url = linkUrl(ctx.publicUrl, code);
          const minutes = Math.round(LINK_CODE_TTL_MS / 60_000);
          return await reply(
            `Open your private link to connect your aicredits member: ${url} (valid ${minutes} minutes, once).`,
            [
              section(
                `Open <${url}|your private link> and paste your member token from the aicredits dashboard. It works once and expires in ${minutes} minutes; don’t share it.`,
              ),
            ],
          );
        }
        case 'unlink': {
          const removed = await ctx.links.remove(teamId, userId);
          return await reply(
            removed
              ? 'Unlinked. Revoke the member token in the dashboard if you no longer need it.'
              : NOT_LINKED_TEXT,
          );
        }
        case 'alerts':
          return await reply(
            await configureAlerts(
              ctx,
              command.team_id,
              command.enterprise_id ?? null,
              userId,
              rest.join(' '),
              command.channel_id,
            ),
          );
        case 'help':
          return await reply(HELP);
        default:
          return await reply(`I don't know \`${sub}\`.\n${HELP}`);
      }
    } catch (error) {
      logger.error('/credits failed', error);
      await reply(describeApiError(error));
    }
  });
}

/** Points the workspace's alerts at a channel and registers the bot's webhook endpoint once. */
async function configureAlerts(
  ctx: BotContext,
  teamId: string,
  enterpriseId: string | null,
  userId: string,
  argument: string,
  currentChannelId: string,
): Promise<string> {
  const link = await ctx.links.get(teamId, userId);
  if (link === null) return NOT_LINKED_TEXT;
  const mention = /^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(argument.trim());
  const channelId = argument.trim().toLowerCase() === 'here' ? currentChannelId : mention?.[1];
  if (channelId === undefined) {
    return 'Pick the channel from the autocomplete, e.g. `/credits alerts #billing-alerts`, or use `/credits alerts here`.';
  }
  const client = memberClient(ctx, link);
  const existing = await ctx.channels.get(link.workspaceId);
  let endpointId = existing?.endpointId ?? null;
  let endpointSecret = existing?.endpointSecret ?? null;
  // The role is read fresh from the API every time (members may read their own record).
  const me = await client.members.retrieve(link.workspaceId, link.memberId);
  if (me.role !== 'admin' && me.role !== 'owner') {
    return 'Only workspace admins and owners can choose the alert channel.';
  }
  try {
    if (endpointSecret === null || existing?.apiBase !== link.apiBase) {
      const endpoint = await client.webhookEndpoints.create(link.workspaceId, {
        url: eventsUrl(ctx.publicUrl, link.workspaceId),
        events: ['*'],
        description: 'aicredits Slack bot alerts',
      });
      endpointId = endpoint.id;
      endpointSecret = endpoint.secret;
    }
  } catch (error) {
    if (error instanceof PermissionDeniedError)
      return 'Only workspace admins and owners can choose the alert channel.';
    throw error;
  }
  await ctx.channels.save(
    {
      workspaceId: link.workspaceId,
      apiBase: link.apiBase,
      teamId,
      enterpriseId,
      channelId,
      endpointId,
      endpointSecret,
    },
    userId,
  );
  try {
    const slack = await ctx.alertClient(teamId, enterpriseId);
    await ctx.queue.run(`${teamId}:${channelId}`, () =>
      slack.chat.postMessage({
        channel: channelId,
        text: `This channel now receives aicredits alerts for workspace ${link.workspaceId}.`,
      }),
    );
  } catch (error) {
    const code = slackErrorCode(error);
    if (code === 'not_in_channel' || code === 'channel_not_found') {
      return `Saved, but I can't post in <#${channelId}> yet: invite me with \`/invite @aicredits\` there.`;
    }
    throw error;
  }
  return `Alerts for workspace \`${link.workspaceId}\` now go to <#${channelId}>.`;
}
