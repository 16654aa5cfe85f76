import { CARD_PROFILES, MAGIC_PAYMENT_METHODS, MAGIC_TOKENS, type TestCardKind } from './cards.js';
import { invalidRequest, missingParam, resourceMissing, StripeApiError } from './errors.js';
import type { FormObject } from './form.js';
import { newId, unixSeconds } from './ids.js';
import {
  applyMetadata,
  EMPTY_ADDRESS,
  oneOf,
  optionalBoolean,
  optionalInteger,
  optionalList,
  optionalObject,
  optionalString,
  parseAddress,
  rejectUnknown,
  requiredInteger,
  requiredString,
  type StripeAddressObject,
} from './params.js';
import type {
  CustomerObject,
  EventObject,
  InvoiceItemObject,
  InvoiceObject,
  InvoicePaymentObject,
  LastPaymentError,
  PaymentIntentObject,
  PaymentMethodObject,
  PaymentMethodRecord,
  TaxCalculationObject,
} from './resources.js';
import { rateFor, taxForLine } from './tax.js';

/** The API version the stand-in claims to speak; it echoes whatever `Stripe-Version` the client sends. */
export const STANDIN_API_VERSION = '2026-10-28.endive';

/** Stripe's minimum charge for USD is $0.50, and amounts are capped at eight digits. */
const MIN_CHARGE_CENTS = 50;
const MAX_AMOUNT_CENTS = 99_999_999;
const TAX_CALCULATION_TTL_SECONDS = 90 * 24 * 60 * 60;

export interface RequestContext {
  requestId: string;
  idempotencyKey: string | null;
}

export interface StateOptions {
  now: () => number;
  onEvent: (event: EventObject) => void;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** In-memory Stripe account: the objects, their transitions and the events they emit. */
export class StandinState {
  readonly customers = new Map<string, CustomerObject>();
  readonly paymentMethods = new Map<string, PaymentMethodRecord>();
  readonly paymentIntents = new Map<string, PaymentIntentObject>();
  readonly invoices = new Map<string, InvoiceObject>();
  readonly invoiceItems = new Map<string, InvoiceItemObject>();
  readonly taxCalculations = new Map<string, TaxCalculationObject>();
  readonly events: EventObject[] = [];
  /** PaymentIntent id → invoice ids it was attached to (credited when the intent succeeds). */
  private readonly attachedInvoices = new Map<string, string[]>();
  private readonly options: StateOptions;

  constructor(options: StateOptions) {
    this.options = options;
  }

  private nowSeconds(): number {
    return unixSeconds(this.options.now());
  }

  private emit(type: string, object: object, ctx: RequestContext | null, previous?: object): void {
    const event: EventObject = {
      id: newId('evt'),
      object: 'event',
      api_version: STANDIN_API_VERSION,
      created: this.nowSeconds(),
      data: { object: clone(object), ...(previous === undefined ? {} : { previous_attributes: previous }) },
      livemode: false,
      pending_webhooks: 0,
      request: { id: ctx?.requestId ?? null, idempotency_key: ctx?.idempotencyKey ?? null },
      type,
    };
    this.events.push(event);
    this.options.onEvent(event);
  }

  // ---------------------------------------------------------------- customers

  private requireCustomer(id: string, param = 'id'): CustomerObject {
    const customer = this.customers.get(id);
    if (customer === undefined) throw resourceMissing('customer', id, param);
    return customer;
  }

  private applyCustomerFields(customer: CustomerObject, params: FormObject): void {
    const name = optionalString(params, 'name');
    if (name !== undefined) customer.name = name === '' ? null : name;
    const email = optionalString(params, 'email');
    if (email !== undefined) customer.email = email === '' ? null : email;
    const description = optionalString(params, 'description');
    if (description !== undefined) customer.description = description === '' ? null : description;
    const phone = optionalString(params, 'phone');
    if (phone !== undefined) customer.phone = phone === '' ? null : phone;
    if (params.address === '') customer.address = null;
    else {
      const address = optionalObject(params, 'address');
      if (address !== undefined) customer.address = parseAddress(address, 'address');
    }
    const taxExempt = oneOf(
      optionalString(params, 'tax_exempt'),
      ['none', 'exempt', 'reverse'] as const,
      'tax_exempt',
    );
    if (taxExempt !== undefined) customer.tax_exempt = taxExempt;
    const invoiceSettings = optionalObject(params, 'invoice_settings');
    if (invoiceSettings !== undefined) {
      rejectUnknown(invoiceSettings, ['default_payment_method']);
      const pm = optionalString(invoiceSettings, 'default_payment_method');
      if (pm !== undefined && pm !== '') {
        const record = this.paymentMethods.get(pm);
        if (record === undefined || record.object.customer !== customer.id) {
          throw invalidRequest(
            `No such PaymentMethod: '${pm}'; It's possible this PaymentMethod exists on one of your connected accounts, or it is not attached to this customer.`,
            'invoice_settings[default_payment_method]',
            'resource_missing',
          );
        }
      }
      if (pm !== undefined) customer.invoice_settings.default_payment_method = pm === '' ? null : pm;
    }
    customer.metadata = applyMetadata(customer.metadata, params);
  }

