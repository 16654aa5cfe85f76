import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackBot, type SlackBot } from '../src/index.js';
import { type FakeSlack, startFakeSlack } from './fake-slack.js';
import {
  blockText,
  expiringEvent,
  lowBalanceEvent,
  postEvent,
  quietLogger,
  recoveredEvent,
  SIGNING_SECRET,
  testConfig,
} from './helpers.js';
import { commandBody, postSigned } from './slack-requests.js';

/**
 * The real Bolt HTTP receiver, signed requests, a fake Slack Web API; no credits API is needed
 * for these paths (unlinked users, the link page, alerts).
 */
let fake: FakeSlack;
let bot: SlackBot;
let url: string;
const WS = 'ws_alerts';
const SECRET = 'whsec_test_alerts';

beforeAll(async () => {
  // Started before the App: in token mode Bolt calls auth.test while it initialises.
  fake = await startFakeSlack();
  bot = await createSlackBot({
    config: testConfig({ slackApiUrl: fake.apiUrl, apiUrl: 'http://127.0.0.1:9' }),
    slackRetryConfig: { retries: 0 },
    alertIntervalMs: 20,
    processBeforeResponse: true,
    logger: quietLogger(),
  });
  ({ url } = await bot.start(0));
  await bot.context.channels.save(
    {
      workspaceId: WS,
      apiBase: 'http://127.0.0.1:9',
      teamId: 'T0001',
      enterpriseId: null,
      channelId: 'C0ALERTS',
      endpointId: 'we_1',
      endpointSecret: SECRET,
    },
    'U0ADMIN',
  );
});

afterAll(async () => {
  await bot?.stop();
  await fake?.close();
});

beforeEach(() => fake.reset());

const command = (text: string, id: string, cmd = '/credits') =>
  commandBody({ command: cmd, text, teamId: 'T0001', userId: 'U0USER', responseUrl: fake.responseUrl(id) });

