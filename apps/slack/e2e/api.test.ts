/**
 * The bot against the REAL credits API (in-memory, test clock) and a fake Slack Web API: linking,
 * `/credits`, `/topup` with its confirmation, the Top up modal, alert channel setup and webhook
 * delivery from the API to the bot. Every Slack request is signed and goes through Bolt's receiver.
 */
import { type RunningService, startService } from '@aicredits/api';
import { type AicreditsClient, createClient } from '@aicredits/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackBot, type SlackBot } from '../src/index.js';
import { type FakeSlack, startFakeSlack } from '../test/fake-slack.js';
import { blockText, quietLogger, SIGNING_SECRET, testConfig } from '../test/helpers.js';
import { buttonClickBody, commandBody, postSigned, viewSubmissionBody } from '../test/slack-requests.js';

const PLATFORM_KEY = 'ak_platform_slacke2e0001_0123456789abcdef0123456789abcdef';
const WS = 'ws_slack_e2e';
const ENT = 'ws_slack_enterprise';
const TEAM = 'T0001';

let service: RunningService;
let platform: AicreditsClient;
let fake: FakeSlack;
let bot: SlackBot;
let botUrl: string;
const keys: Record<'admin' | 'member' | 'entAdmin' | 'entOwner', string> = {
  admin: '',
  member: '',
  entAdmin: '',
  entOwner: '',
};
let responseCounter = 0;

beforeAll(async () => {
  service = await startService({
    port: 0,
    dataDir: 'memory://',
    platformKey: PLATFORM_KEY,
    testClock: true,
    logLevel: 'silent',
  });
  platform = createClient({
    baseUrl: service.url,
    apiKey: service.platformKey ?? PLATFORM_KEY,
    maxRetries: 0,
  });
  await platform.workspaces.create({
    id: WS,
    name: 'Acme',
    plan: 'pro',
    unit: 'usd',
    settings: { includedMicrosPerSeat: 25_000_000 },
  });
  await platform.workspaces.create({
    id: ENT,
    name: 'Globex',
    plan: 'enterprise',
    unit: 'usd',
    enterprise: true,
  });
  await platform.members.upsert(WS, 'admin_1', { role: 'admin', seat: { paid: true, active: true } });
  await platform.members.upsert(WS, 'member_1', { role: 'member', seat: { paid: true, active: true } });
  await platform.members.upsert(ENT, 'owner_1', { role: 'owner' });
  await platform.members.upsert(ENT, 'admin_2', { role: 'admin' });
  keys.admin = (await platform.apiKeys.create(WS, { type: 'member', memberId: 'admin_1' })).secret;
  keys.member = (await platform.apiKeys.create(WS, { type: 'member', memberId: 'member_1' })).secret;
  keys.entAdmin = (await platform.apiKeys.create(ENT, { type: 'member', memberId: 'admin_2' })).secret;
  keys.entOwner = (await platform.apiKeys.create(ENT, { type: 'member', memberId: 'owner_1' })).secret;

  fake = await startFakeSlack();
  bot = await createSlackBot({
    config: testConfig({ slackApiUrl: fake.apiUrl, apiUrl: service.url }),
    slackRetryConfig: { retries: 0 },
    alertIntervalMs: 20,
    processBeforeResponse: true,
    logger: quietLogger(),
  });
  ({ url: botUrl } = await bot.start(0));
  // The public URL is where the API delivers webhooks and where link pages live.
  bot.context.publicUrl = botUrl;

  await link('U0ADMIN', WS, 'admin_1', keys.admin);
  await link('U0MEMBER', WS, 'member_1', keys.member);
  await link('U0ENTADMIN', ENT, 'admin_2', keys.entAdmin);
}, 180_000);

afterAll(async () => {
  await bot?.stop();
  await fake?.close();
  await service?.close();
});

beforeEach(() => fake.reset());

