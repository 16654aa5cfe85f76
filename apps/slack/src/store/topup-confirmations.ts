import { randomToken } from '../crypto.js';
import { type Queryable, toSafeInt } from '../db/db.js';

/**
 * `pending`: shown, never clicked (the only state that can be cancelled); `processing`: a click is
 * calling the API; `retryable`: a click failed without a definite answer (timeout, 5xx): the top-up
 * may exist, so only Confirm again (same key) is offered, not Cancel.
 */
export type ConfirmationStatus =
  | 'pending'
  | 'processing'
  | 'retryable'
  | 'succeeded'
  | 'failed'
  | 'cancelled';

/** A top-up shown for confirmation. Its idempotency key is minted here, before any click. */
export interface TopupConfirmation {
  id: string;
  teamId: string;
  slackUserId: string;
  workspaceId: string;
  amountMicros: number;
  idempotencyKey: string;
  status: ConfirmationStatus;
  topupId: string | null;
  expiresAt: number;
}

/** A confirmation left open longer than this must be started again (amount and card may be stale). */
export const CONFIRMATION_TTL_MS = 30 * 60 * 1000;

export class TopupConfirmationStore {
  constructor(private readonly db: Queryable) {}

  async create(input: {
    teamId: string;
    slackUserId: string;
    workspaceId: string;
    amountMicros: number;
  }): Promise<TopupConfirmation> {
    const now = Date.now();
    const confirmation: TopupConfirmation = {
      id: `tc_${randomToken(16)}`,
      ...input,
      idempotencyKey: `slack-topup-${randomToken(18)}`,
      status: 'pending',
      topupId: null,
      expiresAt: now + CONFIRMATION_TTL_MS,
    };
    await this.db.query(
      `INSERT INTO topup_confirmations (id, team_id, slack_user_id, workspace_id, amount_micros, idempotency_key,
         status, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        confirmation.id,
        input.teamId,
        input.slackUserId,
        input.workspaceId,
        input.amountMicros,
        confirmation.idempotencyKey,
        'pending',
        now,
        confirmation.expiresAt,
      ],
    );
    return confirmation;
  }

  async get(id: string): Promise<TopupConfirmation | null> {
    const { rows } = await this.db.query<{
      team_id: string;
      slack_user_id: string;
      workspace_id: string;
      amount_micros: unknown;
      idempotency_key: string;
      status: ConfirmationStatus;
      topup_id: string | null;
      expires_at: unknown;
    }>('SELECT * FROM topup_confirmations WHERE id = $1', [id]);
    const row = rows[0];
    if (row === undefined) return null;
    return {
      id,
      teamId: row.team_id,
      slackUserId: row.slack_user_id,
      workspaceId: row.workspace_id,
      amountMicros: toSafeInt(row.amount_micros, 'amount_micros'),
      idempotencyKey: row.idempotency_key,
      status: row.status,
      topupId: row.topup_id,
      expiresAt: toSafeInt(row.expires_at, 'expires_at'),
    };
  }

  /**
   * Records progress. A settled confirmation (succeeded, failed, cancelled) never goes back: a slow
   * second click that errors must not reopen a top-up the first click completed.
   */
  async setStatus(id: string, status: ConfirmationStatus, topupId: string | null = null): Promise<void> {
    await this.db.query(
      `UPDATE topup_confirmations SET status = $2, topup_id = COALESCE($3, topup_id)
       WHERE id = $1 AND status NOT IN ('succeeded', 'failed', 'cancelled')`,
      [id, status, topupId],
    );
  }

  /** Cancels only a confirmation that was never submitted to the API. */
  async cancel(id: string): Promise<boolean> {
    const { rows } = await this.db.query(
      "UPDATE topup_confirmations SET status = 'cancelled' WHERE id = $1 AND status = 'pending' RETURNING id",
      [id],
    );
    return rows.length > 0;
  }
}
