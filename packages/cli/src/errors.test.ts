import { GuardRefusedError, GuardUnavailableError } from '@aicredits/guard';
import {
  APIError,
  AuthenticationError,
  BadRequestError,
  ConfigurationError,
  ConnectionError,
  InsufficientCreditsError,
  InternalServerError,
  MoneyError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  TimeoutError,
} from '@aicredits/sdk';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { CliError, describeError, EXIT_CODES } from './errors.js';

const api = (status: number, code: string) => ({
  status,
  code,
  message: `${code} happened`,
  requestId: 'req_1',
});

describe('describeError', () => {
  it('maps the 402 refusals to exit 3 with a remedy', () => {
    for (const code of ['insufficient_credits', 'overage_disabled', 'overage_cap_reached'] as const) {
      const report = describeError(new InsufficientCreditsError(api(402, code)));
      expect(report).toMatchObject({ code, exitCode: 3, requestId: 'req_1' });
      expect(report.hint).toBeDefined();
    }
    expect(describeError(new InsufficientCreditsError(api(402, 'overage_disabled'))).hint).toMatch(
      /enable overage/,
    );
    const refused = new GuardRefusedError({
      reason: 'insufficient_credits',
      stage: 'reserve',
      apiCode: 'insufficient_credits',
      requestId: 'req_2',
    });
    expect(describeError(refused)).toMatchObject({
      code: 'insufficient_credits',
      exitCode: 3,
      requestId: 'req_2',
    });
    expect(describeError(refused).hint).toMatch(/topup/);
  });

  it('maps 401 and 403 to exit 4', () => {
    expect(describeError(new AuthenticationError(api(401, 'unauthorized')))).toMatchObject({ exitCode: 4 });
    const billing = describeError(new PermissionDeniedError(api(403, 'billing_access_required')));
    expect(billing).toMatchObject({ exitCode: 4, code: 'billing_access_required' });
    expect(billing.hint).toMatch(/billing access/);
  });

  it('maps unreachable, slow, throttled and failing services to exit 5', () => {
    expect(describeError(new ConnectionError({})).exitCode).toBe(5);
    expect(describeError(new TimeoutError({ timeoutMs: 10 })).exitCode).toBe(5);
    expect(describeError(new RateLimitError(api(429, 'rate_limited'))).exitCode).toBe(5);
    expect(describeError(new InternalServerError(api(503, 'unavailable'))).exitCode).toBe(5);
    expect(describeError(new GuardUnavailableError({ reason: 'connection_error' })).exitCode).toBe(5);
  });

  it('maps bad input to exit 2', () => {
    expect(describeError(new BadRequestError(api(400, 'validation_failed'))).exitCode).toBe(2);
    expect(describeError(new MoneyError('invalid_amount', 'bad')).exitCode).toBe(2);
    expect(describeError(new ConfigurationError('missing_api_key', 'no key')).exitCode).toBe(2);
    expect(
      describeError(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'")),
    ).toMatchObject({
      code: 'invalid_arguments',
      message: "unknown option '--x'",
      exitCode: 2,
    });
    expect(
      describeError(new CliError({ code: 'missing_workspace', exitCode: 'usage', message: 'm' })).exitCode,
    ).toBe(2);
  });

  it('maps every other failure to exit 1 and keeps the API code', () => {
    expect(describeError(new NotFoundError(api(404, 'not_found')))).toMatchObject({
      code: 'not_found',
      exitCode: 1,
    });
    expect(describeError(new APIError(api(418, 'teapot')))).toMatchObject({ code: 'teapot', exitCode: 1 });
    expect(describeError(new Error('boom'))).toMatchObject({
      code: 'internal_error',
      exitCode: 1,
      requestId: null,
    });
  });

  it('documents distinct codes', () => {
    expect(new Set(Object.values(EXIT_CODES)).size).toBe(Object.values(EXIT_CODES).length);
  });
});
