/**
 * Stripe's request encoding: `application/x-www-form-urlencoded` with bracketed keys, e.g.
 * `metadata[topupId]=t_1`, `line_items[0][amount]=1000`, `customer_details[address][country]=US`.
 * Values stay strings (Stripe coerces per parameter); an object whose keys are all indices becomes an array.
 */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

export class FormParseError extends Error {
  readonly param: string;

  constructor(param: string, message: string) {
    super(message);
    this.name = 'FormParseError';
    this.param = param;
  }
}

/** `a[b][0]` → ['a', 'b', '0']; refuses malformed brackets instead of guessing. */
function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open === -1) return [key];
  const parts = [key.slice(0, open)];
  let rest = key.slice(open);
  while (rest.length > 0) {
    const match = /^\[([^[\]]*)\]/.exec(rest);
    if (match === null) throw new FormParseError(key, `Invalid parameter name: ${key}`);
    parts.push(match[1] ?? '');
    rest = rest.slice(match[0].length);
  }
  if (parts[0] === '') throw new FormParseError(key, `Invalid parameter name: ${key}`);
  return parts;
}

type Node = { [key: string]: Node | string };

function toFormValue(node: Node | string): FormValue {
  if (typeof node === 'string') return node;
  const keys = Object.keys(node);
  // `expand[]=a&expand[]=b` arrive as "" keys pushed in order (see below), and `x[0]`, `x[1]` as indices.
  const isList = keys.length > 0 && keys.every((key) => /^\d+$/.test(key));
  if (isList) {
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((index) => toFormValue(node[String(index)] as Node | string));
  }
  const out: FormObject = {};
  for (const key of keys) out[key] = toFormValue(node[key] as Node | string);
  return out;
}

export function parseForm(body: string): FormObject {
  const root: Node = {};
  if (body.trim() === '') return {};
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    const key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
    const value = decodeURIComponent(rawValue.replace(/\+/g, ' '));
    const parts = splitKey(key);
    let node: Node = root;
    for (let i = 0; i < parts.length; i += 1) {
      let part = parts[i] ?? '';
      const last = i === parts.length - 1;
      if (part === '' && i > 0) part = String(Object.keys(node).length);
      if (last) {
        if (typeof node[part] === 'object') throw new FormParseError(key, `Invalid parameter: ${key}`);
        node[part] = value;
      } else {
        const next = node[part];
        if (typeof next === 'string') throw new FormParseError(key, `Invalid parameter: ${key}`);
        const child: Node = next ?? {};
        node[part] = child;
        node = child;
      }
    }
  }
  return toFormValue(root) as FormObject;
}

/** A canonical string of the parameters (sorted keys), so equal requests compare equal. */
export function canonicalForm(value: FormValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalForm).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalForm(value[key] as FormValue)}`).join(',')}}`;
}
