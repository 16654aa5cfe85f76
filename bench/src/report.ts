import type { StoreKind } from './stores.js';

/** One line of the printed table: medians over the runs of one workload × store × variant. */
export interface ResultRow {
  workload: string;
  store: StoreKind;
  variant: string;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** This row's throughput over its baseline's (the naive row of the same workload and store). */
  ratio: number | null;
  target: string;
  /** null: informational row (no target applies to it). */
  pass: boolean | null;
  note?: string;
}

export interface RunFigures {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

const fmt = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

const storeLabel = (kind: StoreKind) => (kind === 'pglite' ? 'pglite*' : 'postgres');

export function renderTable(rows: readonly ResultRow[]): string {
  const header = [
    'workload',
    'store',
    'variant',
    'ops/s',
    'p50 ms',
    'p99 ms',
    'vs naive',
    'target',
    'result',
  ];
  const body = rows.map((r) => [
    r.workload,
    storeLabel(r.store),
    r.variant,
    fmt(r.opsPerSec, 0),
    fmt(r.p50Ms, 2),
    fmt(r.p99Ms, 2),
    r.ratio === null ? '' : `${fmt(r.ratio, 2)}×`,
    r.target,
    r.pass === null ? '' : r.pass ? 'pass' : 'FAIL',
  ]);
  const lines = [header, ...body].map((cells) => `| ${cells.join(' | ')} |`);
  const align = `| ${header.map((_, i) => (i >= 3 && i <= 6 ? '---:' : '---')).join(' | ')} |`;
  lines.splice(1, 0, align);
  const notes = rows
    .filter((r) => r.note !== undefined)
    .map((r) => `- ${r.workload} / ${storeLabel(r.store)} / ${r.variant}: ${r.note}`);
  return [
    ...lines,
    '',
    '* PGlite runs PostgreSQL in WASM with fsync off: its figures are NOT durable (a power loss can lose commits).',
    ...(notes.length > 0 ? ['', ...notes] : []),
  ].join('\n');
}
