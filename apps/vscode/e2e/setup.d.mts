export const CODE_SERVER_VERSION: string;
export function cacheDir(): string;
export function toolchain(): { cacheDir: string; node24: string; node24Bin: string; vsce: string };
export function setup(): {
  cacheDir: string;
  node24: string;
  node24Bin: string;
  vsce: string;
  codeServerEntry: string;
  vscodeVersion: string;
  chromium: string;
};
