import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import type { SecretBox } from '../crypto.js';
import type { Queryable } from '../db/db.js';

/**
 * Bolt's `InstallationStore` over the bot's database: one row per Slack team (or per Enterprise
 * Grid org for org-wide installs). The installation holds bot tokens, so it is stored sealed.
 */
export class DbInstallationStore implements InstallationStore {
  constructor(
    private readonly db: Queryable,
    private readonly box: SecretBox,
  ) {}

  async storeInstallation<AuthVersion extends 'v1' | 'v2'>(
    installation: Installation<AuthVersion, boolean>,
  ): Promise<void> {
    const enterpriseId = installation.enterprise?.id ?? null;
    const teamId = installation.team?.id ?? null;
    const key = installationKey(installation.isEnterpriseInstall === true, enterpriseId, teamId);
    await this.db.query(
      `INSERT INTO slack_installations (install_key, team_id, enterprise_id, installation_encrypted, installed_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (install_key) DO UPDATE SET team_id = EXCLUDED.team_id, enterprise_id = EXCLUDED.enterprise_id,
         installation_encrypted = EXCLUDED.installation_encrypted, installed_at = EXCLUDED.installed_at`,
      [key, teamId, enterpriseId, this.box.seal(JSON.stringify(installation)), Date.now()],
    );
  }

  async fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation<'v1' | 'v2', boolean>> {
    const key = installationKey(query.isEnterpriseInstall, query.enterpriseId ?? null, query.teamId ?? null);
    const { rows } = await this.db.query<{ installation_encrypted: string }>(
      'SELECT installation_encrypted FROM slack_installations WHERE install_key = $1',
      [key],
    );
    const row = rows[0];
    if (row === undefined) throw new InstallationNotFoundError(key);
    return JSON.parse(this.box.open(row.installation_encrypted)) as Installation<'v1' | 'v2', boolean>;
  }

  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    const key = installationKey(query.isEnterpriseInstall, query.enterpriseId ?? null, query.teamId ?? null);
    await this.db.query('DELETE FROM slack_installations WHERE install_key = $1', [key]);
  }

  async count(): Promise<number> {
    const { rows } = await this.db.query<{ n: string | number }>(
      'SELECT COUNT(*) AS n FROM slack_installations',
    );
    return Number(rows[0]?.n ?? 0);
  }
}

export class InstallationNotFoundError extends Error {
  readonly code = 'installation_not_found';
  constructor(key: string) {
    super(`No Slack installation is stored for ${key}.`);
    this.name = 'InstallationNotFoundError';
  }
}

function installationKey(
  isEnterpriseInstall: boolean,
  enterpriseId: string | null,
  teamId: string | null,
): string {
  if (isEnterpriseInstall && enterpriseId !== null) return `E:${enterpriseId}`;
  if (teamId !== null) return `T:${teamId}`;
  throw new InstallationNotFoundError('an installation without a team or enterprise id');
}
