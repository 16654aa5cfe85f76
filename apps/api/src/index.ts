/**
 * Programmatic entry of the credits API: start a real service (tests of other packages use
 * this), seed demo data, and the pieces the background jobs and webhook delivery build on.
 */

export type { Principal, Services } from './context.js';
export type { Db, Queryable } from './db/db.js';
export { type SeedDemoOptions, type SeededDemo, seedDemo } from './demo-seed.js';
export { type MoneyStore, type OpenMoneyStoreOptions, openMoneyStore } from './embed.js';
export { ApiError } from './errors.js';
export {
  assertLedgerInvariants,
  checkLedgerInvariants,
  type InvariantName,
  type InvariantOptions,
  type InvariantReport,
  type InvariantViolation,
} from './invariants.js';
export type { MoneyOp, OpContext, OpResult } from './money/batch.js';
export {
  captureOp,
  chargeOp,
  grantLotOp,
  newReservationId,
  reserveOp,
  sweepOp,
  voidOp,
} from './money/ops.js';
export type { BatchInfo, GroupCommitQueue } from './money/queue.js';
export {
  type RunningService,
  resolveConfig,
  SERVICE_VERSION,
  type StartServiceOptions,
  startService,
} from './service.js';
export { signWebhookPayload, verifyWebhookSignature } from './webhooks/index.js';
