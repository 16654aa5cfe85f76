import type {
  FastifyInstance,
  FastifyPluginCallback,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  preHandlerHookHandler,
} from 'fastify';
import type { Guard } from '../guard.js';
import { type AdapterOptions, admissionFailure, beginFromRequest, settleWhenResponseEnds } from '../http.js';
import type { Meter } from '../meter.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The meter of the guarded task this request runs (set by the guard's preHandler). */
    aicredits?: Meter | null;
  }
}

export type FastifyGuardOptions = AdapterOptions<FastifyRequest>;

/**
 * A Fastify `preHandler` hook: answers 402 / 503 with the API's error body before the handler
 * runs; otherwise sets `request.aicredits` and settles when the response has finished.
 * Written in callback style on purpose: calling `done` inside the meter's async context is what
 * lets the handler (and the AI SDK middleware under it) find the current meter.
 */
export function fastifyGuard(guard: Guard, options: FastifyGuardOptions): preHandlerHookHandler {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const clientGone = new AbortController();
    beginFromRequest(guard, options, request, clientGone.signal).then(
      (session) => {
        request.aicredits = session.meter;
        settleWhenResponseEnds(session, reply.raw, clientGone);
        guard.withMeter(session.meter, () => done());
      },
      (error: unknown) => {
        const failure = admissionFailure(error);
        if (failure === undefined) {
          done(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        reply.code(failure.status).send(failure.body);
      },
    );
  };
}

export interface FastifyGuardPluginOptions extends FastifyGuardOptions {
  guard: Guard;
}

/**
 * The same hook as a plugin: `app.register(aicreditsFastify, { guard, workspaceId, … })` guards
 * every route registered in that scope. It declares itself non-encapsulated (what
 * `fastify-plugin` would do) so the decoration is visible to the routes next to it.
 */
export const aicreditsFastify: FastifyPluginCallback<FastifyGuardPluginOptions> = Object.assign(
  (fastify: FastifyInstance, options: FastifyGuardPluginOptions, done: (error?: Error) => void) => {
    fastify.decorateRequest('aicredits', null);
    fastify.addHook('preHandler', fastifyGuard(options.guard, options));
    done();
  },
  { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: '@aicredits/guard' },
);
