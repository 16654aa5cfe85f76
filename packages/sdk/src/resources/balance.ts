import { type Balance, BalanceSchema } from '@aicredits/contract';
import type { RequestOptions } from '../core/transport';
import { APIResource } from './resource';

export class BalanceResource extends APIResource {
  /**
   * `GET /v1/workspaces/{ws}/balance?memberId=`: available, reserved, spendable, deficit, by kind
   * and scope. With `memberId`, the member's seat credits count too.
   */
  retrieve(
    workspaceId: string,
    query: { memberId?: string } = {},
    options?: RequestOptions,
  ): Promise<Balance> {
    return this.transport.request({
      method: 'GET',
      path: this.workspacePath(workspaceId, 'balance'),
      query: { memberId: query.memberId },
      schema: BalanceSchema,
      options,
    });
  }
}
