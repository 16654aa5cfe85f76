import type { IncomingMessage, ServerResponse } from 'node:http';
import { verifyWebhook, WebhookVerificationError } from '@aicredits/sdk';
import type { CustomRoute } from '@slack/bolt';
import type { BotContext } from '../context.js';
import { BodyTooLargeError, guarded, readBody, sendError, sendJson } from '../http.js';
import { deliverAlert } from './deliver.js';

export const EVENTS_PATH = '/aicredits/events/:workspaceId';

export function eventsUrl(publicUrl: string, workspaceId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/aicredits/events/${encodeURIComponent(workspaceId)}`;
}

/**
 * Receives the credits API's signed webhook deliveries. Answers 2xx only once the alert is in
 * Slack, so a failure makes the API deliver again (it retries with backoff).
 */
export function eventsRoute(getContext: () => BotContext): CustomRoute {
  return {
    path: EVENTS_PATH,
    method: 'POST',
    handler: guarded(
      async (req, res) => handleEvent(getContext(), req, res),
      (error) => getContext().logger.error('aicredits event handling failed', error),
    ),
  };
}

async function handleEvent(
  ctx: BotContext,
  req: IncomingMessage & { params?: Record<string, string | string[]> },
  res: ServerResponse,
): Promise<void> {
  const param = req.params?.workspaceId;
  const workspaceId = typeof param === 'string' ? param : '';
  let rawBody: string;
  try {
    rawBody = await readBody(req);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return sendError(res, 413, error.code, error.message);
    throw error;
  }
  const channel = await ctx.channels.get(workspaceId);
  if (channel === null || channel.endpointSecret === null) {
    return sendError(res, 404, 'unknown_workspace', 'No alert channel is configured for this workspace.');
  }
  let event: Awaited<ReturnType<typeof verifyWebhook>>;
  try {
    event = await verifyWebhook(rawBody, req.headers, channel.endpointSecret);
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) throw error;
    ctx.logger.warn(`rejected an aicredits event for ${workspaceId}: ${error.code}`);
    return sendError(res, error.code === 'invalid_payload' ? 400 : 401, error.code, error.message);
  }
  if (event.workspaceId !== workspaceId) {
    return sendError(res, 400, 'workspace_mismatch', 'The event belongs to another workspace than this URL.');
  }
  const result = await deliverAlert(ctx, channel, event);
  ctx.logger.info(`alert ${event.type} ${event.id} ${result.action} in ${result.channelId} (${result.ts})`);
  sendJson(res, 200, { ok: true, ...result });
}
