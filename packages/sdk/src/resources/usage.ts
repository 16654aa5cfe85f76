import { type UsageQuery, type UsageReport, UsageReportSchema } from '@aicredits/contract';
import type { RequestOptions } from '../core/transport';
import { APIResource } from './resource';

export class UsageResource extends APIResource {
  /**
   * `GET /v1/workspaces/{ws}/usage?from=&to=&groupBy=` (admin; members see their own): totals
   * by feature, member or day.
   */
  retrieve(workspaceId: string, query: UsageQuery = {}, options?: RequestOptions): Promise<UsageReport> {
    return this.transport.request({
      method: 'GET',
      path: this.workspacePath(workspaceId, 'usage'),
      query: { ...query },
      schema: UsageReportSchema,
      options,
    });
  }
}
