import type { CaptureRequest } from '@aicredits/sdk';
import { z } from 'zod';
import type { TaskKind } from './model';

/**
 * The session launcher and how its usage is captured.
 *
 * The launcher is a shell command run in a VS Code terminal with the reservation in its
 * environment. It reports what the session used by writing JSON to `AICREDITS_USAGE_FILE`:
 *
 *   { "usage": { "model": "gpt-5", "inputTokens": 120000, "outputTokens": 8000,
 *                "cachedInputTokens": 0, "sandboxSeconds": 300 },
 *     "outcome": "succeeded" }
 *   or { "amountMicros": 4250000 }
 *
 * When the terminal closes the extension captures exactly what was reported. The outcome is
 * the file's when given, else it follows the exit: code 0 → succeeded, another code → failed
 * (failed runs are billable, SPEC §5), no code (the terminal was closed or killed) → partial.
 * Nothing reported (no file, or a file that is not valid) → nothing is charged: the hold is
 * voided and the user is told why, so a zero never pollutes the workspace's calibrated estimates.
 */

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const outcomeSchema = z.enum(['succeeded', 'failed', 'partial']);

export const UsageFileSchema = z
  .object({
    usage: z
      .object({
        model: z.string().min(1).max(128),
        inputTokens: count,
        outputTokens: count,
        cachedInputTokens: count.default(0),
        sandboxSeconds: count.default(0),
      })
      .optional(),
    amountMicros: count.optional(),
    outcome: outcomeSchema.optional(),
  })
  .refine((v) => (v.usage === undefined) !== (v.amountMicros === undefined), {
    message: 'give exactly one of "usage" and "amountMicros"',
  });
export type UsageFile = z.infer<typeof UsageFileSchema>;

export type Outcome = z.infer<typeof outcomeSchema>;

/** What the launcher reported: a capture to send, or why there is nothing to send. */
export type Report = { kind: 'reported'; file: UsageFile } | { kind: 'none'; problem: string };

/** Interprets the usage file's text; `null` text means the file does not exist. */
export function readReport(text: string | null): Report {
  if (text === null) return { kind: 'none', problem: 'the launcher wrote no usage file' };
  if (text.trim() === '') return { kind: 'none', problem: 'the usage file is empty' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { kind: 'none', problem: `the usage file is not JSON (${(error as Error).message})` };
  }
  const parsed = UsageFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : ` at "${issue.path.join('.')}"`;
    return {
      kind: 'none',
      problem: `the usage file is not valid${where}: ${issue?.message ?? 'unknown problem'}`,
    };
  }
  return { kind: 'reported', file: parsed.data };
}

/** The terminal's exit code; undefined when it was closed or killed before it exited. */
export function outcomeOf(file: UsageFile, exitCode: number | undefined): Outcome {
  if (file.outcome !== undefined) return file.outcome;
  if (exitCode === undefined) return 'partial';
  return exitCode === 0 ? 'succeeded' : 'failed';
}

export function captureRequest(file: UsageFile, exitCode: number | undefined): CaptureRequest {
  const outcome = outcomeOf(file, exitCode);
  return file.usage !== undefined
    ? { usage: file.usage, outcome }
    : { amountMicros: file.amountMicros ?? 0, outcome };
}

/** One idempotency key per reservation: a retried or recovered capture never charges twice. */
export function captureIdempotencyKey(reservationId: string): string {
  return `vscode-capture-${reservationId}`;
}

export interface LauncherContext {
  reservationId: string;
  workspaceId: string;
  apiUrl: string;
  memberId: string | null;
  taskKind: TaskKind;
  model: string;
  estimateHighMicros: number;
  usageFile: string;
}

/**
 * The launcher's environment. No API key: the extension reserves and captures, so the session
 * never holds a secret.
 */
export function launcherEnvironment(context: LauncherContext): Record<string, string> {
  return {
    AICREDITS_RESERVATION_ID: context.reservationId,
    AICREDITS_WORKSPACE_ID: context.workspaceId,
    AICREDITS_API_URL: context.apiUrl,
    AICREDITS_MEMBER_ID: context.memberId ?? '',
    AICREDITS_TASK_KIND: context.taskKind,
    AICREDITS_MODEL: context.model,
    AICREDITS_ESTIMATE_HIGH_MICROS: String(context.estimateHighMicros),
    AICREDITS_USAGE_FILE: context.usageFile,
  };
}

/** How the terminal runs the command: the shell exits with the command's code. */
export function launcherShell(
  command: string,
  platform: NodeJS.Platform,
): { shellPath: string; shellArgs: string[] } {
  if (platform === 'win32') return { shellPath: 'cmd.exe', shellArgs: ['/d', '/s', '/c', command] };
  return { shellPath: '/bin/sh', shellArgs: ['-c', command] };
}

/** A session launched from this window, remembered until it is captured or voided. */
export interface PendingSession {
  reservationId: string;
  workspaceId: string;
  apiUrl: string;
  taskKind: TaskKind;
  usageFile: string;
  heldMicros: number;
  startedAt: string;
  expiresAt: string;
}

export const PendingSessionSchema = z.object({
  reservationId: z.string().min(1),
  workspaceId: z.string().min(1),
  apiUrl: z.string().min(1),
  taskKind: z.enum(['bug_fix', 'short_task', 'feature', 'refactor', 'multi_turn']),
  usageFile: z.string().min(1),
  heldMicros: count,
  startedAt: z.string(),
  expiresAt: z.string(),
});

/** Pending sessions from storage; anything malformed (an older version's shape) is dropped. */
export function parsePendingSessions(value: unknown): PendingSession[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) => {
    const parsed = PendingSessionSchema.safeParse(item);
    return parsed.success ? [parsed.data] : [];
  });
}