  createCustomer(params: FormObject, ctx: RequestContext | null): CustomerObject {
    rejectUnknown(params, [
      'name',
      'email',
      'description',
      'phone',
      'address',
      'metadata',
      'tax_exempt',
      'invoice_settings',
      'payment_method',
      'expand',
    ]);
    const customer: CustomerObject = {
      id: newId('cus'),
      object: 'customer',
      address: null,
      balance: 0,
      created: this.nowSeconds(),
      currency: null,
      default_source: null,
      delinquent: false,
      description: null,
      email: null,
      invoice_prefix: newId('x').slice(2, 10).toUpperCase(),
      invoice_settings: {
        custom_fields: null,
        default_payment_method: null,
        footer: null,
        rendering_options: null,
      },
      livemode: false,
      metadata: {},
      name: null,
      next_invoice_sequence: 1,
      phone: null,
      preferred_locales: [],
      shipping: null,
      tax_exempt: 'none',
      test_clock: null,
    };
    // Attach before applying invoice_settings, which may name this very payment method.
    const paymentMethod = optionalString(params, 'payment_method');
    this.customers.set(customer.id, customer);
    try {
      if (paymentMethod !== undefined) this.attachPaymentMethod(paymentMethod, customer.id, null);
      this.applyCustomerFields(customer, params);
    } catch (error) {
      this.customers.delete(customer.id);
      throw error;
    }
    this.emit('customer.created', customer, ctx);
    return customer;
  }

  retrieveCustomer(id: string): CustomerObject {
    return this.requireCustomer(id);
  }

  updateCustomer(id: string, params: FormObject, ctx: RequestContext | null): CustomerObject {
    rejectUnknown(params, [
      'name',
      'email',
      'description',
      'phone',
      'address',
      'metadata',
      'tax_exempt',
      'invoice_settings',
      'expand',
    ]);
    const customer = this.requireCustomer(id);
    const before = clone(customer);
    const next = clone(customer);
    this.applyCustomerFields(next, params);
    Object.assign(customer, next);
    this.emit('customer.updated', customer, ctx, before);
    return customer;
  }

  // ---------------------------------------------------------------- payment methods

  private newPaymentMethod(kind: TestCardKind, customerId: string | null): PaymentMethodRecord {
    const profile = CARD_PROFILES[kind];
    const object: PaymentMethodObject = {
      id: newId('pm'),
      object: 'payment_method',
      allow_redisplay: 'unspecified',
      billing_details: { address: { ...EMPTY_ADDRESS }, email: null, name: null, phone: null },
      card: {
        brand: profile.brand,
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
        country: 'US',
        display_brand: profile.brand,
        exp_month: 12,
        exp_year: new Date(this.options.now()).getUTCFullYear() + 3,
        fingerprint: newId('fp').slice(3, 19),
        funding: 'credit',
        last4: profile.last4,
        networks: { available: [profile.brand], preferred: null },
        wallet: null,
      },
      created: this.nowSeconds(),
      customer: customerId,
      livemode: false,
      metadata: {},
      type: 'card',
    };
    const record = { object, kind };
    this.paymentMethods.set(object.id, record);
    return record;
  }

  /** A card that behaves as `kind`, optionally already attached to a customer. */
  createTestCard(kind: TestCardKind, customerId: string | null): PaymentMethodObject {
    if (customerId !== null) this.requireCustomer(customerId, 'customer');
    return this.newPaymentMethod(kind, customerId).object;
  }

  /** A stored payment method, or a fresh one for a magic id like `pm_card_visa` (as Stripe clones it). */
  private resolvePaymentMethod(id: string, param: string): PaymentMethodRecord {
    const stored = this.paymentMethods.get(id);
    if (stored !== undefined) return stored;
    const magic = MAGIC_PAYMENT_METHODS[id];
    if (magic !== undefined) return this.newPaymentMethod(magic, null);
    throw resourceMissing('PaymentMethod', id, param);
  }

  createPaymentMethod(params: FormObject): PaymentMethodObject {
    rejectUnknown(params, ['type', 'card', 'billing_details', 'metadata', 'expand']);
    const type = requiredString(params, 'type');
    if (type !== 'card')
      throw invalidRequest(`The stand-in only supports card payment methods, got '${type}'`, 'type');
    const card = optionalObject(params, 'card');
    if (card === undefined) throw missingParam('card');
    rejectUnknown(card, ['token']);
    const token = requiredString(card, 'token');
    const kind = MAGIC_TOKENS[token];
    if (kind === undefined) throw resourceMissing('token', token, 'card[token]');
    const record = this.newPaymentMethod(kind, null);
    record.object.metadata = applyMetadata({}, params);
    return record.object;
  }

  retrievePaymentMethod(id: string): PaymentMethodObject {
    const record = this.paymentMethods.get(id);
    if (record === undefined) throw resourceMissing('PaymentMethod', id);
    return record.object;
  }

