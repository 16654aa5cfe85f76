import { type LedgerEntry, TransactionListSchema } from '@aicredits/contract';
import type { PagePromise } from '../core/pagination';
import type { RequestOptions } from '../core/transport';
import { APIResource, type ListParams } from './resource';

export class Transactions extends APIResource {
  /**
   * `GET /v1/workspaces/{ws}/transactions` (admin): ledger entries, newest first. Await for one
   * page, or `for await` over every entry (pages are fetched as the loop reaches them).
   */
  list(workspaceId: string, query: ListParams = {}, options?: RequestOptions): PagePromise<LedgerEntry> {
    return this.paginate(
      this.workspacePath(workspaceId, 'transactions'),
      TransactionListSchema,
      { ...query },
      options,
    );
  }
}
