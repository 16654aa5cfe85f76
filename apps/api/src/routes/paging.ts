import { ApiError } from '../errors.js';

/*
 * Keyset paging for lists: a page is read with `limit + 1` rows, so whether another page exists
 * is known without counting, and the cursor names the last item shown. Keyset (not offset)
 * cursors stay correct while items are added between pages.
 */

export interface PageBody<T> {
  data: T[];
  nextCursor: string | null;
}

export function invalidCursor(): ApiError {
  return new ApiError('invalid_request', 'The cursor is not valid; pass the nextCursor of a previous page.');
}

/** The first `limit` items, and the cursor after the last of them when more follow. */
export function pageOf<T>(items: readonly T[], limit: number, cursorOf: (last: T) => string): PageBody<T> {
  const data = items.slice(0, limit);
  const last = data[data.length - 1];
  return { data, nextCursor: items.length > limit && last !== undefined ? cursorOf(last) : null };
}

/** Cursor of lists ordered by (created_at, id): `<createdAtMs>.<id>`, split at the first dot. */
export function createdCursor(createdAt: number, id: string): string {
  return `${createdAt}.${id}`;
}

export function parseCreatedCursor(cursor: string): { createdAt: number; id: string } {
  const match = /^(\d{1,15})\.(.+)$/.exec(cursor);
  if (match?.[1] === undefined || match[2] === undefined) throw invalidCursor();
  return { createdAt: Number(match[1]), id: match[2] };
}