  attachPaymentMethod(id: string, customerId: string, ctx: RequestContext | null): PaymentMethodObject {
    this.requireCustomer(customerId, 'customer');
    const record = this.resolvePaymentMethod(id, 'payment_method');
    if (record.object.customer !== null && record.object.customer !== customerId) {
      throw invalidRequest(
        'The payment method you provided has already been attached to a customer.',
        'payment_method',
        'payment_method_unexpected_state',
      );
    }
    record.object.customer = customerId;
    this.emit('payment_method.attached', record.object, ctx);
    return record.object;
  }

  // ---------------------------------------------------------------- payment intents

  private requirePaymentIntent(id: string): PaymentIntentObject {
    const intent = this.paymentIntents.get(id);
    if (intent === undefined) throw resourceMissing('payment_intent', id);
    return intent;
  }

  createPaymentIntent(params: FormObject, ctx: RequestContext): PaymentIntentObject {
    rejectUnknown(params, [
      'amount',
      'currency',
      'customer',
      'payment_method',
      'payment_method_types',
      'allowed_payment_method_types',
      'automatic_payment_methods',
      'confirm',
      'off_session',
      'error_on_requires_action',
      'capture_method',
      'description',
      'metadata',
      'receipt_email',
      'return_url',
      'setup_future_usage',
      'statement_descriptor',
      'statement_descriptor_suffix',
      'expand',
    ]);
    const amount = requiredInteger(params, 'amount');
    const currency = requiredString(params, 'currency').toLowerCase();
    if (!/^[a-z]{3}$/.test(currency)) throw invalidRequest(`Invalid currency: ${currency}`, 'currency');
    if (amount < MIN_CHARGE_CENTS) {
      throw invalidRequest('Amount must be at least $0.50 usd', 'amount', 'amount_too_small');
    }
    if (amount > MAX_AMOUNT_CENTS) {
      throw invalidRequest('Amount must be no more than $999,999.99', 'amount', 'amount_too_large');
    }
    const customerId = optionalString(params, 'customer');
    if (customerId !== undefined) this.requireCustomer(customerId, 'customer');
    const confirm = optionalBoolean(params, 'confirm') ?? false;
    const offSessionRaw = optionalString(params, 'off_session');
    const offSession = offSessionRaw !== undefined && offSessionRaw !== 'false';
    if (offSession && !confirm) {
      throw invalidRequest('off_session can only be used when confirm=true.', 'off_session');
    }
    const captureMethod =
      oneOf(
        optionalString(params, 'capture_method'),
        ['automatic', 'automatic_async'] as const,
        'capture_method',
      ) ?? 'automatic_async';

    let automatic: PaymentIntentObject['automatic_payment_methods'] = null;
    const automaticParams = optionalObject(params, 'automatic_payment_methods');
    if (automaticParams !== undefined) {
      rejectUnknown(automaticParams, ['enabled', 'allow_redirects']);
      const enabled = optionalBoolean(automaticParams, 'enabled');
      if (enabled === undefined) throw missingParam('automatic_payment_methods[enabled]');
      const allowRedirects =
        oneOf(
          optionalString(automaticParams, 'allow_redirects'),
          ['always', 'never'] as const,
          'allow_redirects',
        ) ?? 'always';
      automatic = { enabled, allow_redirects: allowRedirects };
    }
    const types = optionalList(params, 'payment_method_types');
    if (types?.some((type) => type !== 'card')) {
      throw invalidRequest(
        'The stand-in only supports the card payment method type.',
        'payment_method_types',
      );
    }
    if (automatic?.enabled === true && types !== undefined) {
      throw invalidRequest(
        'You may only specify one of these parameters: automatic_payment_methods, payment_method_types.',
        'automatic_payment_methods',
      );
    }
    const returnUrl = optionalString(params, 'return_url');
    if (
      confirm &&
      automatic?.enabled === true &&
      automatic.allow_redirects !== 'never' &&
      returnUrl === undefined
    ) {
      // Stripe's real guard: an off-site redirect might be needed and there is nowhere to return to.
      throw invalidRequest(
        'This PaymentIntent is configured to accept payment methods enabled in your Dashboard, some of which may require a full page redirect to succeed. If you do not want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.',
        'return_url',
      );
    }

    let paymentMethod: PaymentMethodRecord | undefined;
    const paymentMethodId = optionalString(params, 'payment_method');
    if (paymentMethodId !== undefined) {
      paymentMethod = this.resolvePaymentMethod(paymentMethodId, 'payment_method');
      const owner = paymentMethod.object.customer;
      if (owner !== null && owner !== customerId) {
        throw invalidRequest(
          `The provided PaymentMethod belongs to a different Customer than the one on this PaymentIntent${customerId === undefined ? ' (none)' : ''}.`,
          'payment_method',
          'payment_method_unexpected_state',
        );
      }
      if (offSession && customerId !== undefined && owner === null) {
        // Off-session charges need a card saved to the customer beforehand.
        throw invalidRequest(
          'The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, or it is not attached to the Customer. Attach it to the Customer first.',
          'payment_method',
          'payment_method_unexpected_state',
        );
      }
    }
    if (confirm && paymentMethod === undefined) {
      throw invalidRequest(
        'You cannot confirm this PaymentIntent because it\u2019s missing a payment method.',
        'payment_method',
        'payment_intent_unexpected_state',
      );
    }

    const id = newId('pi');
    const intent: PaymentIntentObject = {
      id,
      object: 'payment_intent',
      amount,
      amount_capturable: 0,
      amount_received: 0,
      automatic_payment_methods: automatic,
      canceled_at: null,
      cancellation_reason: null,
      capture_method: captureMethod,
      client_secret: `${id}_secret_${newId('s').slice(2)}`,
      confirmation_method: 'automatic',
      created: this.nowSeconds(),
      currency,
      customer: customerId ?? null,
      description: optionalString(params, 'description') ?? null,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata: applyMetadata({}, params),
      next_action: null,
      payment_method: paymentMethod?.object.id ?? null,
      payment_method_types: ['card'],
      processing: null,
      receipt_email: optionalString(params, 'receipt_email') ?? null,
      setup_future_usage: optionalString(params, 'setup_future_usage') ?? null,
      statement_descriptor: optionalString(params, 'statement_descriptor') ?? null,
      statement_descriptor_suffix: optionalString(params, 'statement_descriptor_suffix') ?? null,
      status: paymentMethod === undefined ? 'requires_payment_method' : 'requires_confirmation',
    };
    this.paymentIntents.set(id, intent);
    this.emit('payment_intent.created', intent, ctx);
    if (confirm && paymentMethod !== undefined) this.confirm(intent, paymentMethod, ctx);
    return intent;
  }

