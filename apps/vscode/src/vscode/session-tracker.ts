import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Reservation } from '@aicredits/sdk';
import * as vscode from 'vscode';
import { PENDING_SESSIONS_STATE_KEY } from '../common/ids';
import { Disposable } from '../common/lifecycle';
import { classifyFailure, describeFailure } from '../credits-service';
import { money } from '../format';
import { TASK_KIND_LABELS, type TaskKind } from '../model';
import {
  captureRequest,
  launcherEnvironment,
  launcherShell,
  outcomeOf,
  type PendingSession,
  parsePendingSessions,
  readReport,
} from '../session-capture';
import type { CreditsController } from './controller';

export interface LaunchRequest {
  reservation: Reservation;
  apiUrl: string;
  workspaceId: string;
  memberId: string | null;
  taskKind: TaskKind;
  model: string;
  command: string;
}

/**
 * Runs Coding Sessions in terminals and settles them when the terminal closes (see
 * `session-capture.ts` for the rule). Sessions are remembered in workspace state so a window
 * reload cannot lose a report: unsettled ones are retried on later refreshes.
 */
export class SessionTracker extends Disposable {
  private readonly byTerminal = new Map<vscode.Terminal, PendingSession>();
  private readonly settling = new Set<string>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly controller: CreditsController,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this._register(vscode.window.onDidCloseTerminal((terminal) => this.onClose(terminal)));
    let recovered = false;
    this._register(
      controller.onDidChangeState((state) => {
        // Recover once the API is known to answer, then again after each good refresh if needed.
        if (state.kind !== 'ok') return;
        if (!recovered || this.pending().length > this.byTerminal.size) {
          recovered = true;
          void this.recover();
        }
      }),
    );
  }

  async launch(request: LaunchRequest): Promise<void> {
    const dir = join(this.context.globalStorageUri.fsPath, 'sessions');
    await mkdir(dir, { recursive: true });
    const usageFile = join(dir, `${request.reservation.id}.json`);
    await rm(usageFile, { force: true });
    const session: PendingSession = {
      reservationId: request.reservation.id,
      workspaceId: request.workspaceId,
      apiUrl: request.apiUrl,
      taskKind: request.taskKind,
      usageFile,
      heldMicros: request.reservation.heldMicros,
      startedAt: request.reservation.createdAt,
      expiresAt: request.reservation.expiresAt,
    };
    await this.savePending([...this.pending(), session]);
    const env = launcherEnvironment({
      reservationId: request.reservation.id,
      workspaceId: request.workspaceId,
      apiUrl: request.apiUrl,
      memberId: request.memberId,
      taskKind: request.taskKind,
      model: request.model,
      estimateHighMicros: request.reservation.heldMicros,
      usageFile,
    });
    const { shellPath, shellArgs } = launcherShell(request.command, process.platform);
    const cwd = vscode.workspace.workspaceFolders?.[0]?.uri;
    const terminal = vscode.window.createTerminal({
      name: `AI Credits · ${TASK_KIND_LABELS[request.taskKind]}`,
      shellPath,
      shellArgs,
      env,
      ...(cwd === undefined ? {} : { cwd }),
      iconPath: new vscode.ThemeIcon('credit-card'),
      // A restored terminal would be a new process without the reservation: never restore it.
      isTransient: true,
    });
    this.byTerminal.set(terminal, session);
    terminal.show();
    this.log.info(
      `session ${session.reservationId} launched (${request.taskKind}, holds ${session.heldMicros} micros)`,
    );
  }

  private onClose(terminal: vscode.Terminal): void {
    const session = this.byTerminal.get(terminal);
    if (session === undefined) return;
    this.byTerminal.delete(terminal);
    void this.settle(session, terminal.exitStatus?.code, true);
  }

  /** Sessions whose terminal is gone (a reload, another window): settle what was reported. */
  private async recover(): Promise<void> {
    const live = new Set([...this.byTerminal.values()].map((s) => s.reservationId));
    const now = Date.now();
    for (const session of this.pending()) {
      if (live.has(session.reservationId) || this.settling.has(session.reservationId)) continue;
      const report = readReport(await readText(session.usageFile));
      if (report.kind === 'reported') {
        await this.settle(session, undefined, false);
      } else if (Date.parse(session.expiresAt) <= now) {
        // Nothing reported and the hold lapsed: the API already released it.
        this.log.info(`forgetting session ${session.reservationId}: nothing reported and the hold expired`);
        await this.forget(session);
      }
    }
  }

  private async settle(
    session: PendingSession,
    exitCode: number | undefined,
    interactive: boolean,
  ): Promise<void> {
    if (this.settling.has(session.reservationId)) return;
    this.settling.add(session.reservationId);
    try {
      const service = await this.controller.serviceForSession(session.apiUrl, session.workspaceId);
      if (service === null) {
        this.log.warn(`session ${session.reservationId} ended while signed out; it is settled after sign-in`);
        return;
      }
      const report = readReport(await readText(session.usageFile));
      const label = TASK_KIND_LABELS[session.taskKind];
      if (report.kind === 'none') {
        await service.voidHold(session);
        await this.forget(session);
        this.log.warn(`session ${session.reservationId}: ${report.problem}; hold voided`);
        void vscode.window.showWarningMessage(
          `AI Credits: the ${label.toLowerCase()} session reported no usage (${report.problem}), so nothing was charged and its hold was released.`,
        );
      } else {
        const request = captureRequest(report.file, exitCode);
        const charge = await service.capture(session, request);
        await this.forget(session);
        const outcome = outcomeOf(report.file, exitCode);
        const unit = this.controller.snapshot?.balance.unit ?? 'usd';
        const amount = charge === null ? 'nothing (unmetered)' : money(charge.amountMicros, unit);
        this.log.info(
          `session ${session.reservationId} captured: ${charge?.amountMicros ?? 0} micros, ${outcome}`,
        );
        const message = `AI Credits: ${label} session ${outcome}; charged ${amount}.`;
        if (interactive) void vscode.window.showInformationMessage(message);
      }
      await this.controller.refresh();
    } catch (error) {
      const message = describeFailure(error);
      this.log.error(`settling session ${session.reservationId} failed: ${message}`);
      // Offline: keep it pending; the next good refresh retries with the same idempotency key.
      if (classifyFailure(error) !== 'offline') {
        void vscode.window.showErrorMessage(`AI Credits: could not settle the session. ${message}`);
      }
    } finally {
      this.settling.delete(session.reservationId);
    }
  }

  private pending(): PendingSession[] {
    return parsePendingSessions(this.context.workspaceState.get(PENDING_SESSIONS_STATE_KEY));
  }

  private async savePending(sessions: PendingSession[]): Promise<void> {
    await this.context.workspaceState.update(PENDING_SESSIONS_STATE_KEY, sessions);
  }

  private async forget(session: PendingSession): Promise<void> {
    await this.savePending(this.pending().filter((s) => s.reservationId !== session.reservationId));
    await rm(session.usageFile, { force: true });
  }
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
