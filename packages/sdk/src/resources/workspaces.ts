import {
  type CreateWorkspaceRequest,
  type DeletedWorkspace,
  DeletedWorkspaceSchema,
  type DeletionPreview,
  DeletionPreviewSchema,
  type UpdateSettingsRequest,
  type Workspace,
  WorkspaceSchema,
} from '@aicredits/contract';
import type { RequestOptions } from '../core/transport';
import { APIResource } from './resource';

export class Workspaces extends APIResource {
  /** `POST /v1/workspaces` (platform key). */
  create(body: CreateWorkspaceRequest, options?: RequestOptions): Promise<Workspace> {
    return this.transport.request({
      method: 'POST',
      path: 'v1/workspaces',
      body,
      schema: WorkspaceSchema,
      options,
    });
  }

  /** `GET /v1/workspaces/{ws}`: the workspace with its hosting, unit and settings. */
  retrieve(workspaceId: string, options?: RequestOptions): Promise<Workspace> {
    return this.transport.request({
      method: 'GET',
      path: this.workspacePath(workspaceId),
      schema: WorkspaceSchema,
      options,
    });
  }

  /** `PATCH /v1/workspaces/{ws}/settings` (admin): overage, pooling, pinned model, alerts. */
  updateSettings(
    workspaceId: string,
    body: UpdateSettingsRequest,
    options?: RequestOptions,
  ): Promise<Workspace> {
    return this.transport.request({
      method: 'PATCH',
      path: this.workspacePath(workspaceId, 'settings'),
      body,
      schema: WorkspaceSchema,
      options,
    });
  }

  /** `GET /v1/workspaces/{ws}/deletion-preview` (owner): what deletion would forfeit. */
  deletionPreview(workspaceId: string, options?: RequestOptions): Promise<DeletionPreview> {
    return this.transport.request({
      method: 'GET',
      path: this.workspacePath(workspaceId, 'deletion-preview'),
      schema: DeletionPreviewSchema,
      options,
    });
  }

  /**
   * `DELETE /v1/workspaces/{ws}?confirm={ws}` (owner). Irreversible: every remaining lot is
   * forfeited. `confirm` must equal the preview's `confirm` value.
   */
  delete(
    workspaceId: string,
    params: { confirm: string },
    options?: RequestOptions,
  ): Promise<DeletedWorkspace> {
    return this.transport.request({
      method: 'DELETE',
      path: this.workspacePath(workspaceId),
      query: { confirm: params.confirm },
      schema: DeletedWorkspaceSchema,
      options,
    });
  }
}
