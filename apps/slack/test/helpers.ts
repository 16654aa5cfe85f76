import { randomBytes } from 'node:crypto';
import type { WebhookEvent } from '@aicredits/contract';
import { signWebhook } from '@aicredits/sdk';
import { type Logger, LogLevel } from '@slack/bolt';
import type { BotConfig } from '../src/config.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';

export function testConfig(
  overrides: Partial<BotConfig> & Pick<BotConfig, 'slackApiUrl' | 'apiUrl'>,
): BotConfig {
  return {
    signingSecret: SIGNING_SECRET,
    auth: { mode: 'token', botToken: 'xoxb-test-single' },
    dashboardUrl: 'https://dashboard.example.test',
    publicUrl: 'http://127.0.0.1:1',
    encryptionKey: randomBytes(32),
    database: { dataDir: 'memory://' },
    port: 0,
    logLevel: 'error',
    ...overrides,
  };
}

export async function postEvent(
  botUrl: string,
  workspaceId: string,
  event: WebhookEvent,
  secret: string,
  options: { timestampSeconds?: number; tamper?: boolean } = {},
): Promise<Response> {
  const body = JSON.stringify(event);
  const signature = await signWebhook(body, secret, {
    ...(options.timestampSeconds === undefined ? {} : { timestampSeconds: options.timestampSeconds }),
  });
  return fetch(`${botUrl}/aicredits/events/${workspaceId}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'aicredits-signature': signature,
      'aicredits-event-id': event.id,
    },
    body: options.tamper === true ? body.replace('"balance', '"balance ') : body,
  });
}

const figures = {
  unit: 'usd' as const,
  availableMicros: 4_000_000,
  reservedMicros: 500_000,
  spendableMicros: 3_500_000,
  deficitMicros: 0,
};

export function lowBalanceEvent(workspaceId: string, id: string, thresholdMicros = 5_000_000): WebhookEvent {
  return {
    id,
    type: 'balance.low',
    createdAt: new Date().toISOString(),
    workspaceId,
    data: { thresholdMicros, ...figures },
  };
}

export function recoveredEvent(workspaceId: string, id: string, thresholdMicros = 5_000_000): WebhookEvent {
  return {
    id,
    type: 'balance.recovered',
    createdAt: new Date().toISOString(),
    workspaceId,
    data: { thresholdMicros, ...figures, availableMicros: 60_000_000, spendableMicros: 59_500_000 },
  };
}

export function expiringEvent(workspaceId: string, id: string): WebhookEvent {
  return {
    id,
    type: 'lots.expiring',
    createdAt: new Date().toISOString(),
    workspaceId,
    data: {
      unit: 'usd',
      withinDays: 7,
      totalMicros: 12_340_000,
      earliestExpiresAt: '2030-03-01T00:00:00.000Z',
      lots: [
        {
          lotId: 'lot_1',
          kind: 'purchased',
          scope: 'workspace',
          remainingMicros: 12_340_000,
          expiresAt: '2030-03-01T00:00:00.000Z',
        },
      ],
    },
  };
}

/** Every text a Block Kit payload shows, flattened, for "the message says X" assertions. */
export function blockText(blocks: unknown): string {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (typeof node === 'object' && node !== null) {
      for (const [key, value] of Object.entries(node)) {
        if (
          (key === 'text' || key === 'url' || key === 'value' || key === 'action_id') &&
          typeof value === 'string'
        )
          out.push(value);
        else walk(value);
      }
    }
  };
  walk(blocks);
  return out.join('\n');
}

/** Keeps expected failures (refused installs, unknown teams) out of the test output. */
export function quietLogger(): Logger {
  let level = LogLevel.ERROR;
  const noop = () => undefined;
  return {
    debug: noop,
    info: noop,
    warn: noop,
    error: noop,
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: noop,
  };
}
