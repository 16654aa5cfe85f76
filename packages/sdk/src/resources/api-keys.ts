import {
  type ApiKey,
  ApiKeySchema,
  type CreateApiKeyRequest,
  type CreatedApiKey,
  CreatedApiKeySchema,
  pageSchema,
} from '@aicredits/contract';
import type { PagePromise } from '../core/pagination';
import type { RequestOptions } from '../core/transport';
import { APIResource, type ListParams } from './resource';

const ApiKeyPageSchema = pageSchema(ApiKeySchema);

export class ApiKeys extends APIResource {
  /** `POST /v1/workspaces/{ws}/api-keys` (admin). The `secret` is returned only here. */
  create(workspaceId: string, body: CreateApiKeyRequest, options?: RequestOptions): Promise<CreatedApiKey> {
    return this.transport.request({
      method: 'POST',
      path: this.workspacePath(workspaceId, 'api-keys'),
      body,
      schema: CreatedApiKeySchema,
      options,
    });
  }

  /** `GET /v1/workspaces/{ws}/api-keys` (admin): keys without their secrets. */
  list(workspaceId: string, query: ListParams = {}, options?: RequestOptions): PagePromise<ApiKey> {
    return this.paginate(
      this.workspacePath(workspaceId, 'api-keys'),
      ApiKeyPageSchema,
      { ...query },
      options,
    );
  }

  /** `DELETE /v1/workspaces/{ws}/api-keys/{keyId}` (admin): the key stops working at once. */
  revoke(workspaceId: string, keyId: string, options?: RequestOptions): Promise<ApiKey> {
    return this.transport.request({
      method: 'DELETE',
      path: this.workspacePath(workspaceId, 'api-keys', keyId),
      schema: ApiKeySchema,
      options,
    });
  }
}
