import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackBot, type SlackBot } from '../src/index.js';
import { type FakeSlack, startFakeSlack } from './fake-slack.js';
import { lowBalanceEvent, postEvent, quietLogger, SIGNING_SECRET, testConfig } from './helpers.js';
import { commandBody, postSigned } from './slack-requests.js';

/** Multi-workspace mode: the OAuth install flow through Bolt's installer, into the bot's database. */
let fake: FakeSlack;
let bot: SlackBot;
let url: string;

beforeAll(async () => {
  fake = await startFakeSlack();
  bot = await createSlackBot({
    config: testConfig({
      slackApiUrl: fake.apiUrl,
      apiUrl: 'http://127.0.0.1:9',
      auth: {
        mode: 'oauth',
        clientId: '111.222',
        clientSecret: 'client-secret',
        stateSecret: 'state-secret-xyz',
      },
    }),
    slackRetryConfig: { retries: 0 },
    alertIntervalMs: 20,
    processBeforeResponse: true,
    logger: quietLogger(),
  });
  ({ url } = await bot.start(0));
});

afterAll(async () => {
  await bot?.stop();
  await fake?.close();
});

beforeEach(() => fake.reset());

/** Walks the browser part of the install: /slack/install sets a state cookie and redirects to Slack. */
async function install(teamId: string, botToken: string): Promise<Response> {
  const start = await fetch(`${url}/slack/install`, { redirect: 'manual' });
  expect(start.status).toBe(302);
  const authorizeUrl = new URL(start.headers.get('location') ?? '');
  expect(authorizeUrl.searchParams.get('scope')).toBe('commands,chat:write,chat:write.public');
  const state = authorizeUrl.searchParams.get('state') ?? '';
  const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const code = `code-${teamId}`;
  fake.grant(code, {
    teamId,
    teamName: `Team ${teamId}`,
    botToken,
    botUserId: `U0BOT${teamId}`,
    authedUserId: 'U0INSTALLER',
  });
  return fetch(`${url}/slack/oauth_redirect?code=${code}&state=${encodeURIComponent(state)}`, {
    headers: { cookie },
    redirect: 'manual',
  });
}

describe('OAuth install', () => {
  it('stores an installation (sealed) and serves a second team with its own token', async () => {
    const first = await install('T0AAA', 'xoxb-team-a');
    expect(first.status).toBe(200);
    expect(fake.callsOf('oauth.v2.access')).toHaveLength(1);
    const second = await install('T0BBB', 'xoxb-team-b');
    expect(second.status).toBe(200);
    expect(await bot.installationStore.count()).toBe(2);

    const stored = await bot.installationStore.fetchInstallation({
      teamId: 'T0BBB',
      enterpriseId: undefined,
      isEnterpriseInstall: false,
    });
    expect(stored.bot?.token).toBe('xoxb-team-b');
    const { rows } = await bot.context.db.query<{ installation_encrypted: string }>(
      'SELECT installation_encrypted FROM slack_installations',
    );
    expect(rows.map((r) => r.installation_encrypted).join()).not.toContain('xoxb-');

    // A command from the second team is authorised from the store.
    const res = await postSigned(
      `${url}/slack/events`,
      commandBody({
        command: '/credits',
        text: 'help',
        teamId: 'T0BBB',
        userId: 'U0B',
        responseUrl: fake.responseUrl('b'),
      }),
      { signingSecret: SIGNING_SECRET },
    );
    expect(res.status).toBe(200);
    expect(String(fake.responsesOf('b')[0]?.body.text)).toContain('/topup');

    // Alerts for a workspace configured in team B are posted with team B's bot token.
    await bot.context.channels.save(
      {
        workspaceId: 'ws_b',
        apiBase: 'http://127.0.0.1:9',
        teamId: 'T0BBB',
        enterpriseId: null,
        channelId: 'C0B',
        endpointId: 'we_b',
        endpointSecret: 'whsec_b',
      },
      'U0B',
    );
    expect((await postEvent(url, 'ws_b', lowBalanceEvent('ws_b', 'evt_b'), 'whsec_b')).status).toBe(200);
    expect(fake.callsOf('chat.postMessage').map((c) => c.token)).toEqual(['xoxb-team-b']);
  });

  it('refuses a callback whose state is not from this browser session', async () => {
    fake.grant('code-forged', {
      teamId: 'T0CCC',
      teamName: 'C',
      botToken: 'xoxb-c',
      botUserId: 'U0C',
      authedUserId: 'U0X',
    });
    const before = await bot.installationStore.count();
    const res = await fetch(`${url}/slack/oauth_redirect?code=code-forged&state=forged`, {
      redirect: 'manual',
    });
    expect(res.status).not.toBe(200);
    expect(await bot.installationStore.count()).toBe(before);
    expect(fake.callsOf('oauth.v2.access')).toHaveLength(0);
  });

  it('does not answer commands from a team that never installed the app', async () => {
    await postSigned(
      `${url}/slack/events`,
      commandBody({
        command: '/credits',
        text: 'help',
        teamId: 'T0NOPE',
        userId: 'U0Z',
        responseUrl: fake.responseUrl('z'),
      }),
      { signingSecret: SIGNING_SECRET },
    );
    expect(fake.responsesOf('z')).toHaveLength(0);
  });
});
