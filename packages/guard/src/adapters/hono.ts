import type { Context, MiddlewareHandler } from 'hono';
import type { ChargeOutcome } from '../client.js';
import type { Guard, GuardSession } from '../guard.js';
import {
  type AdapterOptions,
  admissionFailure,
  beginFromRequest,
  outcomeOfStatus,
  settleInBackground,
} from '../http.js';
import type { Meter } from '../meter.js';

/** Add to your app's `Variables` so `c.get('aicredits')` is typed. */
export type AicreditsVariables = { aicredits: Meter };

export interface HonoGuardOptions extends AdapterOptions<Context> {
  /**
   * When to settle. `body` (default): once the response body has been sent, or cut short — what a
   * streamed AI answer needs, and usage reported while streaming is counted. `response`: as soon
   * as the handler returns, before the response leaves (for runtimes that freeze after it).
   */
  settleOn?: 'body' | 'response';
}

/** Passes the body through untouched and settles when it has been sent, or cut short. */
function settleAfterBody(body: ReadableStream<Uint8Array>, session: GuardSession, outcome: ChargeOutcome) {
  const reader = body.getReader();
  let settled = false;
  const settle = (finalOutcome: ChargeOutcome, error?: unknown) => {
    if (settled) return;
    settled = true;
    settleInBackground(session, finalOutcome, error);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          settle(outcome);
          return;
        }
        controller.enqueue(value);
      } catch (error) {
        controller.error(error);
        settle('failed', error);
      }
    },
    async cancel(reason) {
      settle('partial');
      await reader.cancel(reason);
    },
  });
}

/**
 * Hono middleware: answers 402 / 503 with the API's error body before the handler runs; otherwise
 * sets `c.get('aicredits')` and settles after the handler (or after a streamed body).
 */
export function honoGuard(
  guard: Guard,
  options: HonoGuardOptions,
): MiddlewareHandler<{ Variables: AicreditsVariables }> {
  const settleOn = options.settleOn ?? 'body';
  return async (c, next) => {
    let session: GuardSession;
    try {
      session = await beginFromRequest(guard, options, c, c.req.raw.signal);
    } catch (error) {
      const failure = admissionFailure(error);
      if (failure === undefined) throw error;
      return c.json(failure.body, failure.status);
    }
    c.set('aicredits', session.meter);
    try {
      await guard.withMeter(session.meter, () => next());
    } catch (error) {
      // Hono normally turns handler errors into `c.error`; this is for errors thrown past it.
      settleInBackground(session, 'failed', error);
      throw error;
    }
    const outcome: ChargeOutcome = c.error !== undefined ? 'failed' : outcomeOfStatus(c.res.status);
    const body = c.res.body;
    // Hono cannot tell a streamed body from a buffered one, so `body` wraps every body: the bytes
    // pass through untouched and the capture waits for the last of them.
    if (settleOn === 'body' && body !== null) {
      c.res = new Response(settleAfterBody(body, session, outcome), c.res);
      return;
    }
    // Settled before the response leaves (`response`), or right away for a response with no body.
    // A capture that keeps failing has been reported through onError; the client still gets its answer.
    await session.end({ outcome, error: c.error }).catch(() => undefined);
  };
}
