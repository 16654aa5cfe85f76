import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningService, type SeededDemo, seedDemo, startService } from '@aicredits/api';
import { type AicreditsClient, createClient, formatMicros } from '@aicredits/sdk';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answerInputBox,
  type CodeServer,
  freePort,
  installExtension,
  runCommand,
  startCodeServer,
  statusBarItem,
  textOf,
  waitFor,
  writeUserSettings,
} from './harness';
import { setup } from './setup.mjs';

/**
 * The packaged extension in a real VS Code (code-server) in headless Chromium, against the real
 * credits API with the demo data. `pnpm test:e2e` builds and packages first.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const artifacts = join(root, 'artifacts');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  publisher: string;
  name: string;
};
const vsix = join(root, 'aicredits-vscode.vsix');
/** What the launcher reports: an exact amount, so the capture is checkable to the micro. */
const REPORTED_MICROS = 1_234_567;

let api: RunningService;
let demo: SeededDemo;
let member: AicreditsClient;
let server: CodeServer | null = null;
let browser: Browser | null = null;
let page: Page;
let runDir: string;
let step = 0;

async function screenshot(name: string): Promise<void> {
  step += 1;
  // Quick picks and toasts fade in and out; let the frame settle so the record is readable.
  await page.waitForTimeout(400);
  await page.screenshot({ path: join(artifacts, `${String(step).padStart(2, '0')}-${name}.png`) });
}

function balanceItem() {
  return statusBarItem(page, manifest.publisher, manifest.name, 'aicredits.balance');
}

async function spendable(): Promise<{ micros: number; text: string }> {
  const balance = await member.balance.retrieve(demo.workspaceId);
  return { micros: balance.spendableMicros, text: formatMicros(balance.spendableMicros, balance.unit) };
}

async function waitForStatusText(expected: string, timeoutMs: number): Promise<void> {
  await waitFor(
    `status bar text "${expected}"`,
    async () => ((await textOf(balanceItem())) === expected ? true : undefined),
    timeoutMs,
  ).catch(async (error: unknown) => {
    await screenshot('status-bar-mismatch');
    throw new Error(
      `${(error as Error).message}; it shows "${await textOf(balanceItem()).catch(() => '?')}"`,
    );
  });
}

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  const tools = setup();

  api = await startService({ port: 0, host: '127.0.0.1', dataDir: 'memory://', logLevel: 'warn' });
  demo = await seedDemo(api, { keysFile: null });
  member = createClient({ baseUrl: api.url, apiKey: demo.keys.member });

  runDir = mkdtempSync(join(tmpdir(), 'aicredits-vscode-e2e-'));
  const folder = join(runDir, 'project');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'README.md'), '# A project that uses AI Coding Sessions\n');
  const options = {
    node: tools.node24,
    entry: tools.codeServerEntry,
    runDir,
    userDataDir: join(runDir, 'user-data'),
    extensionsDir: join(runDir, 'extensions'),
    folder,
  };
  writeUserSettings(options.userDataDir, {
    'workbench.startupEditor': 'none',
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'chat.disableAIFeatures': true,
    'security.workspace.trust.enabled': false,
    'workbench.tips.enabled': false,
    'extensions.ignoreRecommendations': true,
    'aicredits.apiUrl': api.url,
    'aicredits.workspaceId': demo.workspaceId,
    // The stand-in for an agent: reports an exact amount and exits 0.
    'aicredits.session.launcherCommand': `printf '{"amountMicros": ${REPORTED_MICROS}}' > "$AICREDITS_USAGE_FILE"; echo "session $AICREDITS_RESERVATION_ID done"; sleep 1`,
  });
  installExtension(options, vsix);
  server = await startCodeServer(options, await freePort());

  browser = await chromium.launch({
    executablePath: tools.chromium,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 60_000,
  });
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(20_000);
  await page.goto(`${server.url}/?folder=${encodeURIComponent(folder)}`, { timeout: 60_000 });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
  await api?.close();
  if (runDir !== undefined && process.env.AICREDITS_E2E_KEEP !== '1')
    rmSync(runDir, { recursive: true, force: true });
});

