import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChargeOutcome, createGuard, type Settlement } from '@aicredits/guard';
import type { Unit } from '@aicredits/sdk';
import type { Context } from '../context.js';
import { CliError, describeError, usageError } from '../errors.js';
import { money } from '../format.js';
import { parseAmount, parseChoice, parsePositiveInt } from '../parse.js';
import { applyUsage, hasTokens, parseUsageFile, type UsageRecord } from '../usage-file.js';
import { TASK_KINDS, type TaskKind } from './topup.js';
import { optionalString, type Register } from './types.js';

export interface RunOptions {
  command: readonly string[];
  /** The hold, when given with --estimate; otherwise the high end of the task kind's estimate. */
  estimateMicros: number | undefined;
  taskKind: TaskKind | undefined;
  model: string | undefined;
  feature: string;
  ttlSeconds: number;
}

interface ChildExit {
  started: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

/** Signals a terminal or a supervisor sends to stop work; the child gets them and decides. */
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Exit status of a command that could not be started, as shells report it. */
const NOT_FOUND_EXIT = 127;
const NOT_EXECUTABLE_EXIT = 126;

function spawnChild(
  command: readonly string[],
  env: NodeJS.ProcessEnv,
  stop: AbortSignal,
): Promise<ChildExit> {
  const [file, ...args] = command;
  return new Promise((resolve) => {
    // No shell: the words after `--` are the command and its arguments, exactly as typed.
    const child = spawn(file ?? '', args, { stdio: 'inherit', env });
    let started = false;
    const forward = (signal: NodeJS.Signals) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    const onStop = () => forward('SIGTERM');
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    stop.addEventListener('abort', onStop, { once: true });
    const done = (exit: ChildExit) => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
      stop.removeEventListener('abort', onStop);
      resolve(exit);
    };
    child.once('spawn', () => {
      started = true;
    });
    child.once('error', (error) => {
      if (!started) done({ started: false, code: null, signal: null, error });
    });
    child.once('close', (code, signal) => {
      if (started) done({ started: true, code, signal });
    });
  });
}

export function exitCodeOf(exit: Pick<ChildExit, 'code' | 'signal'>): number {
  if (exit.code !== null) return exit.code;
  // The shell convention, so `$?` after a killed child reads the same as without the wrapper.
  if (exit.signal !== null) return 128 + (constants.signals[exit.signal] ?? 0);
  return 1;
}

export function outcomeOf(exit: Pick<ChildExit, 'code' | 'signal'>): ChargeOutcome {
  if (exit.signal !== null) return 'partial';
  return exit.code === 0 ? 'succeeded' : 'failed';
}

async function readUsageFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new CliError({
      code: 'invalid_usage_file',
      exitCode: 'error',
      message: `The usage file could not be read: ${(error as Error).message}`,
    });
  }
}

function describeSettlement(
  settlement: Settlement,
  feature: string,
  reservationId: string | undefined,
  unit: Unit,
): string {
  switch (settlement.kind) {
    case 'captured':
      return `charged ${money(settlement.charge.amountMicros, unit)} to ${feature} (${settlement.outcome}; reservation ${reservationId ?? '?'}, charge ${settlement.charge.id})`;
    case 'voided':
      return 'the command did not start; the hold was released and nothing was charged';
    case 'pass_through':
      return 'not metered: the workspace is self-hosted';
    case 'unmetered':
      return 'not metered: the credits API was unavailable';
  }
}

/**
 * Reserve, run, capture. The hold is taken before the command starts (exit 3 when work may not
 * begin); the command runs with the reservation in its environment; whatever it reports in the
 * usage file is captured whether it succeeded or failed, since failed runs are billable.
 */
