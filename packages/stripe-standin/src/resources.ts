import type { TestCardKind } from './cards.js';
import type { StripeAddressObject } from './params.js';

/** The Stripe objects the stand-in keeps, shaped as Stripe returns them (snake_case, unix seconds). */

export interface CustomerObject {
  id: string;
  object: 'customer';
  address: StripeAddressObject | null;
  balance: number;
  created: number;
  currency: string | null;
  default_source: null;
  delinquent: boolean;
  description: string | null;
  email: string | null;
  invoice_prefix: string;
  invoice_settings: {
    custom_fields: null;
    default_payment_method: string | null;
    footer: null;
    rendering_options: null;
  };
  livemode: false;
  metadata: Record<string, string>;
  name: string | null;
  next_invoice_sequence: number;
  phone: string | null;
  preferred_locales: string[];
  shipping: null;
  tax_exempt: 'none' | 'exempt' | 'reverse';
  test_clock: null;
}

export interface PaymentMethodObject {
  id: string;
  object: 'payment_method';
  allow_redisplay: 'unspecified';
  billing_details: {
    address: StripeAddressObject;
    email: string | null;
    name: string | null;
    phone: string | null;
  };
  card: {
    brand: string;
    checks: { address_line1_check: null; address_postal_code_check: null; cvc_check: 'pass' };
    country: 'US';
    display_brand: string;
    exp_month: number;
    exp_year: number;
    fingerprint: string;
    funding: 'credit';
    last4: string;
    networks: { available: string[]; preferred: null };
    wallet: null;
  };
  created: number;
  customer: string | null;
  livemode: false;
  metadata: Record<string, string>;
  type: 'card';
}

export interface LastPaymentError {
  type: 'card_error';
  code: string;
  decline_code: string;
  doc_url: string;
  message: string;
  charge: string;
  payment_method: PaymentMethodObject;
}

export type PaymentIntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'succeeded'
  | 'canceled';

export interface PaymentIntentObject {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_received: number;
  automatic_payment_methods: { allow_redirects: 'always' | 'never'; enabled: boolean } | null;
  canceled_at: number | null;
  cancellation_reason: string | null;
  capture_method: 'automatic' | 'automatic_async';
  client_secret: string;
  confirmation_method: 'automatic' | 'manual';
  created: number;
  currency: string;
  customer: string | null;
  description: string | null;
  last_payment_error: LastPaymentError | null;
  latest_charge: string | null;
  livemode: false;
  metadata: Record<string, string>;
  next_action: null;
  payment_method: string | null;
  payment_method_types: string[];
  processing: { type: 'card' } | null;
  receipt_email: string | null;
  setup_future_usage: string | null;
  statement_descriptor: string | null;
  statement_descriptor_suffix: string | null;
  status: PaymentIntentStatus;
}

export interface InvoiceLineItemObject {
  id: string;
  object: 'line_item';
  amount: number;
  currency: string;
  description: string | null;
  discountable: boolean;
  invoice: string;
  livemode: false;
  metadata: Record<string, string>;
  parent: {
    type: 'invoice_item_details';
    invoice_item_details: { invoice_item: string; proration: false; subscription: null };
    subscription_item_details: null;
  };
  period: { end: number; start: number };
  quantity: number;
}

export interface InvoiceItemObject {
  id: string;
  object: 'invoiceitem';
  amount: number;
  currency: string;
  customer: string;
  date: number;
  description: string | null;
  discountable: boolean;
  invoice: string | null;
  livemode: false;
  metadata: Record<string, string>;
  period: { end: number; start: number };
  proration: false;
  quantity: number;
}

export interface InvoicePaymentObject {
  id: string;
  object: 'invoice_payment';
  amount_paid: number | null;
  amount_requested: number;
  created: number;
  currency: string;
  invoice: string;
  is_default: boolean;
  livemode: false;
  payment: { type: 'payment_intent'; payment_intent: string } | { type: 'out_of_band_payment' };
  status: 'open' | 'paid' | 'canceled';
  status_transitions: { canceled_at: number | null; paid_at: number | null };
}

export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'uncollectible' | 'void';

export interface InvoiceObject {
  id: string;
  object: 'invoice';
  account_country: 'US';
  account_name: string;
  amount_due: number;
  amount_overpaid: number;
  amount_paid: number;
  amount_remaining: number;
  attempt_count: number;
  attempted: boolean;
  auto_advance: boolean;
  automatic_tax: { enabled: false; liability: null; status: null };
  billing_reason: 'manual';
  collection_method: 'charge_automatically' | 'send_invoice';
  created: number;
  currency: string;
  customer: string;
  customer_address: StripeAddressObject | null;
  customer_email: string | null;
  customer_name: string | null;
  description: string | null;
  due_date: number | null;
  hosted_invoice_url: string | null;
  invoice_pdf: string | null;
  lines: { object: 'list'; data: InvoiceLineItemObject[]; has_more: false; total_count: number; url: string };
  livemode: false;
  metadata: Record<string, string>;
  number: string | null;
  payments: {
    object: 'list';
    data: InvoicePaymentObject[];
    has_more: false;
    total_count: number;
    url: string;
  };
  period_end: number;
  period_start: number;
  status: InvoiceStatus;
  status_transitions: {
    finalized_at: number | null;
    marked_uncollectible_at: number | null;
    paid_at: number | null;
    voided_at: number | null;
  };
  subtotal: number;
  total: number;
  total_excluding_tax: number;
}

export interface TaxCalculationObject {
  id: string;
  object: 'tax.calculation';
  amount_total: number;
  currency: string;
  customer: string | null;
  customer_details: {
    address: StripeAddressObject;
    address_source: 'billing' | 'shipping';
    ip_address: null;
    tax_ids: [];
    taxability_override: 'none';
  };
  expires_at: number;
  line_items: {
    object: 'list';
    data: Array<{
      id: string;
      object: 'tax.calculation_line_item';
      amount: number;
      amount_tax: number;
      livemode: false;
      product: null;
      quantity: number;
      reference: string | null;
      tax_behavior: 'exclusive' | 'inclusive';
      tax_code: string;
    }>;
    has_more: false;
    url: string;
  };
  livemode: false;
  ship_from_details: null;
  shipping_cost: null;
  tax_amount_exclusive: number;
  tax_amount_inclusive: number;
  tax_breakdown: Array<{
    amount: number;
    inclusive: boolean;
    tax_rate_details: {
      country: string;
      percentage_decimal: string;
      state: string | null;
      tax_type: 'sales_tax';
    };
    taxability_reason: string;
    taxable_amount: number;
  }>;
  tax_date: number;
}

export interface EventObject {
  id: string;
  object: 'event';
  account?: never;
  api_version: string;
  created: number;
  data: { object: object; previous_attributes?: object };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

/** What the stand-in remembers about a payment method beyond Stripe's object: how it behaves. */
export interface PaymentMethodRecord {
  object: PaymentMethodObject;
  kind: TestCardKind;
}
