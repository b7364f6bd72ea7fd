// "Proceed? [y/N]" on stderr, answer from stdin. Only called when there is a terminal to ask on.
// Ctrl-C at the prompt is an interruption (exit 130, nothing changed); end of input is "no".
import { createInterface } from 'node:readline';
import type { Ctx } from '../ctx.js';
import { Interrupted } from '../errors.js';

export function confirm(ctx: Ctx, question: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: ctx.io.stdin, output: ctx.io.stderr as NodeJS.WritableStream, terminal: ctx.io.stdin.isTTY === true });
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      rl.close();
      fn();
    };
    rl.on('SIGINT', () => finish(() => reject(new Interrupted())));
    rl.on('close', () => finish(() => resolve(false)));
    ctx.signal.addEventListener('abort', () => finish(() => reject(new Interrupted())), { once: true });
    rl.question(question, (answer) => finish(() => resolve(/^(y|yes|예|네|ㅛ)$/i.test(answer.trim()))));
  });
}
