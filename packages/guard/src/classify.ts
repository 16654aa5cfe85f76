import type { UnavailableReason } from './errors.js';

/**
 * How the guard treats an error from the SDK. Classified by the fields every SDK error carries
 * (`status`, `code`, `requestId`, the class name) rather than by `instanceof`, so two copies of the
 * SDK in one install (a common bundling accident) are still recognised.
 */
export type Classified =
  | { kind: 'refused'; apiCode: string | undefined; requestId: string | undefined; message: string }
  | { kind: 'unavailable'; reason: UnavailableReason; requestId: string | undefined }
  | { kind: 'other' };

function field(error: object, name: string): unknown {
  return (error as Record<string, unknown>)[name];
}

function stringField(error: object, name: string): string | undefined {
  const value = field(error, name);
  return typeof value === 'string' ? value : undefined;
}

export function classifyError(error: unknown): Classified {
  if (typeof error !== 'object' || error === null) return { kind: 'other' };
  const status = field(error, 'status');
  const requestId = stringField(error, 'requestId');
  const name = error instanceof Error ? error.name : stringField(error, 'name');
  if (status === 402) {
    return {
      kind: 'refused',
      apiCode: stringField(error, 'code'),
      requestId,
      message: error instanceof Error ? error.message : '',
    };
  }
  if (typeof status === 'number') {
    if (status === 429) return { kind: 'unavailable', reason: 'rate_limited', requestId };
    if (status === 408) return { kind: 'unavailable', reason: 'timeout', requestId };
    if (status >= 500) return { kind: 'unavailable', reason: 'server_error', requestId };
    return { kind: 'other' };
  }
  // The SDK's transport errors carry stable codes; the names are a fallback for other clients.
  const code = stringField(error, 'code');
  if (code === 'timeout' || name === 'TimeoutError') {
    return { kind: 'unavailable', reason: 'timeout', requestId };
  }
  if (code === 'connection_error' || name === 'ConnectionError') {
    return { kind: 'unavailable', reason: 'connection_error', requestId };
  }
  // A socket error that escaped the SDK, possibly wrapped (undici's `TypeError` has it as `cause`).
  if (hasSocketErrorCode(error)) return { kind: 'unavailable', reason: 'connection_error', requestId };
  return { kind: 'other' };
}

const SOCKET_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function hasSocketErrorCode(error: object, depth = 0): boolean {
  const code = stringField(error, 'code');
  if (code !== undefined && SOCKET_ERROR_CODES.has(code)) return true;
  const cause = field(error, 'cause');
  // Bounded: cause chains are short, and a cycle must not hang the guard.
  return depth < 4 && typeof cause === 'object' && cause !== null && hasSocketErrorCode(cause, depth + 1);
}
