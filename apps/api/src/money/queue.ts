import type { PriceTable } from '@aicredits/ledger';
import { LRUCache } from 'lru-cache';
import type { Db } from '../db/db.js';
import {
  type CommittedBatch,
  commitBatch,
  type MoneyOp,
  type OpResult,
  type RememberedLedger,
} from './batch.js';

export interface BatchInfo extends Pick<CommittedBatch, 'conflicts' | 'locked' | 'remembered'> {
  workspaceId: string;
  size: number;
  ms: number;
}

interface Pending {
  op: MoneyOp;
  resolve: (result: OpResult) => void;
  reject: (error: unknown) => void;
}

interface Lane {
  waiting: Pending[];
  running: boolean;
  /** Batches in a row that ran operations starting work ahead of waiting settlements. */
  overtakes: number;
}

/** How many batches in a row may run ahead of a waiting settlement (bounds its extra wait). */
const MAX_OVERTAKES = 4;

export interface GroupCommitOptions {
  db: Db;
  now: () => number;
  priceTable: (now: number) => Promise<PriceTable>;
  /**
   * Upper bound on operations per transaction (default 32). A reservation waits for the batch in
   * flight and then its own, so short batches keep that wait short; past a few dozen operations
   * a batch saves little more per operation.
   */
  maxBatch?: number;
  /**
   * How many workspaces' ledgers to remember between batches (least recently used go first), so
   * their next batch needs no read; 0 reads every time. Default 1,000.
   */
  rememberedWorkspaces?: number;
  /**
   * How long a remembered ledger is trusted (default 60 s). Every money write moves the ledger
   * version, so this only bounds how long a write that bypassed the money path without moving the
   * version (a manual fix in SQL) could go unseen.
   */
  rememberForMs?: number;
  onBatch?: (info: BatchInfo) => void;
}

/**
 * Per-workspace group commit. Operations of a workspace that arrive while a transaction for it
 * is in flight wait and go together into the next one, so a hot workspace pays one lock, one
 * state load and one COMMIT per batch instead of per request. An idle workspace's operation
 * starts at once: a batch of one adds no waiting. Reservations go ahead of settlements (see
 * `takeBatch`): a task waits for its reservation, not for its settlement. Across replicas the
 * ledger version check of `commitBatch` serialises batches (a loser re-reads and retries), so the
 * engine's bound holds.
 */
export class GroupCommitQueue {
  private readonly lanes = new Map<string, Lane>();
  private readonly maxBatch: number;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly memory: LRUCache<string, RememberedLedger> | undefined;

  constructor(private readonly options: GroupCommitOptions) {
    this.maxBatch = options.maxBatch ?? 32;
    const remembered = options.rememberedWorkspaces ?? 1_000;
    this.memory =
      remembered > 0 ? new LRUCache({ max: remembered, ttl: options.rememberForMs ?? 60_000 }) : undefined;
  }

  submit(workspaceId: string, op: MoneyOp): Promise<OpResult> {
    return new Promise<OpResult>((resolve, reject) => {
      let lane = this.lanes.get(workspaceId);
      if (lane === undefined) {
        lane = { waiting: [], running: false, overtakes: 0 };
        this.lanes.set(workspaceId, lane);
      }
      lane.waiting.push({ op, resolve, reject });
      if (!lane.running) void this.drain(workspaceId, lane);
    });
  }

  /**
   * The ledger this service remembers of the workspace (from its last batch of it, or a read),
   * unverified: a reader checks its `ledgerVersion` against the stored one before trusting it.
   * Nothing while a batch of the workspace is running (its outcome is not known yet).
   */
  recall(workspaceId: string): RememberedLedger | undefined {
    return this.memory?.get(workspaceId);
  }

  /**
   * Remembers a ledger just read outside a batch, so the next read (and the next batch) need not
   * load it again. Ignored while a batch of the workspace is running or waiting (the batch will
   * remember what it commits) and when the memory already holds this version or a newer one.
   */
  rememberRead(workspaceId: string, ledger: RememberedLedger): void {
    if (this.memory === undefined || this.lanes.has(workspaceId)) return;
    if (ledger.workspace.deletedAt !== null) {
      this.memory.delete(workspaceId);
      return;
    }
    const known = this.memory.get(workspaceId);
    if (known !== undefined && known.workspace.ledgerVersion >= ledger.workspace.ledgerVersion) return;
    this.memory.set(workspaceId, ledger);
  }

  /** Resolves once no batch is running or waiting (graceful shutdown). */
  async idle(): Promise<void> {
    if (this.inFlight === 0 && this.lanes.size === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private async drain(workspaceId: string, lane: Lane): Promise<void> {
    lane.running = true;
    this.inFlight += 1;
    try {
      while (lane.waiting.length > 0) {
        const batch = takeBatch(lane, this.maxBatch);
        const started = performance.now();
        let outcome: CommittedBatch;
        try {
          const now = this.options.now();
          const table = await this.options.priceTable(now);
          outcome = await commitBatch(
            this.options.db,
            workspaceId,
            batch.map((p) => p.op),
            now,
            table,
            this.memory,
          );
        } catch (error) {
          for (const p of batch) p.reject(error);
          continue;
        }
        const { settled, conflicts, locked, remembered } = outcome;
        this.options.onBatch?.({
          workspaceId,
          size: batch.length,
          ms: performance.now() - started,
          conflicts,
          locked,
          remembered,
        });
        settled.forEach((s, i) => {
          const p = batch[i];
          if (p === undefined) return;
          if (s.ok) p.resolve(s.result);
          else p.reject(s.error);
        });
        // Callers just answered often submit their next operation at once (a capture after its
        // reserve): one turn of the event loop lets those join the next batch instead of
        // splitting the lane into a large batch and a straggler that each pay a commit.
        // Costs the answered callers nothing: they were resolved above.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      lane.running = false;
      this.lanes.delete(workspaceId);
      this.inFlight -= 1;
      if (this.inFlight === 0 && this.lanes.size === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  }
}

/**
 * The next batch of a lane. Operations that start work (reservations) go first: their callers
 * are waiting to begin a task, while a settlement's caller already has its task's result. A
 * settlement is overtaken at most `MAX_OVERTAKES` batches in a row, so a stream of reservations
 * cannot starve it (and holds are released). Otherwise arrival order, up to `max`, and an
 * `alone` operation by itself.
 */
function takeBatch(lane: Lane, max: number): Pending[] {
  const { waiting } = lane;
  const waitingSettlement = waiting.some((p) => p.op.startsWork !== true);
  if (waitingSettlement && lane.overtakes < MAX_OVERTAKES && waiting.some((p) => p.op.startsWork === true)) {
    lane.overtakes += 1;
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    for (const p of waiting) (p.op.startsWork === true && batch.length < max ? batch : rest).push(p);
    lane.waiting = rest;
    return batch;
  }
  lane.overtakes = 0;
  let n = 0;
  if (waiting[0]?.op.alone === true) n = 1;
  else while (n < waiting.length && n < max && waiting[n]?.op.alone !== true) n += 1;
  return waiting.splice(0, n);
}
