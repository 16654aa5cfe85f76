import * as vscode from 'vscode';
import * as keys from '../common/settingKeys';
import { normalizeApiUrl } from '../config';
import { CreditsService, describeFailure } from '../credits-service';
import type { CreditsController } from './controller';
import type { Secrets } from './secrets';

async function updateSetting(key: string, value: string): Promise<void> {
  await vscode.workspace
    .getConfiguration(keys.SETTINGS_NAMESPACE)
    .update(key, value, vscode.ConfigurationTarget.Global);
}

/**
 * Asks for the API URL (when unset), the token and the workspace, checks the token against the API before
 * storing it, and asks admins for their member id (their token alone does not name them).
 */
export async function signIn(controller: CreditsController, secrets: Secrets, log: vscode.LogOutputChannel) {
  const config = controller.config();
  let apiUrl = config.apiUrl;
  if (apiUrl === null) {
    const entered = await vscode.window.showInputBox({
      title: 'AI Credits: Sign In',
      prompt: 'The URL of your credits API',
      placeHolder: 'https://credits.example.com',
      ignoreFocusOut: true,
      validateInput: (value) => (normalizeApiUrl(value) === null ? 'Enter an http(s) URL.' : null),
    });
    apiUrl = normalizeApiUrl(entered);
    if (apiUrl === null) return;
    await updateSetting(keys.API_URL, apiUrl);
  }

  const token = (
    await vscode.window.showInputBox({
      title: 'AI Credits: Sign In',
      prompt: `Paste your member token for ${apiUrl}. It is kept in VS Code's secret storage.`,
      placeHolder: 'ak_member_…',
      password: true,
      ignoreFocusOut: true,
      validateInput: (value) => (value.trim().startsWith('ak_') ? null : 'Tokens start with "ak_member_".'),
    })
  )?.trim();
  if (token === undefined || token === '') return;

  // Always asked (prefilled): a token belongs to one workspace, so switching is part of signing in.
  const workspaceId = (
    await vscode.window.showInputBox({
      title: 'AI Credits: Sign In',
      prompt: 'The id of the workspace whose credits you spend',
      placeHolder: 'ws_…',
      value: config.workspaceId ?? '',
      ignoreFocusOut: true,
      validateInput: (value) =>
        /^[A-Za-z0-9_.:-]{1,128}$/.test(value.trim()) ? null : 'Enter a workspace id.',
    })
  )?.trim();
  if (workspaceId === undefined || workspaceId === '') return;

  const probe = new CreditsService({ apiUrl, workspaceId, memberId: config.memberId, token });
  let identity: Awaited<ReturnType<CreditsService['identify']>>;
  let workspaceName: string;
  try {
    [identity, workspaceName] = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'AI Credits: checking your token…' },
      async () => {
        const who = await probe.identify();
        const ws = await probe.snapshot();
        return [who, ws.workspace.name] as const;
      },
    );
  } catch (error) {
    const message = describeFailure(error);
    log.warn(`sign-in failed: ${message}`);
    void vscode.window.showErrorMessage(`AI Credits: could not sign in. ${message}`);
    return;
  }
  if (workspaceId !== config.workspaceId) await updateSetting(keys.WORKSPACE_ID, workspaceId);
  await secrets.setMemberToken(token);
  log.info(`signed in to workspace ${workspaceId} as ${identity.memberId ?? 'an admin (no member id)'}`);

  if (identity.memberId === null) {
    const memberId = (
      await vscode.window.showInputBox({
        title: 'AI Credits: your member id (optional)',
        prompt:
          'Admins and owners: enter your member id to see your own spendable credits. Press Escape to show the workspace pool.',
        ignoreFocusOut: true,
      })
    )?.trim();
    if (memberId !== undefined && memberId !== '') await updateSetting(keys.MEMBER_ID, memberId);
  }
  await controller.refresh();
  void vscode.window.showInformationMessage(`AI Credits: signed in to ${workspaceName}.`);
}

export async function signOut(controller: CreditsController, secrets: Secrets) {
  await secrets.clear();
  await controller.refresh();
  void vscode.window.showInformationMessage(
    'AI Credits: signed out; your token was removed from this machine.',
  );
}

/** Stop-gap until member tokens may reserve; stored in SecretStorage like the token. */
export async function setSessionServerKey(controller: CreditsController, secrets: Secrets) {
  const key = (
    await vscode.window.showInputBox({
      title: 'AI Credits: Server Key for Sessions',
      prompt:
        'The credits API lets only server keys reserve credits today. Paste a server key your admin issued for Coding Sessions; it is used only to reserve and capture.',
      placeHolder: 'ak_server_…',
      password: true,
      ignoreFocusOut: true,
      validateInput: (value) =>
        value.trim().startsWith('ak_server_') ? null : 'Server keys start with "ak_server_".',
    })
  )?.trim();
  if (key === undefined || key === '') return;
  await secrets.setSessionServerKey(key);
  await controller.refresh();
  void vscode.window.showInformationMessage('AI Credits: Coding Sessions will reserve with the server key.');
}
