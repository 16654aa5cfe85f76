import * as vscode from 'vscode';
import { COMMANDS } from './common/ids';
import { SETTINGS_NAMESPACE } from './common/settingKeys';
import { CreditsController } from './vscode/controller';
import { addFunds, askAdmin } from './vscode/funds';
import { Secrets } from './vscode/secrets';
import { SessionTracker } from './vscode/session-tracker';
import { setSessionServerKey, signIn, signOut } from './vscode/sign-in';
import { startCodingSession } from './vscode/start-session';
import { CreditsStatusBar } from './vscode/status-bar';
import { CreditsTreeView } from './vscode/tree-view';

/**
 * Activated on `onStartupFinished` (after the window is up, never delaying it) so the balance
 * shows without a command. Activation only wires objects together; the first network call is
 * the first refresh, which runs after `activate` returns.
 */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('AI Credits', { log: true });
  context.subscriptions.push(log);
  const secrets = new Secrets(context.secrets);
  const controller = new CreditsController(secrets, log);
  context.subscriptions.push(controller);
  context.subscriptions.push(new CreditsStatusBar(controller));
  const tree = new CreditsTreeView(controller, log);
  context.subscriptions.push(tree);
  const tracker = new SessionTracker(context, controller, log);
  context.subscriptions.push(tracker);

  const commands: Record<string, () => unknown> = {
    [COMMANDS.signIn]: () => signIn(controller, secrets, log),
    [COMMANDS.signOut]: () => signOut(controller, secrets),
    [COMMANDS.startCodingSession]: () => startCodingSession(controller, tracker, log),
    [COMMANDS.refresh]: () => controller.refresh(),
    [COMMANDS.showDetails]: async () => {
      await tree.reveal();
      await controller.refresh();
    },
    [COMMANDS.addFunds]: () => addFunds(controller, log),
    [COMMANDS.askAdmin]: () => askAdmin(controller),
    [COMMANDS.setSessionServerKey]: () => setSessionServerKey(controller, secrets),
    [COMMANDS.openSettings]: () =>
      vscode.commands.executeCommand(
        'workbench.action.openSettings',
        `@ext:aicredits.aicredits-vscode ${SETTINGS_NAMESPACE}`,
      ),
  };
  for (const [id, handler] of Object.entries(commands)) {
    context.subscriptions.push(vscode.commands.registerCommand(id, handler));
  }
  controller.start();
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
