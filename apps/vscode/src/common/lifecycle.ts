/**
 * Disposal helpers in the style of vscode-pull-request-github's `src/common/lifecycle.ts`.
 * No `vscode` import: VS Code's own disposables match `IDisposable` structurally, and the pure
 * modules (the refresh loop) use the same contract.
 */

export interface IDisposable {
  dispose(): void;
}

export function toDisposable(dispose: () => void): IDisposable {
  return { dispose };
}

/** Disposes every item, even when one throws; rethrows the first error afterwards. */
export function disposeAll(disposables: Iterable<IDisposable>): void {
  let first: unknown;
  let failed = false;
  for (const disposable of disposables) {
    try {
      disposable.dispose();
    } catch (error) {
      if (!failed) {
        first = error;
        failed = true;
      }
    }
  }
  if (failed) throw first;
}

/** Base class for objects that own disposables: everything `_register`ed goes with them. */
export abstract class Disposable implements IDisposable {
  private disposed = false;
  private readonly owned: IDisposable[] = [];

  protected get isDisposed(): boolean {
    return this.disposed;
  }

  protected _register<T extends IDisposable>(value: T): T {
    if (this.disposed) {
      // Registering after disposal would leak: dispose right away instead.
      value.dispose();
    } else {
      this.owned.push(value);
    }
    return value;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // Reverse order: later registrations may depend on earlier ones.
    disposeAll(this.owned.splice(0).reverse());
  }
}
