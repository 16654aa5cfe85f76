/**
 * The SDK's `fetch` where no Node built-ins exist (browsers, edge runtimes, workers): none of its
 * own, so ky uses `globalThis.fetch`. On Node the package's `node` export condition builds
 * `platform-fetch.node.ts` in its place.
 */
export const platformFetch: typeof globalThis.fetch | undefined = undefined;