export async function runGuarded(ctx: Context, options: RunOptions): Promise<number> {
  const { client, config, out, env } = ctx;
  const { workspaceId, memberId } = config;
  const { feature } = options;
  // The unit (dollars or credits) is needed to print amounts; fetching it first also surfaces a
  // bad key or workspace before anything is held.
  const { unit } = await out.progress('Checking the workspace…', () =>
    client.workspaces.retrieve(workspaceId),
  );
  let defaultModel = options.model;
  let amountMicros = options.estimateMicros;
  if (amountMicros === undefined) {
    const taskKind = options.taskKind;
    if (taskKind === undefined)
      throw usageError('missing_estimate', 'run needs --estimate <amount> or --task-kind <kind>.');
    const estimate = await out.progress('Estimating…', () =>
      client.estimates.create(workspaceId, {
        feature,
        taskKind,
        ...(options.model === undefined ? {} : { model: options.model }),
        ...(memberId === undefined ? {} : { memberId }),
      }),
    );
    // Hold the high end: the hold is only an authorization, the capture charges what was used.
    amountMicros = Math.max(1, estimate.highMicros);
    defaultModel ??= estimate.model;
  }

  const guard = createGuard({
    client,
    feature,
    ttlSeconds: options.ttlSeconds,
    hooks: {
      onError: (event) => {
        // Capture failures are thrown and reported once, below.
        if (event.stage !== 'capture') out.warn(`${event.stage}: ${describeError(event.error).message}`);
      },
    },
  });
  const session = await out.progress('Reserving credits…', () =>
    guard.begin({
      workspaceId,
      ...(memberId === undefined ? {} : { memberId }),
      estimate: { amountMicros },
      idempotencyKey: `cli-run-${randomUUID()}`,
    }),
  );
  const { meter } = session;
  const reservation = meter.reservation;
  if (reservation !== undefined)
    out.note(`aicredits: holding ${money(reservation.heldMicros, unit)} (reservation ${reservation.id})`);

  const dir = await mkdtemp(join(tmpdir(), 'aicredits-run-'));
  try {
    const usageFile = join(dir, 'usage.json');
    // A run nested in another run must not inherit the outer run's reservation or member.
    const {
      AICREDITS_RESERVATION_ID: _r,
      AICREDITS_HOLD_MICROS: _h,
      AICREDITS_MEMBER: _m,
      ...inherited
    } = env;
    const childEnv: NodeJS.ProcessEnv = {
      ...inherited,
      AICREDITS_WORKSPACE: workspaceId,
      AICREDITS_FEATURE: feature,
      AICREDITS_USAGE_FILE: usageFile,
      AICREDITS_METER_MODE: meter.mode,
      ...(memberId === undefined ? {} : { AICREDITS_MEMBER: memberId }),
      ...(reservation === undefined
        ? {}
        : {
            AICREDITS_RESERVATION_ID: reservation.id,
            AICREDITS_HOLD_MICROS: String(reservation.heldMicros),
          }),
    };
    meter.signal.addEventListener('abort', () => {
      out.warn(`stopping the command: ${describeError(meter.signal.reason).message}`);
    });
    const exit = await spawnChild(options.command, childEnv, meter.signal);

    if (!exit.started) {
      await session.end({ started: false });
      const code = (exit.error as NodeJS.ErrnoException | undefined)?.code;
      out.error({
        code: 'command_not_started',
        message: `Could not start ${options.command[0] ?? ''}: ${exit.error?.message ?? 'unknown error'}`,
        requestId: null,
        exitCode: NOT_FOUND_EXIT,
        hint: 'Nothing was charged. Put the command after `--`, e.g. aicredits run --estimate 5 -- node task.js',
      });
      return code === 'EACCES' ? NOT_EXECUTABLE_EXIT : NOT_FOUND_EXIT;
    }

    let records: UsageRecord[] = [];
    try {
      records = parseUsageFile(await readUsageFile(usageFile));
      if (defaultModel === undefined && records.some((r) => hasTokens(r) && r.model === undefined)) {
        defaultModel = (await client.prices.retrieve()).latestModel;
      }
      applyUsage(meter, records, defaultModel);
    } catch (error) {
      // The command used something we cannot measure: charge the hold it was admitted with.
      out.warn(`${describeError(error).message} Charging the reserved estimate instead.`);
      meter.setAmountMicros(reservation?.heldMicros ?? amountMicros);
    }
    if (!meter.usage().reported && meter.mode === 'metered') {
      out.note('aicredits: the command reported no usage (see AICREDITS_USAGE_FILE); nothing is charged');
    }
    const outcome = records.findLast((r) => r.outcome !== undefined)?.outcome ?? outcomeOf(exit);
    const exitCode = exitCodeOf(exit);
    let settlement: Settlement;
    try {
      settlement = await out.progress('Settling usage…', () => session.end({ outcome }));
    } catch (error) {
      const report = describeError(error);
      out.error(report);
      return exitCode !== 0 ? exitCode : report.exitCode;
    }
    const charge = settlement.kind === 'captured' ? settlement.charge : null;
    if (out.json) {
      out.result(
        {
          run: {
            command: options.command,
            exitCode,
            signal: exit.signal,
            outcome,
            mode: meter.mode,
            settlement: settlement.kind,
            reservationId: reservation?.id ?? null,
            charge: charge === null ? null : { id: charge.id, amountMicros: charge.amountMicros },
          },
        },
        () => '',
      );
    }
    out.note(`aicredits: ${describeSettlement(settlement, feature, reservation?.id, unit)}`);
    return exitCode;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const registerRun: Register = (program, action) => {
  program
    .command('run')
    .description(
      'Run a command under a credit hold: reserve, run, capture what it reports (also when it fails).',
    )
    .argument('<command...>', 'the command and its arguments, after --')
    .option('--estimate <amount>', 'dollars to hold while it runs, e.g. 5')
    .option('--task-kind <kind>', `hold the estimate of this task kind (${TASK_KINDS.join('|')})`)
    .option(
      '--model <model>',
      'model for tokens reported without one (default: the estimate’s, else the latest)',
    )
    .option('--feature <feature>', 'the feature the run bills to', 'coding_session')
    .option('--ttl <seconds>', 'how long the hold lives between extensions', '900')
    .action(
      action(async (ctx, options, args) => {
        const estimate = optionalString(options.estimate);
        const taskKind = optionalString(options.taskKind);
        if (estimate !== undefined && taskKind !== undefined) {
          throw usageError('conflicting_options', 'Pass either --estimate or --task-kind, not both.');
        }
        if (estimate === undefined && taskKind === undefined) {
          throw usageError('missing_estimate', 'run needs --estimate <amount> or --task-kind <kind>.');
        }
        return runGuarded(ctx, {
          command: args,
          estimateMicros: estimate === undefined ? undefined : parseAmount(estimate, '--estimate'),
          taskKind: taskKind === undefined ? undefined : parseChoice(taskKind, '--task-kind', TASK_KINDS),
          model: optionalString(options.model),
          feature: String(options.feature),
          ttlSeconds: parsePositiveInt(String(options.ttl), '--ttl', 86_400),
        });
      }),
    );
};
