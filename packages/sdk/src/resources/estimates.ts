import { type Estimate, type EstimateRequest, EstimateSchema } from '@aicredits/contract';
import type { RequestOptions } from '../core/transport';
import { APIResource } from './resource';

export class Estimates extends APIResource {
  /**
   * `POST /v1/workspaces/{ws}/estimates`: the cost range of a task before it starts, the model,
   * and whether the balance covers it. Read-only on the server, so retrying it is always safe.
   */
  create(workspaceId: string, body: EstimateRequest, options?: RequestOptions): Promise<Estimate> {
    return this.transport.request({
      method: 'POST',
      path: this.workspacePath(workspaceId, 'estimates'),
      body,
      schema: EstimateSchema,
      options,
    });
  }
}
