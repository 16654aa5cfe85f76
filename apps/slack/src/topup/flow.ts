import type { Billing, Topup, TopupQuote } from '@aicredits/contract';
import {
  formatCard,
  formatMicros,
  PaymentFailedError,
  PermissionDeniedError,
  UnprocessableEntityError,
} from '@aicredits/sdk';
import {
  ACTION_TOPUP_CANCEL,
  ACTION_TOPUP_CONFIRM,
  ACTION_USAGE_LINK,
  actions,
  type Block,
  billingUrl,
  button,
  context,
  fields,
  header,
  section,
  usageUrl,
} from '../blocks.js';
import { type BotContext, describeApiError, memberClient, NOT_LINKED_TEXT } from '../context.js';
import type { MemberLink } from '../store/links.js';
import type { TopupConfirmation } from '../store/topup-confirmations.js';
import { parseTopupAmount } from './amount.js';

/**
 * The top-up flow shared by `/topup`, the alerts' Top up button and its modal:
 * check access → check the amount → show a confirmation that carries a freshly minted idempotency
 * key → on Confirm, create the top-up with that key. Every Confirm click sends the same key, so
 * however often it is clicked the card is charged once and the same result is shown.
 */
export interface SlackUser {
  teamId: string;
  userId: string;
}

export type Outcome = { ok: true; text: string; blocks: Block[] } | { ok: false; text: string };

export type AccessResult = { ok: true; link: MemberLink; billing: Billing } | { ok: false; text: string };

/** The caller's link and the workspace's billing details; the API refuses members without billing access. */
export async function checkBillingAccess(ctx: BotContext, user: SlackUser): Promise<AccessResult> {
  const link = await ctx.links.get(user.teamId, user.userId);
  if (link === null) return { ok: false, text: NOT_LINKED_TEXT };
  try {
    const billing = await memberClient(ctx, link).billing.retrieve(link.workspaceId);
    return { ok: true, link, billing };
  } catch (error) {
    if (!(error instanceof PermissionDeniedError)) ctx.logger.warn('billing check failed', error);
    return { ok: false, text: describeApiError(error) };
  }
}

export async function prepareTopup(ctx: BotContext, user: SlackUser, amountText: string): Promise<Outcome> {
  const access = await checkBillingAccess(ctx, user);
  if (!access.ok) return access;
  const { link, billing } = access;
  const amount = parseTopupAmount(amountText, billing.topupLimits);
  if (!amount.ok) return { ok: false, text: amount.message };
  if (billing.mode === 'stripe' && billing.paymentMethodId === null) {
    return {
      ok: false,
      text: `No card is saved for AI credits in workspace \`${link.workspaceId}\`. Add one in the dashboard first: ${billingUrl(ctx.dashboardUrl, link.workspaceId)}`,
    };
  }
  // The API's quote is the exact tax and total the top-up will charge, so the user confirms a number.
  let quote: TopupQuote;
  try {
    quote = await memberClient(ctx, link).topups.quote(link.workspaceId, {
      amountMicros: amount.amountMicros,
    });
  } catch (error) {
    if (!(error instanceof PermissionDeniedError)) ctx.logger.warn('top-up quote failed', error);
    return { ok: false, text: describeApiError(error) };
  }
  const confirmation = await ctx.confirmations.create({
    teamId: user.teamId,
    slackUserId: user.userId,
    workspaceId: link.workspaceId,
    amountMicros: amount.amountMicros,
  });
  const shownAmount = formatMicros(amount.amountMicros, 'usd');
  const text = quote.testFunds
    ? `Add ${shownAmount} to workspace ${link.workspaceId}? Test funds: nothing is charged.`
    : `Add ${shownAmount} to workspace ${link.workspaceId}? ${formatMicros(quote.taxMicros, 'usd')} sales tax, ${formatMicros(quote.totalMicros, 'usd')} charged to ${cardText(billing, quote)}.`;
  return { ok: true, text, blocks: confirmationBlocks(confirmation, billing, quote) };
}

/** The card line: as Stripe describes it, else the saved id (Stripe could not describe it). */
function cardText(billing: Billing, quote: TopupQuote): string {
  if (quote.paymentMethod !== null) return formatCard(quote.paymentMethod);
  return `Saved card \`${billing.paymentMethodId ?? 'none'}\``;
}

export function confirmationBlocks(
  confirmation: TopupConfirmation,
  billing: Billing,
  quote: TopupQuote,
): Block[] {
  const amount = formatMicros(confirmation.amountMicros, 'usd');
  const address = quote.billingAddress;
  const place = address === null ? null : [address.state, address.country].filter(Boolean).join(', ');
  const tax = quote.testFunds
    ? 'None (test funds)'
    : `${formatMicros(quote.taxMicros, 'usd')} ${place === null ? '(no billing address saved)' : `(${place})`}`;
  const total = quote.testFunds ? 'Nothing (test funds)' : formatMicros(quote.totalMicros, 'usd');
  const card = quote.testFunds
    ? 'No card is charged (no-payment mode: test funds)'
    : cardText(billing, quote);
  return [
    header(`Top up ${amount}?`),
    fields([
      ['Amount', amount],
      ['Sales tax', tax],
      ['Total charged', total],
      ['Card', card],
      ['Workspace', `\`${confirmation.workspaceId}\``],
    ]),
    context(
      'Purchased credits expire 12 months after purchase and are non-refundable. A deficit is covered first.',
    ),
    actions('topup_confirm', [
      button(`Confirm ${amount}`, ACTION_TOPUP_CONFIRM, { value: confirmation.id, style: 'primary' }),
      button('Cancel', ACTION_TOPUP_CANCEL, { value: confirmation.id }),
    ]),
  ];
}

