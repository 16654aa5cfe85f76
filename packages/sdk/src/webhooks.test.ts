import { createHmac } from 'node:crypto';
import { WEBHOOK_SIGNATURE_HEADER, type WebhookEvent } from '@aicredits/contract';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook, WebhookVerificationError } from './webhooks';

const secret = 'whsec_test_secret';
const nowMs = Date.parse('2026-03-01T12:00:00Z');
const t = Math.floor(nowMs / 1000);

const event: WebhookEvent = {
  id: 'evt_1',
  type: 'balance.low',
  createdAt: '2026-03-01T12:00:00.000Z',
  workspaceId: 'ws_1',
  data: {
    thresholdMicros: 5_000_000,
    unit: 'usd',
    availableMicros: 4_000_000,
    reservedMicros: 0,
    spendableMicros: 4_000_000,
    deficitMicros: 0,
  },
};
const body = JSON.stringify(event);

/** An independent signer (Node's crypto), so the test does not just mirror the implementation. */
function nodeSignature(payload: string, key: string, timestamp: number): string {
  return `t=${timestamp},v1=${createHmac('sha256', key).update(`${timestamp}.${payload}`).digest('hex')}`;
}

async function failure(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebhookVerificationError);
  return (error as WebhookVerificationError).code;
}

describe('verifyWebhook', () => {
  it('accepts a valid delivery and returns the typed event', async () => {
    const headers = { [WEBHOOK_SIGNATURE_HEADER]: nodeSignature(body, secret, t) };
    const verified = await verifyWebhook(body, headers, secret, { now: nowMs });
    expect(verified).toEqual(event);
    if (verified.type === 'balance.low') expect(verified.data.thresholdMicros).toBe(5_000_000);
  });

  it('takes Headers, the raw header value, bytes, and any-case header names', async () => {
    const signature = nodeSignature(body, secret, t);
    const bytes = new TextEncoder().encode(body);
    await expect(
      verifyWebhook(bytes, new Headers({ 'AiCredits-Signature': signature }), secret, { now: nowMs }),
    ).resolves.toEqual(event);
    await expect(verifyWebhook(bytes.buffer, signature, secret, { now: new Date(nowMs) })).resolves.toEqual(
      event,
    );
    await expect(
      verifyWebhook(body, { 'AICREDITS-SIGNATURE': [signature] }, secret, { now: nowMs }),
    ).resolves.toEqual(event);
  });

  it('matches signWebhook and accepts any v1 entry during secret rotation', async () => {
    const ours = await signWebhook(body, secret, { timestampSeconds: t });
    expect(ours).toBe(nodeSignature(body, secret, t));
    const rotated = `${nodeSignature(body, 'whsec_old', t)},${ours.split(',')[1]}`;
    await expect(verifyWebhook(body, rotated, secret, { now: nowMs })).resolves.toEqual(event);
  });

  it('rejects a tampered body', async () => {
    const signature = nodeSignature(body, secret, t);
    const tampered = body.replace('4000000', '9000000');
    expect(await failure(verifyWebhook(tampered, signature, secret, { now: nowMs }))).toBe(
      'signature_mismatch',
    );
  });

  it('rejects a tampered timestamp', async () => {
    const signature = nodeSignature(body, secret, t).replace(`t=${t}`, `t=${t + 1}`);
    expect(await failure(verifyWebhook(body, signature, secret, { now: nowMs }))).toBe('signature_mismatch');
  });

  it('rejects the wrong secret', async () => {
    const signature = nodeSignature(body, 'whsec_other', t);
    expect(await failure(verifyWebhook(body, signature, secret, { now: nowMs }))).toBe('signature_mismatch');
  });

  it('rejects stale and far-future signatures, honouring toleranceSeconds', async () => {
    const stale = nodeSignature(body, secret, t - 301);
    expect(await failure(verifyWebhook(body, stale, secret, { now: nowMs }))).toBe(
      'timestamp_out_of_tolerance',
    );
    const future = nodeSignature(body, secret, t + 301);
    expect(await failure(verifyWebhook(body, future, secret, { now: nowMs }))).toBe(
      'timestamp_out_of_tolerance',
    );
    await expect(verifyWebhook(body, stale, secret, { now: nowMs, toleranceSeconds: 600 })).resolves.toEqual(
      event,
    );
    const edge = nodeSignature(body, secret, t - 300);
    await expect(verifyWebhook(body, edge, secret, { now: nowMs })).resolves.toEqual(event);
  });

  it('rejects missing and malformed headers, and an empty secret', async () => {
    expect(await failure(verifyWebhook(body, {}, secret, { now: nowMs }))).toBe('missing_signature');
    expect(await failure(verifyWebhook(body, 'v1=abc', secret, { now: nowMs }))).toBe('malformed_signature');
    expect(await failure(verifyWebhook(body, `t=${t}`, secret, { now: nowMs }))).toBe('malformed_signature');
    expect(await failure(verifyWebhook(body, nodeSignature(body, secret, t), '', { now: nowMs }))).toBe(
      'missing_secret',
    );
  });

  it('rejects a correctly signed body that is not a known event', async () => {
    const unknown = JSON.stringify({ ...event, type: 'balance.exploded' });
    const signature = nodeSignature(unknown, secret, t);
    expect(await failure(verifyWebhook(unknown, signature, secret, { now: nowMs }))).toBe('invalid_payload');
    const notJson = 'hello';
    expect(
      await failure(verifyWebhook(notJson, nodeSignature(notJson, secret, t), secret, { now: nowMs })),
    ).toBe('invalid_payload');
  });
});
