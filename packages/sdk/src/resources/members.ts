import { type Member, MemberSchema, pageSchema, type UpsertMemberRequest } from '@aicredits/contract';
import type { PagePromise } from '../core/pagination';
import type { RequestOptions } from '../core/transport';
import { APIResource, type ListParams } from './resource';

const MemberPageSchema = pageSchema(MemberSchema);

export class Members extends APIResource {
  /** `PUT /v1/workspaces/{ws}/members/{memberId}` (admin): create or update role and seat. */
  upsert(
    workspaceId: string,
    memberId: string,
    body: UpsertMemberRequest,
    options?: RequestOptions,
  ): Promise<Member> {
    return this.transport.request({
      method: 'PUT',
      path: this.workspacePath(workspaceId, 'members', memberId),
      body,
      schema: MemberSchema,
      options,
    });
  }

  /** `GET /v1/workspaces/{ws}/members/{memberId}` (admin, or the member itself). */
  retrieve(workspaceId: string, memberId: string, options?: RequestOptions): Promise<Member> {
    return this.transport.request({
      method: 'GET',
      path: this.workspacePath(workspaceId, 'members', memberId),
      schema: MemberSchema,
      options,
    });
  }

  /** `GET /v1/workspaces/{ws}/members` (admin). */
  list(workspaceId: string, query: ListParams = {}, options?: RequestOptions): PagePromise<Member> {
    return this.paginate(this.workspacePath(workspaceId, 'members'), MemberPageSchema, { ...query }, options);
  }
}
