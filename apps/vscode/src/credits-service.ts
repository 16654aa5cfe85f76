import {
  type AicreditsClient,
  APIError,
  AuthenticationError,
  type Balance,
  type CaptureRequest,
  type Charge,
  ConflictError,
  ConnectionError,
  createClient,
  type Estimate,
  InternalServerError,
  type Lot,
  NotFoundError,
  PermissionDeniedError,
  type PriceTable,
  RateLimitError,
  type Reservation,
  TimeoutError,
  type Topup,
  type UsageReport,
} from '@aicredits/sdk';
import {
  CODING_SESSION_FEATURE,
  type CreditsSnapshot,
  type Identity,
  isAdmin,
  TASK_KINDS,
  type TaskKind,
} from './model';
import { captureIdempotencyKey, type PendingSession } from './session-capture';
import type { EstimateOutcome } from './session-plan';

/**
 * Everything the extension asks the credits API, through the SDK only. No `vscode` import, so it
 * is tested with a fake `fetch`.
 */

export interface CreditsServiceOptions {
  apiUrl: string;
  workspaceId: string;
  /** From `aicredits.memberId`; null lets the API say (members) or means the pool (admins). */
  memberId: string | null;
  token: string;
  /**
   * Stop-gap: a server key used for reservations and captures when the member token may not
   * reserve (the API currently lets only server keys reserve). Null when not configured.
   */
  sessionServerKey?: string | null;
  fetch?: typeof globalThis.fetch;
  /** Per-attempt timeout; the status bar should not hang on a dead connection. */
  timeoutMs?: number;
}

/** What the AI Credits view shows beyond the status bar's snapshot. */
export interface CreditsDetails {
  /** Open lots the member may draw from, in burn order. */
  lots: Lot[];
  /** Days ahead the "upcoming expirations" look (the workspace's longest warning). */
  expiryWindowDays: number;
  /** The member's own usage over the last 30 days, by feature (admins: everyone's). */
  usage: UsageReport | null;
  /** The workspace pool's balance: admins only. */
  workspaceBalance: Balance | null;
}

/** How a failure should be shown: retry later (offline), or the token/workspace is wrong. */
export type FailureKind = 'offline' | 'rejected' | 'error';

export function classifyFailure(error: unknown): FailureKind {
  if (
    error instanceof ConnectionError ||
    error instanceof TimeoutError ||
    error instanceof InternalServerError ||
    error instanceof RateLimitError
  ) {
    return 'offline';
  }
  if (
    error instanceof AuthenticationError ||
    error instanceof PermissionDeniedError ||
    error instanceof NotFoundError
  ) {
    return 'rejected';
  }
  return 'error';
}

