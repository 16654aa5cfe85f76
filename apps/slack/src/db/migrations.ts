import type { BotDb } from './db.js';

/**
 * Forward-only migrations. Each runs once, in order, recorded in `slack_migrations`. Times are
 * epoch milliseconds in `bigint` columns so both drivers read them the same way.
 */
const MIGRATIONS: readonly { id: number; sql: string }[] = [
  {
    id: 1,
    sql: `
      CREATE TABLE IF NOT EXISTS slack_installations (
        -- 'E:<enterprise id>' for org-wide installs, 'T:<team id>' otherwise.
        install_key text PRIMARY KEY,
        team_id text,
        enterprise_id text,
        -- The whole Bolt installation (it holds the bot token), encrypted with the config key.
        installation_encrypted text NOT NULL,
        installed_at bigint NOT NULL
      );
      CREATE TABLE IF NOT EXISTS member_links (
        team_id text NOT NULL,
        slack_user_id text NOT NULL,
        api_base text NOT NULL,
        workspace_id text NOT NULL,
        member_id text NOT NULL,
        token_encrypted text NOT NULL,
        linked_at bigint NOT NULL,
        PRIMARY KEY (team_id, slack_user_id)
      );
      CREATE TABLE IF NOT EXISTS link_codes (
        -- SHA-256 of the code: a leaked database row cannot be replayed as a link URL.
        code_hash text PRIMARY KEY,
        team_id text NOT NULL,
        slack_user_id text NOT NULL,
        expires_at bigint NOT NULL,
        used_at bigint
      );
      CREATE TABLE IF NOT EXISTS alert_channels (
        workspace_id text PRIMARY KEY,
        api_base text NOT NULL,
        team_id text NOT NULL,
        enterprise_id text,
        channel_id text NOT NULL,
        endpoint_id text,
        endpoint_secret_encrypted text,
        configured_by text NOT NULL,
        updated_at bigint NOT NULL
      );
      CREATE TABLE IF NOT EXISTS alert_messages (
        alert_key text PRIMARY KEY,
        workspace_id text NOT NULL,
        channel_id text NOT NULL,
        ts text NOT NULL,
        last_event_id text NOT NULL,
        updated_at bigint NOT NULL
      );
      CREATE INDEX IF NOT EXISTS alert_messages_workspace ON alert_messages (workspace_id);
      CREATE TABLE IF NOT EXISTS topup_confirmations (
        id text PRIMARY KEY,
        team_id text NOT NULL,
        slack_user_id text NOT NULL,
        workspace_id text NOT NULL,
        amount_micros bigint NOT NULL,
        -- Minted when the confirmation is shown and sent with every Confirm click: one charge.
        idempotency_key text NOT NULL,
        status text NOT NULL,
        topup_id text,
        created_at bigint NOT NULL,
        expires_at bigint NOT NULL
      );
    `,
  },
];

export async function migrate(db: BotDb): Promise<void> {
  await db.exec(
    'CREATE TABLE IF NOT EXISTS slack_migrations (id integer PRIMARY KEY, applied_at bigint NOT NULL)',
  );
  const { rows } = await db.query<{ id: number }>('SELECT id FROM slack_migrations');
  const applied = new Set(rows.map((r) => Number(r.id)));
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.id)) continue;
    await db.exec(
      `BEGIN; ${migration.sql}; INSERT INTO slack_migrations (id, applied_at) VALUES (${migration.id}, ${Date.now()}); COMMIT;`,
    );
  }
}
