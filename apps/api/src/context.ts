import type { PriceTable } from '@aicredits/ledger';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { ServiceConfig } from './config.js';
import type { Db } from './db/db.js';
import type { GroupCommitQueue } from './money/queue.js';
import type { PaymentGateway } from './payments/index.js';

/** Who is calling, resolved from the API key. */
export type Principal =
  | { type: 'platform'; keyId: string }
  | { type: 'server'; keyId: string; workspaceId: string }
  | { type: 'member'; keyId: string; workspaceId: string; memberId: string };

/** The long-lived parts of a running service, shared by every request. */
export interface Services {
  readonly config: ServiceConfig;
  readonly db: Db;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly queue: GroupCommitQueue;
  readonly payments: PaymentGateway;
  priceTable(now: number): Promise<PriceTable>;
  /** Forgets cached key lookups (after a key is revoked). */
  forgetKey(keyId: string): void;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    principal: Principal;
    services: Services;
  };
}
