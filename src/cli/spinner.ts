// A spinner on stderr for waits, only when stderr is a terminal (ora); otherwise silent.
import ora from 'ora';
import type { Ctx } from '../ctx.js';

export interface Spinner {
  text(s: string): void;
  stop(): void;
}

export function startSpinner(ctx: Ctx, text: string): Spinner {
  if (ctx.io.stderr.isTTY !== true || !ctx.colorErr) {
    return { text: () => undefined, stop: () => undefined };
  }
  const s = ora({ text, stream: ctx.io.stderr as NodeJS.WritableStream, discardStdin: false }).start();
  return {
    text: (x) => {
      s.text = x;
    },
    stop: () => s.stop(),
  };
}
