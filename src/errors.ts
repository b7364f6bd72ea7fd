// Expected failures carry an exit code and a message key; the one top-level handler in main.ts prints
// them as a sentence (in the user's language) and exits. Anything else is a bug: printed as one line,
// with the stack only under --verbose.
import type { Key } from './i18n/index.js';

export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  NOT_CONFIRMED: 3,
  STATE: 4,
  TIMEOUT: 5,
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  /** Extra sentences (already rendered keys) printed after the main one. */
  readonly extra: Array<{ key: Key; params: Record<string, string> }> = [];

  constructor(
    readonly exitCode: number,
    readonly key: Key,
    readonly params: Record<string, string>,
    override readonly cause?: unknown,
  ) {
    super(key);
  }

  with(key: Key, params: Record<string, string>): this {
    this.extra.push({ key, params });
    return this;
  }
}

/** The user stopped the command (Ctrl-C). */
export class Interrupted extends Error {
  constructor() {
    super('interrupted');
  }
}
