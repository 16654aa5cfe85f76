import * as vscode from 'vscode';
import { STATUS_BAR_ITEM_ID } from '../common/ids';
import { Disposable } from '../common/lifecycle';
import { presentStatus, type StatusState } from '../status-presentation';
import type { CreditsController } from './controller';

/** The status bar item: a thin shell over `presentStatus`. */
export class CreditsStatusBar extends Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor(controller: CreditsController) {
    super();
    // An explicit id keeps the item's place and visibility setting stable across versions.
    this.item = this._register(
      vscode.window.createStatusBarItem(STATUS_BAR_ITEM_ID, vscode.StatusBarAlignment.Right, 100),
    );
    this.item.name = 'AI Credits';
    this.render(controller.state);
    this.item.show();
    this._register(controller.onDidChangeState((state) => this.render(state)));
  }

  private render(state: StatusState): void {
    const p = presentStatus(state, new Date());
    this.item.text = p.text;
    const tooltip = new vscode.MarkdownString(p.tooltipMarkdown, true);
    tooltip.isTrusted = false;
    this.item.tooltip = tooltip;
    this.item.command = p.command;
    this.item.accessibilityInformation = { label: p.accessibilityLabel, role: 'button' };
    this.item.backgroundColor =
      p.severity === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : p.severity === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
  }
}
