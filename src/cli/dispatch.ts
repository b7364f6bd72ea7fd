// From parsed arguments to the command's handler: one table, each entry loading only its own module.
import type { Ctx } from '../ctx.js';
import type { ExitCode } from '../errors.js';
import type { ArgsOf, CommandName } from './spec.js';

export type Handler<N extends CommandName> = (ctx: Ctx, args: ArgsOf<N>) => Promise<ExitCode>;

const HANDLERS: { [N in CommandName]: () => Promise<Handler<N>> } = {
  status: async () => (await import('./commands/status.js')).status,
  'set-image': async () => (await import('./commands/set-image.js')).setImage,
  promote: async () => (await import('./commands/promote.js')).promote,
  undo: async () => (await import('./commands/undo.js')).undo,
  abort: async () => (await import('./commands/abort.js')).abort,
  retry: async () => (await import('./commands/retry.js')).retry,
  history: async () => (await import('./commands/history.js')).history,
  diff: async () => (await import('./commands/diff.js')).diff,
  wait: async () => (await import('./commands/wait.js')).wait,
  preview: async () => (await import('./commands/preview.js')).preview,
  version: async () => (await import('./commands/version.js')).version,
  completion: async () => (await import('./commands/completion.js')).completion,
};

/**
 * Runs command `name`. `args` comes from parseArgv, which built it from this command's spec with
 * finalizeArgs: it has exactly ArgsOf<N>'s shape (test/unit/parse.test.ts checks both parsers).
 */
export async function dispatch<N extends CommandName>(ctx: Ctx, name: N, args: Record<string, unknown>): Promise<ExitCode> {
  const handler = await HANDLERS[name]();
  return handler(ctx, args as ArgsOf<N>);
}
