import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_KEY_PREFIXES, IdSchema } from '@aicredits/contract';
import { AuthenticationError, NotFoundError, PermissionDeniedError } from '@aicredits/sdk';
import type { CustomRoute } from '@slack/bolt';
import { z } from 'zod';
import type { BotContext } from '../context.js';
import { BodyTooLargeError, escapeHtml, guarded, readBody, sendHtml } from '../http.js';

/**
 * The one-time link flow. `/credits link` mints a code (only its hash is stored, valid 15 minutes)
 * and answers privately with `<public url>/aicredits/link?code=…`. The page asks for the member's
 * workspace id, member id and member token (`ak_member_…`, from the dashboard); the bot checks
 * the token with the credits API and only then consumes the code and stores the link, the token
 * sealed with the bot's encryption key.
 */
export const LINK_PATH = '/aicredits/link';

export function linkUrl(publicUrl: string, code: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${LINK_PATH}?code=${encodeURIComponent(code)}`;
}

const LinkFormSchema = z.object({
  code: z.string().min(1).max(200),
  workspace_id: IdSchema,
  member_id: IdSchema,
  token: z
    .string()
    .trim()
    .min(1)
    .max(512)
    // Only member tokens: a server or platform key would let Slack users act beyond their role.
    .refine((t) => t.startsWith(API_KEY_PREFIXES.member), { message: 'must be a member token' }),
});

const EXPIRED_PAGE =
  '<p>This link has expired or was already used. Run <code>/credits link</code> in Slack to get a new one.</p>';

export function linkRoutes(getContext: () => BotContext): CustomRoute[] {
  const onError = (error: unknown) => getContext().logger.error('link page failed', error);
  return [
    {
      path: LINK_PATH,
      method: 'GET',
      handler: guarded(async (req, res) => showForm(getContext(), req, res), onError),
    },
    {
      path: LINK_PATH,
      method: 'POST',
      handler: guarded(async (req, res) => submitForm(getContext(), req, res), onError),
    },
  ];
}

async function showForm(ctx: BotContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const code = new URL(req.url ?? '/', 'http://localhost').searchParams.get('code') ?? '';
  if (code === '' || (await ctx.links.peekCode(code)) === null) {
    return sendHtml(res, 410, 'Link expired', EXPIRED_PAGE);
  }
  sendHtml(res, 200, 'Link Slack to aicredits', form(code, null));
}

async function submitForm(ctx: BotContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if ((req.headers['content-type'] ?? '').split(';')[0]?.trim() !== 'application/x-www-form-urlencoded') {
    return sendHtml(res, 415, 'Unsupported form', '<p>Submit the form from the link page.</p>');
  }
  let raw: string;
  try {
    raw = await readBody(req, 16_384);
  } catch (error) {
    if (error instanceof BodyTooLargeError)
      return sendHtml(res, 413, 'Too large', '<p>The form is too large.</p>');
    throw error;
  }
  const fields = Object.fromEntries(new URLSearchParams(raw));
  const code = typeof fields.code === 'string' ? fields.code : '';
  const owner = code === '' ? null : await ctx.links.peekCode(code);
  if (owner === null) return sendHtml(res, 410, 'Link expired', EXPIRED_PAGE);

  const parsed = LinkFormSchema.safeParse(fields);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    return sendHtml(
      res,
      400,
      'Link Slack to aicredits',
      form(code, `Please check the fields (${problems}).`),
    );
  }
  const { workspace_id: workspaceId, member_id: memberId, token } = parsed.data;
  // The token must open this very member: members may only read themselves.
  try {
    await ctx.credits(ctx.apiUrl, token).members.retrieve(workspaceId, memberId);
  } catch (error) {
    if (
      error instanceof AuthenticationError ||
      error instanceof NotFoundError ||
      error instanceof PermissionDeniedError
    ) {
      return sendHtml(
        res,
        400,
        'Link Slack to aicredits',
        form(
          code,
          'That token does not belong to this member of this workspace. Copy it again from the dashboard.',
        ),
      );
    }
    throw error;
  }
  const consumed = await ctx.links.consumeCode(code);
  if (consumed === null) return sendHtml(res, 410, 'Link expired', EXPIRED_PAGE);
  await ctx.links.save({
    teamId: consumed.teamId,
    slackUserId: consumed.slackUserId,
    apiBase: ctx.apiUrl,
    workspaceId,
    memberId,
    token,
  });
  ctx.logger.info(
    `linked Slack user ${consumed.slackUserId} (${consumed.teamId}) to ${workspaceId}/${memberId}`,
  );
  sendHtml(
    res,
    200,
    'Linked',
    `<p>Your Slack account is now linked to member <code>${escapeHtml(memberId)}</code> of workspace <code>${escapeHtml(
      workspaceId,
    )}</code>. Go back to Slack and try <code>/credits</code>.</p>`,
  );
}

function form(code: string, problem: string | null): string {
  return (
    (problem === null ? '' : `<p role="alert"><strong>${escapeHtml(problem)}</strong></p>`) +
    '<p>Paste your member token from the aicredits dashboard. The bot stores it encrypted and uses it only for your own commands; revoke it in the dashboard any time.</p>' +
    `<form method="post" action="${LINK_PATH}"><input type="hidden" name="code" value="${escapeHtml(code)}">` +
    '<label for="ws">Workspace id</label><input id="ws" name="workspace_id" required autocomplete="off">' +
    '<label for="member">Member id</label><input id="member" name="member_id" required autocomplete="off">' +
    '<label for="token">Member token (ak_member_…)</label><input id="token" name="token" type="password" required autocomplete="off">' +
    '<button type="submit">Link</button></form>'
  );
}
