import type { Queryable } from '../db/db.js';

/** The Slack message an alert was posted as, so a repeat updates it instead of posting again. */
export interface AlertMessage {
  alertKey: string;
  channelId: string;
  ts: string;
  lastEventId: string;
}

export class AlertMessageStore {
  constructor(private readonly db: Queryable) {}

  async get(alertKey: string): Promise<AlertMessage | null> {
    const { rows } = await this.db.query<{ channel_id: string; ts: string; last_event_id: string }>(
      'SELECT channel_id, ts, last_event_id FROM alert_messages WHERE alert_key = $1',
      [alertKey],
    );
    const row = rows[0];
    return row === undefined
      ? null
      : { alertKey, channelId: row.channel_id, ts: row.ts, lastEventId: row.last_event_id };
  }

  async save(workspaceId: string, message: AlertMessage): Promise<void> {
    await this.db.query(
      `INSERT INTO alert_messages (alert_key, workspace_id, channel_id, ts, last_event_id, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (alert_key) DO UPDATE SET channel_id = EXCLUDED.channel_id, ts = EXCLUDED.ts,
         last_event_id = EXCLUDED.last_event_id, updated_at = EXCLUDED.updated_at`,
      [message.alertKey, workspaceId, message.channelId, message.ts, message.lastEventId, Date.now()],
    );
  }

  /** Forgets alerts whose key starts with one of `prefixes`: the next crossing posts a fresh message. */
  async rearm(workspaceId: string, prefixes: readonly string[]): Promise<void> {
    for (const prefix of prefixes) {
      await this.db.query(
        'DELETE FROM alert_messages WHERE workspace_id = $1 AND starts_with(alert_key, $2)',
        [workspaceId, prefix],
      );
    }
  }
}
