import { createHmac } from 'node:crypto';
import { parseWebhookSignatureHeader } from '@aicredits/contract';
import { describe, expect, it } from 'vitest';
import { MAX_DELIVERY_ATTEMPTS, RETRY_DELAYS_MS, retryDelayMs } from './delivery.js';
import { signWebhookPayload, verifyWebhookSignature } from './signing.js';

describe('webhook signatures', () => {
  const secret = 'whsec_test_secret';
  const body = '{"id":"evt_1","type":"balance.low"}';
  const t = 1_700_000_000;

  it('signs "<t>.<body>" with HMAC-SHA256 in the contract header format', () => {
    const header = signWebhookPayload(secret, body, t);
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(header).toBe(`t=${t},v1=${expected}`);
    expect(parseWebhookSignatureHeader(header)).toEqual({ timestampSeconds: t, signatures: [expected] });
  });

  it('verifies, and rejects a tampered body, a wrong secret, a stale timestamp and garbage', () => {
    const header = signWebhookPayload(secret, body, t);
    expect(verifyWebhookSignature(secret, body, header, t + 10)).toEqual({ ok: true, timestampSeconds: t });
    expect(verifyWebhookSignature(secret, `${body} `, header, t)).toEqual({
      ok: false,
      code: 'signature_mismatch',
    });
    expect(verifyWebhookSignature('whsec_other', body, header, t)).toEqual({
      ok: false,
      code: 'signature_mismatch',
    });
    expect(verifyWebhookSignature(secret, body, header, t + 301)).toEqual({
      ok: false,
      code: 'timestamp_out_of_tolerance',
    });
    expect(verifyWebhookSignature(secret, body, 'nonsense', t)).toEqual({
      ok: false,
      code: 'signature_malformed',
    });
  });

  it('accepts any matching v1 entry (secret rotation)', () => {
    const good = signWebhookPayload(secret, body, t).split(',')[1];
    const other = signWebhookPayload('whsec_old', body, t).split(',')[1];
    expect(verifyWebhookSignature(secret, body, `t=${t},${other},${good}`, t).ok).toBe(true);
  });
});

describe('retry backoff', () => {
  it('grows from 10 s to hours, jittered by at most 20%, and gives up after the last retry', () => {
    expect(retryDelayMs(1, () => 0.5)).toBe(10_000);
    expect(retryDelayMs(1, () => 0)).toBe(8_000);
    expect(retryDelayMs(1, () => 1)).toBe(12_000);
    expect(retryDelayMs(2, () => 0.5)).toBe(30_000);
    expect(retryDelayMs(3, () => 0.5)).toBe(120_000);
    expect(retryDelayMs(4, () => 0.5)).toBe(600_000);
    expect(retryDelayMs(MAX_DELIVERY_ATTEMPTS, () => 0.5)).toBeNull();
    const totalHours = RETRY_DELAYS_MS.reduce((a, b) => a + b, 0) / 3_600_000;
    expect(totalHours).toBeGreaterThan(20);
    expect(totalHours).toBeLessThanOrEqual(24);
  });
});
