import type { Command } from 'commander';
import type { Context } from '../context.js';

/** A command's body: gets the context, its own options and its positional arguments; may return an exit code. */
export type Action = (ctx: Context, options: Record<string, unknown>, args: string[]) => Promise<unknown>;

/** Wraps an `Action` into what commander calls. */
export type Wrap = (fn: Action) => (...args: unknown[]) => Promise<void>;

export type Register = (program: Command, wrap: Wrap) => void;

export function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
