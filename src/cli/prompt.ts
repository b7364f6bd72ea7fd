// Questions on stderr, one line of answer from stdin. Only called when there is a terminal to ask on.
// Ctrl-C at the prompt reaches the process as SIGINT, which aborts ctx.signal: an interruption (exit 130,
// nothing changed). End of input is no answer.
import type { Ctx } from '../ctx.js';
import { Interrupted } from '../errors.js';

/**
 * Asks, and resolves with the line typed (trimmed), or null at the end of input. Only a line ended by
 * Enter is an answer: on a terminal, "y" then Ctrl-D twice sends "y" and then the end of input, which
 * readline would have passed on as a line (found by a hostile review: it confirmed a change).
 */
export function ask(ctx: Pick<Ctx, 'err' | 'io' | 'signal'>, question: string): Promise<string | null> {
  return new Promise((resolve, reject) => {
    ctx.err(question);
    const input = ctx.io.stdin;
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      ctx.signal.removeEventListener('abort', onAbort);
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('close', onEnd);
      input.pause();
      fn();
    };
    // The line's bytes up to its newline, decoded whole: a newline byte never occurs inside a UTF-8
    // character, so a character split across chunks is joined first.
    const onData = (chunk: Buffer | string) => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      const nl = b.indexOf(0x0a);
      if (nl === -1) return void chunks.push(b);
      chunks.push(b.subarray(0, nl));
      const line = Buffer.concat(chunks).toString('utf8').replace(/\r$/, '');
      finish(() => resolve(line.trim()));
    };
    const onEnd = () => finish(() => resolve(null));
    const onAbort = () => finish(() => reject(new Interrupted()));
    if (ctx.signal.aborted) return onAbort();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('close', onEnd);
    input.resume();
  });
}

/** "Proceed? [y/N]": true only for yes. */
export async function confirm(ctx: Pick<Ctx, 'err' | 'io' | 'signal'>, question: string): Promise<boolean> {
  const answer = await ask(ctx, question);
  // y, yes, 예, 네; escaped: the bundle stays ASCII (scripts/build.ts, assertAscii)
  return answer !== null && /^(y|yes|\uc608|\ub124)$/i.test(answer);
}
