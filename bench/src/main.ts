import os from 'node:os';
import { parseCommandLine, USAGE, UsageError } from './cli.js';
import type { BenchContext } from './context.js';
import { type ResultRow, renderTable } from './report.js';
import { DEFAULT_DATABASE_URL } from './stores.js';
import { WORKLOADS } from './workloads/index.js';

async function main(): Promise<void> {
  const args = parseCommandLine(process.argv.slice(2));
  const started = performance.now();
  // The machine is shared: the load when the run began says how much to trust absolute figures.
  const loadAtStart = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
  const ctx: BenchContext = {
    quick: args.quick,
    // The full run reports medians of 3; the CI-sized smoke run measures each thing once.
    runs: args.runs > 0 ? args.runs : args.quick ? 1 : 3,
    stores: args.stores.length > 0 ? args.stores : ['postgres', 'pglite'],
    databaseUrl: process.env.BENCH_DATABASE_URL ?? DEFAULT_DATABASE_URL,
    scale: args.quick ? 'quick' : 'full',
    log: (message) => console.error(message),
  };
  const selected = WORKLOADS.filter((w) => args.only.length === 0 || args.only.includes(w.name));
  const rows: ResultRow[] = [];
  for (const workload of selected) {
    try {
      rows.push(...(await workload.run(ctx)));
    } catch (error) {
      // One broken workload must not lose the others' figures: report it as a failed row.
      console.error(error);
      for (const store of ctx.stores.filter((s) => workload.onlyStores?.includes(s) ?? true)) {
        rows.push({
          workload: workload.name,
          store,
          variant: 'error',
          opsPerSec: Number.NaN,
          p50Ms: Number.NaN,
          p99Ms: Number.NaN,
          ratio: null,
          target: 'runs to completion',
          pass: false,
          note: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }
  const minutes = (performance.now() - started) / 60_000;
  console.log(
    `\naicredits benchmarks — ${ctx.quick ? 'quick' : 'full'} run, medians of ${ctx.runs} runs, ${minutes.toFixed(1)} min; ${os.cpus().length} CPUs, load average at start ${loadAtStart}\n`,
  );
  console.log(renderTable(rows));
  const failed = rows.filter((r) => r.pass === false);
  console.log(`\n${rows.filter((r) => r.pass === true).length} targets met, ${failed.length} missed`);
}

try {
  await main();
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`${error.message}\n${USAGE}`);
  process.exitCode = 2;
}
