import { randomUUID } from 'node:crypto';
import { type Classified, classifyError } from './classify.js';
import type {
  CaptureBody,
  ChargeOutcome,
  CreateReservationBody,
  GuardCharge,
  GuardClient,
  GuardReservation,
  UsageEstimate,
} from './client.js';
import {
  GuardCaptureError,
  GuardError,
  GuardRefusedError,
  GuardUnavailableError,
  type RefusalStage,
  refusalReasonOf,
  type UnavailableReason,
} from './errors.js';
import { type Meter, runWithMeter, TaskMeter, type UsageSnapshot } from './meter.js';
import { costOfUsageMicros, type PriceTable } from './prices.js';

/** What to do when the credits API cannot be reached (or answers 5xx / 429 after the SDK's retries). */
export type UnavailableMode = 'fail_closed' | 'fail_open';

/**
 * When `run` hands back the task's result. `inline`: once the capture has landed (a capture that
 * keeps failing throws `GuardCaptureError`). `background`: as soon as the task ends; the capture
 * follows with the same key and retries, a failure reaches only `onError`, and `guard.flush()`
 * waits for what is still settling (call it before the process exits).
 */
export type SettlementMode = 'inline' | 'background';

/** The estimate to hold before the task starts: an amount, or usage the API prices. */
export type TaskEstimate = { readonly amountMicros: number } | { readonly usage: UsageEstimate };

interface TaskEvent {
  readonly workspaceId: string;
  readonly memberId: string | undefined;
  readonly feature: string;
}

export interface ReserveEvent extends TaskEvent {
  readonly reservation: GuardReservation;
}
export interface ExtendEvent extends TaskEvent {
  readonly reservation: GuardReservation;
  readonly additionalMicros: number;
  readonly trigger: 'ttl' | 'usage';
}
export interface CaptureEvent extends TaskEvent {
  readonly reservationId: string;
  readonly charge: GuardCharge;
  readonly outcome: ChargeOutcome;
  /** How many capture requests it took (1 unless a network error forced a replay). */
  readonly attempts: number;
}
export interface VoidEvent extends TaskEvent {
  readonly reservationId: string;
}
export interface RefuseEvent extends TaskEvent {
  readonly error: GuardRefusedError;
}
export interface UnavailableEvent extends TaskEvent {
  readonly reason: UnavailableReason;
  /** `fail_open`: the task runs unmetered; `fail_closed`: it is refused with a `GuardUnavailableError`. */
  readonly action: UnavailableMode;
  readonly error: unknown;
}
export interface UnmeteredEvent extends TaskEvent {
  /** What the task reported while it ran unmetered, so it can be reconciled later. */
  readonly usage: UsageSnapshot;
  readonly outcome: ChargeOutcome;
}
export interface ErrorEvent extends Partial<TaskEvent> {
  readonly stage: 'capture' | 'void' | 'extend' | 'prices' | 'hook';
  readonly reservationId?: string;
  readonly error: unknown;
}

/** Observability hooks. A hook that throws is reported through `onError`, never breaks billing. */
export interface GuardHooks {
  onReserve?(event: ReserveEvent): void;
  onExtend?(event: ExtendEvent): void;
  onCapture?(event: CaptureEvent): void;
  onVoid?(event: VoidEvent): void;
  onRefuse?(event: RefuseEvent): void;
  onUnavailable?(event: UnavailableEvent): void;
  onUnmetered?(event: UnmeteredEvent): void;
  onError?(event: ErrorEvent): void;
}

export interface ExtensionOptions {
  /** Extend the hold's TTL this many seconds before it lapses. Default: a quarter of the TTL, at least 1. */
  renewBeforeExpirySeconds?: number;
  /** Grow the hold when the priced usage reaches this percentage of it. Default 80. */
  usageThresholdPercent?: number;
  /** How much to add to the hold each time it grows. Default: the initial hold. */
  incrementMicros?: number;
}