  confirmPaymentIntent(id: string, params: FormObject, ctx: RequestContext): PaymentIntentObject {
    rejectUnknown(params, [
      'payment_method',
      'off_session',
      'return_url',
      'error_on_requires_action',
      'expand',
    ]);
    const intent = this.requirePaymentIntent(id);
    if (intent.status !== 'requires_payment_method' && intent.status !== 'requires_confirmation') {
      throw new StripeApiError(400, {
        type: 'invalid_request_error',
        code: 'payment_intent_unexpected_state',
        message: `This PaymentIntent's status is ${intent.status}, which does not allow it to be confirmed.`,
        payment_intent: clone(intent),
      });
    }
    const paymentMethodId = optionalString(params, 'payment_method') ?? intent.payment_method;
    if (paymentMethodId === null) {
      throw invalidRequest(
        'You cannot confirm this PaymentIntent because it\u2019s missing a payment method.',
        'payment_method',
        'payment_intent_unexpected_state',
      );
    }
    const paymentMethod = this.resolvePaymentMethod(paymentMethodId, 'payment_method');
    intent.payment_method = paymentMethod.object.id;
    this.confirm(intent, paymentMethod, ctx);
    return intent;
  }

  retrievePaymentIntent(id: string): PaymentIntentObject {
    return this.requirePaymentIntent(id);
  }

  private declineError(intent: PaymentIntentObject, paymentMethod: PaymentMethodRecord): LastPaymentError {
    const decline = CARD_PROFILES[paymentMethod.kind].decline ?? {
      declineCode: 'generic_decline',
      message: 'Your card was declined.',
    };
    return {
      type: 'card_error',
      code: 'card_declined',
      decline_code: decline.declineCode,
      doc_url: 'https://stripe.com/docs/error-codes/card-declined',
      message: decline.message,
      charge: intent.latest_charge ?? newId('ch'),
      payment_method: clone(paymentMethod.object),
    };
  }

  /** Runs the card: synchronous outcome for real test cards, `processing` for the stand-in's async cards. */
  private confirm(
    intent: PaymentIntentObject,
    paymentMethod: PaymentMethodRecord,
    ctx: RequestContext,
  ): void {
    const profile = CARD_PROFILES[paymentMethod.kind];
    intent.latest_charge = newId('ch');
    intent.last_payment_error = null;
    if (profile.outcome === 'succeed') {
      this.succeed(intent, ctx);
      return;
    }
    if (profile.outcome === 'processing') {
      intent.status = 'processing';
      intent.processing = { type: 'card' };
      this.emit('payment_intent.processing', intent, ctx);
      return;
    }
    this.fail(intent, paymentMethod, ctx);
    // A decline answers 402 with the PaymentIntent inside the error, and Stripe saves that answer
    // for the idempotency key like any other result of an executed request.
    const lastError = intent.last_payment_error as LastPaymentError | null;
    throw new StripeApiError(
      402,
      {
        type: 'card_error',
        code: 'card_declined',
        decline_code: lastError?.decline_code ?? 'generic_decline',
        doc_url: 'https://stripe.com/docs/error-codes/card-declined',
        message: lastError?.message ?? 'Your card was declined.',
        param: '',
        payment_intent: clone(intent),
        payment_method: clone(paymentMethod.object),
        request_log_url: `https://dashboard.stripe.com/test/logs/${ctx.requestId}`,
      },
      { saveIdempotentResult: true },
    );
  }

  private succeed(intent: PaymentIntentObject, ctx: RequestContext | null): void {
    intent.status = 'succeeded';
    intent.processing = null;
    intent.amount_received = intent.amount;
    this.emit('payment_intent.succeeded', intent, ctx);
    for (const invoiceId of this.attachedInvoices.get(intent.id) ?? []) {
      const invoice = this.invoices.get(invoiceId);
      if (invoice !== undefined) this.creditInvoice(invoice, intent, ctx);
    }
  }

