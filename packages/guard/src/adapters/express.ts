import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Guard } from '../guard.js';
import { type AdapterOptions, admissionFailure, beginFromRequest, settleWhenResponseEnds } from '../http.js';
import type { Meter } from '../meter.js';

declare global {
  // Express's documented way to type what a middleware adds to the request.
  namespace Express {
    interface Request {
      /** The meter of the guarded task this request runs (set by `expressGuard`). */
      aicredits?: Meter;
    }
  }
}

export type ExpressGuardOptions = AdapterOptions<Request>;

/**
 * Express middleware: answers 402 (refused) or 503 (credits unavailable) with the API's error
 * body before the handler runs; otherwise puts the meter on `req.aicredits` and settles when the
 * response has finished (an error status is a failed, still billable run; a client that went
 * away mid-response makes it `partial` and aborts `meter.signal`).
 */
export function expressGuard(guard: Guard, options: ExpressGuardOptions): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const clientGone = new AbortController();
    beginFromRequest(guard, options, req, clientGone.signal).then(
      (session) => {
        req.aicredits = session.meter;
        settleWhenResponseEnds(session, res, clientGone);
        guard.withMeter(session.meter, () => next());
      },
      (error: unknown) => {
        const failure = admissionFailure(error);
        if (failure === undefined) {
          next(error);
          return;
        }
        res.status(failure.status).json(failure.body);
      },
    );
  };
}
