import { AsyncLocalStorage } from 'node:async_hooks';
import type { ChargeOutcome, GuardReservation } from './client.js';
import { GuardError } from './errors.js';
import type { TokenCounts } from './prices.js';

/**
 * How a task is being billed:
 * - `metered`: a hold was reserved and the usage will be captured against it;
 * - `pass_through`: a self-hosted workspace, nothing is metered and nothing ever blocks;
 * - `unmetered`: the credits API was unreachable and the guard failed open.
 */
export type MeterMode = 'metered' | 'pass_through' | 'unmetered';

export interface ModelUsage {
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedInputTokens?: number;
}

export interface UsageSnapshot {
  readonly byModel: ReadonlyMap<string, TokenCounts>;
  readonly sandboxSeconds: number;
  /** Set by `setAmountMicros`; when set it is what gets charged. */
  readonly amountMicros: number | undefined;
  /** True once anything at all was reported. */
  readonly reported: boolean;
}

/** What a task receives: where to report usage, and the signal that tells it to stop. */
export interface Meter {
  readonly mode: MeterMode;
  readonly workspaceId: string;
  readonly memberId: string | undefined;
  readonly feature: string;
  /** The current hold (undefined unless `mode` is `metered`). Updated when the hold is extended. */
  readonly reservation: GuardReservation | undefined;
  /**
   * Aborted when the task must stop: its hold could not be extended (the reason is a
   * `GuardRefusedError`), or the caller's own signal aborted (e.g. the HTTP client went away).
   */
  readonly signal: AbortSignal;
  /** Adds the tokens of one model call. Calls add up, per model. */
  addUsage(usage: ModelUsage): void;
  /** Adds sandbox compute time, in whole seconds. */
  addSandboxSeconds(seconds: number): void;
  /** Sets the total to charge, in micros, instead of pricing the reported usage. */
  setAmountMicros(amountMicros: number): void;
  /** Overrides the outcome the guard would infer (e.g. `partial` for a task that stopped early). */
  setOutcome(outcome: ChargeOutcome): void;
  /**
   * A safe point between steps of a long task: waits for a hold extension in flight, then throws
   * `signal.reason` if the task must stop. Calling it after each report keeps the task from
   * spending past a hold the API refused to grow.
   */
  checkpoint(): Promise<void>;
  usage(): UsageSnapshot;
}

function assertCount(value: number, label: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new GuardError(
      'invalid_usage',
      `${label} must be a non-negative whole number; got ${String(value)}.`,
    );
  }
}

/** The guard's side of a meter: the same object, plus what only the guard may touch. */
export class TaskMeter implements Meter {
  readonly mode: MeterMode;
  readonly workspaceId: string;
  readonly memberId: string | undefined;
  readonly feature: string;
  readonly signal: AbortSignal;
  reservation: GuardReservation | undefined;
  outcomeOverride: ChargeOutcome | undefined;
  private readonly controller = new AbortController();
  private readonly byModel = new Map<
    string,
    { inputTokens: number; outputTokens: number; cachedInputTokens: number }
  >();
  private sandboxSeconds = 0;
  private amountMicros: number | undefined;
  private reported = false;
  private closed = false;
  /** Called after every report, so the guard can extend the hold when usage nears it. */
  onReport: (() => void) | undefined;
  /** The guard's work in flight for this task (a hold extension), which `checkpoint` waits for. */
  pendingWork: (() => Promise<void> | undefined) | undefined;

  constructor(params: {
    mode: MeterMode;
    workspaceId: string;
    memberId: string | undefined;
    feature: string;
    reservation?: GuardReservation | undefined;
    signal?: AbortSignal | undefined;
  }) {
    this.mode = params.mode;
    this.workspaceId = params.workspaceId;
    this.memberId = params.memberId;
    this.feature = params.feature;
    this.reservation = params.reservation;
    this.signal = params.signal
      ? AbortSignal.any([this.controller.signal, params.signal])
      : this.controller.signal;
  }

  addUsage(usage: ModelUsage): void {
    this.assertOpen();
    if (typeof usage.model !== 'string' || usage.model.length === 0) {
      throw new GuardError('invalid_usage', 'addUsage needs the model the tokens were spent on.');
    }
    const cachedInputTokens = usage.cachedInputTokens ?? 0;
    assertCount(usage.inputTokens, 'inputTokens');
    assertCount(usage.outputTokens, 'outputTokens');
    assertCount(cachedInputTokens, 'cachedInputTokens');
    const totals = this.byModel.get(usage.model) ?? { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
    totals.inputTokens += usage.inputTokens;
    totals.outputTokens += usage.outputTokens;
    totals.cachedInputTokens += cachedInputTokens;
    this.byModel.set(usage.model, totals);
    this.afterReport();
  }

  addSandboxSeconds(seconds: number): void {
    this.assertOpen();
    assertCount(seconds, 'sandboxSeconds');
    this.sandboxSeconds += seconds;
    this.afterReport();
  }

  setAmountMicros(amountMicros: number): void {
    this.assertOpen();
    assertCount(amountMicros, 'amountMicros');
    this.amountMicros = amountMicros;
    this.afterReport();
  }

  setOutcome(outcome: ChargeOutcome): void {
    this.assertOpen();
    this.outcomeOverride = outcome;
  }

  async checkpoint(): Promise<void> {
    await this.pendingWork?.();
    this.signal.throwIfAborted();
  }

  usage(): UsageSnapshot {
    const byModel = new Map<string, TokenCounts>();
    for (const [model, totals] of this.byModel) byModel.set(model, { ...totals });
    return {
      byModel,
      sandboxSeconds: this.sandboxSeconds,
      amountMicros: this.amountMicros,
      reported: this.reported,
    };
  }

  /** Stops the task; the reason reaches it as `signal.reason`. */
  abort(reason: unknown): void {
    this.controller.abort(reason);
  }

  get abortedByGuard(): boolean {
    return this.controller.signal.aborted;
  }

  /** After settlement a late report would be lost, so it is an error rather than silently ignored. */
  close(): void {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new GuardError(
        'invalid_usage',
        'This task was already settled; report usage before the task (or the response) finishes.',
      );
    }
  }

  private afterReport(): void {
    this.reported = true;
    this.onReport?.();
  }
}

const storage = new AsyncLocalStorage<Meter>();

/** The meter of the guarded task this code runs in, if any (used by the AI SDK middleware). */
export function currentMeter(): Meter | undefined {
  return storage.getStore();
}

export function runWithMeter<T>(meter: Meter, fn: () => T): T {
  return storage.run(meter, fn);
}
