import type { SecretBox } from '../crypto.js';
import { randomToken, sha256Hex } from '../crypto.js';
import { type Queryable, toSafeInt } from '../db/db.js';

/** A Slack user linked to a member of a credits workspace; commands act with the member's token. */
export interface MemberLink {
  teamId: string;
  slackUserId: string;
  apiBase: string;
  workspaceId: string;
  memberId: string;
  token: string;
  linkedAt: number;
}

/** How long a one-time link URL stays valid. */
export const LINK_CODE_TTL_MS = 15 * 60 * 1000;

export class LinkStore {
  constructor(
    private readonly db: Queryable,
    private readonly box: SecretBox,
  ) {}

  async get(teamId: string, slackUserId: string): Promise<MemberLink | null> {
    const { rows } = await this.db.query<{
      api_base: string;
      workspace_id: string;
      member_id: string;
      token_encrypted: string;
      linked_at: unknown;
    }>(
      'SELECT api_base, workspace_id, member_id, token_encrypted, linked_at FROM member_links WHERE team_id = $1 AND slack_user_id = $2',
      [teamId, slackUserId],
    );
    const row = rows[0];
    if (row === undefined) return null;
    return {
      teamId,
      slackUserId,
      apiBase: row.api_base,
      workspaceId: row.workspace_id,
      memberId: row.member_id,
      token: this.box.open(row.token_encrypted),
      linkedAt: toSafeInt(row.linked_at, 'linked_at'),
    };
  }

  async save(link: Omit<MemberLink, 'linkedAt'>): Promise<void> {
    await this.db.query(
      `INSERT INTO member_links (team_id, slack_user_id, api_base, workspace_id, member_id, token_encrypted, linked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (team_id, slack_user_id) DO UPDATE SET api_base = EXCLUDED.api_base,
         workspace_id = EXCLUDED.workspace_id, member_id = EXCLUDED.member_id,
         token_encrypted = EXCLUDED.token_encrypted, linked_at = EXCLUDED.linked_at`,
      [
        link.teamId,
        link.slackUserId,
        link.apiBase,
        link.workspaceId,
        link.memberId,
        this.box.seal(link.token),
        Date.now(),
      ],
    );
  }

  async remove(teamId: string, slackUserId: string): Promise<boolean> {
    const { rows } = await this.db.query(
      'DELETE FROM member_links WHERE team_id = $1 AND slack_user_id = $2 RETURNING team_id',
      [teamId, slackUserId],
    );
    return rows.length > 0;
  }

  /** Mints a one-time code; only its hash is stored. */
  async issueCode(
    teamId: string,
    slackUserId: string,
    now = Date.now(),
  ): Promise<{ code: string; expiresAt: number }> {
    const code = randomToken(32);
    const expiresAt = now + LINK_CODE_TTL_MS;
    // Old unused codes of this user die with the new one: one valid link URL at a time.
    await this.db.query('DELETE FROM link_codes WHERE team_id = $1 AND slack_user_id = $2', [
      teamId,
      slackUserId,
    ]);
    await this.db.query(
      'INSERT INTO link_codes (code_hash, team_id, slack_user_id, expires_at) VALUES ($1, $2, $3, $4)',
      [sha256Hex(code), teamId, slackUserId, expiresAt],
    );
    return { code, expiresAt };
  }

  /** The code's owner while it is unused and unexpired; does not consume it. */
  async peekCode(code: string, now = Date.now()): Promise<{ teamId: string; slackUserId: string } | null> {
    const { rows } = await this.db.query<{ team_id: string; slack_user_id: string }>(
      'SELECT team_id, slack_user_id FROM link_codes WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2',
      [sha256Hex(code), now],
    );
    const row = rows[0];
    return row === undefined ? null : { teamId: row.team_id, slackUserId: row.slack_user_id };
  }

  /** Marks the code used; exactly one caller wins even when two submit at once. */
  async consumeCode(code: string, now = Date.now()): Promise<{ teamId: string; slackUserId: string } | null> {
    const { rows } = await this.db.query<{ team_id: string; slack_user_id: string }>(
      `UPDATE link_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2
       RETURNING team_id, slack_user_id`,
      [sha256Hex(code), now],
    );
    const row = rows[0];
    return row === undefined ? null : { teamId: row.team_id, slackUserId: row.slack_user_id };
  }
}
