import { describe, expect, it } from 'vitest';
import { blockedReason, presentStatus, severityOf } from './status-presentation';
import { NOW, snapshot } from './testing/fixtures';

describe('presentStatus', () => {
  it('shows the spendable amount in the workspace unit, formatted by the SDK', () => {
    const p = presentStatus({ kind: 'ok', snapshot: snapshot() }, NOW);
    expect(p.text).toBe('$(credit-card) $42.50');
    expect(p.severity).toBe('normal');
    expect(p.command).toBe('aicredits.showDetails');
  });

  it('formats a credits workspace in credits', () => {
    const s = snapshot({
      workspace: { unit: 'credits' },
      balance: { unit: 'credits', spendableMicros: 1_500_000_000, availableMicros: 1_500_000_000 },
    });
    expect(presentStatus({ kind: 'ok', snapshot: s }, NOW).text).toBe('$(credit-card) 1,500 credits');
  });

  it('puts the breakdown in the tooltip', () => {
    const s = snapshot({
      balance: {
        reservedMicros: 3_000_000,
        deficitMicros: 0,
        memberIncludedRemainingMicros: 8_000_000,
        overage: {
          enabled: true,
          usedMicros: 1_250_000,
          capMicros: 50_000_000,
          period: { start: '2025-06-01T00:00:00.000Z', end: '2025-07-01T00:00:00.000Z' },
        },
      },
    });
    const { tooltipMarkdown } = presentStatus({ kind: 'ok', snapshot: s }, NOW);
    expect(tooltipMarkdown).toContain('Spendable now by you: **$42.50**');
    expect(tooltipMarkdown).toContain('| Your included credits | $8.00 |');
    expect(tooltipMarkdown).toContain('| Promotional | $2.50 |');
    expect(tooltipMarkdown).toContain('| Purchased | $40.00 |');
    expect(tooltipMarkdown).toContain('| Reserved by running sessions | −$3.00 |');
    expect(tooltipMarkdown).toContain('| Overage this period | $1.25 of $50.00 cap |');
    expect(tooltipMarkdown).toContain('Next expiry: $2.50 on 2025-06-20 (in 10 days)');
    expect(tooltipMarkdown).not.toContain('Deficit');
  });

  it('shows no holds as $0.00, not a negative zero', () => {
    const { tooltipMarkdown } = presentStatus({ kind: 'ok', snapshot: snapshot() }, NOW);
    expect(tooltipMarkdown).toContain('| Reserved by running sessions | $0.00 |');
  });

  it('says whose balance it is when an admin has no member id', () => {
    const s = snapshot({ balance: { memberId: null }, identity: { memberId: null, role: 'admin' } });
    expect(presentStatus({ kind: 'ok', snapshot: s }, NOW).tooltipMarkdown).toContain(
      'Spendable now by the workspace pool',
    );
  });

  it('warns at the highest low-balance threshold', () => {
    const s = snapshot({ balance: { spendableMicros: 10_000_000 } });
    const p = presentStatus({ kind: 'ok', snapshot: s }, NOW);
    expect(p.severity).toBe('warning');
    expect(p.text).toBe('$(warning) $10.00');
    expect(p.accessibilityLabel).toContain('running low');
  });

  it('turns red when work can no longer begin, and says why', () => {
    const s = snapshot({
      balance: { spendableMicros: -1_000_000, availableMicros: 0, deficitMicros: 1_000_000, canBegin: false },
    });
    const p = presentStatus({ kind: 'ok', snapshot: s }, NOW);
    expect(p.severity).toBe('error');
    expect(p.text).toBe('$(error) −$1.00');
    expect(p.tooltipMarkdown).toContain('| Deficit | −$1.00 |');
    expect(p.tooltipMarkdown).toContain('deficit');
  });

  it('shows self-hosted workspaces as unmetered, never red', () => {
    const s = snapshot({
      workspace: { hosting: 'self_hosted' },
      balance: { spendableMicros: 0, canBegin: true },
    });
    const p = presentStatus({ kind: 'ok', snapshot: s }, NOW);
    expect(p.text).toBe('$(credit-card) Unmetered');
    expect(p.severity).toBe('normal');
  });

  it('has clear signed-out, set-up, offline and rejected states', () => {
    expect(presentStatus({ kind: 'signedOut' }, NOW)).toMatchObject({
      text: '$(account) AI Credits: Sign In',
      command: 'aicredits.signIn',
    });
    expect(presentStatus({ kind: 'needsSetup', missing: 'workspaceId' }, NOW).command).toBe(
      'aicredits.signIn',
    );
    const offline = presentStatus(
      {
        kind: 'offline',
        message: 'connection refused',
        retryAt: new Date(NOW.getTime() + 120_000),
        last: snapshot(),
      },
      NOW,
    );
    expect(offline.text).toBe('$(cloud-offline) AI Credits: Offline');
    expect(offline.tooltipMarkdown).toContain('Retrying in 120 s');
    expect(offline.tooltipMarkdown).toContain('Last known: $42.50');
    expect(offline.command).toBe('aicredits.refresh');
    const rejected = presentStatus({ kind: 'rejected', message: 'The token was rejected.' }, NOW);
    expect(rejected.severity).toBe('error');
    expect(rejected.command).toBe('aicredits.signIn');
  });
});

describe('severityOf', () => {
  it('is normal without thresholds, whatever the amount', () => {
    const s = snapshot({
      workspace: { settings: { ...snapshot().workspace.settings, lowBalanceThresholdsMicros: [] } },
      balance: { spendableMicros: 1 },
    });
    expect(severityOf(s)).toBe('normal');
  });
});

describe('blockedReason', () => {
  it('is null while work may begin', () => {
    expect(blockedReason(snapshot())).toBeNull();
  });

  it('names the overage cap', () => {
    const s = snapshot({
      balance: {
        canBegin: false,
        spendableMicros: 0,
        availableMicros: 0,
        overage: {
          enabled: true,
          usedMicros: 50_000_000,
          capMicros: 50_000_000,
          period: { start: '2025-06-01T00:00:00.000Z', end: '2025-07-01T00:00:00.000Z' },
        },
      },
    });
    expect(blockedReason(s)).toContain('overage cap of $50.00');
  });

  it('explains holds by running sessions', () => {
    const s = snapshot({
      balance: { canBegin: false, availableMicros: 5_000_000, reservedMicros: 5_000_000, spendableMicros: 0 },
    });
    expect(blockedReason(s)).toContain('held by sessions still running');
  });

  it('explains used-up included credits with overage off (credits unit)', () => {
    const s = snapshot({
      workspace: { unit: 'credits' },
      balance: { unit: 'credits', canBegin: false, availableMicros: 0, spendableMicros: 0 },
    });
    expect(blockedReason(s)).toContain('overage is off');
  });

  it('falls back to an empty balance', () => {
    const s = snapshot({ balance: { canBegin: false, availableMicros: 0, spendableMicros: 0 } });
    expect(blockedReason(s)).toBe(
      'No credits left to spend ($0.00 spendable): new work can begin once funds are added.',
    );
  });
});
