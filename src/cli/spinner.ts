// A spinner on stderr for waits, only when stderr is a terminal (ora); otherwise silent. ora is loaded
// only then: its string-width dependency compiles large Unicode regular expressions on load (~70 ms
// measured), which a CI run or a piped command should never pay.
import type { Ctx } from '../ctx.js';

export interface Spinner {
  text(s: string): void;
  stop(): void;
}

export async function startSpinner(ctx: Ctx, text: string): Promise<Spinner> {
  if (ctx.io.stderr.isTTY !== true || !ctx.colorErr) {
    return { text: () => undefined, stop: () => undefined };
  }
  const { default: ora } = await import('ora');
  const s = ora({ text, stream: ctx.io.stderr as NodeJS.WritableStream, discardStdin: false }).start();
  return {
    text: (x) => {
      s.text = x;
    },
    stop: () => s.stop(),
  };
}
