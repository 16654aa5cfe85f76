import type * as vscode from 'vscode';
import { SECRET_MEMBER_TOKEN, SECRET_SESSION_SERVER_KEY } from '../common/ids';

/** The member token (and the stop-gap session server key) live only in VS Code's SecretStorage. */
export class Secrets {
  constructor(private readonly storage: vscode.SecretStorage) {}

  get onDidChange(): vscode.Event<vscode.SecretStorageChangeEvent> {
    return this.storage.onDidChange;
  }

  async memberToken(): Promise<string | null> {
    return (await this.storage.get(SECRET_MEMBER_TOKEN)) ?? null;
  }

  async sessionServerKey(): Promise<string | null> {
    return (await this.storage.get(SECRET_SESSION_SERVER_KEY)) ?? null;
  }

  setMemberToken(token: string): Thenable<void> {
    return this.storage.store(SECRET_MEMBER_TOKEN, token);
  }

  setSessionServerKey(key: string): Thenable<void> {
    return this.storage.store(SECRET_SESSION_SERVER_KEY, key);
  }

  async clear(): Promise<void> {
    await this.storage.delete(SECRET_MEMBER_TOKEN);
    await this.storage.delete(SECRET_SESSION_SERVER_KEY);
  }
}
