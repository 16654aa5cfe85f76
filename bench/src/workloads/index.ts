import type { Workload } from '../context.js';
import { embeddedWorkload } from './embedded.js';
import { exhaustionWorkload } from './exhaustion.js';
import { guardWorkload } from './guard.js';
import { hotWorkload } from './hot.js';
import { readsWorkload } from './reads.js';
import { skewWorkload } from './skew.js';
import { spreadWorkload } from './spread.js';

/** Every workload, in the order the table lists them. */
export const WORKLOADS: readonly Workload[] = [
  hotWorkload,
  spreadWorkload,
  skewWorkload,
  exhaustionWorkload,
  readsWorkload,
  embeddedWorkload,
  guardWorkload,
];
