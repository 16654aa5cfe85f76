import { randomUUID } from 'node:crypto';
import { MoneyError, parseAmountToMicros } from '@aicredits/sdk';
import * as vscode from 'vscode';
import { COMMANDS } from '../common/ids';
import { describeFailure } from '../credits-service';
import { money } from '../format';
import { hasBillingAccess } from '../model';
import { adminRequestText, type Fix } from '../session-plan';
import { blockedReason } from '../status-presentation';
import type { CreditsController } from './controller';

const FIX_LABELS: Record<Fix, string> = { addFunds: 'Add Funds…', askAdmin: 'Ask an Admin' };
const FIX_COMMANDS: Record<Fix, string> = { addFunds: COMMANDS.addFunds, askAdmin: COMMANDS.askAdmin };

/** Says why work may not begin and offers the fix as buttons. */
export async function showBlocked(reason: string, fixes: Fix[]): Promise<void> {
  const choice = await vscode.window.showErrorMessage(
    `AI Credits: can't start a Coding Session. ${reason}`,
    ...fixes.map((fix) => FIX_LABELS[fix]),
  );
  const fix = fixes.find((f) => FIX_LABELS[f] === choice);
  if (fix !== undefined) await vscode.commands.executeCommand(FIX_COMMANDS[fix]);
}

/**
 * The billing page when one is configured; otherwise people with billing access top up here with
 * the workspace's saved card, and everyone else is pointed at an admin.
 */
export async function addFunds(controller: CreditsController, log: vscode.LogOutputChannel): Promise<void> {
  const config = controller.config();
  if (config.addFundsUrl !== null) {
    await vscode.env.openExternal(vscode.Uri.parse(config.addFundsUrl));
    return;
  }
  const service = await controller.currentService();
  const snapshot = controller.snapshot;
  if (service === null || snapshot === null) {
    void vscode.window.showWarningMessage('AI Credits: sign in first.');
    return;
  }
  if (!hasBillingAccess(snapshot.identity, snapshot.workspace)) {
    const who = snapshot.workspace.enterprise ? 'workspace owners' : 'workspace admins and owners';
    const choice = await vscode.window.showWarningMessage(
      `AI Credits: only ${who} can add funds.`,
      'Ask an Admin',
    );
    if (choice === 'Ask an Admin') await vscode.commands.executeCommand(COMMANDS.askAdmin);
    return;
  }
  const entered = await vscode.window.showInputBox({
    title: `AI Credits: Add Funds to ${snapshot.workspace.name}`,
    prompt: 'Amount in USD, charged to the workspace’s saved card (sales tax is added on top).',
    placeHolder: '50.00',
    ignoreFocusOut: true,
    validateInput: (value) => {
      try {
        parseAmountToMicros(value);
        return null;
      } catch (error) {
        return error instanceof MoneyError ? 'Enter an amount like 50 or 25.50.' : String(error);
      }
    },
  });
  if (entered === undefined) return;
  const amountMicros = parseAmountToMicros(entered);
  const confirm = await vscode.window.showWarningMessage(
    `Add ${money(amountMicros, 'usd')} to ${snapshot.workspace.name}?`,
    { modal: true, detail: 'Purchased funds expire after 12 months and are non-refundable.' },
    'Add Funds',
  );
  if (confirm !== 'Add Funds') return;
  try {
    const topup = await service.topup(amountMicros, randomUUID());
    const tax = topup.taxMicros > 0 ? ` plus ${money(topup.taxMicros, 'usd')} tax` : '';
    const test = topup.testFunds ? ' (test funds: nothing was charged)' : '';
    const status =
      topup.status === 'succeeded' ? 'added' : topup.status === 'pending' ? 'pending payment' : 'failed';
    void vscode.window.showInformationMessage(
      `AI Credits: ${money(topup.amountMicros, 'usd')}${tax} ${status}${test}.`,
    );
  } catch (error) {
    const message = describeFailure(error);
    log.warn(`top-up failed: ${message}`);
    void vscode.window.showErrorMessage(`AI Credits: could not add funds. ${message}`);
  }
  await controller.refresh();
}

/** Copies a ready-made request to the clipboard and opens the admin contact when configured. */
export async function askAdmin(controller: CreditsController): Promise<void> {
  const snapshot = controller.snapshot;
  if (snapshot === null) {
    void vscode.window.showWarningMessage('AI Credits: sign in first.');
    return;
  }
  const text = adminRequestText(snapshot, blockedReason(snapshot));
  await vscode.env.clipboard.writeText(text);
  const contact = controller.config().adminContact;
  if (contact !== null) {
    const uri =
      contact.includes('@') && !contact.includes('://')
        ? vscode.Uri.parse(
            `mailto:${contact}?subject=${encodeURIComponent('AI credits')}&body=${encodeURIComponent(text)}`,
          )
        : vscode.Uri.parse(contact);
    await vscode.env.openExternal(uri);
  }
  void vscode.window.showInformationMessage(
    contact === null
      ? 'AI Credits: a request for your admin is on the clipboard. (Set aicredits.adminContact to open your admin channel.)'
      : 'AI Credits: a request for your admin is on the clipboard.',
  );
}
