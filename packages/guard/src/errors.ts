/**
 * Every error the guard throws carries a stable `code`; callers branch on `code` (or the class),
 * never on the message text.
 */
export type GuardErrorCode =
  | 'refused'
  | 'credits_unavailable'
  | 'capture_failed'
  | 'no_active_meter'
  | 'invalid_usage'
  | 'invalid_options';

export class GuardError extends Error {
  readonly code: GuardErrorCode;

  constructor(code: GuardErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GuardError';
    this.code = code;
  }
}

/** Why work may not begin (or continue). The first three are the API's 402 codes. */
export type RefusalReason = 'insufficient_credits' | 'overage_disabled' | 'overage_cap_reached';

/** What a user (or an admin) can do about a refusal. */
export type RefusalRemedy = 'top_up' | 'enable_overage' | 'raise_overage_cap' | 'wait_for_reset';

const REMEDIES: Record<RefusalReason, readonly RefusalRemedy[]> = {
  insufficient_credits: ['top_up', 'wait_for_reset'],
  overage_disabled: ['enable_overage', 'top_up', 'wait_for_reset'],
  overage_cap_reached: ['raise_overage_cap', 'wait_for_reset'],
};

const EXPLANATIONS: Record<RefusalReason, string> = {
  insufficient_credits:
    'The workspace has no spendable credits for this task. Add funds (top up), or wait for included credits to reset next period.',
  overage_disabled:
    "The member's included credits are used up and the workspace does not allow overage. A workspace admin can enable overage or add capacity; otherwise wait for credits to reset next period.",
  overage_cap_reached:
    'The workspace reached its monthly overage cap. A workspace admin can raise the cap; otherwise wait for the next period.',
};

export function refusalReasonOf(apiCode: string | undefined): RefusalReason {
  if (apiCode === 'overage_disabled' || apiCode === 'overage_cap_reached') return apiCode;
  // Any other 402 means the same thing to the caller: the balance cannot back the work.
  return 'insufficient_credits';
}

/** Where in the task's life the refusal happened. */
export type RefusalStage = 'reserve' | 'extend';

/**
 * The credits API refused the work: before the task started (`stage: 'reserve'`), or while it
 * ran and its hold could not be extended (`stage: 'extend'`, delivered as `meter.signal.reason`).
 */
export class GuardRefusedError extends GuardError {
  readonly reason: RefusalReason;
  readonly remedies: readonly RefusalRemedy[];
  readonly stage: RefusalStage;
  /** The API's own error code and request id, for support. */
  readonly apiCode: string | undefined;
  readonly requestId: string | undefined;
  readonly status = 402;

  constructor(params: {
    reason: RefusalReason;
    stage: RefusalStage;
    apiCode?: string | undefined;
    requestId?: string | undefined;
    apiMessage?: string | undefined;
    cause?: unknown;
  }) {
    const prefix =
      params.stage === 'extend' ? 'The running task was stopped: its credit hold could not grow. ' : '';
    super('refused', prefix + EXPLANATIONS[params.reason], { cause: params.cause });
    this.name = 'GuardRefusedError';
    this.reason = params.reason;
    this.remedies = REMEDIES[params.reason];
    this.stage = params.stage;
    this.apiCode = params.apiCode;
    this.requestId = params.requestId;
  }
}

/** Why the credits API could not be used. */
export type UnavailableReason = 'connection_error' | 'timeout' | 'server_error' | 'rate_limited';

/** The credits API could not be reached or answered with a server error, and the guard fails closed. */
export class GuardUnavailableError extends GuardError {
  readonly reason: UnavailableReason;
  readonly requestId: string | undefined;
  readonly status = 503;

  constructor(params: { reason: UnavailableReason; requestId?: string | undefined; cause?: unknown }) {
    super(
      'credits_unavailable',
      `The credits service is unavailable (${params.reason.replace('_', ' ')}), so the task was not started. Retry shortly.`,
      { cause: params.cause },
    );
    this.name = 'GuardUnavailableError';
    this.reason = params.reason;
    this.requestId = params.requestId;
  }
}

/**
 * The task ran but its usage could not be settled after every retry. The work is done and is
 * owed: `retry()` replays the same capture with the same idempotency key, so it never charges
 * twice. `result` holds the task's return value when it succeeded; `taskError` its error when it
 * failed.
 */
export class GuardCaptureError extends GuardError {
  readonly reservationId: string;
  readonly idempotencyKey: string;
  readonly result: unknown;
  readonly taskError: unknown;
  readonly retry: () => Promise<unknown>;

  constructor(params: {
    reservationId: string;
    idempotencyKey: string;
    cause: unknown;
    result?: unknown;
    taskError?: unknown;
    retry: () => Promise<unknown>;
  }) {
    super(
      'capture_failed',
      `The task's usage could not be settled for reservation ${params.reservationId}; call retry() to replay the capture safely.`,
      { cause: params.cause },
    );
    this.name = 'GuardCaptureError';
    this.reservationId = params.reservationId;
    this.idempotencyKey = params.idempotencyKey;
    this.result = params.result;
    this.taskError = params.taskError;
    this.retry = params.retry;
  }
}