export interface CaptureRetryOptions {
  /** Total capture attempts, all with the same idempotency key. Default 5. */
  attempts?: number;
  /** First backoff; doubles per attempt, with jitter, capped at 5 s. Default 200 ms. */
  backoffMs?: number;
}

export interface GuardOptions {
  client: GuardClient;
  /** The feature the tasks bill to (e.g. `coding_session`). A run may override it. */
  feature: string;
  /** How long a hold lives without an extension. Default 300. */
  ttlSeconds?: number;
  onUnavailable?: UnavailableMode;
  /** `false` turns extensions off: the hold then lapses at its TTL if the task outlives it. */
  extension?: ExtensionOptions | false;
  capture?: CaptureRetryOptions;
  /** When `run` returns: after the capture (`inline`, the default) or before it (`background`). */
  settlement?: SettlementMode;
  /** How long a workspace's hosting mode (cloud / self-hosted) is cached. Default 60. */
  hostingCacheSeconds?: number;
  /**
   * Loads the price table. Needed only to price usage locally: to grow a hold as token usage
   * nears it, and to capture usage that spans several models in one amount. Default: the
   * client's `prices.retrieve()` (the SDK has it), cached for five minutes.
   */
  prices?: () => Promise<PriceTable>;
  hooks?: GuardHooks;
}

export interface RunParams {
  workspaceId: string;
  /** The member doing the work: their seat credits are drawn first. Omit for pooled-only billing. */
  memberId?: string;
  estimate: TaskEstimate;
  feature?: string;
  ttlSeconds?: number;
  /** The caller's own cancellation (e.g. the HTTP client disconnected); it reaches `meter.signal`. */
  signal?: AbortSignal;
  /** Base of every idempotency key this run uses (reserve, extend, capture, void). Default: a UUID. */
  idempotencyKey?: string;
  /** Overrides the guard's `settlement` for this run. */
  settlement?: SettlementMode;
}

export type Settlement =
  | { readonly kind: 'captured'; readonly charge: GuardCharge; readonly outcome: ChargeOutcome }
  | { readonly kind: 'voided' }
  | { readonly kind: 'pass_through' }
  | { readonly kind: 'unmetered'; readonly usage: UsageSnapshot; readonly outcome: ChargeOutcome };

export interface EndParams {
  /** Default: `failed` when `error` is given (`partial` if the meter's signal aborted), else `succeeded`. */
  outcome?: ChargeOutcome;
  error?: unknown;
  /** The task's return value, handed back on a `GuardCaptureError`. */
  result?: unknown;
  /** False when the task never started: the hold is voided instead of captured. Default true. */
  started?: boolean;
}

/** A task admitted by `guard.begin`. Adapters use it to span a request; `run` wraps it. */
export interface GuardSession {
  readonly meter: Meter;
  /** Settles the task once: capture (or void), and stop extending. Later calls return the same promise. */
  end(params?: EndParams): Promise<Settlement>;
}

export interface Guard {
  readonly feature: string;
  /** Admits, reserves, runs the task with its meter, settles, and returns the task's result. */
  run<T>(params: RunParams, task: (meter: Meter) => Promise<T> | T): Promise<T>;
  /** The first half of `run`: admit and reserve; settle later with `session.end()`. */
  begin(params: RunParams): Promise<GuardSession>;
  /** Runs `fn` with `meter` as the current meter (what the AI SDK middleware meters into). */
  withMeter<T>(meter: Meter, fn: () => T): T;
  /**
   * Resolves once every settlement begun so far (background runs, adapters' sessions) has
   * finished, landed or reported through `onError`. Await it before the process exits.
   */
  flush(): Promise<void>;
}

const SETTLEMENT_MODES: readonly SettlementMode[] = ['inline', 'background'];

function assertSettlementMode(value: SettlementMode, label: string): void {
  if (!SETTLEMENT_MODES.includes(value)) {
    throw new GuardError(
      'invalid_options',
      `${label} must be 'inline' or 'background'; got ${String(value)}.`,
    );
  }
}