/** Sends a signed slash command and returns what the bot posted to its response_url. */
async function slash(command: string, text: string, userId: string, channelId = 'C0GENERAL') {
  responseCounter += 1;
  const id = `r${responseCounter}`;
  const res = await postSigned(
    `${botUrl}/slack/events`,
    commandBody({ command, text, teamId: TEAM, userId, channelId, responseUrl: fake.responseUrl(id) }),
    { signingSecret: SIGNING_SECRET },
  );
  expect(res.status).toBe(200);
  const replies = fake.responsesOf(id);
  expect(replies.length).toBeGreaterThan(0);
  const body = replies[replies.length - 1]!.body;
  return { id, body, text: String(body.text), shown: `${String(body.text)}\n${blockText(body.blocks)}` };
}

async function click(userId: string, actionId: string, value: string, viewId?: string) {
  responseCounter += 1;
  const id = `c${responseCounter}`;
  const res = await postSigned(
    `${botUrl}/slack/events`,
    buttonClickBody({
      teamId: TEAM,
      userId,
      actionId,
      value,
      responseUrl: fake.responseUrl(id),
      ...(viewId === undefined ? {} : { viewId }),
    }),
    { signingSecret: SIGNING_SECRET },
  );
  expect(res.status).toBe(200);
  return { id, replies: () => fake.responsesOf(id).map((r) => r.body) };
}

async function linkUrlFor(userId: string): Promise<string> {
  const { text } = await slash('/credits', 'link', userId);
  const url = /(http:\/\/\S+\/aicredits\/link\?code=[\w-]+)/.exec(text)?.[1];
  if (url === undefined) throw new Error(`no link URL in: ${text}`);
  return url;
}

async function submitLink(
  url: string,
  workspaceId: string,
  memberId: string,
  token: string,
): Promise<Response> {
  const code = new URL(url).searchParams.get('code') ?? '';
  return fetch(`${botUrl}/aicredits/link`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ code, workspace_id: workspaceId, member_id: memberId, token }).toString(),
  });
}

async function link(userId: string, workspaceId: string, memberId: string, token: string): Promise<void> {
  const res = await submitLink(await linkUrlFor(userId), workspaceId, memberId, token);
  expect(res.status).toBe(200);
}

async function purchasedMicros(workspaceId = WS): Promise<number> {
  return (await platform.balance.retrieve(workspaceId)).byKind.purchased;
}

