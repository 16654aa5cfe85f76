import { Command, CommanderError } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { registerRead } from './commands/read.js';
import { registerRun } from './commands/run.js';
import { registerTopup } from './commands/topup.js';
import type { Wrap } from './commands/types.js';
import { ENV_API_KEY, ENV_API_URL, ENV_MEMBER, ENV_WORKSPACE, type Env, type GlobalFlags } from './config.js';
import { createContext } from './context.js';
import { describeError, EXIT_CODES } from './errors.js';
import { type Io, Output } from './output.js';

const EXIT_HELP = `
Exit codes:
  0  ok
  1  API or unexpected error
  2  usage error: bad arguments or configuration
  3  insufficient credits: work may not begin (insufficient_credits, overage_disabled, overage_cap_reached)
  4  authentication or permission
  5  network error or the API is unavailable
  run: the wrapped command's own exit code once it ran (127 when it could not be started)`;

/** `--json` asked for anywhere before `--` (after it, the words belong to the wrapped command). */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

export function createProgram(io: Io, env: Env, setExitCode: (code: number) => void): Command {
  const program = new Command('aicredits')
    .description(
      'The aicredits command line: balances, usage, lots, transactions, top-ups, estimates and guarded runs.',
    )
    .version(packageJson.version)
    .option('--api-url <url>', `the credits API (env ${ENV_API_URL})`)
    .option('--api-key <key>', `an API key (env ${ENV_API_KEY})`)
    .option('--workspace <id>', `the workspace (env ${ENV_WORKSPACE})`)
    .option('--member <id>', `act for this member: their seat credits and usage (env ${ENV_MEMBER})`)
    .option('--json', 'machine-readable output on stdout; errors as {"error": {...}}')
    .addHelpText('after', EXIT_HELP)
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Parse errors are reported by main(), in the same shape as every other error.
      outputError: () => {},
    });

  const wrap: Wrap =
    (fn) =>
    async (...args) => {
      const command = args[args.length - 1] as Command;
      const positional = args
        .slice(0, -2)
        .flatMap((arg) => (Array.isArray(arg) ? arg.map(String) : [String(arg)]));
      const ctx = createContext(command.optsWithGlobals<GlobalFlags>(), io, env);
      const result = await fn(ctx, command.opts(), positional);
      setExitCode(typeof result === 'number' ? result : EXIT_CODES.ok);
    };
  registerRead(program, wrap);
  registerTopup(program, wrap);
  registerRun(program, wrap);
  // Subcommands inherit the output settings and the exit override.
  for (const command of program.commands) {
    command.exitOverride().configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: () => {},
    });
  }
  return program;
}

/** Runs the CLI and returns the exit code; never throws. */
export async function main(argv: readonly string[], io: Io, env: Env): Promise<number> {
  let exitCode: number = EXIT_CODES.ok;
  const program = createProgram(io, env, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')
        return EXIT_CODES.ok;
      // No subcommand: the help went to stderr; that is a usage error, not a failure.
      if (error.code === 'commander.help' || error.code === 'commander.executeSubCommandAsync')
        return EXIT_CODES.usage;
    }
    const report = describeError(error);
    new Output(io, wantsJson(argv)).error(report);
    return report.exitCode;
  }
}
