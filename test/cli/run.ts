// Runs the real command line (yargs and all) in-process with recording streams.
import { PassThrough } from 'node:stream';
import { main } from '../../src/main.js';
import type { IO } from '../../src/ctx.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  /** Pretend stdin and stderr are a terminal (a prompt can be asked). */
  tty?: boolean;
  /** Pretend stdout is a terminal (colour). */
  stdoutTTY?: boolean;
  /** Its width (120 unless given; 0 as a terminal of no size). */
  columns?: number;
  /** Typed at the prompt. */
  input?: string;
  /** The clock the command reads: a fixed time, or a function (a clock that moves). */
  now?: Date | (() => Date);
  /** Fires the interrupt handler after this many ms (Ctrl-C). */
  interruptAfterMs?: number;
}

export async function runCli(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const stdin = new PassThrough() as PassThrough & { isTTY?: boolean };
  stdin.isTTY = opts.tty === true;
  if (opts.input !== undefined) stdin.end(opts.input);
  const handlers: Array<() => void> = [];
  const io: IO = {
    stdout: { write: (s: string) => ((stdout += s), true), isTTY: opts.stdoutTTY === true, columns: opts.columns ?? 120 },
    stderr: { write: (s: string) => ((stderr += s), true), isTTY: opts.tty === true },
    stdin,
    stdinIsTTY: opts.tty === true,
    env: { HOME: '/nonexistent', ...opts.env },
    now: () => (typeof opts.now === 'function' ? opts.now() : (opts.now ?? new Date())),
    onInterrupt(h) {
      handlers.push(h);
      return () => handlers.splice(handlers.indexOf(h), 1);
    },
  };
  let timer: NodeJS.Timeout | undefined;
  if (opts.interruptAfterMs !== undefined) timer = setTimeout(() => handlers.forEach((h) => h()), opts.interruptAfterMs);
  const code = await main(argv, io);
  if (timer) clearTimeout(timer);
  stdin.destroy();
  return { code, stdout, stderr };
}