function confirmValue(body: Record<string, unknown>, actionId = 'aicredits_topup_confirm'): string {
  const found = /"action_id":"([^"]+)","text":[^}]+},"value":"([^"]+)"/g;
  const json = JSON.stringify(body.blocks ?? body);
  for (const match of json.matchAll(found))
    if (match[1] === actionId && match[2] !== undefined) return match[2];
  throw new Error(`no ${actionId} button in ${json}`);
}

describe('linking', () => {
  it('verifies the token with the API, uses the code once, and stores the link', async () => {
    const url = await linkUrlFor('U0NEW');
    // A member token opening someone else's member record is refused; the code survives.
    const wrong = await submitLink(url, WS, 'admin_1', keys.member);
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('does not belong');
    const bogus = await submitLink(url, WS, 'member_1', 'ak_member_notarealkey0000000000');
    expect(bogus.status).toBe(400);
    const ok = await submitLink(url, WS, 'member_1', keys.member);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('member_1');
    const replay = await submitLink(url, WS, 'member_1', keys.member);
    expect(replay.status).toBe(410);
    const stored = await bot.context.links.get(TEAM, 'U0NEW');
    expect(stored?.memberId).toBe('member_1');
    // The token is sealed at rest, never stored in clear.
    const { rows } = await bot.context.db.query<{ token_encrypted: string }>(
      'SELECT token_encrypted FROM member_links WHERE slack_user_id = $1',
      ['U0NEW'],
    );
    expect(rows[0]?.token_encrypted).not.toContain(keys.member);
  });
});

describe('/credits', () => {
  it('shows the balance privately, with the caller’s own included seat credits', async () => {
    const { body, shown } = await slash('/credits', '', 'U0MEMBER');
    expect(body.response_type).toBe('ephemeral');
    expect(shown).toContain('Credits · Acme');
    expect(shown).toContain('Your included credits left');
    expect(shown).toContain('$25.00');
    expect(shown).toContain('member `member_1`');
  });
});

describe('/topup', () => {
  it('tells a member without billing access who can add funds', async () => {
    const { body, text } = await slash('/topup', '50', 'U0MEMBER');
    expect(body.response_type).toBe('ephemeral');
    expect(text).toContain("You don't have billing access");
    expect(text).toContain('admins and owners');
    expect(
      body.blocks === undefined || !JSON.stringify(body.blocks).includes('aicredits_topup_confirm'),
    ).toBe(true);
  });

  it('tells an admin of an Enterprise workspace that only owners can', async () => {
    const { text } = await slash('/topup', '50', 'U0ENTADMIN');
    expect(text).toContain('owners');
    expect(text).toContain('Enterprise');
  });

  it.each([
    ['', 'how much'],
    ['abc', 'not an amount'],
    ['-5', 'must be positive'],
    ['0', 'more than $0'],
    ['12.345', 'more than two decimals'],
    ['4.99', 'minimum top-up is $5.00'],
    ['10000.01', 'maximum top-up is $10,000.00'],
  ])('refuses the amount %j privately', async (amount, message) => {
    const before = await purchasedMicros();
    const { body, text } = await slash('/topup', amount, 'U0ADMIN');
    expect(body.response_type).toBe('ephemeral');
    expect(text).toContain(message);
    expect(await purchasedMicros()).toBe(before);
  });

  it('confirms amount, tax and card, then charges once even when Confirm is clicked twice', async () => {
    const before = await purchasedMicros();
    const { shown, body } = await slash('/topup', '50', 'U0ADMIN');
    expect(shown).toContain('Top up $50.00?');
    expect(shown).toContain('Sales tax');
    expect(shown).toContain('None (test funds)');
    expect(shown).toContain('*Total charged*\nNothing (test funds)');
    expect(shown).toContain('Card');
    expect(await purchasedMicros()).toBe(before);
    const confirmationId = confirmValue(body);

    const [first, second] = await Promise.all([
      click('U0ADMIN', 'aicredits_topup_confirm', confirmationId),
      click('U0ADMIN', 'aicredits_topup_confirm', confirmationId),
    ]);
    for (const c of [first, second]) {
      const reply = c.replies().at(-1);
      expect(reply?.replace_original).toBe(true);
      expect(String(reply?.text)).toContain('Added $50.00');
      expect(blockText(reply?.blocks)).toContain('Sales tax');
    }
    expect(await purchasedMicros()).toBe(before + 50_000_000);
    const topups = await createClient({ baseUrl: service.url, apiKey: keys.admin }).topups.list(WS);
    expect(topups.data.filter((t) => t.amountMicros === 50_000_000)).toHaveLength(1);
  });

  it('cancels a confirmation; a later Confirm charges nothing', async () => {
    const before = await purchasedMicros();
    const { body } = await slash('/topup', '20', 'U0ADMIN');
    const confirmationId = confirmValue(body);
    const cancel = await click('U0ADMIN', 'aicredits_topup_cancel', confirmationId);
    expect(String(cancel.replies().at(-1)?.text)).toContain('cancelled');
    const late = await click('U0ADMIN', 'aicredits_topup_confirm', confirmationId);
    expect(String(late.replies().at(-1)?.text)).toContain('nothing was charged');
    // Another user cannot confirm someone else's top-up.
    const { body: other } = await slash('/topup', '30', 'U0ADMIN');
    const stolen = await click('U0MEMBER', 'aicredits_topup_confirm', confirmValue(other));
    expect(String(stolen.replies().at(-1)?.text)).toContain('not yours');
    expect(await purchasedMicros()).toBe(before);
  });

  it('re-checks the role on every command: a demoted admin is refused at once', async () => {
    await platform.members.upsert(WS, 'admin_1', { role: 'member', seat: { paid: true, active: true } });
    try {
      const { text } = await slash('/topup', '10', 'U0ADMIN');
      expect(text).toContain('billing access');
    } finally {
      await platform.members.upsert(WS, 'admin_1', { role: 'admin', seat: { paid: true, active: true } });
    }
  });
});

describe('the Top up button on alerts', () => {
  it('opens the amount modal for billing users and refuses others', async () => {
    const refused = await click('U0MEMBER', 'aicredits_topup_open', WS);
    expect(String(refused.replies().at(-1)?.text)).toContain('billing access');
    expect(fake.callsOf('views.open')).toHaveLength(0);

    await click('U0ADMIN', 'aicredits_topup_open', WS);
    const opened = fake.callsOf('views.open');
    expect(opened).toHaveLength(1);
    expect(JSON.stringify(opened[0]?.args.view)).toContain('aicredits_topup_amount');
  });

  it('validates the amount in the modal, then confirms and tops up inside it', async () => {
    const submit = (value: string) =>
      postSigned(
        `${botUrl}/slack/events`,
        viewSubmissionBody({
          teamId: TEAM,
          userId: 'U0ADMIN',
          callbackId: 'aicredits_topup_amount',
          privateMetadata: JSON.stringify({ workspaceId: WS }),
          values: { amount_block: { amount_input: { type: 'plain_text_input', value } } },
        }),
        { signingSecret: SIGNING_SECRET },
      );
    const bad = await submit('2');
    expect(bad.status).toBe(200);
    const badBody = (await bad.json()) as { response_action: string; errors: Record<string, string> };
    expect(badBody.response_action).toBe('errors');
    expect(badBody.errors.amount_block).toContain('minimum');

    const before = await purchasedMicros();
    const good = await submit('15');
    const goodBody = (await good.json()) as { response_action: string; view: { blocks: unknown } };
    expect(goodBody.response_action).toBe('update');
    expect(blockText(goodBody.view.blocks)).toContain('Top up $15.00?');
    const confirmationId = confirmValue({ blocks: goodBody.view.blocks });

    await click('U0ADMIN', 'aicredits_topup_confirm', confirmationId, 'V0MODAL');
    const updated = fake.callsOf('views.update');
    expect(updated).toHaveLength(1);
    expect(updated[0]?.args.view_id).toBe('V0MODAL');
    expect(blockText((updated[0]?.args.view as { blocks: unknown }).blocks)).toContain('Added $15.00');
    expect(await purchasedMicros()).toBe(before + 15_000_000);
  });
});

describe('alert channel and webhook delivery from the API', () => {
  it('refuses members, registers the endpoint for an admin, and posts the API’s events', async () => {
    const refused = await slash('/credits', 'alerts here', 'U0MEMBER', 'C0ALERTS');
    expect(refused.text).toContain('Only workspace admins and owners');
    expect(await bot.context.channels.get(WS)).toBeNull();

    const ok = await slash('/credits', 'alerts <#C0ALERTS|alerts>', 'U0ADMIN');
    expect(ok.text).toContain('<#C0ALERTS>');
    const channel = await bot.context.channels.get(WS);
    expect(channel?.endpointSecret).toMatch(/^whsec_/);
    const hello = fake.callsOf('chat.postMessage')[0];
    expect(hello?.args.channel).toBe('C0ALERTS');
    expect(String(hello?.args.text)).toContain('now receives aicredits alerts');

    // A top-up emits topup.succeeded; the API delivers it, signed, to the bot's endpoint.
    const { body } = await slash('/topup', '25', 'U0ADMIN');
    await click('U0ADMIN', 'aicredits_topup_confirm', confirmValue(body));
    await service.background.runOnce();
    const topupPosts = () =>
      fake
        .callsOf('chat.postMessage')
        .filter((c) => String(c.args.text).includes('Top-up of $25.00 succeeded'));
    await fake.waitFor(() => topupPosts().length >= 1);
    expect(topupPosts()[0]?.args.channel).toBe('C0ALERTS');
    // Other events of this workspace (e.g. a recovery) may arrive too; each is posted once.
    const texts = fake.callsOf('chat.postMessage').map((c) => String(c.args.text));
    expect(new Set(texts).size).toBe(texts.length);

    // Delivered once: another delivery pass posts nothing new and updates nothing.
    const posted = fake.callsOf('chat.postMessage').length;
    await service.background.runOnce();
    expect(fake.callsOf('chat.postMessage')).toHaveLength(posted);
    expect(topupPosts()).toHaveLength(1);
  });
});
