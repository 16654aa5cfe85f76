import * as vscode from 'vscode';
import { SIGNED_IN_CONTEXT_KEY } from '../common/ids';
import { Disposable, toDisposable } from '../common/lifecycle';
import { SETTINGS_NAMESPACE } from '../common/settingKeys';
import { type ExtensionConfig, readConfig } from '../config';
import { CreditsService, classifyFailure, describeFailure } from '../credits-service';
import type { CreditsSnapshot } from '../model';
import { RefreshLoop, type RunResult } from '../refresh-loop';
import type { StatusState } from '../status-presentation';
import type { Secrets } from './secrets';

/**
 * Owns the connection to the credits API and the current state: which service to use (rebuilt
 * when settings or secrets change), the refresh loop, and the latest snapshot.
 */
export class CreditsController extends Disposable {
  private readonly changed = this._register(new vscode.EventEmitter<StatusState>());
  /** Fires after every refresh (and sign-in/out) with the new state. */
  readonly onDidChangeState = this.changed.event;

  private _state: StatusState = { kind: 'loading' };
  private service: CreditsService | null = null;
  private serviceFingerprint = '';
  private lastSnapshot: CreditsSnapshot | null = null;
  private readonly loop: RefreshLoop;

  constructor(
    private readonly secrets: Secrets,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.loop = this._register(
      new RefreshLoop({
        intervalMs: () => this.config().refreshIntervalSeconds * 1000,
        run: () => this.runRefresh(),
        onSchedule: (at) => {
          // An offline state says when the next try is.
          if (at !== null && this._state.kind === 'offline') this.setState({ ...this._state, retryAt: at });
        },
      }),
    );
    this._register(
      vscode.window.onDidChangeWindowState((state) => {
        if (state.focused) this.loop.onFocus();
      }),
    );
    this._register(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(SETTINGS_NAMESPACE)) this.invalidate('settings changed');
      }),
    );
    this._register(this.secrets.onDidChange(() => this.invalidate('credentials changed')));
    this._register(toDisposable(() => this.loop.dispose()));
  }

  get state(): StatusState {
    return this._state;
  }

  /** The latest good snapshot, even while offline. */
  get snapshot(): CreditsSnapshot | null {
    return this.lastSnapshot;
  }

  config(): ExtensionConfig {
    const section = vscode.workspace.getConfiguration(SETTINGS_NAMESPACE);
    return readConfig((key) => section.get(key));
  }

  /** Starts polling; the first refresh runs right away, off the activation path. */
  start(): void {
    void this.loop.refreshNow();
  }

  refresh(): Promise<void> {
    return this.loop.refreshNow();
  }

  /** The service for the current settings and token, or null when signed out or not set up. */
  async currentService(): Promise<CreditsService | null> {
    const config = this.config();
    const token = await this.secrets.memberToken();
    if (config.apiUrl === null || config.workspaceId === null || token === null) return null;
    const sessionServerKey = await this.secrets.sessionServerKey();
    return this.serviceFor(config.apiUrl, config.workspaceId, config.memberId, token, sessionServerKey);
  }

  /** A service for a session started under other settings (its capture goes to its workspace). */
  async serviceForSession(apiUrl: string, workspaceId: string): Promise<CreditsService | null> {
    const token = await this.secrets.memberToken();
    if (token === null) return null;
    return this.serviceFor(
      apiUrl,
      workspaceId,
      this.config().memberId,
      token,
      await this.secrets.sessionServerKey(),
    );
  }

  private serviceFor(
    apiUrl: string,
    workspaceId: string,
    memberId: string | null,
    token: string,
    sessionServerKey: string | null,
  ): CreditsService {
    // The fingerprint never leaves memory; it only tells whether to rebuild the client.
    const fingerprint = JSON.stringify([apiUrl, workspaceId, memberId, token, sessionServerKey]);
    if (this.service === null || fingerprint !== this.serviceFingerprint) {
      this.service = new CreditsService({ apiUrl, workspaceId, memberId, token, sessionServerKey });
      this.serviceFingerprint = fingerprint;
    }
    return this.service;
  }

  private invalidate(reason: string): void {
    this.log.info(`refreshing: ${reason}`);
    this.service = null;
    this.serviceFingerprint = '';
    void this.loop.refreshNow();
  }

  private async runRefresh(): Promise<RunResult> {
    const config = this.config();
    const token = await this.secrets.memberToken();
    await vscode.commands.executeCommand('setContext', SIGNED_IN_CONTEXT_KEY, token !== null);
    if (config.apiUrl === null) {
      this.setState({ kind: 'needsSetup', missing: 'apiUrl' });
      return 'idle';
    }
    if (token === null) {
      this.lastSnapshot = null;
      this.setState({ kind: 'signedOut' });
      return 'idle';
    }
    if (config.workspaceId === null) {
      this.setState({ kind: 'needsSetup', missing: 'workspaceId' });
      return 'idle';
    }
    const service = await this.currentService();
    if (service === null) return 'idle';
    try {
      const snapshot = await service.snapshot();
      this.lastSnapshot = snapshot;
      this.setState({ kind: 'ok', snapshot });
      return 'ok';
    } catch (error) {
      const message = describeFailure(error);
      const kind = classifyFailure(error);
      this.log.warn(`refresh failed (${kind}): ${message}`);
      if (kind === 'rejected') {
        this.setState({ kind: 'rejected', message });
        // Polling cannot fix a rejected token or a wrong workspace: wait for a change.
        return 'idle';
      }
      this.setState({ kind: 'offline', message, retryAt: new Date(), last: this.lastSnapshot });
      return 'failed';
    }
  }

  private setState(state: StatusState): void {
    this._state = state;
    this.changed.fire(state);
  }
}
