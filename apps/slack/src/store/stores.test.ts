import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../crypto.js';
import { type BotDb, openDatabase } from '../db/db.js';
import { migrate } from '../db/migrations.js';
import { AlertMessageStore } from './alert-messages.js';
import { DbInstallationStore, InstallationNotFoundError } from './installations.js';
import { LINK_CODE_TTL_MS, LinkStore } from './links.js';
import { TopupConfirmationStore } from './topup-confirmations.js';

/**
 * The same stores and SQL on both backends: PGlite always, PostgreSQL when TEST_DATABASE_URL is set
 * (each run in its own schema).
 */
const backends: { name: string; open: () => Promise<BotDb> }[] = [
  { name: 'pglite', open: () => openDatabase({ dataDir: 'memory://' }) },
];
const pgUrl = process.env.TEST_DATABASE_URL;
if (pgUrl !== undefined && pgUrl !== '') {
  backends.push({
    name: 'postgres',
    open: () => openDatabase({ url: pgUrl, schema: `slack_test_${randomBytes(4).toString('hex')}` }),
  });
}

describe.each(backends)('stores on $name', ({ open }) => {
  let db: BotDb;
  const box = new SecretBox(randomBytes(32));

  beforeAll(async () => {
    db = await open();
    await migrate(db);
    // Migrations are idempotent: a restart runs them again harmlessly.
    await migrate(db);
  });
  afterAll(async () => {
    if (db?.kind === 'postgres') {
      const { rows } = await db.query<{ s: string }>('SELECT current_schema() AS s');
      await db.exec(`DROP SCHEMA ${rows[0]?.s} CASCADE`);
    }
    await db?.close();
  });

  it('link codes are hashed, expire, and are consumed exactly once', async () => {
    const links = new LinkStore(db, box);
    const now = Date.now();
    const { code } = await links.issueCode('T1', 'U1', now);
    const { rows } = await db.query<{ code_hash: string }>('SELECT code_hash FROM link_codes');
    expect(rows.map((r) => r.code_hash)).not.toContain(code);
    expect(await links.peekCode(code, now + LINK_CODE_TTL_MS + 1)).toBeNull();
    const results = await Promise.all([links.consumeCode(code, now + 1), links.consumeCode(code, now + 1)]);
    expect(results.filter((r) => r !== null)).toEqual([{ teamId: 'T1', slackUserId: 'U1' }]);
    // A new code replaces the old one.
    const a = await links.issueCode('T1', 'U2');
    await links.issueCode('T1', 'U2');
    expect(await links.peekCode(a.code)).toBeNull();
  });

  it('member links are keyed by team and user, with the token sealed', async () => {
    const links = new LinkStore(db, box);
    await links.save({
      teamId: 'T1',
      slackUserId: 'U1',
      apiBase: 'http://api',
      workspaceId: 'ws',
      memberId: 'm1',
      token: 'ak_member_secret',
    });
    await links.save({
      teamId: 'T2',
      slackUserId: 'U1',
      apiBase: 'http://api',
      workspaceId: 'ws2',
      memberId: 'm9',
      token: 'ak_member_other',
    });
    expect((await links.get('T1', 'U1'))?.token).toBe('ak_member_secret');
    expect((await links.get('T2', 'U1'))?.memberId).toBe('m9');
    const { rows } = await db.query<{ token_encrypted: string }>('SELECT token_encrypted FROM member_links');
    expect(rows.map((r) => r.token_encrypted).join()).not.toContain('ak_member');
    expect(await links.remove('T1', 'U1')).toBe(true);
    expect(await links.get('T1', 'U1')).toBeNull();
  });

  it('installations: team and org-wide installs, update in place, delete', async () => {
    const store = new DbInstallationStore(db, box);
    const base = {
      enterprise: undefined,
      user: { id: 'U0', token: undefined, scopes: undefined },
      appId: 'A1',
    };
    await store.storeInstallation({
      ...base,
      team: { id: 'T9' },
      bot: { token: 'xoxb-1', scopes: [], id: 'B', userId: 'UB' },
    });
    await store.storeInstallation({
      ...base,
      team: { id: 'T9' },
      bot: { token: 'xoxb-2', scopes: [], id: 'B', userId: 'UB' },
    });
    await store.storeInstallation({
      ...base,
      team: undefined,
      enterprise: { id: 'E1' },
      isEnterpriseInstall: true,
      bot: { token: 'xoxb-org', scopes: [], id: 'B', userId: 'UB' },
    });
    expect(
      (await store.fetchInstallation({ teamId: 'T9', enterpriseId: undefined, isEnterpriseInstall: false }))
        .bot?.token,
    ).toBe('xoxb-2');
    expect(
      (await store.fetchInstallation({ teamId: undefined, enterpriseId: 'E1', isEnterpriseInstall: true }))
        .bot?.token,
    ).toBe('xoxb-org');
    await store.deleteInstallation({ teamId: 'T9', enterpriseId: undefined, isEnterpriseInstall: false });
    await expect(
      store.fetchInstallation({ teamId: 'T9', enterpriseId: undefined, isEnterpriseInstall: false }),
    ).rejects.toBeInstanceOf(InstallationNotFoundError);
  });

  it('alert messages re-arm by prefix without touching other workspaces', async () => {
    const store = new AlertMessageStore(db);
    await store.save('ws1', { alertKey: 'balance.low:ws1:5', channelId: 'C', ts: '1.1', lastEventId: 'e1' });
    await store.save('ws10', {
      alertKey: 'balance.low:ws10:5',
      channelId: 'C',
      ts: '1.2',
      lastEventId: 'e2',
    });
    await store.rearm('ws1', ['balance.low:ws1:']);
    expect(await store.get('balance.low:ws1:5')).toBeNull();
    expect((await store.get('balance.low:ws10:5'))?.ts).toBe('1.2');
  });

  it('top-up confirmations keep one idempotency key and cancel only while pending', async () => {
    const store = new TopupConfirmationStore(db);
    const c = await store.create({
      teamId: 'T1',
      slackUserId: 'U1',
      workspaceId: 'ws',
      amountMicros: 50_000_000,
    });
    expect((await store.get(c.id))?.idempotencyKey).toBe(c.idempotencyKey);
    expect((await store.get(c.id))?.amountMicros).toBe(50_000_000);
    await store.setStatus(c.id, 'processing');
    await store.setStatus(c.id, 'succeeded', 'tu_1');
    // A late click that failed cannot reopen it, and it can no longer be cancelled.
    await store.setStatus(c.id, 'pending');
    expect((await store.get(c.id))?.status).toBe('succeeded');
    expect(await store.cancel(c.id)).toBe(false);
    expect((await store.get(c.id))?.topupId).toBe('tu_1');
  });
});
