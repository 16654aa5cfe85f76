/**
 * `topups.quote` and the billing card against the real credits API in no-payment mode: the quote
 * follows the top-up's rules and access, charges nothing, and the errors arrive as the SDK's
 * classes. (Stripe-mode tax and card details are covered by the API's suite against the stand-in.)
 */
import { type RunningService, startService } from '@aicredits/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AicreditsClient,
  BadRequestError,
  createClient,
  PermissionDeniedError,
  parseAmountToMicros,
  UnprocessableEntityError,
} from '../src/index';

const PLATFORM_KEY = 'ak_platform_sdkquote0001_0123456789abcdef0123456789abcdef';
const ws = 'ws_sdk_quote';

let service: RunningService;
let admin: AicreditsClient;
let member: AicreditsClient;

beforeAll(async () => {
  service = await startService({
    port: 0,
    dataDir: 'memory://',
    platformKey: PLATFORM_KEY,
    logLevel: 'silent',
  });
  const client = (apiKey: string) => createClient({ baseUrl: service.url, apiKey, maxRetries: 0 });
  const platform = client(PLATFORM_KEY);
  await platform.workspaces.create({ id: ws, name: 'SDK quote', plan: 'pro', unit: 'usd' });
  await platform.members.upsert(ws, 'admin_1', { role: 'admin' });
  await platform.members.upsert(ws, 'member_1', { role: 'member' });
  admin = client((await platform.apiKeys.create(ws, { type: 'member', memberId: 'admin_1' })).secret);
  member = client((await platform.apiKeys.create(ws, { type: 'member', memberId: 'member_1' })).secret);
}, 120_000);

afterAll(async () => {
  await service?.close();
});

describe('topups.quote', () => {
  it('quotes amount, tax and total as test funds, and creates nothing', async () => {
    const amountMicros = parseAmountToMicros('25.50');
    expect(await admin.topups.quote(ws, { amountMicros })).toEqual({
      amountMicros,
      taxMicros: 0,
      totalMicros: amountMicros,
      currency: 'usd',
      billingAddress: null,
      paymentMethod: null,
      testFunds: true,
    });
    await admin.billing.update(ws, { address: { country: 'US', state: 'CA' } });
    expect((await admin.topups.quote(ws, { amountMicros })).billingAddress).toEqual({
      country: 'US',
      state: 'CA',
    });
    expect((await admin.billing.retrieve(ws)).card).toBeNull();
    expect((await admin.topups.list(ws)).data).toEqual([]);
  });

  it('refuses what a top-up refuses, with the same error classes and codes', async () => {
    await expect(admin.topups.quote(ws, { amountMicros: 5_000_001 })).rejects.toBeInstanceOf(BadRequestError);
    await expect(admin.topups.quote(ws, { amountMicros: 1_000_000 })).rejects.toSatisfy(
      (e: unknown) => e instanceof UnprocessableEntityError && e.code === 'topup_amount_out_of_range',
    );
    await expect(member.topups.quote(ws, { amountMicros: 10_000_000 })).rejects.toSatisfy(
      (e: unknown) => e instanceof PermissionDeniedError && e.code === 'billing_access_required',
    );
  });
});
