import { AUTHORIZATION_HEADER, IDEMPOTENCY_KEY_HEADER, REQUEST_ID_HEADER } from '@aicredits/contract';
import ky, { type KyInstance, TimeoutError as KyTimeoutError } from 'ky';
import type { z } from 'zod';
import { parseErrorBody } from './error-body';
import {
  type APIError,
  ConnectionError,
  errorForStatus,
  RequestAbortedError,
  ResponseValidationError,
  TimeoutError,
} from './errors';
import { platformFetch } from './platform-fetch';
import { parseRetryAfterSeconds, retryDelayMs, shouldRetryResponse } from './retry';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Per-call options; every SDK method takes them as its optional last argument. */
export interface RequestOptions {
  /**
   * Sent as `Idempotency-Key` on mutating calls. When omitted one is generated per call and
   * reused by every retry of that call, so a retried POST is never applied twice.
   */
  idempotencyKey?: string;
  /** Cancels the call, including any backoff wait. Never retried. */
  signal?: AbortSignal;
  /** Per-attempt time limit (headers and body). Overrides the client's `timeoutMs`. */
  timeoutMs?: number;
  /** Overrides the client's `maxRetries` for this call. 0 disables retries. */
  maxRetries?: number;
  /** Extra headers for this call. */
  headers?: Record<string, string>;
}

export type QueryValue = string | number | boolean | undefined | null;

export interface RequestSpec<S extends z.ZodType> {
  method: HttpMethod;
  /** Path below the base URL, e.g. `v1/workspaces/ws_1/balance`. */
  path: string;
  query?: Record<string, QueryValue> | undefined;
  body?: unknown;
  /** Contract schema for a 2xx body; `null` when the endpoint answers with no body. */
  schema: S | null;
  options?: RequestOptions | undefined;
}

export interface TransportConfig {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  maxRetries: number;
  fetch?: typeof globalThis.fetch | undefined;
  defaultHeaders?: Record<string, string> | undefined;
  /** Injectable for tests; defaults to `Math.random`. */
  random?: () => number;
  /** Injectable for tests; defaults to a real timer. */
  sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
}

/** Encodes one path segment so ids can never escape their place in the URL. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}

export function newIdempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}

function defaultSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new RequestAbortedError({ cause: signal.reason }));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new RequestAbortedError({ cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** ky refuses a longer timeout (the largest delay `setTimeout` keeps); longer ones use our timer. */
const MAX_KY_TIMEOUT_MS = 2_147_483_647;

type AttemptOutcome =
  | { kind: 'response'; status: number; headers: Headers; text: string }
  | { kind: 'timeout'; cause: unknown }
  | { kind: 'network'; cause: unknown };

/**
 * Sends requests with our own retry loop around ky (`retry: 0`): ky does not retry POSTs, would
 * not reuse our idempotency key deliberately, and does not retry timeouts; owning the loop keeps
 * one key and one backoff policy for every attempt, as stripe-node's RequestSender does.
 */
export class Transport {
  readonly #ky: KyInstance;
  readonly #config: TransportConfig;
  readonly #random: () => number;
  readonly #sleep: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  /**
   * On the SDK's Node transport, which reads the whole body before it answers, ky's own timeout
   * covers the body too: no controller of ours, and no `AbortSignal.any` joining it with ky's
   * (~80 µs of CPU per request, paid before every guarded task). Any other fetch may hand back
   * a body still streaming, so there the attempt's own controller covers it.
   */
  readonly #kyTimesOut: boolean;