describe('Slack request verification', () => {
  it('accepts a correctly signed slash command and answers privately', async () => {
    const res = await postSigned(`${url}/slack/events`, command('', 'ok'), { signingSecret: SIGNING_SECRET });
    expect(res.status).toBe(200);
    const [reply] = fake.responsesOf('ok');
    expect(reply?.body.response_type).toBe('ephemeral');
    expect(String(reply?.body.text)).toContain('/credits link');
  });

  it('rejects a bad signature with 401 and runs no listener', async () => {
    const res = await postSigned(`${url}/slack/events`, command('', 'bad'), {
      signingSecret: SIGNING_SECRET,
      signature: `v0=${'0'.repeat(64)}`,
    });
    expect(res.status).toBe(401);
    expect(fake.responsesOf('bad')).toHaveLength(0);
  });

  it('rejects a body signed with another secret', async () => {
    const res = await postSigned(`${url}/slack/events`, command('', 'other'), {
      signingSecret: 'someone-else',
    });
    expect(res.status).toBe(401);
  });

  it('rejects a stale timestamp (older than 5 minutes) with 401', async () => {
    const res = await postSigned(`${url}/slack/events`, command('', 'stale'), {
      signingSecret: SIGNING_SECRET,
      timestampSeconds: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect(res.status).toBe(401);
    expect(fake.responsesOf('stale')).toHaveLength(0);
  });

  it('refuses a wrong content type', async () => {
    const res = await postSigned(`${url}/slack/events`, command('', 'ctype'), {
      signingSecret: SIGNING_SECRET,
      contentType: 'text/plain',
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(fake.responsesOf('ctype')).toHaveLength(0);
  });
});

describe('unlinked users', () => {
  it('/topup tells an unlinked user to link first', async () => {
    const res = await postSigned(`${url}/slack/events`, command('50', 'topup', '/topup'), {
      signingSecret: SIGNING_SECRET,
    });
    expect(res.status).toBe(200);
    expect(String(fake.responsesOf('topup')[0]?.body.text)).toContain('/credits link');
  });

  it('/credits help lists the commands', async () => {
    await postSigned(`${url}/slack/events`, command('help', 'help'), { signingSecret: SIGNING_SECRET });
    expect(String(fake.responsesOf('help')[0]?.body.text)).toContain('/topup <amount>');
  });
});

describe('link page', () => {
  it('serves a one-time form for a fresh code and refuses unknown codes', async () => {
    await postSigned(`${url}/slack/events`, command('link', 'link'), { signingSecret: SIGNING_SECRET });
    const text = String(fake.responsesOf('link')[0]?.body.text);
    const linkUrl = /(http:\/\/\S+\/aicredits\/link\?code=[\w-]+)/.exec(text)?.[1];
    expect(linkUrl).toBeDefined();
    const code = new URL(linkUrl ?? '').searchParams.get('code') ?? '';
    const page = await fetch(`${url}/aicredits/link?code=${code}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await page.text()).toContain('name="token"');

    expect((await fetch(`${url}/aicredits/link?code=nope`)).status).toBe(410);
    const forged = await fetch(`${url}/aicredits/link`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        code: 'nope',
        workspace_id: 'ws',
        member_id: 'm',
        token: 'ak_member_x',
      }).toString(),
    });
    expect(forged.status).toBe(410);
    // Only member tokens are accepted: a server key would act beyond the member's role.
    const serverKey = await fetch(`${url}/aicredits/link`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        code,
        workspace_id: 'ws',
        member_id: 'm',
        token: 'ak_server_abc',
      }).toString(),
    });
    expect(serverKey.status).toBe(400);
    expect(await serverKey.text()).toContain('member token');
    // The code survived the refused attempt.
    expect((await fetch(`${url}/aicredits/link?code=${code}`)).status).toBe(200);
  });
});

describe('alerts', () => {
  it('posts an alert once with headline, numbers, a Top up button and a usage link; a retry updates it', async () => {
    const event = lowBalanceEvent(WS, 'evt_low_1');
    const first = await postEvent(url, WS, event, SECRET);
    expect(first.status).toBe(200);
    const posts = fake.callsOf('chat.postMessage');
    expect(posts).toHaveLength(1);
    const post = posts[0]!;
    expect(post.token).toBe('xoxb-test-single');
    expect(post.args.channel).toBe('C0ALERTS');
    expect(String(post.args.text)).toContain('Low balance: $3.50 left');
    const shown = blockText(post.args.blocks);
    expect(shown).toContain('$5.00');
    expect(shown).toContain('aicredits_topup_open');
    expect(shown).toContain(`https://dashboard.example.test/workspaces/${WS}/usage`);

    // The same event delivered again (at-least-once) and a repeat with a new id: updates, no new post.
    expect((await postEvent(url, WS, event, SECRET)).status).toBe(200);
    expect((await postEvent(url, WS, lowBalanceEvent(WS, 'evt_low_2'), SECRET)).status).toBe(200);
    expect(fake.callsOf('chat.postMessage')).toHaveLength(1);
    const updates = fake.callsOf('chat.update');
    expect(updates).toHaveLength(2);
    const { ts } = (await first.json()) as { ts: string };
    expect(updates.map((u) => u.args.ts)).toEqual([ts, ts]);
    expect(updates.map((u) => u.args.channel)).toEqual(['C0ALERTS', 'C0ALERTS']);
  });

  it('re-arms after recovery: the next low-balance crossing posts a new message', async () => {
    await postEvent(url, WS, lowBalanceEvent(WS, 'evt_rl_1', 1_000_000), SECRET);
    await postEvent(url, WS, recoveredEvent(WS, 'evt_rl_2', 1_000_000), SECRET);
    await postEvent(url, WS, lowBalanceEvent(WS, 'evt_rl_3', 1_000_000), SECRET);
    const texts = fake.callsOf('chat.postMessage').map((c) => String(c.args.text));
    expect(texts).toHaveLength(3);
    expect(texts[1]).toContain('recovered');
    expect(fake.callsOf('chat.update')).toHaveLength(0);
  });

  it('shows the amount and the date of expiring funds', async () => {
    expect((await postEvent(url, WS, expiringEvent(WS, 'evt_exp_1'), SECRET)).status).toBe(200);
    const text = String(fake.callsOf('chat.postMessage')[0]?.args.text);
    expect(text).toContain('$12.34');
    expect(text).toContain('2030-03-01');
  });

  it('waits Retry-After when Slack answers 429, then posts once', async () => {
    fake.rateLimit('chat.postMessage', 1);
    const t0 = Date.now();
    const res = await postEvent(url, WS, lowBalanceEvent(WS, 'evt_429', 2_000_000), SECRET);
    expect(res.status).toBe(200);
    const attempts = fake.callsOf('chat.postMessage');
    expect(attempts).toHaveLength(2);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
  });

  it('spaces posts to one channel', async () => {
    await Promise.all(
      [1, 2, 3].map((n) => postEvent(url, WS, lowBalanceEvent(WS, `evt_sp_${n}`, 10_000_000 + n), SECRET)),
    );
    const at = fake.callsOf('chat.postMessage').map((c) => c.at);
    expect(at).toHaveLength(3);
    // Jobs start >= 20 ms apart; arrival times add network jitter, so only the overall span is checked
    // here (the exact spacing is unit-tested in channel-queue.test.ts).
    expect(at[2]! - at[0]!).toBeGreaterThanOrEqual(20);
  });

  it('rejects events with a bad signature, a stale timestamp or an unknown workspace', async () => {
    const event = lowBalanceEvent(WS, 'evt_bad');
    expect((await postEvent(url, WS, event, 'whsec_wrong')).status).toBe(401);
    expect((await postEvent(url, WS, event, SECRET, { tamper: true })).status).toBe(401);
    const stale = await postEvent(url, WS, event, SECRET, {
      timestampSeconds: Math.floor(Date.now() / 1000) - 3600,
    });
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { error: { code: string } }).error.code).toBe(
      'timestamp_out_of_tolerance',
    );
    expect((await postEvent(url, 'ws_unknown', lowBalanceEvent('ws_unknown', 'e'), SECRET)).status).toBe(404);
    // An event of another workspace, signed with this one's secret, cannot be replayed here.
    expect((await postEvent(url, WS, lowBalanceEvent('ws_other', 'evt_x'), SECRET)).status).toBe(400);
    expect(fake.callsOf('chat.postMessage')).toHaveLength(0);
  });
});
