import type { IncomingMessage, ServerResponse } from 'node:http';

/** Small helpers for the bot's own routes on Bolt's HTTP receiver (raw Node request/response). */
export class BodyTooLargeError extends Error {
  readonly code = 'payload_too_large';
}

export async function readBody(req: IncomingMessage, limitBytes = 1_000_000): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > limitBytes) throw new BodyTooLargeError(`request body is over ${limitBytes} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

export function sendHtml(res: ServerResponse, status: number, title: string, bodyHtml: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // The page holds a one-time code: keep it out of referrers and frames.
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
      `<title>${escapeHtml(title)}</title><style>body{font:16px system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}` +
      `label{display:block;margin:1rem 0 .25rem}input{width:100%;padding:.5rem;font:inherit}button{margin-top:1.25rem;padding:.5rem 1rem;font:inherit}</style>` +
      `</head><body><h1>${escapeHtml(title)}</h1>${bodyHtml}</body></html>`,
  );
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Runs an async route handler; an escaped error becomes a 500 and a log line, never a crash. */
export function guarded(
  handler: (
    req: IncomingMessage & { params?: Record<string, string | string[]> },
    res: ServerResponse,
  ) => Promise<void>,
  onError: (error: unknown) => void,
) {
  return (
    req: IncomingMessage & { params?: Record<string, string | string[]> },
    res: ServerResponse,
  ): void => {
    handler(req, res).catch((error: unknown) => {
      onError(error);
      if (!res.headersSent) sendError(res, 500, 'internal_error', 'The bot failed to handle this request.');
      else res.end();
    });
  };
}