  constructor(config: TransportConfig) {
    this.#config = config;
    this.#random = config.random ?? Math.random;
    this.#sleep = config.sleep ?? defaultSleep;
    const prefixUrl = config.baseUrl.endsWith('/') ? config.baseUrl : `${config.baseUrl}/`;
    const fetch = config.fetch ?? platformFetch;
    this.#kyTimesOut = config.fetch === undefined && platformFetch !== undefined;
    this.#ky = ky.create({
      prefixUrl,
      retry: 0,
      // The timeout is ours (it also covers reading the body); ky's would only cover the headers.
      timeout: false,
      throwHttpErrors: false,
      ...(fetch ? { fetch } : {}),
    });
  }

  get baseUrl(): string {
    return this.#config.baseUrl;
  }

  async request<S extends z.ZodType>(spec: RequestSpec<S>): Promise<z.output<S>> {
    const options = spec.options ?? {};
    const maxRetries = options.maxRetries ?? this.#config.maxRetries;
    const timeoutMs = options.timeoutMs ?? this.#config.timeoutMs;
    const mutating = spec.method !== 'GET';
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...this.#config.defaultHeaders,
      ...options.headers,
      [AUTHORIZATION_HEADER]: `Bearer ${this.#config.apiKey}`,
    };
    if (mutating) {
      // Generated once, outside the loop: every retry of this call carries the same key.
      headers[IDEMPOTENCY_KEY_HEADER] = options.idempotencyKey ?? newIdempotencyKey();
    }
    const searchParams = toSearchParams(spec.query);

    for (let retriesSoFar = 0; ; retriesSoFar++) {
      const outcome = await this.#attempt(spec, headers, searchParams, timeoutMs, options.signal);
      const retriesLeft = retriesSoFar < maxRetries;

      if (outcome.kind === 'response') {
        const { status } = outcome;
        if (status >= 200 && status < 300) return this.#parseSuccess(spec.schema, outcome);
        if (retriesLeft && shouldRetryResponse(status, outcome.headers)) {
          const delay = retryDelayMs(retriesSoFar, outcome.headers, Date.now(), this.#random);
          if (delay !== undefined) {
            await this.#sleep(delay, options.signal);
            continue;
          }
        }
        throw toApiError(outcome);
      }

      if (retriesLeft) {
        await this.#sleep(
          retryDelayMs(retriesSoFar, undefined, Date.now(), this.#random) ?? 0,
          options.signal,
        );
        continue;
      }
      if (outcome.kind === 'timeout') throw new TimeoutError({ timeoutMs, cause: outcome.cause });
      throw new ConnectionError({ cause: outcome.cause });
    }
  }

  async #attempt(
    spec: RequestSpec<z.ZodType>,
    headers: Record<string, string>,
    searchParams: URLSearchParams | undefined,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<AttemptOutcome> {
    if (signal?.aborted) throw new RequestAbortedError({ cause: signal.reason });
    const own =
      this.#kyTimesOut && timeoutMs <= MAX_KY_TIMEOUT_MS ? undefined : ownTimeLimit(timeoutMs, signal);
    try {
      const response = await this.#ky(spec.path, {
        method: spec.method,
        headers,
        ...(searchParams ? { searchParams } : {}),
        ...(spec.body === undefined ? {} : { json: spec.body }),
        ...(own ? { signal: own.signal } : { timeout: timeoutMs, ...(signal ? { signal } : {}) }),
      });
      const text = await response.text();
      return { kind: 'response', status: response.status, headers: response.headers, text };
    } catch (error) {
      if (signal?.aborted) throw new RequestAbortedError({ cause: signal.reason });
      if (own?.timedOut() || error instanceof KyTimeoutError) return { kind: 'timeout', cause: error };
      return { kind: 'network', cause: error };
    } finally {
      own?.dispose();
    }
  }

  #parseSuccess<S extends z.ZodType>(
    schema: S | null,
    outcome: { status: number; headers: Headers; text: string },
  ): z.output<S> {
    const requestId = outcome.headers.get(REQUEST_ID_HEADER) ?? undefined;
    if (schema === null) return undefined as z.output<S>;
    let json: unknown;
    try {
      json = outcome.text === '' ? undefined : JSON.parse(outcome.text);
    } catch (cause) {
      throw new ResponseValidationError({
        status: outcome.status,
        requestId,
        headers: outcome.headers,
        issues: [{ code: 'invalid_json', message: String(cause) }],
        message: 'The aicredits API answered with a body that is not JSON.',
      });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new ResponseValidationError({
        status: outcome.status,
        requestId,
        headers: outcome.headers,
        issues: parsed.error.issues,
        message: `The aicredits API answered with a body that does not match the contract: ${parsed.error.issues
          .slice(0, 3)
          .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
          .join('; ')}`,
      });
    }
    return parsed.data;
  }
}

/**
 * One controller per attempt joins the caller's signal and a timer, so a timeout aborts only this
 * attempt (body included) and the loop can tell the two apart.
 */
function ownTimeLimit(timeoutMs: number, signal: AbortSignal | undefined) {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    dispose() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

function toSearchParams(query: Record<string, QueryValue> | undefined): URLSearchParams | undefined {
  if (!query) return undefined;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    params.set(key, String(value));
  }
  return params.toString() === '' ? undefined : params;
}

function toApiError(outcome: { status: number; headers: Headers; text: string }): APIError {
  const body = parseErrorBody(outcome.text);
  const requestId = body?.requestId ?? outcome.headers.get(REQUEST_ID_HEADER) ?? undefined;
  return errorForStatus({
    status: outcome.status,
    code: body?.code ?? 'http_error',
    message: body?.message ?? `The aicredits API answered ${outcome.status}.`,
    requestId,
    details: body?.details,
    headers: outcome.headers,
    retryAfterSeconds: parseRetryAfterSeconds(outcome.headers, Date.now()),
  });
}
