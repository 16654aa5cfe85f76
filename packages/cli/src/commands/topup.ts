import { randomUUID } from 'node:crypto';
import type { EstimateRequest } from '@aicredits/sdk';
import { renderEstimate, renderTopup } from '../format.js';
import { parseChoice, parseTopupAmount } from '../parse.js';
import { optionalString, type Register } from './types.js';

export const TASK_KINDS = [
  'bug_fix',
  'short_task',
  'feature',
  'refactor',
  'multi_turn',
] as const satisfies readonly EstimateRequest['taskKind'][];
export type TaskKind = (typeof TASK_KINDS)[number];

export const registerTopup: Register = (program, action) => {
  program
    .command('topup')
    .description('Add funds (USD) to the workspace’s prepaid balance; needs billing access.')
    .argument('<amount>', 'dollars, e.g. 50 or 12.34 (whole cents)')
    .option(
      '--idempotency-key <key>',
      'replaying the same key returns the first top-up instead of charging again (default: new per run)',
    )
    .option('--payment-method <id>', 'a Stripe payment method instead of the saved card')
    .action(
      action(async ({ client, config, out }, options, args) => {
        const amountMicros = parseTopupAmount(args[0] ?? '');
        // One key per invocation: the SDK's retries reuse it, so a lost answer never charges twice.
        const idempotencyKey = optionalString(options.idempotencyKey) ?? `cli-topup-${randomUUID()}`;
        const paymentMethodId = optionalString(options.paymentMethod);
        const topup = await out.progress('Adding funds…', () =>
          client.topups.create(
            config.workspaceId,
            { amountMicros, ...(paymentMethodId === undefined ? {} : { paymentMethodId }) },
            { idempotencyKey },
          ),
        );
        out.result(topup, () => renderTopup(topup));
      }),
    );

  program
    .command('estimate')
    .description('Estimate what a task will cost before it starts, and whether the balance covers it.')
    .requiredOption('--task-kind <kind>', TASK_KINDS.join('|'))
    .option('--model <model>', 'price with this model (default: the pinned or latest model)')
    .option('--feature <feature>', 'the feature the task bills to', 'coding_session')
    .action(
      action(async ({ client, config, out }, options) => {
        const taskKind = parseChoice(String(options.taskKind), '--task-kind', TASK_KINDS);
        const model = optionalString(options.model);
        const estimate = await out.progress('Estimating…', () =>
          client.estimates.create(config.workspaceId, {
            feature: String(options.feature),
            taskKind,
            ...(model === undefined ? {} : { model }),
            ...(config.memberId === undefined ? {} : { memberId: config.memberId }),
          }),
        );
        out.result(estimate, () => renderEstimate(estimate));
      }),
    );
};
