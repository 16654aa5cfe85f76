import {
  type CreateTopupRequest,
  pageSchema,
  type Topup,
  type TopupQuote,
  type TopupQuoteRequest,
  TopupQuoteSchema,
  TopupSchema,
} from '@aicredits/contract';
import type { PagePromise } from '../core/pagination';
import type { RequestOptions } from '../core/transport';
import { APIResource, type ListParams } from './resource';

const TopupPageSchema = pageSchema(TopupSchema);

export class Topups extends APIResource {
  /**
   * `POST /v1/workspaces/{ws}/topups` (billing access): add funds. `amountMicros` is whole cents;
   * the result carries tax, status and invoice. Funds are credited only once payment succeeds; a
   * declined card is a `PaymentFailedError`.
   */
  create(workspaceId: string, body: CreateTopupRequest, options?: RequestOptions): Promise<Topup> {
    return this.transport.request({
      method: 'POST',
      path: this.workspacePath(workspaceId, 'topups'),
      body,
      schema: TopupSchema,
      options,
    });
  }

  /**
   * `POST /v1/workspaces/{ws}/topups/quote` (billing access): what `create` with this amount would
   * charge now — the exact sales tax, the total, the billing address and the card — without
   * charging anything. The same amount rules as `create` apply.
   */
  quote(workspaceId: string, body: TopupQuoteRequest, options?: RequestOptions): Promise<TopupQuote> {
    return this.transport.request({
      method: 'POST',
      path: this.workspacePath(workspaceId, 'topups', 'quote'),
      body,
      schema: TopupQuoteSchema,
      options,
    });
  }

  /** `GET /v1/workspaces/{ws}/topups` (billing access): newest first. */
  list(workspaceId: string, query: ListParams = {}, options?: RequestOptions): PagePromise<Topup> {
    return this.paginate(this.workspacePath(workspaceId, 'topups'), TopupPageSchema, { ...query }, options);
  }

  /** `GET /v1/workspaces/{ws}/topups/{id}` (billing access). */
  retrieve(workspaceId: string, topupId: string, options?: RequestOptions): Promise<Topup> {
    return this.transport.request({
      method: 'GET',
      path: this.workspacePath(workspaceId, 'topups', topupId),
      schema: TopupSchema,
      options,
    });
  }
}
