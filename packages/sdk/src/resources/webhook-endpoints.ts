import {
  type CreatedWebhookEndpoint,
  CreatedWebhookEndpointSchema,
  type CreateWebhookEndpointRequest,
  pageSchema,
  type WebhookEndpoint,
  WebhookEndpointSchema,
} from '@aicredits/contract';
import type { PagePromise } from '../core/pagination';
import type { RequestOptions } from '../core/transport';
import { APIResource, type ListParams } from './resource';

const WebhookEndpointPageSchema = pageSchema(WebhookEndpointSchema);

export class WebhookEndpoints extends APIResource {
  /**
   * `POST /v1/workspaces/{ws}/webhook-endpoints` (admin). The signing `secret` is returned only
   * here; pass it to `verifyWebhook`.
   */
  create(
    workspaceId: string,
    body: CreateWebhookEndpointRequest,
    options?: RequestOptions,
  ): Promise<CreatedWebhookEndpoint> {
    return this.transport.request({
      method: 'POST',
      path: this.workspacePath(workspaceId, 'webhook-endpoints'),
      body,
      schema: CreatedWebhookEndpointSchema,
      options,
    });
  }

  /** `GET /v1/workspaces/{ws}/webhook-endpoints` (admin). */
  list(workspaceId: string, query: ListParams = {}, options?: RequestOptions): PagePromise<WebhookEndpoint> {
    return this.paginate(
      this.workspacePath(workspaceId, 'webhook-endpoints'),
      WebhookEndpointPageSchema,
      { ...query },
      options,
    );
  }

  /** `DELETE /v1/workspaces/{ws}/webhook-endpoints/{id}` (admin): stop delivering to it. */
  delete(workspaceId: string, endpointId: string, options?: RequestOptions): Promise<WebhookEndpoint> {
    return this.transport.request({
      method: 'DELETE',
      path: this.workspacePath(workspaceId, 'webhook-endpoints', endpointId),
      schema: WebhookEndpointSchema,
      options,
    });
  }
}