/** A one-line message for a failure, with the API's request id when there is one. */
export function describeFailure(error: unknown): string {
  if (error instanceof AuthenticationError)
    return 'The credits API rejected your token (revoked or unknown).';
  if (error instanceof NotFoundError) return `Not found: ${error.message}`;
  if (error instanceof APIError) {
    const request = error.requestId === undefined ? '' : ` (request ${error.requestId})`;
    return `${error.message}${request}`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Raised when the token may not reserve and no session server key is configured. */
export class ReservationNotAllowedError extends Error {
  readonly code = 'member_reservations_not_allowed';
  constructor(cause: PermissionDeniedError) {
    super(
      `The credits API does not let member tokens reserve credits yet (${cause.message}). Ask an admin for a server key and run "AI Credits: Set Server Key for Sessions".`,
      { cause },
    );
  }
}

export class CreditsService {
  private readonly client: AicreditsClient;
  private readonly sessionClient: AicreditsClient | null;
  private identity: Identity | null = null;
  private pricesCache: { table: PriceTable; at: number } | null = null;

  constructor(readonly options: CreditsServiceOptions) {
    const common = {
      baseUrl: options.apiUrl,
      timeoutMs: options.timeoutMs ?? 15_000,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      defaultHeaders: { 'user-agent': 'aicredits-vscode' },
    };
    this.client = createClient({ ...common, apiKey: options.token });
    this.sessionClient =
      options.sessionServerKey === undefined || options.sessionServerKey === null
        ? null
        : createClient({ ...common, apiKey: options.sessionServerKey });
  }

  get workspaceId(): string {
    return this.options.workspaceId;
  }

  /**
   * Who the token is. With `aicredits.memberId` set, the member record says the role (the API
   * lets a member read itself; admins read anyone). Without it, the balance route answers for
   * the token's own member when the role is `member`, and for the pool when it is admin/owner.
   */
  async identify(): Promise<Identity> {
    if (this.identity !== null) return this.identity;
    const ws = this.options.workspaceId;
    if (this.options.memberId !== null) {
      const member = await this.client.members.retrieve(ws, this.options.memberId);
      this.identity = { memberId: member.id, role: member.role };
    } else {
      const balance = await this.client.balance.retrieve(ws);
      // Admins and owners get the pool here; which of the two is unknown without a member id.
      this.identity =
        balance.memberId !== null
          ? { memberId: balance.memberId, role: 'member' }
          : { memberId: null, role: 'admin' };
    }
    return this.identity;
  }

  /** The status bar's data: the workspace and the balance the member can spend now. */
  async snapshot(): Promise<CreditsSnapshot> {
    const identity = await this.identify();
    const ws = this.options.workspaceId;
    const query = identity.memberId === null ? {} : { memberId: identity.memberId };
    const [workspace, balance] = await Promise.all([
      this.client.workspaces.retrieve(ws),
      this.client.balance.retrieve(ws, query),
    ]);
    return { workspace, balance, identity, fetchedAt: new Date() };
  }

  async details(snapshot: CreditsSnapshot): Promise<CreditsDetails> {
    const ws = this.options.workspaceId;
    const { identity } = snapshot;
    const memberQuery = identity.memberId === null ? {} : { memberId: identity.memberId };
    const lotsPage = this.client.lots.list(ws, { status: 'open', ...memberQuery });
    const usage = this.client.usage.retrieve(ws, { groupBy: 'feature', ...memberQuery });
    const pool = isAdmin(identity) ? this.client.balance.retrieve(ws) : Promise.resolve(null);
    const [lots, usageReport, workspaceBalance] = await Promise.all([lotsPage, usage, pool]);
    const windows = snapshot.workspace.settings.expiryWarningDays;
    return {
      lots: lots.data,
      expiryWindowDays: windows.length === 0 ? 30 : Math.max(...windows),
      usage: usageReport,
      workspaceBalance,
    };
  }

  /** The price table, cached for 10 minutes: it changes rarely and is only used for names. */
  async prices(): Promise<PriceTable> {
    const now = Date.now();
    if (this.pricesCache !== null && now - this.pricesCache.at < 600_000) return this.pricesCache.table;
    const table = await this.client.prices.retrieve();
    this.pricesCache = { table, at: now };
    return table;
  }

  /** One estimate per task kind, in parallel; a failed kind carries its message. */
  async estimates(kinds: readonly TaskKind[] = TASK_KINDS): Promise<Map<TaskKind, EstimateOutcome>> {
    const identity = await this.identify();
    const ws = this.options.workspaceId;
    const results = await Promise.all(
      kinds.map(async (taskKind): Promise<[TaskKind, EstimateOutcome]> => {
        try {
          const estimate: Estimate = await this.client.estimates.create(ws, {
            feature: CODING_SESSION_FEATURE,
            taskKind,
            ...(identity.memberId === null ? {} : { memberId: identity.memberId }),
          });
          return [taskKind, { ok: true, estimate }];
        } catch (error) {
          if (classifyFailure(error) === 'offline') throw error;
          return [taskKind, { ok: false, message: describeFailure(error) }];
        }
      }),
    );
    return new Map(results);
  }

  /**
   * Holds the high end of the estimate. The member token is tried first (the right key once the
   * API allows it); on 403 the session server key, when configured, is used instead.
   * 402 surfaces as `InsufficientCreditsError` with the API's reason code.
   */
  async reserve(input: {
    taskKind: TaskKind;
    estimateMicros: number;
    ttlSeconds: number;
    idempotencyKey: string;
  }): Promise<Reservation> {
    const identity = await this.identify();
    const body = {
      feature: CODING_SESSION_FEATURE,
      estimateMicros: input.estimateMicros,
      ttlSeconds: input.ttlSeconds,
      taskKind: input.taskKind,
      ...(identity.memberId === null ? {} : { memberId: identity.memberId }),
    };
    return this.withSessionKey((client) =>
      client.reservations.create(this.options.workspaceId, body, { idempotencyKey: input.idempotencyKey }),
    );
  }

  /**
   * Settles a session with what it reported. A hold that lapsed (the session outlived its TTL)
   * is settled as a one-step charge with the same usage, so a long session is never free.
   */
  async capture(session: PendingSession, request: CaptureRequest): Promise<Charge | null> {
    const ws = session.workspaceId;
    try {
      const result = await this.withSessionKey((client) =>
        client.reservations.capture(ws, session.reservationId, request, {
          idempotencyKey: captureIdempotencyKey(session.reservationId),
        }),
      );
      return result.charge;
    } catch (error) {
      if (!(error instanceof ConflictError) || error.code !== 'reservation_expired') throw error;
      const identity = await this.identify();
      const usage =
        request.usage === undefined ? { amountMicros: request.amountMicros ?? 0 } : { usage: request.usage };
      return this.withSessionKey((client) =>
        client.charges.create(
          ws,
          {
            chargeId: `ch_${session.reservationId}`,
            feature: CODING_SESSION_FEATURE,
            ...usage,
            outcome: request.outcome ?? 'succeeded',
            taskKind: session.taskKind,
            ...(identity.memberId === null ? {} : { memberId: identity.memberId }),
          },
          { idempotencyKey: `vscode-charge-${session.reservationId}` },
        ),
      );
    }
  }

  /** Releases a hold nothing was reported for. A hold that already lapsed needs nothing. */
  async voidHold(session: PendingSession): Promise<void> {
    try {
      await this.withSessionKey((client) =>
        client.reservations.void(session.workspaceId, session.reservationId, {
          idempotencyKey: `vscode-void-${session.reservationId}`,
        }),
      );
    } catch (error) {
      if (error instanceof ConflictError && error.code === 'reservation_expired') return;
      throw error;
    }
  }

  /** Adds funds with the workspace's saved card (billing access only; the API enforces it). */
  topup(amountMicros: number, idempotencyKey: string): Promise<Topup> {
    return this.client.topups.create(this.options.workspaceId, { amountMicros }, { idempotencyKey });
  }

  private async withSessionKey<T>(call: (client: AicreditsClient) => Promise<T>): Promise<T> {
    try {
      return await call(this.client);
    } catch (error) {
      if (!(error instanceof PermissionDeniedError) || error.code !== 'forbidden') throw error;
      if (this.sessionClient === null) throw new ReservationNotAllowedError(error);
      return call(this.sessionClient);
    }
  }
}
