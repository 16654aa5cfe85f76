import type { PriceTable } from '@aicredits/sdk';
import { describe, expect, it } from 'vitest';
import { adminRequestText, confirmation, fixesFor, modelLabel, planSession } from './session-plan';
import { estimate, NOW, snapshot } from './testing/fixtures';

const prices: PriceTable = {
  version: '2025-06-01',
  effectiveAt: '2025-06-01T00:00:00.000Z',
  latestModel: 'gpt-5',
  sandboxMicrosPerHour: 100_000,
  models: [
    {
      model: 'gpt-5',
      displayName: 'GPT-5',
      inputMicrosPerMillionTokens: 1_250_000,
      outputMicrosPerMillionTokens: 10_000_000,
      cachedInputMicrosPerMillionTokens: 125_000,
      releasedAt: '2025-05-01T00:00:00.000Z',
    },
    {
      model: 'gpt-4.1',
      displayName: 'GPT-4.1',
      inputMicrosPerMillionTokens: 2_000_000,
      outputMicrosPerMillionTokens: 8_000_000,
      cachedInputMicrosPerMillionTokens: 500_000,
      releasedAt: '2025-01-01T00:00:00.000Z',
    },
  ],
};

describe('modelLabel', () => {
  it('marks the pinned model, else the latest', () => {
    const pinned = snapshot({
      workspace: { settings: { ...snapshot().workspace.settings, pinnedModel: 'gpt-4.1' } },
    });
    expect(modelLabel('gpt-4.1', pinned, prices)).toBe('GPT-4.1 (pinned)');
    expect(modelLabel('gpt-5', snapshot(), prices)).toBe('GPT-5 (latest)');
    expect(modelLabel('mystery-1', snapshot(), prices)).toBe('mystery-1');
    expect(modelLabel('gpt-5', snapshot(), null)).toBe('gpt-5');
  });
});

describe('planSession', () => {
  it('shows range, model, balance after and that work may begin', () => {
    const option = planSession(snapshot(), 'bug_fix', { ok: true, estimate: estimate() }, prices);
    expect(option).toMatchObject({
      label: 'Bug fix',
      description: '$5.00–$7.00 · GPT-5 (latest)',
      detail: 'Balance after: $35.50–$37.50 · $(check) Can begin',
      mayBegin: true,
      covered: true,
      blockedReason: null,
    });
  });

  it('warns when the balance does not cover the high end but work may still begin', () => {
    const option = planSession(
      snapshot({ balance: { spendableMicros: 6_000_000 } }),
      'feature',
      { ok: true, estimate: estimate({ taskKind: 'feature', covered: false, spendableMicros: 6_000_000 }) },
      prices,
    );
    expect(option.mayBegin).toBe(true);
    expect(option.detail).toBe(
      'Balance after: −$1.00–$1.00 · $(warning) May begin, but the balance may not cover it',
    );
  });

  it('blocks with the reason when work may not begin', () => {
    const s = snapshot({ balance: { canBegin: false, spendableMicros: 0, availableMicros: 0 } });
    const option = planSession(
      s,
      'bug_fix',
      { ok: true, estimate: estimate({ covered: false, spendableMicros: 0 }) },
      prices,
    );
    expect(option.mayBegin).toBe(false);
    expect(option.detail).toContain("$(error) Can't begin");
    expect(option.blockedReason).toContain('No credits left');
  });

  it('blocks when there is no estimate', () => {
    const option = planSession(snapshot(), 'refactor', { ok: false, message: 'unknown model "x"' }, prices);
    expect(option.mayBegin).toBe(false);
    expect(option.blockedReason).toBe('There is no estimate for a refactor session: unknown model "x"');
  });

  it('never blocks a self-hosted workspace', () => {
    const s = snapshot({
      workspace: { hosting: 'self_hosted' },
      balance: { canBegin: true, spendableMicros: 0 },
    });
    const option = planSession(s, 'bug_fix', { ok: true, estimate: estimate({ covered: true }) }, prices);
    expect(option.mayBegin).toBe(true);
    expect(option.detail).toContain('nothing is charged');
  });
});

describe('fixesFor', () => {
  it('offers funds to admins and owners, a request to members', () => {
    expect(fixesFor(snapshot())).toEqual(['askAdmin']);
    expect(fixesFor(snapshot({ identity: { role: 'admin' } }))).toEqual(['addFunds']);
    expect(fixesFor(snapshot({ identity: { role: 'owner' }, workspace: { enterprise: true } }))).toEqual([
      'addFunds',
    ]);
    // Enterprise: only owners have billing access.
    expect(fixesFor(snapshot({ identity: { role: 'admin' }, workspace: { enterprise: true } }))).toEqual([
      'askAdmin',
    ]);
  });
});

describe('confirmation', () => {
  it('lists model, estimate basis, balance after, the hold and the command', () => {
    const option = planSession(
      snapshot(),
      'bug_fix',
      { ok: true, estimate: estimate({ basis: 'history', sampleSize: 12 }) },
      prices,
    );
    const text = confirmation(option, snapshot(), 3600, 'my-agent', NOW);
    expect(text.message).toBe('Start a bug fix Coding Session?');
    expect(text.detail.split('\n')).toEqual([
      'Model: GPT-5 (latest)',
      'Estimated cost: $5.00–$7.00 (calibrated from 12 settled sessions of this kind)',
      'Balance after: $35.50–$37.50 (now $42.50)',
      'Reserves $7.00 until 13:00 UTC; when the session ends, its reported usage is charged and the rest released.',
      'Runs in a terminal: my-agent',
    ]);
  });
});

describe('adminRequestText', () => {
  it('names the member, the workspace, the balance and the reason', () => {
    expect(adminRequestText(snapshot({ balance: { spendableMicros: 0 } }), 'No credits left.')).toBe(
      'Hi! I (member mem_dev) can\'t start AI Coding Sessions in the "Acme" workspace (ws_acme): $0.00 spendable. No credits left. Could you add funds, or turn on overage?',
    );
  });
});
