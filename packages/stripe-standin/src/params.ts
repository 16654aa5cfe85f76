import { invalidRequest, missingParam } from './errors.js';
import type { FormObject, FormValue } from './form.js';

/** Stripe refuses parameters it does not know, which catches misspelt or outdated fields early. */
export function rejectUnknown(params: FormObject, allowed: readonly string[]): void {
  for (const key of Object.keys(params)) {
    if (!allowed.includes(key)) {
      throw invalidRequest(`Received unknown parameter: ${key}`, key, 'parameter_unknown');
    }
  }
}

export function optionalString(params: FormObject, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidRequest(`Invalid string: ${JSON.stringify(value)}`, name);
  return value;
}

export function requiredString(params: FormObject, name: string): string {
  const value = optionalString(params, name);
  if (value === undefined || value === '') throw missingParam(name);
  return value;
}

export function optionalInteger(params: FormObject, name: string): number | undefined {
  const value = optionalString(params, name);
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw invalidRequest(`Invalid integer: ${value}`, name, 'parameter_invalid_integer');
  }
  return Number(value);
}

export function requiredInteger(params: FormObject, name: string): number {
  const value = optionalInteger(params, name);
  if (value === undefined) throw missingParam(name);
  return value;
}

export function optionalBoolean(params: FormObject, name: string): boolean | undefined {
  const value = optionalString(params, name);
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalidRequest(`Invalid boolean: ${value}`, name);
}

export function optionalObject(params: FormObject, name: string): FormObject | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string' || Array.isArray(value)) {
    throw invalidRequest(`Invalid object`, name);
  }
  return value;
}

export function optionalList(params: FormObject, name: string): FormValue[] | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw invalidRequest(`Invalid array`, name);
  return value;
}

export function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  param: string,
): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw invalidRequest(`Invalid ${param}: must be one of ${allowed.join(', ')}`, param);
}

/**
 * Metadata: up to 50 string keys. An empty string removes a key on update; an empty `metadata=`
 * clears it all (Stripe's "unset" convention).
 */
export function applyMetadata(
  current: Record<string, string>,
  params: FormObject,
  name = 'metadata',
): Record<string, string> {
  const raw = params[name];
  if (raw === undefined) return current;
  if (raw === '') return {};
  if (typeof raw === 'string' || Array.isArray(raw)) throw invalidRequest('Invalid hash', name);
  const next = { ...current };
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') throw invalidRequest('Invalid metadata value', `${name}[${key}]`);
    if (key.length > 40)
      throw invalidRequest('Metadata keys must be at most 40 characters', `${name}[${key}]`);
    if (value.length > 500)
      throw invalidRequest('Metadata values must be at most 500 characters', `${name}[${key}]`);
    if (value === '') delete next[key];
    else next[key] = value;
  }
  if (Object.keys(next).length > 50) throw invalidRequest('Metadata may hold at most 50 keys', name);
  return next;
}

export interface StripeAddressObject {
  city: string | null;
  country: string | null;
  line1: string | null;
  line2: string | null;
  postal_code: string | null;
  state: string | null;
}

export const EMPTY_ADDRESS: StripeAddressObject = {
  city: null,
  country: null,
  line1: null,
  line2: null,
  postal_code: null,
  state: null,
};

const ADDRESS_FIELDS = ['city', 'country', 'line1', 'line2', 'postal_code', 'state'] as const;

export function parseAddress(value: FormObject, param: string): StripeAddressObject {
  rejectUnknown(
    value,
    ADDRESS_FIELDS.map((field) => field),
  );
  const out: StripeAddressObject = { ...EMPTY_ADDRESS };
  for (const field of ADDRESS_FIELDS) {
    const raw = value[field];
    if (raw === undefined) continue;
    if (typeof raw !== 'string') throw invalidRequest('Invalid string', `${param}[${field}]`);
    out[field] = raw === '' ? null : raw;
  }
  if (out.country !== null && !/^[A-Za-z]{2}$/.test(out.country)) {
    throw invalidRequest(
      `Country '${out.country}' is unknown. Try using a 2-character alphanumeric country code instead, such as 'US', 'EG', or 'GB'.`,
      `${param}[country]`,
    );
  }
  return out;
}
