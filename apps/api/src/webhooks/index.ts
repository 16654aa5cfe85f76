export {
  DELIVERY_CLAIM_MS,
  DELIVERY_TIMEOUT_MS,
  type DeliveryDeps,
  type DeliveryPassResult,
  deliverDue,
  type FetchLike,
  MAX_DELIVERY_ATTEMPTS,
  RETRY_DELAYS_MS,
  retryDelayMs,
} from './delivery.js';
export { fanOutOutbox } from './outbox.js';
export {
  signWebhookPayload,
  verifyWebhookSignature,
  WEBHOOK_DELIVERY_ATTEMPT_HEADER,
  WEBHOOK_EVENT_TYPE_HEADER,
  type WebhookVerification,
  webhookSignatureHex,
} from './signing.js';