  private fail(
    intent: PaymentIntentObject,
    paymentMethod: PaymentMethodRecord,
    ctx: RequestContext | null,
  ): void {
    intent.status = 'requires_payment_method';
    intent.processing = null;
    intent.last_payment_error = this.declineError(intent, paymentMethod);
    intent.payment_method = null;
    this.emit('payment_intent.payment_failed', intent, ctx);
  }

  /** Ids of PaymentIntents still `processing` (confirmed with a stand-in processing card). */
  pendingPaymentIntentIds(): string[] {
    return [...this.paymentIntents.values()].filter((pi) => pi.status === 'processing').map((pi) => pi.id);
  }

  /** Settles one processing PaymentIntent as its card dictates: `processing` succeeds, `processing_declined` fails. */
  settle(id: string): PaymentIntentObject {
    const intent = this.requirePaymentIntent(id);
    if (intent.status !== 'processing') {
      throw new Error(`PaymentIntent ${id} is ${intent.status}, not processing`);
    }
    const record =
      intent.payment_method === null ? undefined : this.paymentMethods.get(intent.payment_method);
    if (record === undefined) throw new Error(`PaymentIntent ${id} has no payment method`);
    if (CARD_PROFILES[record.kind].decline === undefined) this.succeed(intent, null);
    else this.fail(intent, record, null);
    return intent;
  }

  // ---------------------------------------------------------------- tax

  createTaxCalculation(params: FormObject): TaxCalculationObject {
    rejectUnknown(params, ['currency', 'line_items', 'customer', 'customer_details', 'tax_date', 'expand']);
    const currency = requiredString(params, 'currency').toLowerCase();
    const lineItems = optionalList(params, 'line_items');
    if (lineItems === undefined || lineItems.length === 0) throw missingParam('line_items');
    const customerId = optionalString(params, 'customer');
    const details = optionalObject(params, 'customer_details');
    if (customerId !== undefined && details !== undefined) {
      throw invalidRequest(
        'You may only specify one of these parameters: customer, customer_details.',
        'customer',
      );
    }
    let address: StripeAddressObject | null = null;
    let addressSource: 'billing' | 'shipping' = 'billing';
    if (details !== undefined) {
      rejectUnknown(details, ['address', 'address_source', 'ip_address', 'tax_ids', 'taxability_override']);
      const rawAddress = optionalObject(details, 'address');
      if (rawAddress !== undefined) address = parseAddress(rawAddress, 'customer_details[address]');
      addressSource =
        oneOf(
          optionalString(details, 'address_source'),
          ['billing', 'shipping'] as const,
          'address_source',
        ) ?? 'billing';
    } else if (customerId !== undefined) {
      address = this.requireCustomer(customerId, 'customer').address;
    }
    if (address === null || address.country === null) {
      throw invalidRequest(
        'We could not determine the customer\u2019s tax location. Provide a valid address.',
        customerId === undefined ? 'customer_details[address]' : 'customer',
        'customer_tax_location_invalid',
      );
    }
    if (address.country.toUpperCase() === 'US' && address.postal_code === null && address.state === null) {
      throw invalidRequest(
        'A US address needs at least a postal code or a state to determine its tax location.',
        'customer_details[address][postal_code]',
        'customer_tax_location_invalid',
      );
    }
    const { rateMilliPercent, taxabilityReason } = rateFor({
      country: address.country,
      state: address.state ?? undefined,
    });
    const percentage = (rateMilliPercent / 1000).toFixed(3).replace(/\.?0+$/, '');
    const id = newId('taxcalc');
    let exclusiveTax = 0;
    let inclusiveTax = 0;
    let linesTotal = 0;
    const breakdown: TaxCalculationObject['tax_breakdown'] = [];
    const lines = lineItems.map((raw, index) => {
      if (typeof raw !== 'object' || Array.isArray(raw))
        throw invalidRequest('Invalid line item', `line_items[${index}]`);
      rejectUnknown(raw, [
        'amount',
        'reference',
        'tax_behavior',
        'tax_code',
        'quantity',
        'product',
        'metadata',
      ]);
      const amount = requiredInteger(raw, 'amount');
      if (amount < 0) throw invalidRequest('Amount must be non-negative', `line_items[${index}][amount]`);
      const behavior =
        oneOf(
          optionalString(raw, 'tax_behavior'),
          ['exclusive', 'inclusive'] as const,
          `line_items[${index}][tax_behavior]`,
        ) ?? 'exclusive';
      const tax = taxForLine(amount, rateMilliPercent, behavior);
      if (behavior === 'exclusive') exclusiveTax += tax;
      else inclusiveTax += tax;
      linesTotal += amount;
      breakdown.push({
        amount: tax,
        inclusive: behavior === 'inclusive',
        tax_rate_details: {
          country: address.country?.toUpperCase() ?? '',
          percentage_decimal: percentage === '' ? '0' : percentage,
          state: address.state,
          tax_type: 'sales_tax',
        },
        taxability_reason: taxabilityReason,
        taxable_amount: behavior === 'exclusive' ? amount : amount - tax,
      });
      return {
        id: newId('tax_li'),
        object: 'tax.calculation_line_item' as const,
        amount,
        amount_tax: tax,
        livemode: false as const,
        product: null,
        quantity: optionalInteger(raw, 'quantity') ?? 1,
        reference: optionalString(raw, 'reference') ?? null,
        tax_behavior: behavior,
        tax_code: optionalString(raw, 'tax_code') ?? 'txcd_10000000',
      };
    });
    const now = this.nowSeconds();
    const calculation: TaxCalculationObject = {
      id,
      object: 'tax.calculation',
      amount_total: linesTotal + exclusiveTax,
      currency,
      customer: customerId ?? null,
      customer_details: {
        address,
        address_source: addressSource,
        ip_address: null,
        tax_ids: [],
        taxability_override: 'none',
      },
      expires_at: now + TAX_CALCULATION_TTL_SECONDS,
      line_items: {
        object: 'list',
        data: lines,
        has_more: false,
        url: `/v1/tax/calculations/${id}/line_items`,
      },
      livemode: false,
      ship_from_details: null,
      shipping_cost: null,
      tax_amount_exclusive: exclusiveTax,
      tax_amount_inclusive: inclusiveTax,
      tax_breakdown: breakdown,
      tax_date: optionalInteger(params, 'tax_date') ?? now,
    };
    this.taxCalculations.set(id, calculation);
    return calculation;
  }

