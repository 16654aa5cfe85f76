import type { SecretBox } from '../crypto.js';
import type { Queryable } from '../db/db.js';

/** Where a credits workspace's alerts go, and the secret its webhook deliveries are signed with. */
export interface AlertChannel {
  workspaceId: string;
  apiBase: string;
  teamId: string;
  enterpriseId: string | null;
  channelId: string;
  endpointId: string | null;
  endpointSecret: string | null;
}

export class ChannelStore {
  constructor(
    private readonly db: Queryable,
    private readonly box: SecretBox,
  ) {}

  async get(workspaceId: string): Promise<AlertChannel | null> {
    const { rows } = await this.db.query<{
      api_base: string;
      team_id: string;
      enterprise_id: string | null;
      channel_id: string;
      endpoint_id: string | null;
      endpoint_secret_encrypted: string | null;
    }>(
      `SELECT api_base, team_id, enterprise_id, channel_id, endpoint_id, endpoint_secret_encrypted
       FROM alert_channels WHERE workspace_id = $1`,
      [workspaceId],
    );
    const row = rows[0];
    if (row === undefined) return null;
    return {
      workspaceId,
      apiBase: row.api_base,
      teamId: row.team_id,
      enterpriseId: row.enterprise_id,
      channelId: row.channel_id,
      endpointId: row.endpoint_id,
      endpointSecret:
        row.endpoint_secret_encrypted === null ? null : this.box.open(row.endpoint_secret_encrypted),
    };
  }

  async save(channel: AlertChannel, configuredBy: string): Promise<void> {
    await this.db.query(
      `INSERT INTO alert_channels (workspace_id, api_base, team_id, enterprise_id, channel_id, endpoint_id,
         endpoint_secret_encrypted, configured_by, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (workspace_id) DO UPDATE SET api_base = EXCLUDED.api_base, team_id = EXCLUDED.team_id,
         enterprise_id = EXCLUDED.enterprise_id, channel_id = EXCLUDED.channel_id,
         endpoint_id = EXCLUDED.endpoint_id, endpoint_secret_encrypted = EXCLUDED.endpoint_secret_encrypted,
         configured_by = EXCLUDED.configured_by, updated_at = EXCLUDED.updated_at`,
      [
        channel.workspaceId,
        channel.apiBase,
        channel.teamId,
        channel.enterpriseId,
        channel.channelId,
        channel.endpointId,
        channel.endpointSecret === null ? null : this.box.seal(channel.endpointSecret),
        configuredBy,
        Date.now(),
      ],
    );
  }
}
