import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ChargeOutcome } from './client.js';
import { GuardRefusedError, GuardUnavailableError } from './errors.js';
import type { Guard, GuardSession, TaskEstimate } from './guard.js';

/** The API contract's error body, so a client handles the guard's 402 like the API's own. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly requestId: string };
}

/** What a framework adapter needs to know about a request to guard it. */
export interface AdapterOptions<Request> {
  /** Which workspace pays. Usually from the authenticated session. */
  workspaceId: (request: Request) => string | Promise<string>;
  /** Which member runs the task. */
  memberId?: (request: Request) => string | undefined | Promise<string | undefined>;
  /** What to hold before the handler runs. */
  estimate: (request: Request) => TaskEstimate | Promise<TaskEstimate>;
  feature?: string;
  ttlSeconds?: number;
}

export interface AdmissionFailure {
  readonly status: 402 | 503;
  readonly body: ErrorBody;
}

/**
 * The HTTP answer for an error thrown while admitting a request, or undefined when the error is
 * not an admission decision (a misconfiguration, which the framework's error handling should see).
 */
export function admissionFailure(error: unknown): AdmissionFailure | undefined {
  if (error instanceof GuardRefusedError) {
    return {
      status: 402,
      body: {
        error: {
          code: error.apiCode ?? error.reason,
          message: error.message,
          requestId: error.requestId ?? `guard_${randomUUID()}`,
        },
      },
    };
  }
  if (error instanceof GuardUnavailableError) {
    return {
      status: 503,
      body: {
        error: {
          code: 'credits_unavailable',
          message: error.message,
          requestId: error.requestId ?? `guard_${randomUUID()}`,
        },
      },
    };
  }
  return undefined;
}

/** A response's status says how the task went: an error answer is a failed (still billable) run. */
export function outcomeOfStatus(status: number): ChargeOutcome {
  return status >= 400 ? 'failed' : 'succeeded';
}

export async function beginFromRequest<Request>(
  guard: Guard,
  options: AdapterOptions<Request>,
  request: Request,
  signal: AbortSignal,
): Promise<GuardSession> {
  const [workspaceId, memberId, estimate] = await Promise.all([
    options.workspaceId(request),
    options.memberId?.(request),
    options.estimate(request),
  ]);
  return guard.begin({
    workspaceId,
    memberId,
    estimate,
    feature: options.feature,
    ttlSeconds: options.ttlSeconds,
    signal,
  });
}

/**
 * Settles a request's session once the response is over. A capture that keeps failing cannot
 * reach the client any more (the response is gone); the guard's `onError` hook has already
 * reported it, so here it is only kept from becoming an unhandled rejection.
 */
export function settleInBackground(session: GuardSession, outcome: ChargeOutcome, error?: unknown): void {
  session.end({ outcome, error }).catch(() => {
    // Reported through the guard's onError hook before this rejection reaches here.
  });
}

/**
 * Settles a session when a Node response ends (Express's `res`, Fastify's `reply.raw`): its status
 * decides the outcome (an error status is a failed, still billable run); a client that went away
 * before the end makes it `partial` and aborts the task through `clientGone`.
 */
export function settleWhenResponseEnds(
  session: GuardSession,
  response: ServerResponse,
  clientGone: AbortController,
): void {
  let settled = false;
  const settle = (outcome: ChargeOutcome) => {
    if (settled) return;
    settled = true;
    settleInBackground(session, outcome);
  };
  response.once('finish', () => settle(outcomeOfStatus(response.statusCode)));
  response.once('close', () => {
    if (response.writableFinished) return;
    clientGone.abort(new Error('The client closed the connection before the response finished.'));
    settle('partial');
  });
}