  retrieveTaxCalculation(id: string): TaxCalculationObject {
    const calculation = this.taxCalculations.get(id);
    if (calculation === undefined) throw resourceMissing('tax calculation', id);
    return calculation;
  }

  // ---------------------------------------------------------------- invoice items and invoices

  private requireInvoice(id: string, param = 'id'): InvoiceObject {
    const invoice = this.invoices.get(id);
    if (invoice === undefined) throw resourceMissing('invoice', id, param);
    return invoice;
  }

  private addLine(invoice: InvoiceObject, item: InvoiceItemObject): void {
    invoice.lines.data.push({
      id: newId('il'),
      object: 'line_item',
      amount: item.amount,
      currency: item.currency,
      description: item.description,
      discountable: item.discountable,
      invoice: invoice.id,
      livemode: false,
      metadata: { ...item.metadata },
      parent: {
        type: 'invoice_item_details',
        invoice_item_details: { invoice_item: item.id, proration: false, subscription: null },
        subscription_item_details: null,
      },
      period: { ...item.period },
      quantity: item.quantity,
    });
    invoice.lines.total_count = invoice.lines.data.length;
    this.recomputeInvoice(invoice);
  }

  /** No discounts or invoice-level tax here: subtotal = total = sum of lines. */
  private recomputeInvoice(invoice: InvoiceObject): void {
    const total = invoice.lines.data.reduce((sum, line) => sum + line.amount, 0);
    invoice.subtotal = total;
    invoice.total = total;
    invoice.total_excluding_tax = total;
    invoice.amount_due = total;
    invoice.amount_remaining = Math.max(0, total - invoice.amount_paid);
  }

  createInvoiceItem(params: FormObject, ctx: RequestContext): InvoiceItemObject {
    rejectUnknown(params, [
      'customer',
      'amount',
      'currency',
      'description',
      'invoice',
      'metadata',
      'discountable',
      'period',
      'expand',
    ]);
    const customerId = requiredString(params, 'customer');
    const customer = this.requireCustomer(customerId, 'customer');
    const amount = requiredInteger(params, 'amount');
    const currency = requiredString(params, 'currency').toLowerCase();
    const invoiceId = optionalString(params, 'invoice');
    let invoice: InvoiceObject | undefined;
    if (invoiceId !== undefined) {
      invoice = this.requireInvoice(invoiceId, 'invoice');
      if (invoice.customer !== customer.id) {
        throw invalidRequest('The invoice belongs to a different customer.', 'invoice');
      }
      if (invoice.status !== 'draft') {
        throw invalidRequest(
          `You can only add invoice items to draft invoices; invoice ${invoice.id} is ${invoice.status}.`,
          'invoice',
          'invoice_not_editable',
        );
      }
      if (invoice.currency !== currency) {
        throw invalidRequest('The invoice item currency must match the invoice currency.', 'currency');
      }
    }
    const now = this.nowSeconds();
    const item: InvoiceItemObject = {
      id: newId('ii'),
      object: 'invoiceitem',
      amount,
      currency,
      customer: customer.id,
      date: now,
      description: optionalString(params, 'description') ?? null,
      discountable: optionalBoolean(params, 'discountable') ?? true,
      invoice: invoice?.id ?? null,
      livemode: false,
      metadata: applyMetadata({}, params),
      period: { end: now, start: now },
      proration: false,
      quantity: 1,
    };
    this.invoiceItems.set(item.id, item);
    if (invoice !== undefined) this.addLine(invoice, item);
    this.emit('invoiceitem.created', item, ctx);
    return item;
  }

  retrieveInvoiceItem(id: string): InvoiceItemObject {
    const item = this.invoiceItems.get(id);
    if (item === undefined) throw resourceMissing('invoiceitem', id);
    return item;
  }

