// Entry: parses the command line, builds the context once, runs the command, and is the only place that
// turns errors into an exit code and a sentence. `version --client`/`--version` answer in bin.ts, before
// any of this is loaded.
import { createCtx, type Ctx, type IO } from './ctx.js';
import { CliError, EXIT, Interrupted } from './errors.js';
import { describeError } from './describe.js';
import { detectLang, translator } from './i18n/index.js';
import type { GlobalArgs } from './cli/spec.js';
import { verbosityToken } from './cli/verbosity.js';
import { redactUserinfo } from './sanitize.js';
import { isatty } from 'node:tty';

/** What must be known before the arguments are parsed: the language of a usage error, and -v. */
function prescan(argv: string[]): { lang?: string; verbose: number } {
  const r: { lang?: string; verbose: number } = { verbose: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === '--lang') r.lang = argv[i + 1];
    else if (a.startsWith('--lang=')) r.lang = a.slice(7);
    else {
      const v = verbosityToken(a, argv[i + 1]);
      if (v?.kind === 'add') r.verbose += v.n;
      if (v?.kind === 'set') r.verbose = v.n;
    }
  }
  return r;
}

/** The language of the messages: --lang when it names one, else the environment's. */
function langOf(pre: { lang?: string }, env: Record<string, string | undefined>) {
  return detectLang(pre.lang === 'ko' || pre.lang === 'en' ? pre.lang : undefined, env);
}

export async function main(argv: string[], io: IO): Promise<number> {
  const controller = new AbortController();
  let interrupts = 0;
  // Stopped by SIGTERM (kill, a CI runner's cancel): 143, as a shell reports a process SIGTERM ended;
  // Ctrl-C (SIGINT): 130.
  let terminated = false;
  const interruptedCode = () => (terminated ? EXIT.TERMINATED : EXIT.INTERRUPTED);
  const off = io.onInterrupt((signal) => {
    interrupts++;
    if (signal === 'SIGTERM') terminated = true;
    controller.abort();
    if (interrupts > 1) process.exit(interruptedCode());
  });
  const code = await run();
  return code === EXIT.INTERRUPTED ? interruptedCode() : code;

  async function run(): Promise<number> {
    const pre = prescan(argv);
    const lang = langOf(pre, io.env);
    const t = translator(lang);
    let ctx: (Ctx & { closeKube(): void }) | null = null;
    try {
      if (argv[0] === '__complete') {
        // kubectl's plugin completion protocol (kubectl_complete-bluegreen): one candidate per line,
        // then ":4" (no file completion).
        const { complete } = await import('./cli/complete.js');
        const words = argv.slice(1);
        const got = await complete(io, words.slice(0, -1), words[words.length - 1] ?? '');
        io.stdout.write(`${got.join('\n')}${got.length ? '\n' : ''}:4\n`);
        return EXIT.OK;
      }
      const { parseArgv } = await import('./cli/parse.js');
      const parsed = parseArgv(argv);
      if (parsed.kind === 'help') {
        const { helpText } = await import('./cli/help.js');
        io.stdout.write(await helpText(argv, { t, lang, columns: io.stdout.columns }));
        return EXIT.OK;
      }
      ctx = createCtx(io, parsed.args as GlobalArgs, controller.signal, lang);
      const { dispatch } = await import('./cli/dispatch.js');
      return await dispatch(ctx, parsed.command.name, parsed.args);
    } catch (e) {
      if (e instanceof Interrupted || (controller.signal.aborted && !(e instanceof CliError))) {
        io.stderr.write(`${t('interrupted')}\n`);
        return EXIT.INTERRUPTED;
      }
      const { code, text } = await describeError(t, e);
      io.stderr.write(`error: ${text}\n`);
      // A stack only for what was not expected (a bug), and only when asked for with -v.
      if (pre.verbose > 0 && e instanceof Error && !(e instanceof CliError) && e.stack) io.stderr.write(`${e.stack}\n`);
      return code;
    } finally {
      off();
      ctx?.closeKube();
    }
  }
}

