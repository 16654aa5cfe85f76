import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskKind } from '@aicredits/ledger';
import { generateApiKey, randomId } from './keys.js';
import { commitBatch, type MoneyOp } from './money/batch.js';
import { chargeOp, creditTopupOp, grantLotOp } from './money/ops.js';
import type { RunningService } from './service.js';

export interface SeedDemoOptions {
  workspaceId?: string;
  /** Where demo keys are saved so a restart can print them again; `null` = do not save. */
  keysFile?: string | null;
}

export interface SeededDemo {
  workspaceId: string;
  /** False when the workspace already existed (seeding is idempotent). */
  created: boolean;
  keys: { server: string; owner: string; admin: string; member: string };
}

const DAY = 86_400_000;
const USD = 1_000_000;
const MEMBERS = [
  { id: 'olivia', role: 'owner', name: 'Olivia Owner', email: 'olivia@example.com' },
  { id: 'adam', role: 'admin', name: 'Adam Admin', email: 'adam@example.com' },
  { id: 'mia', role: 'member', name: 'Mia Member', email: 'mia@example.com' },
] as const;

/**
 * Creates (once) a demo workspace with an owner, an admin and a member, lots of every kind (some
 * expiring soon), and a month of small, deficit-free Coding Session usage. History is written
 * through the same engine and batch path as live traffic, only at past instants.
 */