  createInvoice(params: FormObject, ctx: RequestContext): InvoiceObject {
    rejectUnknown(params, [
      'customer',
      'currency',
      'collection_method',
      'days_until_due',
      'auto_advance',
      'pending_invoice_items_behavior',
      'description',
      'metadata',
      'expand',
    ]);
    const customer = this.requireCustomer(requiredString(params, 'customer'), 'customer');
    const collectionMethod =
      oneOf(
        optionalString(params, 'collection_method'),
        ['charge_automatically', 'send_invoice'] as const,
        'collection_method',
      ) ?? 'charge_automatically';
    const daysUntilDue = optionalInteger(params, 'days_until_due');
    if (collectionMethod === 'send_invoice' && daysUntilDue === undefined) {
      throw invalidRequest('Missing required param: days_until_due.', 'days_until_due', 'parameter_missing');
    }
    const pendingBehavior =
      oneOf(
        optionalString(params, 'pending_invoice_items_behavior'),
        ['exclude', 'include'] as const,
        'pending_invoice_items_behavior',
      ) ?? 'exclude';
    const now = this.nowSeconds();
    const id = newId('in');
    const invoice: InvoiceObject = {
      id,
      object: 'invoice',
      account_country: 'US',
      account_name: 'aicredits stand-in',
      amount_due: 0,
      amount_overpaid: 0,
      amount_paid: 0,
      amount_remaining: 0,
      attempt_count: 0,
      attempted: false,
      auto_advance: optionalBoolean(params, 'auto_advance') ?? false,
      automatic_tax: { enabled: false, liability: null, status: null },
      billing_reason: 'manual',
      collection_method: collectionMethod,
      created: now,
      currency: optionalString(params, 'currency')?.toLowerCase() ?? 'usd',
      customer: customer.id,
      customer_address: customer.address === null ? null : clone(customer.address),
      customer_email: customer.email,
      customer_name: customer.name,
      description: optionalString(params, 'description') ?? null,
      due_date: daysUntilDue === undefined ? null : now + daysUntilDue * 86_400,
      hosted_invoice_url: null,
      invoice_pdf: null,
      lines: { object: 'list', data: [], has_more: false, total_count: 0, url: `/v1/invoices/${id}/lines` },
      livemode: false,
      metadata: applyMetadata({}, params),
      number: null,
      payments: {
        object: 'list',
        data: [],
        has_more: false,
        total_count: 0,
        url: `/v1/invoice_payments?invoice=${id}`,
      },
      period_end: now,
      period_start: now,
      status: 'draft',
      status_transitions: {
        finalized_at: null,
        marked_uncollectible_at: null,
        paid_at: null,
        voided_at: null,
      },
      subtotal: 0,
      total: 0,
      total_excluding_tax: 0,
    };
    this.invoices.set(id, invoice);
    if (pendingBehavior === 'include') {
      for (const item of this.invoiceItems.values()) {
        if (item.customer === customer.id && item.invoice === null && item.currency === invoice.currency) {
          item.invoice = id;
          this.addLine(invoice, item);
        }
      }
    }
    this.emit('invoice.created', invoice, ctx);
    return invoice;
  }

  retrieveInvoice(id: string): InvoiceObject {
    return this.requireInvoice(id);
  }

  finalizeInvoice(id: string, params: FormObject, ctx: RequestContext): InvoiceObject {
    rejectUnknown(params, ['auto_advance', 'expand']);
    const invoice = this.requireInvoice(id);
    if (invoice.status !== 'draft') {
      throw invalidRequest(`This invoice is already finalized.`, undefined, 'invoice_unexpected_state');
    }
    const customer = this.requireCustomer(invoice.customer);
    const autoAdvance = optionalBoolean(params, 'auto_advance');
    if (autoAdvance !== undefined) invoice.auto_advance = autoAdvance;
    const now = this.nowSeconds();
    invoice.number = `${customer.invoice_prefix}-${String(customer.next_invoice_sequence).padStart(4, '0')}`;
    customer.next_invoice_sequence += 1;
    invoice.status = 'open';
    invoice.status_transitions.finalized_at = now;
    invoice.hosted_invoice_url = `https://invoice.stripe.com/i/standin/${invoice.id}`;
    invoice.invoice_pdf = `https://pay.stripe.com/invoice/standin/${invoice.id}/pdf`;
    this.emit('invoice.finalized', invoice, ctx);
    // Stripe marks a finalized invoice with nothing to pay as paid straight away.
    if (invoice.amount_due === 0) this.markPaid(invoice, ctx);
    return invoice;
  }

  private markPaid(invoice: InvoiceObject, ctx: RequestContext | null): void {
    invoice.status = 'paid';
    invoice.amount_remaining = 0;
    invoice.status_transitions.paid_at = this.nowSeconds();
    this.emit('invoice.paid', invoice, ctx);
  }

