// "Proceed? [y/N]" on stderr, one line of answer from stdin. Only called when there is a terminal to
// ask on. Ctrl-C at the prompt reaches the process as SIGINT, which aborts ctx.signal: an
// interruption (exit 130, nothing changed). End of input is "no".
import { createInterface } from 'node:readline';
import type { Ctx } from '../ctx.js';
import { Interrupted } from '../errors.js';

export function confirm(ctx: Ctx, question: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    ctx.err(question);
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
    rl.once('line', (answer) => finish(() => resolve(/^(y|yes|예|네)$/i.test(answer.trim()))));
    rl.once('close', () => finish(() => resolve(false)));
  });
}