/** Wires main() to the real process. */
export function runProcess(): void {
  const interruptHandlers = new Set<() => void>();
  // The terminal went away (its window closed, ssh dropped, the `script` or `docker run -t` holding it
  // was killed): SIGHUP, a failed write or read (EIO), or a descriptor that stops being a terminal.
  // Stop as on Ctrl-C (the abort ends waits, watches and prompts), and since nobody can see the output
  // any more, end within a second whatever is still pending.
  let terminalGone = false;
  const onTerminalGone = () => {
    if (terminalGone) return;
    terminalGone = true;
    for (const h of [...interruptHandlers]) h();
    setTimeout(() => endAfterHangup(EXIT.INTERRUPTED), 1000).unref();
  };
  let stdinWatched = false;
  const io: IO = {
    stdout: process.stdout,
    stderr: process.stderr,
    get stdin() {
      if (!stdinWatched) {
        stdinWatched = true;
        process.stdin.on('error', onTerminalGone);
      }
      return process.stdin;
    },
    stdinIsTTY: isatty(0),
    env: process.env,
    now: () => new Date(),
    onInterrupt(handler) {
      interruptHandlers.add(handler);
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        interruptHandlers.delete(handler);
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
  };
  process.on('SIGHUP', onTerminalGone);
  // Output piped into `head`: a closed stdout is not an error. A terminal that is gone (EIO, EPIPE on
  // stderr) ends the command as a hang-up; writing on would only fail again. Any other failure to write
  // a file or a pipe (a full disk: ENOSPC; a file too large: EFBIG) loses the output: said once on
  // stderr, and the command fails at once (exit 1), never exit 0 with an empty file (found by a hostile
  // review).
  let outputFailed = false;
  const onStdoutError = (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' && !terminalGone) process.exit(0);
    if (e.code === 'EIO' || terminalGone || isatty(1)) return onTerminalGone();
    if (outputFailed) return;
    outputFailed = true;
    const lang = langOf(prescan(process.argv.slice(2)), process.env);
    // stdout carries only data written after any change was made (the guard and progress are on
    // stderr), so ending here cuts no request short.
    process.stderr.write(`error: ${translator(lang)('outputFailed', { code: e.code ?? e.message })}\n`, () => process.exit(EXIT.FAILURE));
  };
  process.stdout.on('error', onStdoutError);
  process.stderr.on('error', onTerminalGone);
  // A process in a background job may get no SIGHUP when its terminal closes, and may write nothing
  // for minutes (a quiet watch): a terminal that has hung up stops being one (isatty fails with EIO).
  const ttys = [0, 1, 2].filter((fd) => isatty(fd));
  if (ttys.length > 0) {
    setInterval(() => {
      if (ttys.some((fd) => !isatty(fd))) onTerminalGone();
    }, 500).unref();
  }
  // Ends once everything written to stdout and stderr so far is written out; a write to a file that
  // failed (its error not emitted yet) is found here.
  const finish = (code: number) => {
    if (terminalGone) return endAfterHangup(code);
    process.stdout.write('', () => {
      const failed = process.stdout.errored as NodeJS.ErrnoException | null;
      if (failed) return onStdoutError(failed);
      process.stderr.write('', () => process.exit(code));
    });
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
      // The command is done: end the process once stdout and stderr are written out (a pipe is
      // asynchronous on macOS; an empty write's callback runs after the writes before it), rather than
      // letting Node close what is left and free its heap. Measured on promote (10 alternating runs
      // each): from its last line to its exit 30 ms instead of 40 (medians). 'exit' handlers still run
      // (the listing's heap flags, bin's code-cache writer), and Node >= 22.1 its compile cache (plugin-auth.cjs).
      finish(code);
    },
    (e) => {
      process.stderr.write(`error: ${redactUserinfo(e instanceof Error ? e.message : String(e))}\n`);
      process.exitCode = EXIT.FAILURE;
      finish(EXIT.FAILURE);
    },
  );
}

/**
 * Ends the process after its terminal went away. Node 20 (and 22 before its fix) restores the terminal's
 * modes in its exit handler and aborts when that fails because the terminal is gone (tcsetattr: EIO;
 * nodejs/node#51519): exit(130) became SIGABRT or SIGSEGV, and a core file where core dumps are on
 * (test/terminal/pty.test.ts). It ends instead as a process whose terminal hung up does, by SIGHUP, which
 * runs no exit handler.
 */
function endAfterHangup(code: number): void {
  if (process.platform !== 'win32') {
    process.removeAllListeners('SIGHUP'); // the default action again: end the process
    try {
      process.kill(process.pid, 'SIGHUP');
    } catch {
      // not allowed: exit as usual
    }
  }
  process.exit(code);
}