  /** Credits a succeeded PaymentIntent to an invoice it is attached to. */
  private creditInvoice(
    invoice: InvoiceObject,
    intent: PaymentIntentObject,
    ctx: RequestContext | null,
  ): void {
    const payment = invoice.payments.data.find(
      (p) => p.payment.type === 'payment_intent' && p.payment.payment_intent === intent.id,
    );
    if (payment === undefined || payment.status === 'paid') return;
    const applied = Math.min(payment.amount_requested, intent.amount_received);
    payment.amount_paid = applied;
    payment.status = 'paid';
    payment.status_transitions.paid_at = this.nowSeconds();
    invoice.amount_paid += applied;
    invoice.amount_remaining = Math.max(0, invoice.amount_due - invoice.amount_paid);
    invoice.amount_overpaid = Math.max(0, invoice.amount_paid - invoice.amount_due);
    if (invoice.amount_remaining === 0 && invoice.status === 'open') this.markPaid(invoice, ctx);
  }

  payInvoice(id: string, params: FormObject, ctx: RequestContext): InvoiceObject {
    rejectUnknown(params, ['paid_out_of_band', 'expand']);
    const invoice = this.requireInvoice(id);
    const outOfBand = optionalBoolean(params, 'paid_out_of_band') ?? false;
    if (invoice.status === 'paid') {
      throw invalidRequest('Invoice is already paid', undefined, 'invoice_payment_intent_requires_action');
    }
    if (invoice.status !== 'open') {
      throw invalidRequest(
        `This invoice can only be paid when it is open; it is ${invoice.status}.`,
        undefined,
        'invoice_unexpected_state',
      );
    }
    if (!outOfBand) {
      throw invalidRequest(
        'The stand-in only supports paying an invoice with paid_out_of_band=true or by attaching a PaymentIntent.',
        'paid_out_of_band',
      );
    }
    const payment: InvoicePaymentObject = {
      id: newId('inpay'),
      object: 'invoice_payment',
      amount_paid: invoice.amount_remaining,
      amount_requested: invoice.amount_remaining,
      created: this.nowSeconds(),
      currency: invoice.currency,
      invoice: invoice.id,
      is_default: false,
      livemode: false,
      payment: { type: 'out_of_band_payment' },
      status: 'paid',
      status_transitions: { canceled_at: null, paid_at: this.nowSeconds() },
    };
    invoice.payments.data.push(payment);
    invoice.payments.total_count = invoice.payments.data.length;
    invoice.amount_paid += invoice.amount_remaining;
    this.markPaid(invoice, ctx);
    return invoice;
  }

  attachPayment(id: string, params: FormObject, ctx: RequestContext): InvoiceObject {
    rejectUnknown(params, ['payment_intent', 'amount_requested', 'expand']);
    const invoice = this.requireInvoice(id);
    const intentId = requiredString(params, 'payment_intent');
    const intent = this.paymentIntents.get(intentId);
    if (intent === undefined) throw resourceMissing('payment_intent', intentId, 'payment_intent');
    if (invoice.status !== 'draft' && invoice.status !== 'open') {
      throw invalidRequest(
        `Payments can only be attached to draft or open invoices; this invoice is ${invoice.status}.`,
        'payment_intent',
        'invoice_unexpected_state',
      );
    }
    if (intent.customer !== null && intent.customer !== invoice.customer) {
      throw invalidRequest(
        'The PaymentIntent belongs to a different customer than the invoice.',
        'payment_intent',
      );
    }
    if (intent.status === 'canceled' || intent.status === 'requires_payment_method') {
      throw invalidRequest(
        `A PaymentIntent with status ${intent.status} cannot be attached to an invoice.`,
        'payment_intent',
        'payment_intent_unexpected_state',
      );
    }
    const attached = this.attachedInvoices.get(intent.id) ?? [];
    if (attached.length > 0) {
      throw invalidRequest(
        `The PaymentIntent ${intent.id} is already attached to invoice ${attached[0]}.`,
        'payment_intent',
        'invoice_payment_intent_requires_action',
      );
    }
    const amountRequested = optionalInteger(params, 'amount_requested') ?? intent.amount;
    invoice.payments.data.push({
      id: newId('inpay'),
      object: 'invoice_payment',
      amount_paid: null,
      amount_requested: amountRequested,
      created: this.nowSeconds(),
      currency: intent.currency,
      invoice: invoice.id,
      is_default: false,
      livemode: false,
      payment: { type: 'payment_intent', payment_intent: intent.id },
      status: 'open',
      status_transitions: { canceled_at: null, paid_at: null },
    });
    invoice.payments.total_count = invoice.payments.data.length;
    this.attachedInvoices.set(intent.id, [invoice.id]);
    // Already succeeded: credited at once; still processing: credited when it succeeds.
    if (intent.status === 'succeeded') this.creditInvoice(invoice, intent, ctx);
    return invoice;
  }

  // ---------------------------------------------------------------- events

  retrieveEvent(id: string): EventObject {
    const event = this.events.find((e) => e.id === id);
    if (event === undefined) throw resourceMissing('event', id);
    return event;
  }

  listEvents(params: FormObject): { object: 'list'; data: EventObject[]; has_more: boolean; url: string } {
    rejectUnknown(params, ['type', 'limit', 'expand']);
    const type = optionalString(params, 'type');
    const limit = Math.min(100, Math.max(1, optionalInteger(params, 'limit') ?? 10));
    const matching = this.events.filter((e) => type === undefined || e.type === type).reverse();
    return {
      object: 'list',
      data: matching.slice(0, limit),
      has_more: matching.length > limit,
      url: '/v1/events',
    };
  }
}
