import { type Billing, BillingSchema, type UpdateBillingRequest } from '@aicredits/contract';
import type { RequestOptions } from '../core/transport';
import { APIResource } from './resource';

export class BillingResource extends APIResource {
  /** `GET /v1/workspaces/{ws}/billing`: payment mode, address, card, top-up limits, who may pay. */
  retrieve(workspaceId: string, options?: RequestOptions): Promise<Billing> {
    return this.transport.request({
      method: 'GET',
      path: this.workspacePath(workspaceId, 'billing'),
      schema: BillingSchema,
      options,
    });
  }

  /** `PUT /v1/workspaces/{ws}/billing` (billing access): address (for tax) and top-up card. */
  update(workspaceId: string, body: UpdateBillingRequest, options?: RequestOptions): Promise<Billing> {
    return this.transport.request({
      method: 'PUT',
      path: this.workspacePath(workspaceId, 'billing'),
      body,
      schema: BillingSchema,
      options,
    });
  }
}
