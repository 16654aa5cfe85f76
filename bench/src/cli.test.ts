import { describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError } from './cli.js';

describe('the bench command line', () => {
  it('defaults to every workload on both stores, runs chosen by the mode', () => {
    expect(parseCommandLine([])).toEqual({ quick: false, runs: 0, only: [], stores: [] });
  });

  it('reads every option, with or without the separator pnpm passes through', () => {
    expect(parseCommandLine(['--', '--quick', '--runs=5', '--only=hot,guard', '--store=postgres'])).toEqual({
      quick: true,
      runs: 5,
      only: ['hot', 'guard'],
      stores: ['postgres'],
    });
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--only=hott'], /--only: unknown hott \(one of hot, spread/],
    [['--store=mysql'], /--store: unknown mysql \(one of postgres, pglite\)/],
    [['--runs=0'], /--runs must be a whole number of at least 1, not 0/],
    [['--runs=2.5'], /not 2\.5/],
    [['--runs=three'], /not three/],
  ])('refuses %j with a message naming the problem', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });
});
