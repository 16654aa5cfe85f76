/**
 * The aicredits HTTP contract (v1): zod schemas for every request, response, error and webhook
 * event. The credits API validates with them and generates its OpenAPI document from them; the
 * SDK is typed from them. Pure zod: safe in browsers and edge runtimes.
 */
export * from './errors.js';
export * from './headers.js';
export * from './primitives.js';
export * from './resources.js';
export * from './webhooks.js';
