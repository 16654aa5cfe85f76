export { type ExpressGuardOptions, expressGuard } from './adapters/express.js';
export {
  aicreditsFastify,
  type FastifyGuardOptions,
  type FastifyGuardPluginOptions,
  fastifyGuard,
} from './adapters/fastify.js';
export { type AicreditsVariables, type HonoGuardOptions, honoGuard } from './adapters/hono.js';
export { type AiSdkMiddlewareOptions, aicreditsMiddleware, usageFromLanguageModel } from './ai-sdk.js';
export type {
  CaptureBody,
  CaptureUsage,
  ChargeOutcome,
  CreateReservationBody,
  GuardCharge,
  GuardClient,
  GuardReservation,
  GuardWorkspace,
  UsageEstimate,
} from './client.js';
export {
  GuardCaptureError,
  GuardError,
  type GuardErrorCode,
  GuardRefusedError,
  GuardUnavailableError,
  type RefusalReason,
  type RefusalRemedy,
  type RefusalStage,
  type UnavailableReason,
} from './errors.js';
export {
  type CaptureEvent,
  type CaptureRetryOptions,
  createGuard,
  type EndParams,
  type ErrorEvent,
  type ExtendEvent,
  type ExtensionOptions,
  type Guard,
  type GuardHooks,
  type GuardOptions,
  type GuardSession,
  type RefuseEvent,
  type ReserveEvent,
  type RunParams,
  type Settlement,
  type SettlementMode,
  type TaskEstimate,
  type UnavailableEvent,
  type UnavailableMode,
  type UnmeteredEvent,
  type VoidEvent,
} from './guard.js';
export { type AdapterOptions, admissionFailure, type ErrorBody } from './http.js';
export { currentMeter, type Meter, type MeterMode, type ModelUsage, type UsageSnapshot } from './meter.js';
export { costOfUsageMicros, type ModelPrice, type PriceTable, type TokenCounts } from './prices.js';
