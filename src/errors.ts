// Expected failures carry an exit code and a sentence (a message key with that key's parameters, checked
// by the compiler); the one top-level handler in main.ts prints them in the user's language and exits.
// Anything else is a bug: printed as one line, with the stack only under --verbose.
import type { Key, ParamsOf } from './i18n/index.js';

/** The contract's exit codes (README "Exit codes"). 130 is Ctrl-C; 143 the same stop by SIGTERM. */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  NOT_CONFIRMED: 3,
  STATE: 4,
  TIMEOUT: 5,
  INTERRUPTED: 130,
  /** Stopped by SIGTERM (128 + 15), before anything was changed or after, as for 130. */
  TERMINATED: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A key's parameters; keys without parameters also accept an empty object. */
export type ArgsOf<K extends Key> = ParamsOf<K> extends [] ? [params?: Record<string, never>] : ParamsOf<K>;

/** One sentence: a message key and its parameters, rendered later in the user's language. */
export interface Sentence {
  key: Key;
  params: readonly unknown[];
}

export class CliError<K extends Key = Key> extends Error {
  readonly sentences: Sentence[];
  override cause?: unknown;

  constructor(
    readonly exitCode: ExitCode,
    readonly key: K,
    ...params: ArgsOf<K>
  ) {
    super(key);
    this.sentences = [{ key, params }];
  }

  /** The parameters of the first sentence. */
  get params(): Record<string, unknown> {
    return (this.sentences[0]!.params[0] ?? {}) as Record<string, unknown>;
  }

  /** Adds a sentence printed after the others. */
  with<K2 extends Key>(key: K2, ...params: ArgsOf<K2>): this {
    this.sentences.push({ key, params });
    return this;
  }

  /** The lower-level error this one explains (shown with -v). */
  causedBy(cause: unknown): this {
    this.cause = cause;
    return this;
  }
}

/** The user stopped the command (Ctrl-C) before anything was changed. */
export class Interrupted extends Error {
  constructor() {
    super('interrupted');
  }
}
