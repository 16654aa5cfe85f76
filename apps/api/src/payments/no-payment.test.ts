import { describe, expect, it } from 'vitest';
import { createPaymentGateway, PaymentError, PaymentWebhookError } from './index.js';
import { recordingLogger } from './test-support.js';

describe('no-payment mode (no STRIPE_SECRET_KEY)', () => {
  it('warns once on creation, charges no tax and succeeds at once with test_ ids', async () => {
    const logger = recordingLogger();
    const gateway = createPaymentGateway({ logger });
    expect(gateway.mode).toBe('no_payment');
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toMatch(/no-payment mode: top-ups are credited as unpaid test funds/);

    expect(
      await gateway.calculateTax({
        amountMicros: 100_000_000,
        address: { country: 'US', state: 'CA' },
        customerId: null,
      }),
    ).toEqual({
      taxMicros: 0,
    });
    const customerId = await gateway.ensureCustomer({
      workspaceId: 'ws_1',
      name: 'Dev',
      customerId: null,
      address: null,
    });
    expect(customerId).toMatch(/^test_/);
    const result = await gateway.chargeTopup({
      topupId: 'tu_1',
      workspaceId: 'ws_1',
      customerId,
      paymentMethodId: 'pm_whatever',
      amountMicros: 20_000_000,
      taxMicros: 0,
      idempotencyKey: 'k',
    });
    expect(result).toEqual({
      status: 'succeeded',
      paymentIntentId: 'test_pi_tu_1',
      invoiceId: 'test_in_tu_1',
    });
    expect(logger.warnings).toHaveLength(1);
  });

  it('treats an empty secret key as absent', () => {
    expect(createPaymentGateway({ secretKey: '', logger: recordingLogger() }).mode).toBe('no_payment');
  });

  it('has no card to describe', async () => {
    const gateway = createPaymentGateway({ logger: recordingLogger() });
    expect(await gateway.describePaymentMethod('pm_card_visa')).toBeNull();
  });

  it('accepts no webhooks', () => {
    const gateway = createPaymentGateway({ logger: recordingLogger() });
    expect(() => gateway.parseWebhook('{}', 't=1,v1=x')).toThrow(PaymentWebhookError);
  });

  it('still refuses amounts that are not whole cents', async () => {
    const gateway = createPaymentGateway({ logger: recordingLogger() });
    await expect(
      gateway.chargeTopup({
        topupId: 'tu_2',
        workspaceId: 'ws_1',
        customerId: 'c',
        paymentMethodId: 'p',
        amountMicros: 1,
        taxMicros: 0,
        idempotencyKey: 'k2',
      }),
    ).rejects.toBeInstanceOf(PaymentError);
  });
});
