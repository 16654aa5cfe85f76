import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelayMs, MAX_BACKOFF_MS, RefreshLoop, type RunResult } from './refresh-loop';

describe('backoffDelayMs', () => {
  it('waits the interval while healthy', () => {
    expect(backoffDelayMs(60_000, 0)).toBe(60_000);
  });

  it('doubles per failure with jitter, capped at 15 minutes', () => {
    expect(backoffDelayMs(60_000, 1, () => 0.5)).toBe(120_000);
    expect(backoffDelayMs(60_000, 2, () => 0)).toBe(192_000);
    expect(backoffDelayMs(60_000, 2, () => 1)).toBe(288_000);
    expect(backoffDelayMs(60_000, 10, () => 1)).toBe(MAX_BACKOFF_MS);
    expect(backoffDelayMs(60_000, 1000, () => 0.5)).toBe(MAX_BACKOFF_MS);
  });
});

describe('RefreshLoop', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2025-06-10T12:00:00.000Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function loopWith(results: RunResult[]) {
    const run = vi.fn(async () => results.shift() ?? 'ok');
    const schedule: (Date | null)[] = [];
    const loop = new RefreshLoop({
      intervalMs: () => 60_000,
      run,
      random: () => 0.5,
      onSchedule: (at) => schedule.push(at),
    });
    return { loop, run, schedule };
  }

  it('runs on the interval', async () => {
    const { loop, run } = loopWith([]);
    await loop.refreshNow();
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(2);
    loop.dispose();
  });

  it('backs off after failures and recovers after a success', async () => {
    const { loop, run } = loopWith(['failed', 'failed', 'ok']);
    await loop.refreshNow();
    expect(loop.failures).toBe(1);
    expect(loop.nextRunAt?.toISOString()).toBe('2025-06-10T12:02:00.000Z');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(run).toHaveBeenCalledTimes(2);
    expect(loop.failures).toBe(2);
    await vi.advanceTimersByTimeAsync(240_000);
    expect(run).toHaveBeenCalledTimes(3);
    expect(loop.failures).toBe(0);
    expect(loop.nextRunAt?.getTime()).toBe(Date.now() + 60_000);
    loop.dispose();
  });

  it('counts a throwing run as a failure', async () => {
    const loop = new RefreshLoop({
      intervalMs: () => 60_000,
      run: async () => {
        throw new Error('boom');
      },
      random: () => 0.5,
    });
    await loop.refreshNow();
    expect(loop.failures).toBe(1);
    loop.dispose();
  });

  it('stops polling when idle until asked again', async () => {
    const { loop, run, schedule } = loopWith(['idle']);
    await loop.refreshNow();
    expect(schedule.at(-1)).toBeNull();
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(run).toHaveBeenCalledTimes(1);
    await loop.refreshNow();
    expect(run).toHaveBeenCalledTimes(2);
    loop.dispose();
  });

  it('never overlaps runs and reruns once for requests made during a run', async () => {
    let release: () => void = () => {};
    let active = 0;
    let maxActive = 0;
    const run = vi.fn(async (): Promise<RunResult> => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      active -= 1;
      return 'ok';
    });
    const loop = new RefreshLoop({ intervalMs: () => 60_000, run });
    const first = loop.refreshNow();
    void loop.refreshNow();
    void loop.refreshNow();
    await vi.advanceTimersByTimeAsync(0);
    release();
    await vi.advanceTimersByTimeAsync(0);
    release();
    await first;
    expect(run).toHaveBeenCalledTimes(2);
    expect(maxActive).toBe(1);
    loop.dispose();
  });

  it('refreshes on focus, at most once per 10 s', async () => {
    const { loop, run } = loopWith([]);
    await loop.refreshNow();
    loop.onFocus();
    await vi.advanceTimersByTimeAsync(0);
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(10_000);
    loop.onFocus();
    await vi.advanceTimersByTimeAsync(0);
    expect(run).toHaveBeenCalledTimes(2);
    loop.dispose();
  });

  it('does nothing after dispose', async () => {
    const { loop, run } = loopWith([]);
    await loop.refreshNow();
    loop.dispose();
    await vi.advanceTimersByTimeAsync(600_000);
    await loop.refreshNow();
    loop.onFocus();
    expect(run).toHaveBeenCalledTimes(1);
  });
});
