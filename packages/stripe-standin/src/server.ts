import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestCardKind } from './cards.js';
import { StripeApiError } from './errors.js';
import { canonicalForm, type FormObject, FormParseError, parseForm } from './form.js';
import { newId, unixSeconds } from './ids.js';
import type {
  CustomerObject,
  EventObject,
  InvoiceObject,
  PaymentIntentObject,
  PaymentMethodObject,
} from './resources.js';
import { signWebhookPayload } from './signature.js';
import { type RequestContext, STANDIN_API_VERSION, StandinState } from './state.js';

export interface StripeStandinOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Where events are POSTed; can be set later with `setWebhookUrl` (tests often start the receiver second). */
  webhookUrl?: string;
  /** The endpoint secret (`whsec_…`) events are signed with. */
  webhookSecret: string;
  /** The only secret key accepted; defaults to a fresh `sk_test_…`. */
  apiKey?: string;
  /** Deliver each subscribed event as soon as it happens, in order (default true). Off: call `deliverEvent`. */
  autoDeliver?: boolean;
  /** Event types sent to the webhook URL; `['*']` for all. Default: the two PaymentIntent outcomes. */
  enabledEvents?: readonly string[];
  /** Clock for `created` timestamps and signatures, in epoch milliseconds. */
  now?: () => number;
}

export interface WebhookDelivery {
  eventId: string;
  url: string;
  /** 0 when the request failed before an HTTP answer. */
  status: number;
  body: string;
  error?: string;
  at: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  idempotencyKey: string | null;
  status: number;
  /** True when the answer came from the idempotency store instead of executing again. */
  replayed: boolean;
}

export interface DeliverOptions {
  /** Sign with another secret (to test rejection of a wrong signature). */
  secret?: string;
  /** Signature timestamp in unix seconds (to test the receiver's tolerance window). */
  timestampSeconds?: number;
  /** Deliver somewhere else than the configured URL. */
  url?: string;
}

export interface CreateCustomerWithCardInput {
  name?: string;
  email?: string;
  address?: { country: string; state?: string; postal_code?: string; city?: string; line1?: string };
  metadata?: Record<string, string>;
  card?: TestCardKind;
}

export interface StripeStandin {
  /** Base URL, e.g. `http://127.0.0.1:53127`; give it to the gateway as `apiBase`. */
  readonly url: string;
  readonly apiKey: string;
  readonly webhookSecret: string;
  /** Every event emitted so far (all types), oldest first. */
  readonly events: readonly EventObject[];
  /** Every delivery attempt, oldest first. */
  readonly deliveries: readonly WebhookDelivery[];
  /** Every API request answered, oldest first. */
  readonly requests: readonly RecordedRequest[];
  setWebhookUrl(url: string | undefined): void;
  createCustomerWithCard(input?: CreateCustomerWithCardInput): {
    customerId: string;
    paymentMethodId: string;
  };
  /** A card that behaves as `kind`; attached to `customerId` when given. */
  createTestCard(kind: TestCardKind, customerId?: string): string;
  getPaymentIntent(id: string): PaymentIntentObject | undefined;
  listPaymentIntents(): PaymentIntentObject[];
  getInvoice(id: string): InvoiceObject | undefined;
  listInvoices(): InvoiceObject[];
  getCustomer(id: string): CustomerObject | undefined;
  getPaymentMethod(id: string): PaymentMethodObject | undefined;
  /** Settles every `processing` PaymentIntent (events are emitted, and delivered if auto-delivery is on). */
  settlePending(): string[];
  settlePaymentIntent(id: string): void;
  /** Signs and POSTs one event now, whatever was delivered before: use it for out-of-order delivery. */
  deliverEvent(eventId: string, options?: DeliverOptions): Promise<WebhookDelivery>;
  /** Sends an already sent event again (same id and payload, fresh signature), as Stripe's retries do. */
  redeliver(eventId: string, options?: DeliverOptions): Promise<WebhookDelivery>;
  /** Delivers every subscribed event not yet delivered successfully, in the given order. */
  deliverPending(order?: 'oldest_first' | 'newest_first'): Promise<WebhookDelivery[]>;
  /** Resolves once queued automatic deliveries are done. */
  idle(): Promise<void>;
  /** The `Stripe-Signature` header Stripe would send for `payload`. */
  signPayload(payload: string, timestampSeconds?: number, secret?: string): string;
  /**
   * Executes the next `count` API requests normally but answers 500 (`Stripe-Should-Retry: true`),
   * as if the response were lost: a client retrying with the same idempotency key gets the saved result.
   */
  loseNextResponses(count: number): void;
  close(): Promise<void>;
}

