import type { ListQuerySchema } from '@aicredits/contract';
import type { z } from 'zod';
import { type PageBody, PagePromise } from '../core/pagination';
import { type QueryValue, type RequestOptions, segment, type Transport } from '../core/transport';

/** `cursor` (from a page's `nextCursor`) and `limit` (1–100, default 25) of every list call. */
export type ListParams = Partial<z.output<typeof ListQuerySchema>>;

/** Base of every namespace: holds the transport and builds workspace-scoped paths. */
export abstract class APIResource {
  protected readonly transport: Transport;

  constructor(transport: Transport) {
    this.transport = transport;
  }

  /** `v1/workspaces/{ws}/…rest`, every segment URL-encoded. */
  protected workspacePath(workspaceId: string, ...rest: string[]): string {
    return ['v1', 'workspaces', segment(workspaceId), ...rest.map(segment)].join('/');
  }

  /** A cursor-paginated GET: each page request reuses the query with the next cursor. */
  protected paginate<Item>(
    path: string,
    schema: z.ZodType<PageBody<Item>>,
    query: Record<string, QueryValue>,
    options: RequestOptions | undefined,
  ): PagePromise<Item> {
    const { cursor, ...rest } = query;
    return new PagePromise<Item>(
      (nextCursor) =>
        this.transport.request({
          method: 'GET',
          path,
          query: { ...rest, cursor: nextCursor },
          schema,
          options,
        }),
      typeof cursor === 'string' ? cursor : undefined,
    );
  }
}
