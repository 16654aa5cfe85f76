import { renderBalance, renderLots, renderTransactions, renderUsage } from '../format.js';
import { parseChoice, parseInstant, parsePositiveInt } from '../parse.js';
import { optionalString, type Register } from './types.js';

/** The read-only commands: balance, lots, transactions, usage. */

const LOT_STATUSES = ['open', 'active', 'scheduled', 'depleted', 'expired', 'forfeited', 'all'] as const;
const GROUP_BY = ['day', 'feature', 'member'] as const;
/** The API's page size limit. */
const MAX_PAGE = 100;
const DEFAULT_LIMIT = 25;

export const registerRead: Register = (program, action) => {
  program
    .command('balance')
    .description(
      'Show the spendable balance, holds, deficit and credits by kind (the member’s view with --member).',
    )
    .action(
      action(async ({ client, config, out }) => {
        const balance = await out.progress('Fetching the balance…', () =>
          client.balance.retrieve(
            config.workspaceId,
            config.memberId === undefined ? {} : { memberId: config.memberId },
          ),
        );
        out.result(balance, () => renderBalance(balance));
      }),
    );

  program
    .command('lots')
    .description('List lots in burn order (the order they will be consumed).')
    .option('--status <status>', `${LOT_STATUSES.join('|')} (default: open)`)
    .option('--expiring-within-days <days>', 'only lots expiring within this many days')
    .action(
      action(async ({ client, config, out }, options) => {
        const status =
          options.status === undefined
            ? undefined
            : parseChoice(String(options.status), '--status', LOT_STATUSES);
        const within = optionalString(options.expiringWithinDays);
        const query = {
          ...(status === undefined ? {} : { status }),
          ...(within === undefined
            ? {}
            : { expiringWithinDays: parsePositiveInt(within, '--expiring-within-days', 3650) }),
          ...(config.memberId === undefined ? {} : { memberId: config.memberId }),
        };
        const [lots, workspace] = await out.progress('Fetching lots…', async () => {
          const all = [];
          for await (const lot of client.lots.list(config.workspaceId, query)) all.push(lot);
          return [all, out.json ? undefined : await client.workspaces.retrieve(config.workspaceId)] as const;
        });
        out.result({ data: lots }, () => renderLots(lots, workspace?.unit ?? 'usd'));
      }),
    );

  program
    .command('transactions')
    .description('List ledger entries, newest first.')
    .option('--limit <n>', 'how many entries to show; with --all, how many to fetch per page (default 25)')
    .option('--all', 'every entry, fetching page after page')
    .action(
      action(async ({ client, config, out }, options) => {
        const all = options.all === true;
        const given = optionalString(options.limit);
        const requested = given === undefined ? DEFAULT_LIMIT : parsePositiveInt(given, '--limit');
        const limit = all ? Number.POSITIVE_INFINITY : requested;
        const pageSize = all
          ? Math.min(given === undefined ? MAX_PAGE : requested, MAX_PAGE)
          : Math.min(requested, MAX_PAGE);
        const [entries, workspace] = await out.progress('Fetching transactions…', async () => {
          const collected = [];
          // The SDK fetches the next page only when the loop reaches it.
          for await (const entry of client.transactions.list(config.workspaceId, { limit: pageSize })) {
            collected.push(entry);
            if (collected.length >= limit) break;
          }
          return [
            collected,
            out.json ? undefined : await client.workspaces.retrieve(config.workspaceId),
          ] as const;
        });
        out.result({ data: entries }, () => renderTransactions(entries, workspace?.unit ?? 'usd'));
      }),
    );

  program
    .command('usage')
    .description('Usage totals for a period, by day, feature or member (members see their own).')
    .option(
      '--from <date>',
      'start, inclusive: a day (2025-01-31) or an ISO time (default: 30 days before --to)',
    )
    .option('--to <date>', 'end, exclusive; a day means through the end of that day (default: now)')
    .option('--group-by <key>', GROUP_BY.join('|'), 'day')
    .option('--feature <feature>', 'only this feature')
    .action(
      action(async ({ client, config, out }, options) => {
        const from = optionalString(options.from);
        const to = optionalString(options.to);
        const feature = optionalString(options.feature);
        const query = {
          groupBy: parseChoice(String(options.groupBy), '--group-by', GROUP_BY),
          ...(from === undefined ? {} : { from: parseInstant(from, '--from', 'from') }),
          ...(to === undefined ? {} : { to: parseInstant(to, '--to', 'to') }),
          ...(feature === undefined ? {} : { feature }),
          ...(config.memberId === undefined ? {} : { memberId: config.memberId }),
        };
        const report = await out.progress('Fetching usage…', () =>
          client.usage.retrieve(config.workspaceId, query),
        );
        out.result(report, () => renderUsage(report));
      }),
    );
};
