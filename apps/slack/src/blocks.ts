import type { types } from '@slack/bolt';

/** Small Block Kit builders, so the message modules read as content rather than JSON. */
export type Block = types.KnownBlock;
export type ButtonElement = types.Button;

export const ACTION_TOPUP_OPEN = 'aicredits_topup_open';
export const ACTION_TOPUP_CONFIRM = 'aicredits_topup_confirm';
export const ACTION_TOPUP_CANCEL = 'aicredits_topup_cancel';
export const ACTION_USAGE_LINK = 'aicredits_usage_link';
export const VIEW_TOPUP_AMOUNT = 'aicredits_topup_amount';
export const VIEW_TOPUP_CONFIRM = 'aicredits_topup_confirm_view';
export const BLOCK_AMOUNT = 'amount_block';
export const INPUT_AMOUNT = 'amount_input';

export function header(text: string): Block {
  return { type: 'header', text: { type: 'plain_text', text: text.slice(0, 150), emoji: true } };
}

export function section(markdown: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: markdown.slice(0, 3000) } };
}

export function fields(pairs: readonly (readonly [string, string])[]): Block {
  return {
    type: 'section',
    fields: pairs.slice(0, 10).map(([label, value]) => ({ type: 'mrkdwn', text: `*${label}*\n${value}` })),
  };
}

export function context(markdown: string): Block {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: markdown.slice(0, 3000) }] };
}

export function actions(blockId: string, elements: ButtonElement[]): Block {
  return { type: 'actions', block_id: blockId, elements };
}

export function button(
  text: string,
  actionId: string,
  options: { value?: string; url?: string; style?: 'primary' | 'danger' } = {},
): ButtonElement {
  return {
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text, emoji: true },
    ...(options.value === undefined ? {} : { value: options.value }),
    ...(options.url === undefined ? {} : { url: options.url }),
    ...(options.style === undefined ? {} : { style: options.style }),
  };
}

/** Slack renders the date in the reader's time zone; the fallback is the UTC date. */
export function slackDate(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  return `<!date^${seconds}^{date_long}|${iso.slice(0, 10)}>`;
}

export function usageUrl(dashboardUrl: string, workspaceId: string): string {
  return `${dashboardUrl.replace(/\/+$/, '')}/workspaces/${encodeURIComponent(workspaceId)}/usage`;
}

export function billingUrl(dashboardUrl: string, workspaceId: string): string {
  return `${dashboardUrl.replace(/\/+$/, '')}/workspaces/${encodeURIComponent(workspaceId)}/billing`;
}
