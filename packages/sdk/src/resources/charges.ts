import { type Charge, ChargeSchema, type CreateChargeRequest } from '@aicredits/contract';
import type { RequestOptions } from '../core/transport';
import { APIResource } from './resource';

export class Charges extends APIResource {
  /** `POST /v1/workspaces/{ws}/charges` (server key): a one-step charge without a reservation. */
  create(workspaceId: string, body: CreateChargeRequest, options?: RequestOptions): Promise<Charge> {
    return this.transport.request({
      method: 'POST',
      path: this.workspacePath(workspaceId, 'charges'),
      body,
      schema: ChargeSchema,
      options,
    });
  }

  /** `GET /v1/workspaces/{ws}/charges/{id}`: one charge with its per-lot draws. */
  retrieve(workspaceId: string, chargeId: string, options?: RequestOptions): Promise<Charge> {
    return this.transport.request({
      method: 'GET',
      path: this.workspacePath(workspaceId, 'charges', chargeId),
      schema: ChargeSchema,
      options,
    });
  }
}
