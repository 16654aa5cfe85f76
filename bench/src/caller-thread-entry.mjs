// A worker thread's entry: plain JavaScript that registers tsx in this thread, then loads the
// TypeScript caller module (the bench runs under tsx or vitest, neither reaches into workers).
import { register } from 'tsx/esm/api';

register();
await import('./caller-thread.ts');
