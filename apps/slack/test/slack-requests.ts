import { createHmac } from 'node:crypto';

/**
 * Builds requests exactly as Slack sends them to a bot: form-encoded bodies signed with
 * `v0=HMAC-SHA256(signingSecret, "v0:<timestamp>:<body>")`.
 */
export function slackSignature(signingSecret: string, timestampSeconds: number, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${body}`).digest('hex')}`;
}

export interface SendOptions {
  signingSecret: string;
  /** Defaults to now. */
  timestampSeconds?: number;
  /** Overrides the computed signature. */
  signature?: string;
  contentType?: string;
}

export async function postSigned(url: string, body: string, options: SendOptions): Promise<Response> {
  const timestampSeconds = options.timestampSeconds ?? Math.floor(Date.now() / 1000);
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestampSeconds),
      'x-slack-signature': options.signature ?? slackSignature(options.signingSecret, timestampSeconds, body),
    },
    body,
  });
}

export interface CommandInput {
  command: string;
  text: string;
  teamId: string;
  userId: string;
  channelId?: string;
  responseUrl: string;
  enterpriseId?: string;
}

export function commandBody(input: CommandInput): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: input.teamId,
    team_domain: 'fake',
    ...(input.enterpriseId === undefined ? {} : { enterprise_id: input.enterpriseId }),
    channel_id: input.channelId ?? 'C0GENERAL',
    channel_name: 'general',
    user_id: input.userId,
    user_name: input.userId.toLowerCase(),
    command: input.command,
    text: input.text,
    api_app_id: 'A0APP',
    is_enterprise_install: 'false',
    response_url: input.responseUrl,
    trigger_id: `trigger.${Date.now()}`,
  }).toString();
}

export interface ButtonClickInput {
  teamId: string;
  userId: string;
  actionId: string;
  value?: string;
  responseUrl: string;
  /** Clicked inside a modal with this view id (else in a message). */
  viewId?: string;
  channelId?: string;
}

export function buttonClickBody(input: ButtonClickInput): string {
  const payload = {
    type: 'block_actions',
    team: { id: input.teamId, domain: 'fake' },
    user: { id: input.userId, username: input.userId.toLowerCase(), team_id: input.teamId },
    api_app_id: 'A0APP',
    token: 'deprecated-verification-token',
    trigger_id: `trigger.${Date.now()}`,
    container:
      input.viewId === undefined
        ? {
            type: 'message',
            message_ts: '1700000000.000100',
            channel_id: input.channelId ?? 'C0GENERAL',
            is_ephemeral: true,
          }
        : { type: 'view', view_id: input.viewId },
    ...(input.viewId === undefined
      ? { channel: { id: input.channelId ?? 'C0GENERAL', name: 'general' }, response_url: input.responseUrl }
      : {
          view: {
            id: input.viewId,
            type: 'modal',
            callback_id: 'aicredits_topup_confirm_view',
            hash: 'h1',
            private_metadata: '',
            state: { values: {} },
          },
        }),
    actions: [
      {
        type: 'button',
        action_id: input.actionId,
        block_id: 'b1',
        ...(input.value === undefined ? {} : { value: input.value }),
        action_ts: String(Date.now() / 1000),
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export interface ViewSubmissionInput {
  teamId: string;
  userId: string;
  callbackId: string;
  values: Record<string, Record<string, { type: string; value: string }>>;
  privateMetadata?: string;
}

export function viewSubmissionBody(input: ViewSubmissionInput): string {
  const payload = {
    type: 'view_submission',
    team: { id: input.teamId, domain: 'fake' },
    user: { id: input.userId, username: input.userId.toLowerCase(), team_id: input.teamId },
    api_app_id: 'A0APP',
    token: 'deprecated-verification-token',
    trigger_id: `trigger.${Date.now()}`,
    view: {
      id: 'V0MODAL',
      type: 'modal',
      callback_id: input.callbackId,
      private_metadata: input.privateMetadata ?? '',
      hash: 'h1',
      state: { values: input.values },
    },
    response_urls: [],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