export async function executeTopup(
  ctx: BotContext,
  user: SlackUser,
  confirmationId: string,
): Promise<Outcome> {
  const confirmation = await ctx.confirmations.get(confirmationId);
  if (
    confirmation === null ||
    confirmation.teamId !== user.teamId ||
    confirmation.slackUserId !== user.userId
  ) {
    return { ok: false, text: 'This confirmation is not yours. Run `/topup <amount>` yourself.' };
  }
  if (confirmation.status === 'cancelled')
    return { ok: false, text: 'This top-up was cancelled; nothing was charged.' };
  if (confirmation.status === 'pending' && confirmation.expiresAt <= Date.now()) {
    return {
      ok: false,
      text: 'This confirmation expired; nothing was charged. Run `/topup <amount>` again.',
    };
  }
  // Roles are re-checked by the API on this call: the link acts with the member's own token.
  const link = await ctx.links.get(user.teamId, user.userId);
  if (link === null || link.workspaceId !== confirmation.workspaceId)
    return { ok: false, text: NOT_LINKED_TEXT };
  const client = memberClient(ctx, link);
  let topup: Topup;
  try {
    await ctx.confirmations.setStatus(confirmation.id, 'processing');
    topup = await client.topups.create(
      confirmation.workspaceId,
      { amountMicros: confirmation.amountMicros },
      { idempotencyKey: confirmation.idempotencyKey },
    );
  } catch (error) {
    if (error instanceof PaymentFailedError) {
      await ctx.confirmations.setStatus(confirmation.id, 'failed');
      return { ok: false, text: `The payment failed: ${error.message} Nothing was credited.` };
    }
    // Anything else leaves the confirmation clickable: the same key makes a retry safe.
    await ctx.confirmations.setStatus(confirmation.id, 'retryable');
    if (!(error instanceof PermissionDeniedError || error instanceof UnprocessableEntityError)) {
      ctx.logger.error('top-up failed', error);
    }
    return { ok: false, text: describeApiError(error) };
  }
  await ctx.confirmations.setStatus(
    confirmation.id,
    topup.status === 'pending' ? 'processing' : topup.status,
    topup.id,
  );
  return renderTopupResult(ctx, link, topup);
}

async function renderTopupResult(ctx: BotContext, link: MemberLink, topup: Topup): Promise<Outcome> {
  const amount = formatMicros(topup.amountMicros, 'usd');
  const usage = button('View usage', ACTION_USAGE_LINK, {
    url: usageUrl(ctx.dashboardUrl, link.workspaceId),
  });
  if (topup.status === 'failed') {
    const reason = topup.failure?.message ?? 'The card was declined.';
    return { ok: false, text: `The payment for ${amount} failed: ${reason} Nothing was credited.` };
  }
  if (topup.status === 'pending') {
    const text = `Your top-up of ${amount} is processing; the funds appear once the payment succeeds.`;
    return { ok: true, text, blocks: [section(`⏳ ${text}`), context(`Top-up \`${topup.id}\``)] };
  }
  let spendable: string | null = null;
  try {
    const balance = await memberClient(ctx, link).balance.retrieve(link.workspaceId, {
      memberId: link.memberId,
    });
    spendable = formatMicros(balance.spendableMicros, balance.unit);
  } catch (error) {
    // The top-up itself succeeded; a missing balance line is not worth failing the message over.
    ctx.logger.warn('balance after top-up unavailable', error);
  }
  const text = `Added ${amount} to workspace ${link.workspaceId}${topup.testFunds ? ' (test funds, nothing was charged)' : ''}.`;
  return {
    ok: true,
    text,
    blocks: [
      header(`✅ Added ${amount}`),
      fields([
        ['Amount', amount],
        ['Sales tax', formatMicros(topup.taxMicros, 'usd')],
        ['Charged', topup.testFunds ? 'Nothing (test funds)' : formatMicros(topup.totalMicros, 'usd')],
        ...(topup.coveredDeficitMicros > 0
          ? ([['Covered deficit', formatMicros(topup.coveredDeficitMicros, 'usd')]] as const)
          : []),
        ...(spendable === null ? [] : ([['Spendable now', spendable]] as const)),
        ...(topup.invoiceId === null ? [] : ([['Invoice', `\`${topup.invoiceId}\``]] as const)),
      ]),
      actions('topup_done', [usage]),
      context(`Top-up \`${topup.id}\``),
    ],
  };
}
