import { randomUUID } from 'node:crypto';
import { InsufficientCreditsError } from '@aicredits/sdk';
import * as vscode from 'vscode';
import { COMMANDS } from '../common/ids';
import { qualified, SESSION_LAUNCHER_COMMAND } from '../common/settingKeys';
import { classifyFailure, describeFailure, ReservationNotAllowedError } from '../credits-service';
import { money } from '../format';
import { TASK_KIND_LABELS, TASK_KINDS } from '../model';
import { confirmation, fixesFor, planSession, type SessionOption } from '../session-plan';
import { isSelfHosted } from '../status-presentation';
import type { CreditsController } from './controller';
import { showBlocked } from './funds';
import type { SessionTracker } from './session-tracker';

type KindItem = vscode.QuickPickItem & { option?: SessionOption };

/**
 * Start Coding Session…: pick a task kind with its estimate, model, balance after and verdict
 * shown in the picker; confirm; reserve; launch. Nothing is reserved before the confirmation.
 */
export async function startCodingSession(
  controller: CreditsController,
  tracker: SessionTracker,
  log: vscode.LogOutputChannel,
): Promise<void> {
  const service = await controller.currentService();
  if (service === null) {
    const choice = await vscode.window.showWarningMessage(
      'AI Credits: sign in to start a Coding Session.',
      'Sign In…',
    );
    if (choice !== undefined) await vscode.commands.executeCommand(COMMANDS.signIn);
    return;
  }

  const picker = vscode.window.createQuickPick<KindItem>();
  picker.title = 'AI Credits: Start Coding Session';
  picker.placeholder = 'Pick the task kind: its estimated cost, model and the balance after are shown first';
  picker.matchOnDescription = true;
  picker.busy = true;
  picker.items = TASK_KINDS.map((kind) => ({ label: TASK_KIND_LABELS[kind], description: 'estimating…' }));
  picker.show();

  const loaded = (async () => {
    const [snapshot, estimates, prices] = await Promise.all([
      service.snapshot(),
      service.estimates(),
      service.prices().catch((error: unknown) => {
        // Names are a nicety: show model ids when the price table cannot be read.
        log.warn(`price table unavailable: ${describeFailure(error)}`);
        return null;
      }),
    ]);
    const options = TASK_KINDS.map((kind) =>
      planSession(snapshot, kind, estimates.get(kind) ?? { ok: false, message: 'no answer' }, prices),
    );
    return { snapshot, options };
  })();

  let plan: Awaited<typeof loaded>;
  try {
    plan = await loaded;
  } catch (error) {
    picker.dispose();
    const message = describeFailure(error);
    log.warn(`estimates failed: ${message}`);
    const offline = classifyFailure(error) === 'offline';
    void vscode.window.showErrorMessage(
      `AI Credits: ${offline ? "can't reach the credits API" : 'could not estimate'}. ${message}`,
    );
    return;
  }
  const { snapshot, options } = plan;
  picker.items = options.map((option) => ({
    label: option.label,
    description: option.description,
    detail: option.detail,
    option,
  }));
  picker.title = isSelfHosted(snapshot)
    ? `AI Credits: Start Coding Session · ${snapshot.workspace.name} (self-hosted)`
    : `AI Credits: Start Coding Session · ${money(snapshot.balance.spendableMicros, snapshot.balance.unit)} spendable`;
  picker.busy = false;

  const option = await new Promise<SessionOption | undefined>((resolve) => {
    picker.onDidAccept(() => {
      resolve(picker.selectedItems[0]?.option);
      picker.hide();
    });
    picker.onDidHide(() => {
      resolve(undefined);
      picker.dispose();
    });
  });
  if (option === undefined) return;

  if (!option.mayBegin) {
    await showBlocked(
      option.blockedReason ?? 'Work may not begin.',
      option.estimate === null ? [] : fixesFor(snapshot),
    );
    return;
  }
  const estimate = option.estimate;
  if (estimate === null) return;

  const config = controller.config();
  if (config.launcherCommand === null) {
    const choice = await vscode.window.showWarningMessage(
      `AI Credits: set the command that runs a Coding Session (${qualified(SESSION_LAUNCHER_COMMAND)}). Estimate for a ${option.label.toLowerCase()}: ${option.description}.`,
      'Open Setting',
    );
    if (choice !== undefined) {
      await vscode.commands.executeCommand(
        'workbench.action.openSettings',
        qualified(SESSION_LAUNCHER_COMMAND),
      );
    }
    return;
  }

  const text = confirmation(option, snapshot, config.holdTtlSeconds, config.launcherCommand, new Date());
  const go = await vscode.window.showInformationMessage(
    text.message,
    { modal: true, detail: text.detail },
    'Start Session',
  );
  if (go !== 'Start Session') return;

  let reservation: Awaited<ReturnType<typeof service.reserve>>;
  try {
    reservation = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'AI Credits: reserving credits…' },
      () =>
        service.reserve({
          taskKind: option.taskKind,
          estimateMicros: estimate.highMicros,
          ttlSeconds: config.holdTtlSeconds,
          idempotencyKey: randomUUID(),
        }),
    );
  } catch (error) {
    if (error instanceof InsufficientCreditsError) {
      await showBlocked(error.message, fixesFor(snapshot));
    } else if (error instanceof ReservationNotAllowedError) {
      log.warn(error.message);
      const choice = await vscode.window.showErrorMessage(`AI Credits: ${error.message}`, 'Set Server Key…');
      if (choice !== undefined) await vscode.commands.executeCommand(COMMANDS.setSessionServerKey);
    } else {
      const message = describeFailure(error);
      log.error(`reservation failed: ${message}`);
      void vscode.window.showErrorMessage(`AI Credits: could not reserve credits. ${message}`);
    }
    await controller.refresh();
    return;
  }

  if (config.apiUrl === null || config.workspaceId === null) return;
  await tracker.launch({
    reservation,
    apiUrl: config.apiUrl,
    workspaceId: config.workspaceId,
    memberId: snapshot.identity.memberId,
    taskKind: option.taskKind,
    model: estimate.model,
    command: config.launcherCommand,
  });
  void vscode.window.showInformationMessage(
    `AI Credits: ${option.label} session started; ${money(reservation.heldMicros, estimate.unit)} reserved (${reservation.id}).`,
  );
  await controller.refresh();
}
