import { describe, expect, it } from 'vitest';
import {
  CaptureRequestSchema,
  CreateReservationRequestSchema,
  ERROR_STATUS,
  ErrorBodySchema,
  ErrorCodeSchema,
  formatWebhookSignatureHeader,
  LotScopeSchema,
  MicrosSchema,
  parseWebhookSignatureHeader,
  SignedMicrosSchema,
  TimestampSchema,
  UpdateSettingsRequestSchema,
  WebhookEventSchema,
} from './index.js';

describe('money primitives', () => {
  it('accepts safe non-negative integers only', () => {
    expect(MicrosSchema.parse(0)).toBe(0);
    expect(MicrosSchema.parse(Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
    expect(MicrosSchema.safeParse(1.5).success).toBe(false);
    expect(MicrosSchema.safeParse(-1).success).toBe(false);
    expect(MicrosSchema.safeParse(Number.MAX_SAFE_INTEGER + 1).success).toBe(false);
    expect(MicrosSchema.safeParse('100').success).toBe(false);
    expect(MicrosSchema.safeParse(Number.NaN).success).toBe(false);
  });

  it('signed micros allow negatives but not floats', () => {
    expect(SignedMicrosSchema.parse(-5)).toBe(-5);
    expect(SignedMicrosSchema.safeParse(-0.5).success).toBe(false);
  });
});

describe('timestamps and scopes', () => {
  it('requires UTC ISO-8601', () => {
    expect(TimestampSchema.safeParse('2025-01-31T12:00:00.000Z').success).toBe(true);
    expect(TimestampSchema.safeParse('2025-01-31T12:00:00+02:00').success).toBe(false);
    expect(TimestampSchema.safeParse('2025-01-31').success).toBe(false);
  });

  it('scopes are workspace or member:<id>', () => {
    expect(LotScopeSchema.safeParse('workspace').success).toBe(true);
    expect(LotScopeSchema.safeParse('member:m_1').success).toBe(true);
    expect(LotScopeSchema.safeParse('team:x').success).toBe(false);
  });
});

describe('requests', () => {
  it('a reservation needs exactly one of estimateMicros and usageEstimate', () => {
    expect(CreateReservationRequestSchema.safeParse({ feature: 'coding_session' }).success).toBe(false);
    const ok = CreateReservationRequestSchema.parse({ feature: 'coding_session', estimateMicros: 5_000_000 });
    expect(ok.ttlSeconds).toBe(900);
    expect(
      CreateReservationRequestSchema.safeParse({
        feature: 'coding_session',
        estimateMicros: 1,
        usageEstimate: { inputTokens: 1, outputTokens: 1 },
      }).success,
    ).toBe(false);
  });

  it('capture rejects floats and unknown outcomes', () => {
    expect(CaptureRequestSchema.safeParse({ amountMicros: 10.5 }).success).toBe(false);
    expect(CaptureRequestSchema.safeParse({ amountMicros: 10, outcome: 'maybe' }).success).toBe(false);
    expect(CaptureRequestSchema.parse({ amountMicros: 10 }).outcome).toBe('succeeded');
  });

  it('request bodies reject unknown fields', () => {
    expect(UpdateSettingsRequestSchema.safeParse({ seatPooling: true, typo: 1 }).success).toBe(false);
  });
});

describe('errors', () => {
  it('maps every code to a status', () => {
    for (const code of ErrorCodeSchema.options) expect(ERROR_STATUS[code]).toBeGreaterThanOrEqual(400);
    expect(ERROR_STATUS.insufficient_credits).toBe(402);
    expect(ERROR_STATUS.idempotency_mismatch).toBe(409);
  });

  it('rejects unknown codes in an error body', () => {
    const body = { error: { code: 'nope', message: 'x', requestId: 'r' } };
    expect(ErrorBodySchema.safeParse(body).success).toBe(false);
  });
});

describe('webhooks', () => {
  it('discriminates events on type', () => {
    const event = WebhookEventSchema.parse({
      id: 'evt_1',
      type: 'balance.low',
      createdAt: '2025-01-01T00:00:00.000Z',
      workspaceId: 'ws_1',
      data: {
        thresholdMicros: 10_000_000,
        unit: 'usd',
        availableMicros: 9_000_000,
        reservedMicros: 0,
        spendableMicros: 9_000_000,
        deficitMicros: 0,
      },
    });
    expect(event.type).toBe('balance.low');
    expect(WebhookEventSchema.safeParse({ ...event, type: 'balance.sideways' }).success).toBe(false);
  });

  it('formats and parses the signature header', () => {
    const sig = 'a'.repeat(64);
    const header = formatWebhookSignatureHeader(1700000000, [sig]);
    expect(header).toBe(`t=1700000000,v1=${sig}`);
    expect(parseWebhookSignatureHeader(header)).toEqual({ timestampSeconds: 1700000000, signatures: [sig] });
    expect(parseWebhookSignatureHeader('garbage')).toBeNull();
  });
});
