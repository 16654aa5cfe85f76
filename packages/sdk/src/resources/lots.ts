import {
  type GrantLotRequest,
  type ListLotsQuerySchema,
  type Lot,
  LotListSchema,
  LotSchema,
} from '@aicredits/contract';
import type { z } from 'zod';
import type { PagePromise } from '../core/pagination';
import type { RequestOptions } from '../core/transport';
import { APIResource, type ListParams } from './resource';

/** Filters of `lots.list`; the query-string schema's output, every field optional. */
export type ListLotsParams = Partial<z.output<typeof ListLotsQuerySchema>> & ListParams;

export class Lots extends APIResource {
  /** `GET /v1/workspaces/{ws}/lots`: lots in burn order (the order they will be consumed). */
  list(workspaceId: string, query: ListLotsParams = {}, options?: RequestOptions): PagePromise<Lot> {
    return this.paginate(this.workspacePath(workspaceId, 'lots'), LotListSchema, { ...query }, options);
  }

  /** `POST /v1/workspaces/{ws}/lots` (platform): grant a promotional, included or support lot. */
  grant(workspaceId: string, body: GrantLotRequest, options?: RequestOptions): Promise<Lot> {
    return this.transport.request({
      method: 'POST',
      path: this.workspacePath(workspaceId, 'lots'),
      body,
      schema: LotSchema,
      options,
    });
  }
}
