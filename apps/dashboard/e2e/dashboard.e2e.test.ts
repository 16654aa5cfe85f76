/**
 * The built dashboard, served by the real credits API (in-memory database, demo data), driven in
 * headless Chromium. Every figure the page shows is checked against what the API returns for the
 * same request, through the SDK. Screenshots land in artifacts/ for a person to look at.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningService, type SeededDemo, seedDemo, startService } from '@aicredits/api';
import {
  type AicreditsClient,
  type Balance,
  createClient,
  formatMicros,
  type UsageReport,
} from '@aicredits/sdk';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureChromium, launchChromium } from './chromium';

const here = dirname(fileURLToPath(import.meta.url));
const distDir = join(here, '..', 'dist');
const artifacts = join(here, '..', 'artifacts');
const PLATFORM_KEY = 'ak_platform_dashboarde2e_0123456789abcdef0123456789abcdef';
/** Upper bound for any single wait on the page. */
const WAIT_MS = 15_000;

let service: RunningService;
let demo: SeededDemo;
let browser: BrowserContext;
let admin: AicreditsClient;
let member: AicreditsClient;
let adminPage: Page;

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

async function signInWithForm(page: Page, token: string): Promise<void> {
  await page.goto(`${service.url}/dashboard/`, { timeout: WAIT_MS });
  await page.getByLabel('Workspace id').fill(demo.workspaceId, { timeout: WAIT_MS });
  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('[data-figure="available"]').waitFor({ timeout: WAIT_MS });
}

async function figure(page: Page, id: string): Promise<{ micros: number; text: string }> {
  const node = page.locator(`[data-figure="${id}"]`);
  return {
    micros: Number(await node.getAttribute('data-micros', { timeout: WAIT_MS })),
    text: (await node.locator('.amount').innerText({ timeout: WAIT_MS })).trim(),
  };
}

async function expectBalanceShown(page: Page, balance: Balance): Promise<void> {
  const expected: Record<string, number> = {
    available: balance.availableMicros,
    spendable: balance.spendableMicros,
    reserved: balance.reservedMicros,
    deficit: balance.deficitMicros,
  };
  for (const [id, micros] of Object.entries(expected)) {
    expect(await figure(page, id), id).toEqual({ micros, text: formatMicros(micros, balance.unit) });
  }
  for (const [kind, micros] of Object.entries(balance.byKind)) {
    const row = page.locator(`#balance [data-kind="${kind}"]`);
    expect(Number(await row.getAttribute('data-micros', { timeout: WAIT_MS })), kind).toBe(micros);
    expect(await row.locator('td').innerText()).toBe(formatMicros(micros, balance.unit));
  }
}

/** The usage rows the page shows, as key → micros. */
async function usageShown(page: Page, table: string): Promise<Record<string, number>> {
  const rows = page.locator(`[data-table="${table}"] tbody tr`);
  await rows.first().waitFor({ timeout: WAIT_MS });
  const shown: Record<string, number> = {};
  for (const row of await rows.all()) {
    shown[(await row.getAttribute('data-key')) ?? ''] = Number(await row.getAttribute('data-micros'));
  }
  return shown;
}

/** Waits (bounded) until the element's text contains `text`. */
async function expectText(locator: Locator, text: string): Promise<void> {
  await expect.poll(() => locator.innerText({ timeout: WAIT_MS }), { timeout: WAIT_MS }).toContain(text);
}

const asRecord = (report: UsageReport) =>
  Object.fromEntries(report.groups.map((g) => [g.key, g.amountMicros]));

/** Waits for the page's usage request of one grouping and returns its period. */
function usageRequest(page: Page, groupBy: string) {
  return page.waitForResponse(
    (response) => {
      const url = new URL(response.url());
      return url.pathname.endsWith('/usage') && url.searchParams.get('groupBy') === groupBy && response.ok();
    },
    { timeout: WAIT_MS },
  );
}

function periodOf(url: string): { from: string; to: string } {
  const params = new URL(url).searchParams;
  return { from: params.get('from') ?? '', to: params.get('to') ?? '' };
}