export async function seedDemo(service: RunningService, options: SeedDemoOptions = {}): Promise<SeededDemo> {
  const { db, clock } = service.services;
  const workspaceId = options.workspaceId ?? 'demo';
  const keysFile =
    options.keysFile === undefined
      ? service.services.config.dataDir === 'memory://' || service.services.config.databaseUrl !== null
        ? null
        : join(service.services.config.dataDir, 'demo-keys.json')
      : options.keysFile;
  const existing = await db.query('SELECT 1 FROM workspaces WHERE id = $1', [workspaceId]);
  if (existing.rows.length > 0 && keysFile !== null && existsSync(keysFile)) {
    const saved = JSON.parse(readFileSync(keysFile, 'utf8')) as {
      workspaceId: string;
      keys: SeededDemo['keys'];
    };
    if (saved.workspaceId === workspaceId) return { workspaceId, created: false, keys: saved.keys };
  }
  const now = clock.now();
  const created = existing.rows.length === 0;
  if (created) {
    await db.query(
      `INSERT INTO workspaces (id, name, plan, unit, hosting, enterprise, low_balance_thresholds_micros,
         included_micros_per_seat, max_deficit_micros, billing_anchor, overage_period_start, alert_state, created_at)
       VALUES ($1, 'Demo workspace', 'business', 'usd', 'cloud', false, $2, $3, $4, $5, $5, $6, $7)`,
      [
        workspaceId,
        JSON.stringify([10 * USD, 5 * USD]),
        10 * USD,
        5 * USD,
        now - 40 * DAY,
        JSON.stringify({ low: [], depleted: false, negative: false, seatExhausted: {} }),
        now - 40 * DAY,
      ],
    );
    for (const m of MEMBERS) {
      await db.query(
        `INSERT INTO members (workspace_id, id, role, seat_paid, seat_active, name, email, created_at, updated_at)
         VALUES ($1, $2, $3, true, true, $4, $5, $6, $6)`,
        [workspaceId, m.id, m.role, m.name, m.email, now - 40 * DAY],
      );
    }
    const table = await service.services.priceTable(now);
    const at = async (instant: number, op: MoneyOp) => {
      const {
        settled: [settled],
      } = await commitBatch(db, workspaceId, [op], instant, table);
      if (settled !== undefined && !settled.ok) throw settled.error;
    };
    // A purchase a month ago (test funds: the demo runs without payments).
    await insertTopup(service, workspaceId, 'tu_demo_1', 60 * USD, now - 31 * DAY);
    await at(
      now - 31 * DAY,
      creditTopupOp({ topupId: 'tu_demo_1', paymentIntentId: null, invoiceId: null }, null),
    );
    await at(
      now - 20 * DAY,
      grantLotOp(
        {
          lotId: 'lot_demo_support_1',
          kind: 'support',
          amountMicros: 2 * USD,
          expiresAt: null,
          reason: 'Refund for a session that failed on our side',
        },
        null,
      ),
    );
    // A month of usage: 1–3 small sessions a day, spread over members and task kinds.
    const kinds: TaskKind[] = ['bug_fix', 'short_task', 'feature', 'refactor'];
    let n = 0;
    for (let day = 30; day >= 1; day -= 1) {
      const sessions = 1 + (day % 3);
      for (let s = 0; s < sessions; s += 1) {
        n += 1;
        const member = MEMBERS[n % MEMBERS.length]?.id ?? 'mia';
        const taskKind = kinds[n % kinds.length] ?? 'bug_fix';
        await at(
          now - day * DAY + s * 3_600_000,
          chargeOp(
            {
              chargeId: `ch_demo_${n}`,
              memberId: member,
              feature: 'coding_session',
              usage: {
                model: table.latestModel,
                inputTokens: 20_000 + ((n * 7_919) % 40_000),
                outputTokens: 2_000 + ((n * 3_571) % 6_000),
                cachedInputTokens: 10_000,
                sandboxSeconds: 120 + ((n * 37) % 600),
              },
              outcome: n % 11 === 0 ? 'failed' : 'succeeded',
              taskKind,
            },
            null,
          ),
        );
      }
    }
    // Lots that are live now: a promotion about to expire, a support credit, a fresh purchase.
    await at(
      now,
      grantLotOp(
        {
          lotId: 'lot_demo_promo',
          kind: 'promotional',
          amountMicros: 5 * USD,
          expiresAt: now + 5 * DAY,
          reason: 'Welcome credit for Coding Sessions',
        },
        null,
      ),
    );
    await at(
      now,
      grantLotOp(
        {
          lotId: 'lot_demo_support_2',
          kind: 'support',
          amountMicros: 3 * USD,
          expiresAt: now + 60 * DAY,
          reason: 'Goodwill credit',
        },
        null,
      ),
    );
    await insertTopup(service, workspaceId, 'tu_demo_2', 25 * USD, now);
    await at(now, creditTopupOp({ topupId: 'tu_demo_2', paymentIntentId: null, invoiceId: null }, null));
  }
  const keys = {
    server: await mintKey(service, workspaceId, 'server', null, 'demo server key'),
    owner: await mintKey(service, workspaceId, 'member', 'olivia', 'demo owner key'),
    admin: await mintKey(service, workspaceId, 'member', 'adam', 'demo admin key'),
    member: await mintKey(service, workspaceId, 'member', 'mia', 'demo member key'),
  };
  if (keysFile !== null)
    writeFileSync(keysFile, `${JSON.stringify({ workspaceId, keys }, null, 2)}\n`, { mode: 0o600 });
  return { workspaceId, created, keys };
}

async function insertTopup(
  service: RunningService,
  ws: string,
  id: string,
  amountMicros: number,
  at: number,
) {
  await service.services.db.query(
    `INSERT INTO topups (id, workspace_id, amount_micros, tax_micros, status, paid, test_funds, created_at)
     VALUES ($1, $2, $3, 0, 'pending', false, true, $4) ON CONFLICT (id) DO NOTHING`,
    [id, ws, amountMicros, at],
  );
}

async function mintKey(
  service: RunningService,
  ws: string,
  type: 'server' | 'member',
  memberId: string | null,
  name: string,
): Promise<string> {
  const key = generateApiKey(type);
  await service.services.db.query(
    `INSERT INTO api_keys (id, lookup, secret_hash, type, workspace_id, member_id, name, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [randomId('key'), key.lookup, key.hash, type, ws, memberId, name, service.services.clock.now()],
  );
  return key.secret;
}
