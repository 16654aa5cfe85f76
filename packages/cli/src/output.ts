import yoctoSpinner from 'yocto-spinner';
import type { ErrorReport } from './errors.js';

/** Where the CLI writes. A parameter, so tests can capture output without spawning a process. */
export interface Io {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean | undefined };
}

export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr };
}

/**
 * One place that decides what goes where: results on stdout (JSON or text), progress and notes on
 * stderr, and in `--json` mode nothing but JSON on stdout.
 */
export class Output {
  readonly json: boolean;
  readonly #io: Io;

  constructor(io: Io, json: boolean) {
    this.#io = io;
    this.json = json;
  }

  /** A command's result: `value` as JSON, or the human rendering. */
  result(value: unknown, human: () => string): void {
    if (this.json) this.#io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    else this.#io.stdout.write(`${human()}\n`);
  }

  /** A side note for humans (stderr); silent in `--json` mode. */
  note(text: string): void {
    if (!this.json) this.#io.stderr.write(`${text}\n`);
  }

  /** A warning: always on stderr, since it never belongs in a script's stdout. */
  warn(text: string): void {
    this.#io.stderr.write(`aicredits: warning: ${text}\n`);
  }

  error(report: ErrorReport): void {
    if (this.json) {
      const body = { error: { code: report.code, message: report.message, requestId: report.requestId } };
      this.#io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
      return;
    }
    const requestId = report.requestId === null ? '' : ` (request ${report.requestId})`;
    this.#io.stderr.write(`aicredits: error: ${report.message} [${report.code}]${requestId}\n`);
    if (report.hint !== undefined) this.#io.stderr.write(`  ${report.hint}\n`);
  }

  /** Shows a spinner while `task` runs, only on an interactive stderr and never with `--json`. */
  async progress<T>(text: string, task: () => Promise<T>): Promise<T> {
    if (this.json || this.#io.stderr.isTTY !== true) return task();
    // The CLI handles SIGINT/SIGTERM itself (e.g. forwarding them to a wrapped command).
    const spinner = yoctoSpinner({ text, stream: process.stderr, handleSignals: false }).start();
    try {
      return await task();
    } finally {
      spinner.stop();
      spinner.clear();
    }
  }
}
