import { ErrorBodySchema } from '@aicredits/contract';

export interface ParsedErrorBody {
  code: string;
  message: string;
  requestId: string | undefined;
  details: unknown;
}

/**
 * Reads `{"error": {code, message, requestId, details}}` with the contract schema. A newer server
 * may send a code this SDK's contract does not list yet; that body is still an error body, so the
 * code is kept as a string rather than dropped.
 */
export function parseErrorBody(text: string): ParsedErrorBody | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON (a proxy's HTML page, an empty 502): the caller falls back to the status alone.
    return undefined;
  }
  const parsed = ErrorBodySchema.safeParse(json);
  if (parsed.success) {
    const { code, message, requestId, details } = parsed.data.error;
    return { code, message, requestId, details };
  }
  return readUnknownCode(json);
}

function readUnknownCode(json: unknown): ParsedErrorBody | undefined {
  if (typeof json !== 'object' || json === null || !('error' in json)) return undefined;
  const error: unknown = json.error;
  if (typeof error !== 'object' || error === null) return undefined;
  const field = (name: string): unknown =>
    name in error ? (error as Record<string, unknown>)[name] : undefined;
  const code = field('code');
  if (typeof code !== 'string' || !/^[a-z][a-z0-9_]*$/.test(code)) return undefined;
  const message = field('message');
  const requestId = field('requestId');
  return {
    code,
    message: typeof message === 'string' ? message : code,
    requestId: typeof requestId === 'string' ? requestId : undefined,
    details: field('details'),
  };
}
