import { parseArgs } from 'node:util';
import type { StoreKind } from './stores.js';
import { WORKLOADS } from './workloads/index.js';

export const USAGE =
  'usage: pnpm bench [--quick] [--runs=N] [--only=hot,spread,...] [--store=postgres,pglite]';
const STORES: readonly StoreKind[] = ['postgres', 'pglite'];
const OPTIONS = {
  quick: { type: 'boolean' },
  runs: { type: 'string' },
  only: { type: 'string' },
  store: { type: 'string' },
} as const;

/** Comma-separated names, each one of `allowed`. */
function namesOf<T extends string>(option: string, value: string | undefined, allowed: readonly T[]): T[] {
  if (value === undefined) return [];
  const names = value.split(',').filter((name) => name !== '');
  const unknown = names.filter((name) => !(allowed as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new UsageError(`--${option}: unknown ${unknown.join(', ')} (one of ${allowed.join(', ')})`);
  }
  return names as T[];
}

/** The command line, or a `UsageError` naming what is wrong. */
export function parseCommandLine(argv: readonly string[]) {
  let values: { quick?: boolean; runs?: string; only?: string; store?: string };
  try {
    ({ values } = parseArgs({ args: argv.filter((arg) => arg !== '--'), options: OPTIONS, strict: true }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const runs = values.runs === undefined ? 0 : Number(values.runs);
  if (values.runs !== undefined && !(Number.isInteger(runs) && runs >= 1)) {
    throw new UsageError(`--runs must be a whole number of at least 1, not ${values.runs}`);
  }
  return {
    quick: values.quick === true,
    runs,
    only: namesOf(
      'only',
      values.only,
      WORKLOADS.map((w) => w.name),
    ),
    stores: namesOf('store', values.store, STORES),
  };
}

export class UsageError extends Error {}
