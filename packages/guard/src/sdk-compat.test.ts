import {
  ConnectionError,
  createClient,
  InsufficientCreditsError,
  InternalServerError,
  TimeoutError,
} from '@aicredits/sdk';
import { describe, expect, it } from 'vitest';
import { classifyError } from './classify.js';
import type { GuardClient } from './client.js';

describe('the real SDK', () => {
  it('is a GuardClient as is', () => {
    // A compile-time check as much as a runtime one: this file fails typecheck if the SDK drifts.
    const client: GuardClient = createClient({ baseUrl: 'http://127.0.0.1:1', apiKey: 'sk_test' });
    expect(typeof client.reservations.capture).toBe('function');
    expect(typeof client.prices?.retrieve).toBe('function');
    expect(typeof client.charges?.create).toBe('function');
  });

  it('has its errors classified the way the guard needs', () => {
    const refused = new InsufficientCreditsError({
      status: 402,
      code: 'overage_cap_reached',
      message: 'cap',
      requestId: 'req_1',
    });
    expect(classifyError(refused)).toMatchObject({
      kind: 'refused',
      apiCode: 'overage_cap_reached',
      requestId: 'req_1',
    });
    expect(classifyError(new ConnectionError({}))).toMatchObject({
      kind: 'unavailable',
      reason: 'connection_error',
    });
    expect(classifyError(new TimeoutError({ timeoutMs: 5 }))).toMatchObject({
      kind: 'unavailable',
      reason: 'timeout',
    });
    const down = new InternalServerError({ status: 503, code: 'service_unavailable', message: 'down' });
    expect(classifyError(down)).toMatchObject({ kind: 'unavailable', reason: 'server_error' });
  });
});