describe('AI Credits in code-server', () => {
  it('shows the signed-out state without running a command', async () => {
    await balanceItem().waitFor({ state: 'visible', timeout: 90_000 });
    await waitForStatusText('AI Credits: Sign In', 30_000);
    await screenshot('signed-out');
  });

  it('signs in from the palette and shows the seeded balance', async () => {
    const expected = await spendable();
    expect(expected.micros).toBeGreaterThan(0);
    await runCommand(page, 'AI Credits: Sign In');
    await answerInputBox(page, 'member token', demo.keys.member);
    await answerInputBox(page, 'workspace whose credits', demo.workspaceId);
    await waitForStatusText(expected.text, 30_000);
    await screenshot('balance');
    await balanceItem().hover();
    await page
      .locator('.monaco-hover', { hasText: 'Spendable now by you' })
      .waitFor({ state: 'visible', timeout: 10_000 });
    await screenshot('balance-tooltip');
    await page.keyboard.press('Escape');
  });

  it('shows the estimate range and model for a bug fix before anything launches', async () => {
    // The stop-gap for reserving (the API lets only server keys reserve today).
    await runCommand(page, 'AI Credits: Set Server Key for Sessions');
    await answerInputBox(page, 'server key', demo.keys.server);
    await page
      .locator('.notifications-toasts', { hasText: 'reserve with the server key' })
      .waitFor({ timeout: 15_000 });

    const estimate = await member.estimates.create(demo.workspaceId, {
      feature: 'coding_session',
      taskKind: 'bug_fix',
    });
    const prices = await member.prices.retrieve();
    const modelName = prices.models.find((m) => m.model === estimate.model)?.displayName ?? estimate.model;
    const range = `${formatMicros(estimate.lowMicros, estimate.unit)}–${formatMicros(estimate.highMicros, estimate.unit)}`;

    await runCommand(page, 'AI Credits: Start Coding Session');
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Bug fix' }).first();
    await waitFor(
      'the bug-fix estimate',
      async () => ((await textOf(row)).includes(range) ? true : undefined),
      30_000,
    );
    const text = await textOf(row);
    expect(text).toContain(range);
    expect(text).toContain(modelName);
    expect(text).toContain('Balance after');
    expect(text).toContain('Can begin');
    await screenshot('start-session-estimates');

    await page.locator('.quick-input-widget input.input').fill('Bug fix');
    await page.keyboard.press('Enter');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 15_000 });
    const detail = await textOf(dialog);
    expect(detail).toContain('Start a bug fix Coding Session?');
    expect(detail).toContain(`Estimated cost: ${range}`);
    expect(detail).toContain(`Model: ${modelName}`);
    await screenshot('start-session-confirm');
  });

  it('reserves, runs the launcher and captures the usage it reported', async () => {
    const before = await spendable();
    await page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Start Session' }).click();
    await page
      .locator('.notifications-toasts', { hasText: 'session succeeded; charged' })
      .waitFor({ state: 'visible', timeout: 60_000 });
    const after = await spendable();
    expect(after.micros).toBe(before.micros - REPORTED_MICROS);
    await waitForStatusText(after.text, 30_000);
    await screenshot('session-captured');
  });

  it('opens the AI Credits view from the status bar', async () => {
    await balanceItem().click();
    const view = page.locator('.pane', { hasText: 'Lots in burn order' });
    await view.waitFor({ state: 'visible', timeout: 20_000 });
    await page
      .locator('.monaco-list-row', { hasText: 'Coding Sessions' })
      .first()
      .waitFor({ timeout: 20_000 });
    await screenshot('credits-view');
  });

  it('turns red in a workspace with nothing to spend, and says why with the fix', async () => {
    // A second, unfunded workspace with one member, made through the platform key.
    const platformKey = api.platformKey;
    if (platformKey === null) throw new Error('the test service should have generated a platform key');
    const platform = createClient({ baseUrl: api.url, apiKey: platformKey });
    const empty = await platform.workspaces.create({ name: 'Unfunded workspace', unit: 'usd' });
    await platform.members.upsert(empty.id, 'eve', { role: 'member' });
    const eve = await platform.apiKeys.create(empty.id, { type: 'member', memberId: 'eve' });
    await runCommand(page, 'Notifications: Clear All Notifications');
    // Away from the status bar, whose hover would cover the notifications.
    await page.mouse.move(720, 400);

    await runCommand(page, 'AI Credits: Sign In');
    await answerInputBox(page, 'member token', eve.secret);
    await answerInputBox(page, 'workspace whose credits', empty.id);
    await waitForStatusText(formatMicros(0, 'usd'), 30_000);
    expect(await balanceItem().getAttribute('aria-label')).toContain('work cannot begin');
    await screenshot('cannot-begin');

    await runCommand(page, 'AI Credits: Start Coding Session');
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Bug fix' }).first();
    await waitFor(
      'the refusal',
      async () => ((await textOf(row)).includes("Can't begin") ? true : undefined),
      30_000,
    );
    await page.locator('.quick-input-widget input.input').fill('Bug fix');
    await page.keyboard.press('Enter');
    const toast = page.locator('.notifications-toasts .notification-toast', {
      hasText: "can't start a Coding Session",
    });
    await toast.waitFor({ state: 'visible', timeout: 15_000 });
    expect(await textOf(toast)).toContain('No credits left to spend');
    await toast.locator('.monaco-button', { hasText: 'Ask an Admin' }).waitFor({ state: 'visible' });
    await screenshot('cannot-begin-fix');
  });
});
