import { type Health, HealthSchema } from '@aicredits/contract';
import { ENV_API_KEY, ENV_BASE_URL, readEnv } from './core/env';
import { ConfigurationError } from './core/errors';
import { type RequestOptions, Transport } from './core/transport';
import { ApiKeys } from './resources/api-keys';
import { BalanceResource } from './resources/balance';
import { BillingResource } from './resources/billing';
import { Charges } from './resources/charges';
import { Estimates } from './resources/estimates';
import { Lots } from './resources/lots';
import { MeResource } from './resources/me';
import { Members } from './resources/members';
import { Prices } from './resources/prices';
import { Reservations } from './resources/reservations';
import { TestClockResource } from './resources/test-clock';
import { Topups } from './resources/topups';
import { Transactions } from './resources/transactions';
import { UsageResource } from './resources/usage';
import { WebhookEndpoints } from './resources/webhook-endpoints';
import { Workspaces } from './resources/workspaces';

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RETRIES = 2;

export interface ClientOptions {
  /** The service root, e.g. `https://credits.example.com`. Defaults to `AICREDITS_API_URL`. */
  baseUrl?: string;
  /** A platform, server or member key. Defaults to `AICREDITS_API_KEY`. */
  apiKey?: string;
  /** Per-attempt time limit. Default 30 s. */
  timeoutMs?: number;
  /** Retries after the first attempt (408/409/429/5xx, network errors, timeouts). Default 2. */
  maxRetries?: number;
  /**
   * A fetch implementation (a test double, an instrumented fetch). Defaults to a keep-alive
   * `node:http` transport on Node and to `globalThis.fetch` everywhere else.
   */
  fetch?: typeof globalThis.fetch;
  /** Headers sent with every request. */
  defaultHeaders?: Record<string, string>;
}

function integerOption(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ConfigurationError(
      'invalid_option',
      `${name} must be an integer ≥ ${min}, got ${String(value)}.`,
    );
  }
  return value;
}

function resolveBaseUrl(option: string | undefined): string {
  const baseUrl = option?.trim() || readEnv(ENV_BASE_URL);
  if (baseUrl === undefined) {
    throw new ConfigurationError(
      'missing_base_url',
      `No aicredits API URL: pass createClient({ baseUrl }) or set ${ENV_BASE_URL}.`,
    );
  }
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch (cause) {
    throw new ConfigurationError('invalid_base_url', `The aicredits API URL is not a URL: ${baseUrl}.`, {
      cause,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigurationError('invalid_base_url', `The aicredits API URL must be http(s): ${baseUrl}.`);
  }
  return baseUrl.replace(/\/+$/, '');
}

function resolveApiKey(option: string | undefined): string {
  const apiKey = option?.trim() || readEnv(ENV_API_KEY);
  if (apiKey === undefined) {
    throw new ConfigurationError(
      'missing_api_key',
      `No aicredits API key: pass createClient({ apiKey }) or set ${ENV_API_KEY}.`,
    );
  }
  return apiKey;
}

/** The typed client; namespaces mirror the API's resources (SPEC §13). */
export class AicreditsClient {
  readonly me: MeResource;
  readonly workspaces: Workspaces;
  readonly members: Members;
  readonly apiKeys: ApiKeys;
  readonly balance: BalanceResource;
  readonly lots: Lots;
  readonly billing: BillingResource;
  readonly topups: Topups;
  readonly reservations: Reservations;
  readonly charges: Charges;
  readonly transactions: Transactions;
  readonly usage: UsageResource;
  readonly estimates: Estimates;
  readonly prices: Prices;
  readonly webhookEndpoints: WebhookEndpoints;
  readonly testClock: TestClockResource;
  readonly #transport: Transport;

  constructor(options: ClientOptions = {}) {
    this.#transport = new Transport({
      baseUrl: resolveBaseUrl(options.baseUrl),
      apiKey: resolveApiKey(options.apiKey),
      // A zero timeout would abort every request before it is sent.
      timeoutMs: integerOption('timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS, 1),
      maxRetries: integerOption('maxRetries', options.maxRetries, DEFAULT_MAX_RETRIES, 0),
      fetch: options.fetch,
      defaultHeaders: options.defaultHeaders,
    });
    const transport = this.#transport;
    this.me = new MeResource(transport);
    this.workspaces = new Workspaces(transport);
    this.members = new Members(transport);
    this.apiKeys = new ApiKeys(transport);
    this.balance = new BalanceResource(transport);
    this.lots = new Lots(transport);
    this.billing = new BillingResource(transport);
    this.topups = new Topups(transport);
    this.reservations = new Reservations(transport);
    this.charges = new Charges(transport);
    this.transactions = new Transactions(transport);
    this.usage = new UsageResource(transport);
    this.estimates = new Estimates(transport);
    this.prices = new Prices(transport);
    this.webhookEndpoints = new WebhookEndpoints(transport);
    this.testClock = new TestClockResource(transport);
  }

  get baseUrl(): string {
    return this.#transport.baseUrl;
  }

  /** `GET /healthz`: database, storage and payment mode. */
  health(options?: RequestOptions): Promise<Health> {
    return this.#transport.request({ method: 'GET', path: 'healthz', schema: HealthSchema, options });
  }
}

/**
 * Creates a client. `baseUrl` and `apiKey` fall back to `AICREDITS_API_URL` and
 * `AICREDITS_API_KEY`; a `ConfigurationError` (`missing_base_url` / `missing_api_key`) says which
 * is missing.
 */
export function createClient(options: ClientOptions = {}): AicreditsClient {
  return new AicreditsClient(options);
}
