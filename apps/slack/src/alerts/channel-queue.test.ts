import { describe, expect, it } from 'vitest';
import { ChannelQueue, rateLimitRetryAfterMs } from './channel-queue.js';

describe('ChannelQueue', () => {
  it('runs one channel in order, spaced by the minimum interval', async () => {
    const queue = new ChannelQueue({ minIntervalMs: 60 });
    const starts: number[] = [];
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3].map((n) =>
        queue.run('T1:C1', async () => {
          starts.push(Date.now());
          order.push(n);
        }),
      ),
    );
    expect(order).toEqual([1, 2, 3]);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(55);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(55);
  });

  it('does not hold one channel behind another', async () => {
    const queue = new ChannelQueue({ minIntervalMs: 500 });
    await queue.run('T1:C1', async () => undefined);
    const t0 = Date.now();
    let c1DoneAt = 0;
    let c2DoneAt = 0;
    await Promise.all([
      queue.run('T1:C1', async () => {
        c1DoneAt = Date.now();
      }),
      queue.run('T1:C2', async () => {
        c2DoneAt = Date.now();
      }),
    ]);
    expect(c2DoneAt - t0).toBeLessThan(100);
    expect(c1DoneAt - t0).toBeGreaterThanOrEqual(400);
  });

  it('waits Retry-After on a rate-limit error, then runs the job again', async () => {
    const queue = new ChannelQueue({ minIntervalMs: 0 });
    let calls = 0;
    const t0 = Date.now();
    const result = await queue.run('T1:C1', async () => {
      calls += 1;
      if (calls === 1)
        throw Object.assign(new Error('429'), { code: 'slack_webapi_rate_limited_error', retryAfter: 1 });
      return 'posted';
    });
    expect(result).toBe('posted');
    expect(calls).toBe(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
  });

  it('passes other errors through without retrying, and keeps the channel usable', async () => {
    const queue = new ChannelQueue({ minIntervalMs: 0 });
    let calls = 0;
    await expect(
      queue.run('T1:C1', async () => {
        calls += 1;
        throw Object.assign(new Error('channel_not_found'), { code: 'slack_webapi_platform_error' });
      }),
    ).rejects.toThrow('channel_not_found');
    expect(calls).toBe(1);
    await expect(queue.run('T1:C1', async () => 'ok')).resolves.toBe('ok');
  });

  it('recognises only Slack rate-limit errors', () => {
    expect(rateLimitRetryAfterMs({ code: 'slack_webapi_rate_limited_error', retryAfter: 3 })).toBe(3000);
    expect(rateLimitRetryAfterMs({ code: 'other' })).toBeNull();
    expect(rateLimitRetryAfterMs('x')).toBeNull();
  });
});