const DEFAULT_TTL_SECONDS = 300;
const DEFAULT_HOSTING_CACHE_SECONDS = 60;
const DEFAULT_PRICE_CACHE_MS = 300_000;
const DEFAULT_USAGE_THRESHOLD_PERCENT = 80;
const MAX_BACKOFF_MS = 5_000;
// Extension timers never fire more often than this, whatever the TTL: a floor against busy loops.
const MIN_RENEW_DELAY_MS = 250;
// The API extends a hold only by a positive amount; a pure TTL renewal holds one more micro.
const MIN_RENEWAL_MICROS = 1;

function assertPositiveInteger(value: number, label: string): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new GuardError(
      'invalid_options',
      `${label} must be a positive whole number; got ${String(value)}.`,
    );
  }
}

function isExpired(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === 'reservation_expired'
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function createGuard(options: GuardOptions): Guard {
  const { client, feature } = options;
  if (typeof feature !== 'string' || feature.length === 0) {
    throw new GuardError('invalid_options', 'createGuard needs the `feature` the tasks bill to.');
  }
  const defaultTtlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  assertPositiveInteger(defaultTtlSeconds, 'ttlSeconds');
  const unavailableMode: UnavailableMode = options.onUnavailable ?? 'fail_closed';
  const hooks = options.hooks ?? {};
  const hostingCacheMs = (options.hostingCacheSeconds ?? DEFAULT_HOSTING_CACHE_SECONDS) * 1000;
  const captureAttempts = options.capture?.attempts ?? 5;
  assertPositiveInteger(captureAttempts, 'capture.attempts');
  const captureBackoffMs = options.capture?.backoffMs ?? 200;
  const extension = options.extension === false ? undefined : (options.extension ?? {});
  const usageThresholdPercent = extension?.usageThresholdPercent ?? DEFAULT_USAGE_THRESHOLD_PERCENT;
  const settlementMode = options.settlement ?? 'inline';
  assertSettlementMode(settlementMode, 'settlement');
  const priceClient = client.prices;
  const fetchPrices = options.prices ?? (priceClient ? () => priceClient.retrieve() : undefined);

  function emit<K extends keyof GuardHooks>(name: K, event: Parameters<NonNullable<GuardHooks[K]>>[0]): void {
    const hook = hooks[name] as ((event: unknown) => void) | undefined;
    if (hook === undefined) return;
    try {
      hook(event);
    } catch (error) {
      if (name === 'onError') {
        // The last resort: an error hook that itself fails must still leave a trace.
        process.emitWarning(`@aicredits/guard: the onError hook threw: ${String(error)}`);
        return;
      }
      emit('onError', { stage: 'hook', error });
    }
  }

  // Settlements still running, so `flush` can wait for them (a background run returns before).
  const settling = new Set<Promise<Settlement>>();
  function track(settlement: Promise<Settlement>): Promise<Settlement> {
    settling.add(settlement);
    const forget = () => settling.delete(settlement);
    settlement.then(forget, forget);
    return settlement;
  }

  async function flush(): Promise<void> {
    // A settlement can begin while others finish (a task ending during the flush): loop.
    while (settling.size > 0) await Promise.allSettled([...settling]);
  }

  // Hosting mode per workspace, cached briefly, with concurrent look-ups of one workspace shared.
  const hostingCache = new Map<string, { selfHosted: boolean; expiresAtMs: number }>();
  const hostingInFlight = new Map<string, Promise<boolean>>();
  async function isSelfHosted(workspaceId: string): Promise<boolean> {
    const cached = hostingCache.get(workspaceId);
    if (cached !== undefined && cached.expiresAtMs > Date.now()) return cached.selfHosted;
    let pending = hostingInFlight.get(workspaceId);
    if (pending === undefined) {
      pending = client.workspaces
        .retrieve(workspaceId)
        .then((workspace) => {
          const selfHosted = workspace.hosting === 'self_hosted';
          hostingCache.set(workspaceId, { selfHosted, expiresAtMs: Date.now() + hostingCacheMs });
          return selfHosted;
        })
        .finally(() => hostingInFlight.delete(workspaceId));
      hostingInFlight.set(workspaceId, pending);
    }
    return pending;
  }

  let priceCache: { table: PriceTable; expiresAtMs: number } | undefined;
  let priceInFlight: Promise<PriceTable> | undefined;
  function cachedPrices(): PriceTable | undefined {
    return priceCache !== undefined && priceCache.expiresAtMs > Date.now() ? priceCache.table : undefined;
  }
  function loadPrices(): Promise<PriceTable> {
    const cached = cachedPrices();
    if (cached !== undefined) return Promise.resolve(cached);
    if (fetchPrices === undefined) {
      return Promise.reject(
        new GuardError(
          'invalid_usage',
          'Pricing this usage locally needs the price table: pass `prices` to createGuard (e.g. the SDK client’s price lookup).',
        ),
      );
    }
    priceInFlight ??= fetchPrices()
      .then((table) => {
        priceCache = { table, expiresAtMs: Date.now() + DEFAULT_PRICE_CACHE_MS };
        return table;
      })
      .finally(() => {
        priceInFlight = undefined;
      });
    return priceInFlight;
  }

  function refusal(
    classified: Extract<Classified, { kind: 'refused' }>,
    stage: RefusalStage,
    cause: unknown,
  ) {
    return new GuardRefusedError({
      reason: refusalReasonOf(classified.apiCode),
      stage,
      apiCode: classified.apiCode,
      requestId: classified.requestId,
      apiMessage: classified.message,
      cause,
    });
  }

  /** Turns an admission-time error into a refusal, an unavailability decision, or a rethrow. */
  function onAdmissionError(error: unknown, event: TaskEvent): 'fail_open' {
    const classified = classifyError(error);
    if (classified.kind === 'refused') {
      const refused = refusal(classified, 'reserve', error);
      emit('onRefuse', { ...event, error: refused });
      throw refused;
    }
    if (classified.kind === 'unavailable') {
      emit('onUnavailable', { ...event, reason: classified.reason, action: unavailableMode, error });
      if (unavailableMode === 'fail_open') return 'fail_open';
      throw new GuardUnavailableError({
        reason: classified.reason,
        requestId: classified.requestId,
        cause: error,
      });
    }
    // 400/401/403/404…: a bug or a misconfiguration, never a reason to let work through.
    throw error;
  }

  function inferOutcome(meter: TaskMeter, params: EndParams): ChargeOutcome {
    if (params.outcome !== undefined) return params.outcome;
    if (meter.outcomeOverride !== undefined) return meter.outcomeOverride;
    if (params.error === undefined) return 'succeeded';
    return meter.signal.aborted ? 'partial' : 'failed';
  }

  async function begin(params: RunParams): Promise<GuardSession> {
    const taskFeature = params.feature ?? feature;
    const ttlSeconds = params.ttlSeconds ?? defaultTtlSeconds;
    assertPositiveInteger(ttlSeconds, 'ttlSeconds');
    const event: TaskEvent = {
      workspaceId: params.workspaceId,
      memberId: params.memberId,
      feature: taskFeature,
    };
    const baseKey = params.idempotencyKey ?? randomUUID();
    const meterParams = { ...event, signal: params.signal };

    let selfHosted: boolean;
    try {
      selfHosted = await isSelfHosted(params.workspaceId);
    } catch (error) {
      onAdmissionError(error, event);
      return unmeteredSession(new TaskMeter({ ...meterParams, mode: 'unmetered' }), event);
    }
    if (selfHosted) return passThroughSession(new TaskMeter({ ...meterParams, mode: 'pass_through' }));

    const body: CreateReservationBody =
      'amountMicros' in params.estimate
        ? {
            feature: taskFeature,
            memberId: params.memberId,
            ttlSeconds,
            estimateMicros: params.estimate.amountMicros,
          }
        : {
            feature: taskFeature,
            memberId: params.memberId,
            ttlSeconds,
            usageEstimate: params.estimate.usage,
          };
    let reservation: GuardReservation;
    try {
      reservation = await client.reservations.create(params.workspaceId, body, {
        idempotencyKey: `${baseKey}:reserve`,
      });
    } catch (error) {
      onAdmissionError(error, event);
      return unmeteredSession(new TaskMeter({ ...meterParams, mode: 'unmetered' }), event);
    }
    if (!reservation.metered) {
      // The API decided the workspace is not metered (it turned self-hosted since we cached it).
      hostingCache.set(params.workspaceId, { selfHosted: true, expiresAtMs: Date.now() + hostingCacheMs });
      return passThroughSession(new TaskMeter({ ...meterParams, mode: 'pass_through' }));
    }
    emit('onReserve', { ...event, reservation });
    const meter = new TaskMeter({ ...meterParams, mode: 'metered', reservation });
    return meteredSession(meter, event, reservation, ttlSeconds, baseKey, params.estimate);
  }

  function passThroughSession(meter: TaskMeter): GuardSession {
    let ended: Promise<Settlement> | undefined;
    return {
      meter,
      end() {
        meter.close();
        ended ??= Promise.resolve({ kind: 'pass_through' });
        return ended;
      },
    };
  }

  function unmeteredSession(meter: TaskMeter, event: TaskEvent): GuardSession {
    let ended: Promise<Settlement> | undefined;
    return {
      meter,
      end(params = {}) {
        if (ended !== undefined) return ended;
        meter.close();
        const outcome = inferOutcome(meter, params);
        const usage = meter.usage();
        emit('onUnmetered', { ...event, usage, outcome });
        ended = Promise.resolve({ kind: 'unmetered', usage, outcome });
        return ended;
      },
    };
  }

  function meteredSession(
    meter: TaskMeter,
    event: TaskEvent,
    initial: GuardReservation,
    ttlSeconds: number,
    baseKey: string,
    estimate: TaskEstimate,
  ): GuardSession {
    const reservationId = initial.id;
    const incrementMicros = extension?.incrementMicros ?? Math.max(initial.heldMicros, 1);
    let extensionCount = 0;
    let extending: Promise<void> | undefined;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    let ended: Promise<Settlement> | undefined;

    async function extend(trigger: 'ttl' | 'usage', additionalMicros: number): Promise<void> {
      extensionCount += 1;
      const key = `${baseKey}:extend:${extensionCount}`;
      try {
        const reservation = await client.reservations.extend(
          event.workspaceId,
          reservationId,
          { additionalMicros, ttlSeconds },
          { idempotencyKey: key },
        );
        meter.reservation = reservation;
        emit('onExtend', { ...event, reservation, additionalMicros, trigger });
      } catch (error) {
        const classified = classifyError(error);
        if (classified.kind === 'refused') {
          // The balance cannot back more of this task: stop it, so the overshoot stays bounded.
          const refused = refusal(classified, 'extend', error);
          emit('onRefuse', { ...event, error: refused });
          meter.abort(refused);
          return;
        }
        // A failed extension is not a reason to kill work in progress: the capture still charges
        // it in full. Report it and let the next trigger try again.
        emit('onError', { ...event, stage: 'extend', reservationId, error });
      }
    }

    function startExtension(trigger: 'ttl' | 'usage', additionalMicros: number): void {
      if (settled || extending !== undefined || meter.signal.aborted) return;
      extending = extend(trigger, additionalMicros).finally(() => {
        extending = undefined;
        if (trigger === 'ttl') scheduleRenewal();
        else checkUsage();
      });
    }

    function scheduleRenewal(): void {
      if (extension === undefined || settled || meter.signal.aborted) return;
      const renewBeforeSeconds =
        extension.renewBeforeExpirySeconds ?? Math.max(1, Math.floor(ttlSeconds / 4));
      const delayMs = Math.max(MIN_RENEW_DELAY_MS, (ttlSeconds - renewBeforeSeconds) * 1000);
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => startExtension('ttl', renewalMicros()), delayMs);
      // A hold's timer must never keep a process alive on its own.
      timer.unref();
    }

    /**
     * What a TTL renewal adds to the hold. The API only extends by a positive amount, so a renewal
     * adds what the usage already exceeds the hold by, and at least one micro.
     */
    function renewalMicros(): number {
      const accrued = accruedMicros();
      const held = meter.reservation?.heldMicros ?? initial.heldMicros;
      return Math.max(MIN_RENEWAL_MICROS, accrued === undefined ? 0 : accrued - held);
    }

    function accruedMicros(): number | undefined {
      const usage = meter.usage();
      if (usage.amountMicros !== undefined) return usage.amountMicros;
      if (usage.byModel.size === 0 && usage.sandboxSeconds === 0) return 0;
      const table = cachedPrices();
      if (table === undefined) {
        if (fetchPrices !== undefined) {
          loadPrices().then(checkUsage, (error: unknown) =>
            emit('onError', { ...event, stage: 'prices', error }),
          );
        }
        return undefined;
      }
      try {
        return costOfUsageMicros(usage.byModel, usage.sandboxSeconds, table);
      } catch (error) {
        // An unpriced model: the capture will surface it; here it only means "cannot tell yet".
        emit('onError', { ...event, stage: 'prices', error });
        return undefined;
      }
    }

    function checkUsage(): void {
      if (extension === undefined || settled || extending !== undefined) return;
      const accrued = accruedMicros();
      const held = meter.reservation?.heldMicros ?? initial.heldMicros;
      if (accrued === undefined || accrued * 100 < held * usageThresholdPercent) return;
      startExtension('usage', Math.max(incrementMicros, accrued + incrementMicros - held));
    }

    meter.onReport = checkUsage;
    meter.pendingWork = () => extending;
    scheduleRenewal();

    async function captureBody(outcome: ChargeOutcome): Promise<CaptureBody> {
      const usage = meter.usage();
      if (usage.amountMicros !== undefined) return { amountMicros: usage.amountMicros, outcome };
      const models = [...usage.byModel];
      const estimateModel = 'usage' in estimate ? estimate.usage.model : undefined;
      const only = models.length === 1 ? models[0] : undefined;
      if (only !== undefined) {
        const [model, tokens] = only;
        return { usage: { model, ...tokens, sandboxSeconds: usage.sandboxSeconds }, outcome };
      }
      if (models.length === 0 && usage.sandboxSeconds === 0) return { amountMicros: 0, outcome };
      if (models.length === 0 && estimateModel !== undefined) {
        const usageBody = { model: estimateModel, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
        return { usage: { ...usageBody, sandboxSeconds: usage.sandboxSeconds }, outcome };
      }
      // Several models (or sandbox time with no model) cannot be one `usage` body: price it here,
      // with the API's own rounding rule, and capture the amount.
      const table = await loadPrices();
      return { amountMicros: costOfUsageMicros(usage.byModel, usage.sandboxSeconds, table), outcome };
    }

    /**
     * Sends one settlement request until it gets an answer. Only a transport failure or a server
     * error may have lost the answer; replaying with the same key returns the first result, so it
     * never charges twice.
     */
    async function withRetries<T>(send: () => Promise<T>): Promise<{ value: T; attempts: number }> {
      let attempt = 0;
      for (;;) {
        attempt += 1;
        try {
          return { value: await send(), attempts: attempt };
        } catch (error) {
          if (classifyError(error).kind !== 'unavailable' || attempt >= captureAttempts) throw error;
          const backoffMs = Math.min(MAX_BACKOFF_MS, captureBackoffMs * 2 ** (attempt - 1));
          await sleep(backoffMs / 2 + Math.floor(Math.random() * (backoffMs / 2)));
        }
      }
    }

    async function capture(
      body: CaptureBody,
      key: string,
    ): Promise<{ charge: GuardCharge | null; attempts: number }> {
      try {
        const { value, attempts } = await withRetries(() =>
          client.reservations.capture(event.workspaceId, reservationId, body, { idempotencyKey: key }),
        );
        return { charge: value.charge, attempts };
      } catch (error) {
        // The task outlived its hold (e.g. extensions failed): the work is still owed, so settle
        // it as a one-step charge, which the API admits whatever the balance (SPEC §5).
        if (!isExpired(error) || client.charges === undefined) throw error;
        const charges = client.charges;
        const chargeBody = { feature: event.feature, memberId: event.memberId, ...body };
        const { value, attempts } = await withRetries(() =>
          charges.create(event.workspaceId, chargeBody, { idempotencyKey: `${baseKey}:charge` }),
        );
        return { charge: value, attempts: attempts + 1 };
      }
    }

    async function settle(params: EndParams): Promise<Settlement> {
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      meter.close();
      // An extension in flight must land before the capture, or it could re-open a settled hold.
      if (extending !== undefined) await extending;
      const outcome = inferOutcome(meter, params);
      const started = params.started ?? true;
      if (!started && !meter.usage().reported) {
        try {
          await client.reservations.void(event.workspaceId, reservationId, {
            idempotencyKey: `${baseKey}:void`,
          });
          emit('onVoid', { ...event, reservationId });
        } catch (error) {
          // Not money-critical: an unvoided hold lapses at its TTL and charges nothing.
          emit('onError', { ...event, stage: 'void', reservationId, error });
        }
        return { kind: 'voided' };
      }
      const key = `${baseKey}:capture`;
      let body: CaptureBody | undefined;
      const attemptCapture = async (): Promise<Settlement> => {
        body ??= await captureBody(outcome);
        const { charge, attempts } = await capture(body, key);
        // No charge: the API found the reservation unmetered (the workspace went self-hosted).
        if (charge === null) return { kind: 'pass_through' };
        emit('onCapture', { ...event, reservationId, charge, outcome, attempts });
        return { kind: 'captured', charge, outcome };
      };
      try {
        return await attemptCapture();
      } catch (error) {
        emit('onError', { ...event, stage: 'capture', reservationId, error });
        throw new GuardCaptureError({
          reservationId,
          idempotencyKey: key,
          cause: error,
          result: params.result,
          taskError: params.error,
          retry: attemptCapture,
        });
      }
    }

    return {
      meter,
      end(params = {}) {
        ended ??= track(settle(params));
        return ended;
      },
    };
  }

  async function run<T>(params: RunParams, task: (meter: Meter) => Promise<T> | T): Promise<T> {
    const mode = params.settlement ?? settlementMode;
    assertSettlementMode(mode, 'settlement');
    const session = await begin(params);
    const end = async (endParams: EndParams): Promise<void> => {
      if (mode === 'inline') {
        await session.end(endParams);
        return;
      }
      // The settlement starts on the next turn of the event loop, so building and sending the
      // capture is not done before the caller has its result; tracked now, so flush() waits for it.
      const ending = track(afterThisTurn().then(() => session.end(endParams)));
      // Reported through onError before this rejection arrives; flush() still waits for it.
      ending.catch(() => undefined);
    };
    let result: T;
    try {
      result = await runWithMeter(session.meter, () => task(session.meter));
    } catch (error) {
      // Failed runs are billable: settle (first, when inline), then hand back the task's own error.
      await end({ error });
      throw error;
    }
    await end({ result });
    return result;
  }

  return { feature, run, begin, withMeter: runWithMeter, flush };
}

/** Resolves once the current turn of the event loop (its I/O callbacks and microtasks) is done. */
function afterThisTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
