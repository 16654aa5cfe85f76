/**
 * `/topup` against the real credits API in Stripe mode (the local Stripe stand-in): the
 * confirmation shows the quoted tax, the total and the saved card; a good card is charged amount
 * + tax once and the invoice is shown, even on a double click; a declined card credits nothing
 * and the user is told why.
 */
import { type RunningService, startService } from '@aicredits/api';
import { type AicreditsClient, createClient } from '@aicredits/sdk';
import { type StripeStandin, startStripeStandin, type TestCardKind } from '@aicredits/stripe-standin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackBot, type SlackBot } from '../src/index.js';
import { type FakeSlack, startFakeSlack } from '../test/fake-slack.js';
import { blockText, quietLogger, SIGNING_SECRET, testConfig } from '../test/helpers.js';
import { buttonClickBody, commandBody, postSigned } from '../test/slack-requests.js';

const PLATFORM_KEY = 'ak_platform_slackpay0001_0123456789abcdef0123456789abcdef';
const TEAM = 'T0001';

let stripe: StripeStandin;
let service: RunningService;
let platform: AicreditsClient;
let fake: FakeSlack;
let bot: SlackBot;
let botUrl: string;
let counter = 0;

beforeAll(async () => {
  stripe = await startStripeStandin({ webhookSecret: 'whsec_slack_payments' });
  service = await startService({
    port: 0,
    dataDir: 'memory://',
    platformKey: PLATFORM_KEY,
    testClock: true,
    logLevel: 'silent',
    stripe: { secretKey: stripe.apiKey, webhookSecret: stripe.webhookSecret, apiBase: stripe.url },
  });
  stripe.setWebhookUrl(`${service.url}/v1/stripe/webhook`);
  platform = createClient({ baseUrl: service.url, apiKey: PLATFORM_KEY, maxRetries: 0 });
  fake = await startFakeSlack();
  bot = await createSlackBot({
    config: testConfig({ slackApiUrl: fake.apiUrl, apiUrl: service.url }),
    slackRetryConfig: { retries: 0 },
    processBeforeResponse: true,
    logger: quietLogger(),
  });
  ({ url: botUrl } = await bot.start(0));
  bot.context.publicUrl = botUrl;
}, 180_000);

afterAll(async () => {
  await bot?.stop();
  await fake?.close();
  await service?.close();
  await stripe?.close();
});

/** A workspace with a Californian billing address and a saved card, and a linked Slack admin. */
async function billedWorkspace(card: TestCardKind, slackUserId: string): Promise<string> {
  counter += 1;
  const ws = `ws_pay_${counter}`;
  await platform.workspaces.create({ id: ws, name: `Pay ${counter}`, plan: 'pro', unit: 'usd' });
  await platform.members.upsert(ws, 'admin_1', { role: 'admin' });
  const key = (await platform.apiKeys.create(ws, { type: 'member', memberId: 'admin_1' })).secret;
  const admin = createClient({ baseUrl: service.url, apiKey: key, maxRetries: 0 });
  const billing = await admin.billing.update(ws, {
    address: { country: 'US', state: 'CA', postalCode: '94107' },
  });
  const paymentMethodId = stripe.createTestCard(card, billing.customerId ?? undefined);
  await admin.billing.update(ws, { paymentMethodId });
  await bot.context.links.save({
    teamId: TEAM,
    slackUserId,
    apiBase: service.url,
    workspaceId: ws,
    memberId: 'admin_1',
    token: key,
  });
  return ws;
}

/** The stand-in dates test cards from its own clock; read the year back rather than guess it. */
async function savedCardExpiryYear(ws: string): Promise<number | undefined> {
  const { paymentMethodId } = await platform.billing.retrieve(ws);
  return stripe.getPaymentMethod(paymentMethodId ?? '')?.card.exp_year;
}

async function slash(text: string, userId: string) {
  counter += 1;
  const id = `p${counter}`;
  const res = await postSigned(
    `${botUrl}/slack/events`,
    commandBody({ command: '/topup', text, teamId: TEAM, userId, responseUrl: fake.responseUrl(id) }),
    { signingSecret: SIGNING_SECRET },
  );
  expect(res.status).toBe(200);
  return fake.responsesOf(id).at(-1)?.body ?? {};
}

async function confirm(userId: string, body: Record<string, unknown>) {
  const value = /"action_id":"aicredits_topup_confirm","text":[^}]+},"value":"([^"]+)"/.exec(
    JSON.stringify(body.blocks),
  )?.[1];
  expect(value).toBeDefined();
  counter += 1;
  const id = `pc${counter}`;
  await postSigned(
    `${botUrl}/slack/events`,
    buttonClickBody({
      teamId: TEAM,
      userId,
      actionId: 'aicredits_topup_confirm',
      value: value ?? '',
      responseUrl: fake.responseUrl(id),
    }),
    { signingSecret: SIGNING_SECRET },
  );
  return fake.responsesOf(id).at(-1)?.body ?? {};
}

describe('/topup with Stripe', () => {
  it('shows tax and card, then charges amount + tax on the saved card', async () => {
    const ws = await billedWorkspace('visa', 'U0VISA');
    const confirmation = await slash('50', 'U0VISA');
    const shown = blockText(confirmation.blocks);
    const card = `Visa •••• 4242 (exp 12/${await savedCardExpiryYear(ws)})`;
    expect(shown).toContain('Top up $50.00?');
    // The exact tax from the API's quote — California: 7.25% of $50.00 = $3.625, half up to $3.63.
    expect(shown).toContain('*Sales tax*\n$3.63 (CA, US)');
    expect(shown).toContain('*Total charged*\n$53.63');
    expect(shown).toContain(`*Card*\n${card}`);
    expect(String(confirmation.text)).toBe(
      `Add $50.00 to workspace ${ws}? $3.63 sales tax, $53.63 charged to ${card}.`,
    );

    const result = await confirm('U0VISA', confirmation);
    const resultText = blockText(result.blocks);
    expect(String(result.text)).toContain('Added $50.00');
    expect(resultText).toContain('$3.63');
    expect(resultText).toContain('$53.63');
    expect(resultText).toMatch(/\*Invoice\*\n`in_/);
    expect((await platform.balance.retrieve(ws)).byKind.purchased).toBe(50_000_000);
  });

  it('shows the invoice on both results when Confirm is clicked twice, charging once', async () => {
    const ws = await billedWorkspace('visa', 'U0TWICE');
    const confirmation = await slash('20', 'U0TWICE');
    const [first, second] = await Promise.all([
      confirm('U0TWICE', confirmation),
      confirm('U0TWICE', confirmation),
    ]);
    const invoices = [first, second].map((r) => /\*Invoice\*\n`(in_[^`]+)`/.exec(blockText(r.blocks))?.[1]);
    expect(invoices[0]).toMatch(/^in_/);
    expect(invoices[1]).toBe(invoices[0]);
    expect((await platform.balance.retrieve(ws)).byKind.purchased).toBe(20_000_000);
    expect(stripe.listPaymentIntents().filter((p) => p.metadata.workspaceId === ws)).toHaveLength(1);
  });

  it('reports a declined card and credits nothing', async () => {
    const ws = await billedWorkspace('declined', 'U0DECLINED');
    const result = await confirm('U0DECLINED', await slash('20', 'U0DECLINED'));
    expect(String(result.text)).toContain('The payment failed');
    expect(String(result.text)).toContain('Nothing was credited');
    expect((await platform.balance.retrieve(ws)).availableMicros).toBe(0);
  });
});
