/** A customer's billing address; the country (ISO 3166-1 alpha-2) decides the tax, a US state refines it. */
export interface BillingAddress {
  country: string;
  state?: string;
  postalCode?: string;
  city?: string;
  line1?: string;
}

/** A saved card as Stripe describes it (brand, last digits, expiry); never the card number. */
export interface CardDetails {
  paymentMethodId: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
}

export type TopupPaymentResult =
  | { status: 'succeeded'; paymentIntentId: string; invoiceId: string | null }
  | { status: 'processing'; paymentIntentId: string; invoiceId: string | null }
  | {
      status: 'failed';
      paymentIntentId: string | null;
      invoiceId: string | null;
      failureCode: string;
      failureMessage: string;
    };

export type PaymentEvent =
  | {
      type: 'topup.succeeded';
      eventId: string;
      topupId: string;
      workspaceId: string;
      paymentIntentId: string;
    }
  | {
      type: 'topup.failed';
      eventId: string;
      topupId: string;
      workspaceId: string;
      paymentIntentId: string;
      failureCode: string;
      failureMessage: string;
    }
  | { type: 'ignored'; eventId: string };

export interface PaymentLogger {
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
}

export interface PaymentGateway {
  readonly mode: 'stripe' | 'no_payment';
  /** Sales tax added on top of `amountMicros` (tax-exclusive pricing). */
  calculateTax(input: {
    amountMicros: number;
    address: BillingAddress | null;
    customerId: string | null;
  }): Promise<{ taxMicros: number }>;
  /** Returns the Stripe customer id, creating the customer when `customerId` is null. */
  ensureCustomer(input: {
    workspaceId: string;
    name: string;
    customerId: string | null;
    address: BillingAddress | null;
  }): Promise<string>;
  chargeTopup(input: {
    topupId: string;
    workspaceId: string;
    customerId: string;
    paymentMethodId: string;
    amountMicros: number;
    taxMicros: number;
    idempotencyKey: string;
  }): Promise<TopupPaymentResult>;
  /**
   * The card behind a payment method, for showing which card will be charged; null when there
   * is none to show (no-payment mode, an unknown or deleted payment method, or not a card).
   */
  describePaymentMethod(paymentMethodId: string): Promise<CardDetails | null>;
  /** Verifies the signature and maps the event; throws PaymentWebhookError on a bad or missing signature. */
  parseWebhook(rawBody: string, signatureHeader: string | undefined): PaymentEvent;
}

export interface CreatePaymentGatewayOptions {
  secretKey?: string;
  webhookSecret?: string;
  /** Base URL of the Stripe API, e.g. a local stand-in `http://127.0.0.1:12111`. */
  apiBase?: string;
  logger: PaymentLogger;
}
