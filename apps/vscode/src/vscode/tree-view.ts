import * as vscode from 'vscode';
import { CREDITS_VIEW_ID } from '../common/ids';
import { Disposable } from '../common/lifecycle';
import { type CreditsDetails, describeFailure } from '../credits-service';
import type { CreditsSnapshot } from '../model';
import { buildTree, type TreeNode } from '../tree-model';
import type { CreditsController } from './controller';

/**
 * The AI Credits view. Details (lots, usage, the pool) are fetched only when the view asks for
 * its children, i.e. when it is visible, and again after each status refresh.
 */
export class CreditsTreeView extends Disposable implements vscode.TreeDataProvider<TreeNode> {
  private readonly changed = this._register(new vscode.EventEmitter<TreeNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private details: { snapshot: CreditsSnapshot; details: CreditsDetails } | null = null;
  private readonly view: vscode.TreeView<TreeNode>;

  constructor(
    private readonly controller: CreditsController,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.view = this._register(vscode.window.createTreeView(CREDITS_VIEW_ID, { treeDataProvider: this }));
    this._register(
      controller.onDidChangeState(() => {
        this.details = null;
        this.changed.fire(undefined);
      }),
    );
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const state =
      node.children === undefined
        ? vscode.TreeItemCollapsibleState.None
        : node.expanded
          ? vscode.TreeItemCollapsibleState.Expanded
          : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(node.label, state);
    item.id = node.id;
    if (node.description !== undefined) item.description = node.description;
    if (node.tooltip !== undefined) item.tooltip = node.tooltip;
    if (node.icon !== undefined) item.iconPath = new vscode.ThemeIcon(node.icon);
    return item;
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (node !== undefined) return node.children ?? [];
    const state = this.controller.state;
    const snapshot = this.controller.snapshot;
    if (state.kind === 'signedOut' || state.kind === 'needsSetup') return [];
    if (snapshot === null) {
      if (state.kind === 'rejected' || state.kind === 'offline') {
        return [{ id: 'problem', label: state.message, icon: 'warning' }];
      }
      return [{ id: 'loading', label: 'Loading…', icon: 'sync~spin' }];
    }
    try {
      if (this.details === null || this.details.snapshot !== snapshot) {
        const service = await this.controller.currentService();
        if (service === null) return [];
        this.details = { snapshot, details: await service.details(snapshot) };
      }
      this.view.message = state.kind === 'offline' ? `Offline: ${state.message}` : undefined;
      return buildTree(snapshot, this.details.details, new Date());
    } catch (error) {
      const message = describeFailure(error);
      this.log.warn(`loading the AI Credits view failed: ${message}`);
      return [{ id: 'problem', label: `Could not load details: ${message}`, icon: 'warning' }];
    }
  }

  /** Opens the view (the status bar's click). */
  async reveal(): Promise<void> {
    await vscode.commands.executeCommand(`${CREDITS_VIEW_ID}.focus`);
  }
}
