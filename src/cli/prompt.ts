// Questions on stderr, one line of answer from stdin. Only called when there is a terminal to ask on.
// Ctrl-C at the prompt reaches the process as SIGINT, which aborts ctx.signal: an interruption (exit 130,
// nothing changed). End of input is no answer.
import type { Ctx } from '../ctx.js';
import { Interrupted } from '../errors.js';

/** Asks, and resolves with the line typed (trimmed), or null at the end of input. */
export function ask(ctx: Pick<Ctx, 'err' | 'io' | 'signal'>, question: string): Promise<string | null> {
  return new Promise((resolve, reject) => {
    ctx.err(question);
    // Loaded here, not at start-up: node:readline is seven modules, and a run with --yes never asks.
    const { createInterface } = process.getBuiltinModule('node:readline');
    const rl = createInterface({ input: ctx.io.stdin, terminal: false });
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      ctx.signal.removeEventListener('abort', onAbort);
      rl.close();
      fn();
    };
    const onAbort = () => finish(() => reject(new Interrupted()));
    if (ctx.signal.aborted) return onAbort();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    rl.once('line', (answer) => finish(() => resolve(answer.trim())));
    rl.once('close', () => finish(() => resolve(null)));
  });
}

/** "Proceed? [y/N]": true only for yes. */
export async function confirm(ctx: Pick<Ctx, 'err' | 'io' | 'signal'>, question: string): Promise<boolean> {
  const answer = await ask(ctx, question);
  // y, yes, 예, 네; escaped: the bundle stays ASCII (scripts/build.ts, assertAscii)
  return answer !== null && /^(y|yes|\uc608|\ub124)$/i.test(answer);
}