interface SavedResult {
  fingerprint: string;
  status: number;
  body: string;
}

const DEFAULT_ENABLED_EVENTS = ['payment_intent.succeeded', 'payment_intent.payment_failed'];
const MAX_BODY_BYTES = 1_000_000;
const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new StripeApiError(413, { type: 'invalid_request_error', message: 'Request body too large' }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

type Handler = (ctx: RequestContext, params: FormObject, match: RegExpExecArray) => object;

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  handler: Handler;
}

function routes(state: StandinState): Route[] {
  const id = '([A-Za-z0-9_]+)';
  const at = (match: RegExpExecArray): string => match[1] ?? '';
  return [
    { method: 'POST', pattern: /^\/v1\/customers$/, handler: (ctx, p) => state.createCustomer(p, ctx) },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/customers/${id}$`),
      handler: (_c, _p, m) => state.retrieveCustomer(at(m)),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/v1/customers/${id}$`),
      handler: (ctx, p, m) => state.updateCustomer(at(m), p, ctx),
    },
    { method: 'POST', pattern: /^\/v1\/payment_methods$/, handler: (_c, p) => state.createPaymentMethod(p) },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/payment_methods/${id}$`),
      handler: (_c, _p, m) => state.retrievePaymentMethod(at(m)),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/v1/payment_methods/${id}/attach$`),
      handler: (ctx, p, m) => {
        const customer = p.customer;
        if (typeof customer !== 'string' || customer === '') {
          throw new StripeApiError(400, {
            type: 'invalid_request_error',
            code: 'parameter_missing',
            message: 'Missing required param: customer.',
            param: 'customer',
          });
        }
        return state.attachPaymentMethod(at(m), customer, ctx);
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/payment_intents$/,
      handler: (ctx, p) => state.createPaymentIntent(p, ctx),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/payment_intents/${id}$`),
      handler: (_c, _p, m) => state.retrievePaymentIntent(at(m)),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/v1/payment_intents/${id}/confirm$`),
      handler: (ctx, p, m) => state.confirmPaymentIntent(at(m), p, ctx),
    },
    {
      method: 'POST',
      pattern: /^\/v1\/tax\/calculations$/,
      handler: (_c, p) => state.createTaxCalculation(p),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/tax/calculations/${id}$`),
      handler: (_c, _p, m) => state.retrieveTaxCalculation(at(m)),
    },
    { method: 'POST', pattern: /^\/v1\/invoiceitems$/, handler: (ctx, p) => state.createInvoiceItem(p, ctx) },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/invoiceitems/${id}$`),
      handler: (_c, _p, m) => state.retrieveInvoiceItem(at(m)),
    },
    { method: 'POST', pattern: /^\/v1\/invoices$/, handler: (ctx, p) => state.createInvoice(p, ctx) },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/invoices/${id}$`),
      handler: (_c, _p, m) => state.retrieveInvoice(at(m)),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/v1/invoices/${id}/finalize$`),
      handler: (ctx, p, m) => state.finalizeInvoice(at(m), p, ctx),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/v1/invoices/${id}/pay$`),
      handler: (ctx, p, m) => state.payInvoice(at(m), p, ctx),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/v1/invoices/${id}/attach_payment$`),
      handler: (ctx, p, m) => state.attachPayment(at(m), p, ctx),
    },
    { method: 'GET', pattern: /^\/v1\/events$/, handler: (_c, p) => state.listEvents(p) },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/events/${id}$`),
      handler: (_c, _p, m) => state.retrieveEvent(at(m)),
    },
  ];
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export async function startStripeStandin(options: StripeStandinOptions): Promise<StripeStandin> {
  const now = options.now ?? Date.now;
  const apiKey = options.apiKey ?? `sk_test_standin_${newId('k').slice(2)}`;
  const enabledEvents = options.enabledEvents ?? DEFAULT_ENABLED_EVENTS;
  const autoDeliver = options.autoDeliver ?? true;
  let webhookUrl = options.webhookUrl;
  let responsesToLose = 0;
  const deliveries: WebhookDelivery[] = [];
  const requests: RecordedRequest[] = [];
  const idempotency = new Map<string, SavedResult>();
  let deliveryQueue: Promise<void> = Promise.resolve();

  const subscribed = (event: EventObject): boolean =>
    enabledEvents.includes('*') || enabledEvents.includes(event.type);

  const signPayload = (payload: string, timestampSeconds?: number, secret?: string): string =>
    signWebhookPayload(payload, secret ?? options.webhookSecret, timestampSeconds ?? unixSeconds(now()));

  async function send(event: EventObject, deliverOptions: DeliverOptions = {}): Promise<WebhookDelivery> {
    const url = deliverOptions.url ?? webhookUrl;
    if (url === undefined)
      throw new Error('no webhook URL configured: pass webhookUrl or call setWebhookUrl');
    // Stripe sends the event as it was when it happened, pretty-printed, and signs those exact bytes.
    const payload = JSON.stringify({ ...event, pending_webhooks: 1 }, null, 2);
    const signature = signPayload(payload, deliverOptions.timestampSeconds, deliverOptions.secret);
    const delivery: WebhookDelivery = { eventId: event.id, url, status: 0, body: '', at: now() };
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'stripe-signature': signature,
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        },
        body: payload,
        signal: AbortSignal.timeout(10_000),
      });
      delivery.status = response.status;
      delivery.body = await response.text();
    } catch (error) {
      delivery.error = error instanceof Error ? error.message : String(error);
    }
    deliveries.push(delivery);
    return delivery;
  }

  const state = new StandinState({
    now,
    onEvent: (event) => {
      if (!autoDeliver || !subscribed(event) || webhookUrl === undefined) return;
      // One at a time and in order, as a single Stripe endpoint mostly sees them.
      deliveryQueue = deliveryQueue.then(async () => {
        await send(event);
      });
    },
  });
  const table = routes(state);

  const findEvent = (eventId: string): EventObject => {
    const event = state.events.find((e) => e.id === eventId);
    if (event === undefined) throw new Error(`no such event: ${eventId}`);
    return event;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newId('req');
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://standin');
    const idempotencyKey = method === 'POST' ? (headerValue(req, 'idempotency-key') ?? null) : null;
    const record = (status: number, replayed: boolean): void => {
      requests.push({ method, path: url.pathname, idempotencyKey, status, replayed });
    };
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'request-id': requestId,
      'stripe-version': headerValue(req, 'stripe-version') ?? STANDIN_API_VERSION,
    };
    if (idempotencyKey !== null) headers['idempotency-key'] = idempotencyKey;
    const answer = (status: number, body: string, extra: Record<string, string> = {}): void => {
      res.writeHead(status, { ...headers, ...extra });
      res.end(body);
    };
    const errorBody = (error: StripeApiError): string =>
      JSON.stringify(
        { error: { ...error.body, request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}` } },
        null,
        2,
      );

    try {
      const auth = headerValue(req, 'authorization');
      const presented = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : undefined;
      if (presented === undefined || presented === '') {
        throw new StripeApiError(401, {
          type: 'invalid_request_error',
          message:
            "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
        });
      }
      if (presented !== apiKey) {
        throw new StripeApiError(401, {
          type: 'invalid_request_error',
          code: 'api_key_invalid',
          message: `Invalid API Key provided: ${presented.slice(0, 8)}${'*'.repeat(Math.max(0, presented.length - 12))}${presented.slice(-4)}`,
        });
      }
      const route = table.find((r) => r.method === method && r.pattern.test(url.pathname));
      const match = route?.pattern.exec(url.pathname);
      if (route === undefined || match === undefined || match === null) {
        throw new StripeApiError(404, {
          type: 'invalid_request_error',
          message: `Unrecognized request URL (${method}: ${url.pathname}). The stand-in implements only part of Stripe's API; see its README.`,
        });
      }
      const raw = method === 'POST' ? await readBody(req) : url.search.slice(1);
      const params = parseForm(raw);

      let fingerprint = '';
      if (idempotencyKey !== null) {
        if (idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
          throw new StripeApiError(400, {
            type: 'invalid_request_error',
            message: `Idempotency keys can be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters long.`,
            param: 'Idempotency-Key',
          });
        }
        fingerprint = `${method} ${url.pathname} ${canonicalForm(params)}`;
        const saved = idempotency.get(idempotencyKey);
        if (saved !== undefined) {
          if (saved.fingerprint !== fingerprint) {
            throw new StripeApiError(400, {
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
            });
          }
          record(saved.status, true);
          answer(saved.status, saved.body, { 'idempotent-replayed': 'true', 'original-request': requestId });
          return;
        }
      }

      const ctx: RequestContext = { requestId, idempotencyKey };
      let status = 200;
      let body: string;
      let save = true;
      try {
        body = JSON.stringify(route.handler(ctx, params, match), null, 2);
      } catch (error) {
        if (!(error instanceof StripeApiError)) throw error;
        status = error.status;
        body = errorBody(error);
        save = error.saveIdempotentResult;
      }
      if (idempotencyKey !== null && save) idempotency.set(idempotencyKey, { fingerprint, status, body });
      if (responsesToLose > 0) {
        responsesToLose -= 1;
        record(500, false);
        answer(
          500,
          JSON.stringify({
            error: { type: 'api_error', message: 'The stand-in dropped this response on purpose.' },
          }),
          { 'stripe-should-retry': 'true' },
        );
        return;
      }
      record(status, false);
      answer(status, body);
    } catch (error) {
      if (error instanceof StripeApiError) {
        record(error.status, false);
        answer(error.status, errorBody(error));
        return;
      }
      if (error instanceof FormParseError) {
        const parseError = new StripeApiError(400, {
          type: 'invalid_request_error',
          message: error.message,
          param: error.param,
        });
        record(400, false);
        answer(400, errorBody(parseError));
        return;
      }
      record(500, false);
      answer(
        500,
        JSON.stringify({
          error: { type: 'api_error', message: error instanceof Error ? error.message : 'internal error' },
        }),
      );
    }
  }

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const baseUrl = `http://${options.host ?? '127.0.0.1'}:${address.port}`;

  return {
    url: baseUrl,
    apiKey,
    webhookSecret: options.webhookSecret,
    get events() {
      return state.events;
    },
    deliveries,
    requests,
    setWebhookUrl(url) {
      webhookUrl = url;
    },
    createCustomerWithCard(input = {}) {
      const customer = state.createCustomer(
        {
          ...(input.name === undefined ? {} : { name: input.name }),
          ...(input.email === undefined ? {} : { email: input.email }),
          ...(input.address === undefined ? {} : { address: { ...input.address } }),
          ...(input.metadata === undefined ? {} : { metadata: { ...input.metadata } }),
        },
        null,
      );
      const paymentMethod = state.createTestCard(input.card ?? 'visa', customer.id);
      customer.invoice_settings.default_payment_method = paymentMethod.id;
      return { customerId: customer.id, paymentMethodId: paymentMethod.id };
    },
    createTestCard(kind, customerId) {
      return state.createTestCard(kind, customerId ?? null).id;
    },
    getPaymentIntent: (id) => state.paymentIntents.get(id),
    listPaymentIntents: () => [...state.paymentIntents.values()],
    getInvoice: (id) => state.invoices.get(id),
    listInvoices: () => [...state.invoices.values()],
    getCustomer: (id) => state.customers.get(id),
    getPaymentMethod: (id) => state.paymentMethods.get(id)?.object,
    settlePending() {
      const ids = state.pendingPaymentIntentIds();
      for (const id of ids) state.settle(id);
      return ids;
    },
    settlePaymentIntent(id) {
      state.settle(id);
    },
    deliverEvent: (eventId, deliverOptions) => send(findEvent(eventId), deliverOptions),
    redeliver: (eventId, deliverOptions) => send(findEvent(eventId), deliverOptions),
    async deliverPending(order = 'oldest_first') {
      const delivered = new Set(
        deliveries.filter((d) => d.status >= 200 && d.status < 300).map((d) => d.eventId),
      );
      const pending = state.events.filter((e) => subscribed(e) && !delivered.has(e.id));
      if (order === 'newest_first') pending.reverse();
      const results: WebhookDelivery[] = [];
      for (const event of pending) results.push(await send(event));
      return results;
    },
    idle: () => deliveryQueue,
    signPayload,
    loseNextResponses(count) {
      responsesToLose = count;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}
