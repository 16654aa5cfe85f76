import type { Queryable } from '../db/db.js';
import { toSafeInt } from '../db/db.js';
import { ApiError } from '../errors.js';
import type { ReservationRecord } from '../store/records.js';
import { assembleState, type LoadedState, loadState } from '../store/state.js';
import type { GroupCommitQueue } from './queue.js';

/**
 * A workspace's open lots and held reservations for a read (the balance). When this service
 * remembers the ledger and the stored ledger version says it is still current, the read costs one
 * primary-key lookup instead of loading and parsing the state; otherwise the state is loaded and
 * remembered for the next read and the next batch. Every money write moves the version, on any
 * replica, so a remembered ledger is never answered after another writer changed it.
 */
export async function readLedger(
  q: Queryable,
  queue: Pick<GroupCommitQueue, 'recall' | 'rememberRead'>,
  workspaceId: string,
  now: number,
): Promise<LoadedState> {
  const remembered = queue.recall(workspaceId);
  if (remembered !== undefined) {
    const { rows } = await q.query<{ ledger_version: unknown }>(
      'SELECT ledger_version FROM workspaces WHERE id = $1',
      [workspaceId],
      { prepare: true },
    );
    const row = rows[0];
    if (row === undefined) throw new ApiError('not_found', `Workspace "${workspaceId}" was not found.`);
    if (toSafeInt(row.ledger_version, 'ledger_version') === remembered.workspace.ledgerVersion) {
      return assembleState(
        remembered.workspace,
        [...remembered.lots],
        [...remembered.reservations],
        [],
        new Map(),
        now,
      );
    }
  }
  const loaded = await loadState(q, workspaceId, now);
  queue.rememberRead(workspaceId, {
    workspace: loaded.workspace,
    lots: loaded.state.lots.filter((l) => l.closedAt === null),
    reservations: (loaded.state.reservations as ReservationRecord[]).filter((r) => r.status === 'held'),
  });
  return loaded;
}
