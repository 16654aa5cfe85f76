import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, isConnectionFailure } from './unavailable.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isConnectionFailure', () => {
  it('recognises refused and cut connections, and a server shutting down or starting', () => {
    for (const error of [
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      withCode('read ECONNRESET', 'ECONNRESET'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('the database system is starting up', '57P03'),
      withCode('connection failure', '08006'),
      new Error('Connection terminated unexpectedly'),
      new Error('Client has encountered a connection error and is not queryable'),
      new DatabaseUnavailableError(new Error('gone')),
    ]) {
      expect(isConnectionFailure(error), error.message).toBe(true);
    }
  });

  it('leaves query errors alone: they are bugs or refusals, not outages', () => {
    for (const error of [
      withCode('duplicate key value violates unique constraint', '23505'),
      withCode('bigint out of range', '22003'),
      withCode('could not serialize access', '40001'),
      new Error('column x does not exist'),
      'Connection terminated',
    ]) {
      expect(isConnectionFailure(error)).toBe(false);
    }
  });
});
