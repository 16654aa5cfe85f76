import type { WebhookEvent } from '@aicredits/contract';
import type { BotContext } from '../context.js';
import type { AlertChannel } from '../store/channels.js';
import { renderAlert } from './render.js';

export interface DeliveryResult {
  action: 'posted' | 'updated';
  channelId: string;
  ts: string;
  alertKey: string;
}

/**
 * Posts an alert, or updates the message already posted for the same alert key. The look-up and
 * the post run inside the channel's queue, so two deliveries of one event (the API delivers at
 * least once, possibly concurrently) cannot both post.
 */
export async function deliverAlert(
  ctx: BotContext,
  channel: AlertChannel,
  event: WebhookEvent,
): Promise<DeliveryResult> {
  const rendered = renderAlert(event, ctx.dashboardUrl);
  const client = await ctx.alertClient(channel.teamId, channel.enterpriseId);
  return ctx.queue.run(`${channel.teamId}:${channel.channelId}`, async () => {
    const existing = await ctx.alertMessages.get(rendered.alertKey);
    if (existing !== null) {
      try {
        await client.chat.update({
          channel: existing.channelId,
          ts: existing.ts,
          text: rendered.text,
          blocks: rendered.blocks,
        });
        await ctx.alertMessages.save(event.workspaceId, { ...existing, lastEventId: event.id });
        return {
          action: 'updated',
          channelId: existing.channelId,
          ts: existing.ts,
          alertKey: rendered.alertKey,
        };
      } catch (error) {
        // Someone deleted the message (or the channel changed): post a fresh one below.
        if (slackErrorCode(error) !== 'message_not_found' && slackErrorCode(error) !== 'channel_not_found')
          throw error;
      }
    }
    const posted = await client.chat.postMessage({
      channel: channel.channelId,
      text: rendered.text,
      blocks: rendered.blocks,
      unfurl_links: false,
      unfurl_media: false,
    });
    if (posted.ts === undefined) throw new Error('chat.postMessage answered without a ts');
    const channelId = posted.channel ?? channel.channelId;
    await ctx.alertMessages.save(event.workspaceId, {
      alertKey: rendered.alertKey,
      channelId,
      ts: posted.ts,
      lastEventId: event.id,
    });
    await ctx.alertMessages.rearm(event.workspaceId, rendered.rearm);
    return { action: 'posted', channelId, ts: posted.ts, alertKey: rendered.alertKey };
  });
}

/** The `error` field of a Slack platform error (`not_in_channel`, …), if that is what this is. */
export function slackErrorCode(error: unknown): string | null {
  if (typeof error !== 'object' || error === null || !('data' in error)) return null;
  const data = error.data;
  if (typeof data !== 'object' || data === null || !('error' in data)) return null;
  return typeof data.error === 'string' ? data.error : null;
}
