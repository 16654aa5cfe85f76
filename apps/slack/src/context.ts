import {
  type AicreditsClient,
  APIError,
  AuthenticationError,
  ConnectionError,
  createClient,
  PermissionDeniedError,
  TimeoutError,
} from '@aicredits/sdk';
import type { Logger, webApi } from '@slack/bolt';
import type { ChannelQueue } from './alerts/channel-queue.js';
import type { BotDb } from './db/db.js';
import type { AlertMessageStore } from './store/alert-messages.js';
import type { ChannelStore } from './store/channels.js';
import type { LinkStore, MemberLink } from './store/links.js';
import type { TopupConfirmationStore } from './store/topup-confirmations.js';

/** What every listener and route shares: stores, the credits client factory, Slack clients. */
export interface BotContext {
  apiUrl: string;
  dashboardUrl: string;
  publicUrl: string;
  db: BotDb;
  links: LinkStore;
  channels: ChannelStore;
  alertMessages: AlertMessageStore;
  confirmations: TopupConfirmationStore;
  queue: ChannelQueue;
  logger: Logger;
  /** A credits API client acting as this key (a member's token): the API checks the role every call. */
  credits(apiBase: string, apiKey: string): AicreditsClient;
  /** A Web API client for posting alerts to a team, built to surface 429s to the channel queue. */
  alertClient(teamId: string, enterpriseId: string | null): Promise<webApi.WebClient>;
}

export function creditsClientFactory(fetchImpl: typeof globalThis.fetch | undefined) {
  return (apiBase: string, apiKey: string): AicreditsClient =>
    createClient({
      baseUrl: apiBase,
      apiKey,
      // Slack wants an answer within seconds; a slow API is reported, not waited out.
      timeoutMs: 10_000,
      ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
    });
}

export function memberClient(ctx: BotContext, link: MemberLink): AicreditsClient {
  return ctx.credits(link.apiBase, link.token);
}

export const NOT_LINKED_TEXT =
  'Your Slack account is not linked to an aicredits member yet. Run `/credits link` to link it (it takes a minute).';

/**
 * Turns a credits API failure into a sentence for the person in Slack. Branches on error classes
 * and codes only; the API's own message is shown because it says who may do what.
 */
export function describeApiError(error: unknown): string {
  if (error instanceof AuthenticationError) {
    return 'Your linked aicredits token was revoked or your membership ended. Run `/credits link` to link again.';
  }
  if (error instanceof PermissionDeniedError) {
    if (error.code === 'billing_access_required') return `You don't have billing access. ${error.message}`;
    return `You're not allowed to do that. ${error.message}`;
  }
  if (error instanceof ConnectionError || error instanceof TimeoutError) {
    return 'The credits service did not answer. Please try again in a minute.';
  }
  if (error instanceof APIError) return `${error.message} (\`${error.code}\`)`;
  return 'Something went wrong on our side; it has been logged.';
}