beforeAll(async () => {
  if (!existsSync(join(distDir, 'index.html'))) throw new Error('Build the dashboard first (vite build).');
  mkdirSync(artifacts, { recursive: true });
  ensureChromium();
  service = await startService({
    port: 0,
    host: '127.0.0.1',
    dataDir: 'memory://',
    platformKey: PLATFORM_KEY,
    logLevel: 'silent',
    dashboardDir: distDir,
  });
  demo = await seedDemo(service, { keysFile: null });
  admin = createClient({ baseUrl: service.url, apiKey: demo.keys.admin, maxRetries: 0 });
  member = createClient({ baseUrl: service.url, apiKey: demo.keys.member, maxRetries: 0 });
  browser = await launchChromium();
  adminPage = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
  await service?.close();
});

describe('dashboard served by the credits API', () => {
  it('signs the demo admin in and shows the balance the API returns', async () => {
    await signInWithForm(adminPage, demo.keys.admin);
    await expectText(adminPage.getByText('Signed in as'), 'Adam Admin');
    // Background jobs (seat grants) may land while the page loads: compare against a settled read.
    let balance = await admin.balance.retrieve(demo.workspaceId);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const shown = await figure(adminPage, 'available');
      if (shown.micros === balance.availableMicros) break;
      await adminPage.reload({ timeout: WAIT_MS });
      await adminPage.locator('[data-figure="available"]').waitFor({ timeout: WAIT_MS });
      balance = await admin.balance.retrieve(demo.workspaceId);
    }
    await expectBalanceShown(adminPage, balance);
    const seats = adminPage.locator('[data-table="seats"] tbody tr');
    const seatScopes = balance.byScope.filter((s) => s.scope.startsWith('member:'));
    expect(await seats.count()).toBe(seatScopes.length);
    for (const scope of seatScopes) {
      const row = adminPage.locator(
        `[data-table="seats"] [data-member="${scope.scope.slice('member:'.length)}"]`,
      );
      expect(Number(await row.getAttribute('data-micros'))).toBe(scope.availableMicros);
    }
    await shot(adminPage, 'admin-desktop');
  });

  it('shows usage by feature and by member for the chosen period, and the trend chart', async () => {
    const byFeature = usageRequest(adminPage, 'feature');
    const byMember = usageRequest(adminPage, 'member');
    await adminPage.getByLabel('Show').selectOption('7d');
    const period = periodOf((await byFeature).url());
    await byMember;
    const [features, members, days] = await Promise.all([
      admin.usage.retrieve(demo.workspaceId, { ...period, groupBy: 'feature' }),
      admin.usage.retrieve(demo.workspaceId, { ...period, groupBy: 'member' }),
      admin.usage.retrieve(demo.workspaceId, { ...period, groupBy: 'day' }),
    ]);
    expect(features.totalMicros).toBeGreaterThan(0);
    expect(Date.parse(period.to) - Date.parse(period.from)).toBe(7 * 86_400_000);
    await expect
      .poll(() => usageShown(adminPage, 'usage-feature'), { timeout: WAIT_MS })
      .toEqual(asRecord(features));
    expect(await usageShown(adminPage, 'usage-member')).toEqual(asRecord(members));
    expect(await adminPage.locator('[data-usage-total]').getAttribute('data-usage-total')).toBe(
      String(features.totalMicros),
    );

    const chart = adminPage.locator('[data-chart="trend"]');
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(7);
    const bars = chart.locator('.recharts-bar-rectangle path, path.recharts-rectangle');
    await bars.first().waitFor({ timeout: WAIT_MS });
    const daysWithUsage = days.groups.filter((g) => g.amountMicros > 0).length;
    expect(await bars.count()).toBe(daysWithUsage);
  });

  it('pages through transactions with the API cursors', async () => {
    const first = await admin.transactions.list(demo.workspaceId, { limit: 10 });
    const second = await first.getNextPage();
    const ids = (page: Page) =>
      page
        .locator('[data-table="transactions"] tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-entry')));
    await expect.poll(() => ids(adminPage), { timeout: WAIT_MS }).toEqual(first.data.map((e) => e.id));
    const panel = adminPage.locator('#transactions');
    await panel.getByRole('button', { name: 'Next' }).click();
    await panel.locator('[data-table="transactions"][data-page="2"]').waitFor({ timeout: WAIT_MS });
    expect(await ids(adminPage)).toEqual(second.data.map((e) => e.id));
    const amounts = await panel.locator('tbody td.num').allInnerTexts();
    expect(amounts).toEqual(second.data.map((e) => formatMicros(e.amountMicros, 'usd')));
    await panel.getByRole('button', { name: 'Previous' }).click();
    await panel.locator('[data-table="transactions"][data-page="1"]').waitFor({ timeout: WAIT_MS });
  });

  it('lists upcoming expirations, soonest first', async () => {
    const lots = [];
    for await (const lot of admin.lots.list(demo.workspaceId)) lots.push(lot);
    const expiring = lots
      .filter((l) => l.expiresAt !== null && l.remainingMicros > 0)
      .sort(
        (a, b) => Date.parse(a.expiresAt ?? '') - Date.parse(b.expiresAt ?? '') || a.id.localeCompare(b.id),
      );
    expect(expiring.length).toBeGreaterThan(0);
    const items = adminPage.locator('[data-list="expirations"] li');
    await items.first().waitFor({ timeout: WAIT_MS });
    const shown = await items.evaluateAll((nodes) =>
      nodes.map((n) => [n.getAttribute('data-lot'), Number(n.getAttribute('data-micros'))]),
    );
    expect(shown).toEqual(expiring.map((l) => [l.id, l.remainingMicros]));
    await expectText(adminPage.locator('#expirations'), 'Welcome credit');
  });

  it('adds funds: the balance grows by the amount', async () => {
    const before = await admin.balance.retrieve(demo.workspaceId);
    const panel = adminPage.locator('#add-funds');
    await panel.getByLabel('Amount (USD)').fill('25');
    // The API's quote for the typed amount (no-payment mode: no tax, nothing charged).
    const quote = await admin.topups.quote(demo.workspaceId, { amountMicros: 25_000_000 });
    const quoted = panel.locator('[data-quote="25000000"]');
    await quoted.waitFor({ timeout: WAIT_MS });
    expect(await quoted.getAttribute('data-total-micros')).toBe(String(quote.totalMicros));
    await expectText(quoted, 'Total charged nothing (test funds)');
    await panel.getByRole('button', { name: 'Add funds' }).click();
    const receipt = panel.locator('[data-topup]');
    await receipt.waitFor({ timeout: WAIT_MS });
    expect(await receipt.getAttribute('data-amount-micros')).toBe('25000000');
    await expectText(receipt, 'Funds added');
    const after = await admin.balance.retrieve(demo.workspaceId);
    expect(after.availableMicros - before.availableMicros).toBe(25_000_000 - before.deficitMicros);
    expect(after.byKind.purchased - before.byKind.purchased).toBe(25_000_000 - before.deficitMicros);
    await expect
      .poll(async () => (await figure(adminPage, 'available')).micros, { timeout: WAIT_MS })
      .toBe(after.availableMicros);
    await expectBalanceShown(adminPage, after);
    // The new funds show up as the newest transaction.
    await expectText(adminPage.locator('[data-table="transactions"] tbody tr').first(), 'Funds added');
    await shot(adminPage, 'admin-after-topup');
  });

  it('reaches Add funds with the keyboard alone', async () => {
    const page = await browser.newPage();
    await page.goto(`${service.url}/dashboard/#token=${demo.keys.admin}&workspace=${demo.workspaceId}`);
    await page.locator('[data-figure="available"]').waitFor({ timeout: WAIT_MS });
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement;
        return el === null ? '' : `${el.tagName}:${el.textContent?.trim() ?? ''}`;
      });
    const path: string[] = [];
    // Bounded: Add funds is among the first controls; 40 presses is far more than needed.
    for (let i = 0; i < 40; i += 1) {
      await page.keyboard.press('Tab');
      const now = await focused();
      path.push(now);
      if (now === 'BUTTON:Add funds') break;
    }
    expect(path.at(-1), path.join(' → ')).toBe('BUTTON:Add funds');
    expect(path[0]).toBe('A:Skip to content');
    await page.close();
  });

  it('is readable on a narrow window', async () => {
    await adminPage.setViewportSize({ width: 390, height: 844 });
    await adminPage.locator('#add-funds').scrollIntoViewIfNeeded();
    // Nothing but scrollable tables may be wider than the window.
    const overflow = await adminPage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(adminPage, 'admin-narrow');
  });

  it('saves settings: overage and cap, pinned model, alert thresholds', async () => {
    await adminPage.setViewportSize({ width: 1280, height: 900 });
    const panel = adminPage.locator('#settings');
    await panel.getByLabel(/keep working past their included credits/).check({ timeout: WAIT_MS });
    await panel.getByLabel(/Monthly overage cap/).fill('40');
    const prices = await admin.prices.retrieve();
    const pinned = prices.models.find((m) => m.model !== prices.latestModel) ?? prices.models[0];
    if (pinned === undefined) throw new Error('the price table has no models');
    await panel.getByLabel('Model').selectOption(pinned.model);
    await panel.getByLabel('Low-balance alert thresholds').fill('20, 5');
    await panel.getByRole('button', { name: 'Save settings' }).click();
    await expectText(panel.locator('output'), 'Settings saved.');
    const { settings } = await admin.workspaces.retrieve(demo.workspaceId);
    expect(settings.overage).toEqual({ enabled: true, monthlyCapMicros: 40_000_000 });
    expect(settings.pinnedModel).toBe(pinned.model);
    expect(settings.lowBalanceThresholdsMicros).toEqual([20_000_000, 5_000_000]);
    await expectText(adminPage.locator('#overage [data-figure="overage-cap"]'), '$40.00');
  });

  it('warns an owner what deletion forfeits, behind a typed confirmation', async () => {
    const owner = createClient({ baseUrl: service.url, apiKey: demo.keys.owner, maxRetries: 0 });
    const page = await browser.newPage();
    await page.goto(`${service.url}/dashboard/#token=${demo.keys.owner}&workspace=${demo.workspaceId}`);
    const panel = page.locator('#deletion');
    await panel.locator('[data-forfeit-micros]').waitFor({ timeout: WAIT_MS });
    const preview = await owner.workspaces.deletionPreview(demo.workspaceId);
    expect(await panel.locator('[data-forfeit-micros]').getAttribute('data-forfeit-micros')).toBe(
      String(preview.forfeitedMicros),
    );
    const remove = panel.getByRole('button', { name: /Delete workspace/ });
    expect(await remove.isDisabled()).toBe(true);
    await panel.getByLabel(/to confirm/).fill(preview.confirm);
    expect(await remove.isDisabled()).toBe(false);
    await page.close();
  });

  it('shows a plain member only their own usage, and Add funds disabled with who can add funds', async () => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${service.url}/dashboard/#token=${demo.keys.member}&workspace=${demo.workspaceId}`);
    await page.locator('[data-figure="available"]').waitFor({ timeout: WAIT_MS });
    // The token was taken from the fragment and removed from the address bar.
    expect(page.url()).not.toContain('token=');
    await expectText(page.getByText('Signed in as'), 'Mia Member');

    const addFunds = page.locator('#add-funds').getByRole('button', { name: 'Add funds' });
    expect(await addFunds.isDisabled()).toBe(true);
    await expectText(
      page.locator('[data-explanation="billing-access"]'),
      'Only workspace admins and owners can add funds',
    );

    const own = await member.balance.retrieve(demo.workspaceId);
    expect(own.memberId).toBe('mia');
    expect(await figure(page, 'member-included')).toEqual({
      micros: own.memberIncludedRemainingMicros,
      text: formatMicros(own.memberIncludedRemainingMicros ?? 0, own.unit),
    });

    const featureRequest = usageRequest(page, 'feature');
    await page.getByLabel('Show').selectOption('90d');
    const period = periodOf((await featureRequest).url());
    const mine = await member.usage.retrieve(demo.workspaceId, { ...period, groupBy: 'feature' });
    expect(mine.memberId).toBe('mia');
    await expect.poll(() => usageShown(page, 'usage-feature'), { timeout: WAIT_MS }).toEqual(asRecord(mine));
    const workspaceWide = await admin.usage.retrieve(demo.workspaceId, { ...period, groupBy: 'feature' });
    expect(mine.totalMicros).toBeLessThan(workspaceWide.totalMicros);
    expect(await page.locator('[data-table="usage-member"]').count()).toBe(0);
    expect(await page.locator('#transactions').count()).toBe(0);
    expect(await page.locator('#settings').count()).toBe(0);
    await shot(page, 'member-narrow');
    await page.close();
  });
});
