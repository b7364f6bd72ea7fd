// Entry: builds the context, runs the command line, and is the only place that turns errors into an
// exit code and a sentence. `version --client`/`--version` answer before anything else is loaded.
import { colorAllowed, isInteractive, parseDuration, type Ctx, type GlobalFlags, type IO, type Kube } from './ctx.js';
import { CliError, EXIT, Interrupted, type ExitCode } from './errors.js';
import { detectLang, render, translator } from './i18n/index.js';
import { VERSION } from './version.js';
import { isatty } from 'node:tty';

/** Reads the few global flags needed before the parser exists (language, colour, verbosity). */
export function prescan(argv: string[]): { lang?: string; color?: boolean; verbose: number; output?: string } {
  const r: { lang?: string; color?: boolean; verbose: number; output?: string } = { verbose: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === '--lang') r.lang = argv[i + 1];
    else if (a.startsWith('--lang=')) r.lang = a.slice(7);
    else if (a === '--no-color' || a === '--color=false') r.color = false;
    else if (/^-v+$/.test(a)) r.verbose += a.length - 1;
    else if (a === '--verbose') r.verbose++;
    else if (a === '-o' || a === '--output') r.output = argv[i + 1];
    else if (a.startsWith('-o=') || a.startsWith('--output=')) r.output = a.slice(a.indexOf('=') + 1);
  }
  return r;
}


export function createCtx(io: IO, argv: string[], signal: AbortSignal): Ctx & { closeKube(): void } {
  const pre = prescan(argv);
  const lang = detectLang(pre.lang === 'ko' || pre.lang === 'en' ? pre.lang : undefined, io.env);
  const t = translator(lang);
  const machine = pre.output === 'json' || pre.output === 'yaml';
  const flags: GlobalFlags = {};
  let kube: Promise<Kube> | null = null;
  let created: Kube | null = null;
  const ctx: Ctx & { closeKube(): void } = {
    io,
    t,
    lang,
    color: !machine && colorAllowed(io.stdout, io.env, pre.color),
    colorErr: colorAllowed(io.stderr, io.env, pre.color),
    verbose: pre.verbose,
    flags,
    interactive: isInteractive(io),
    signal,
    out: (s) => void io.stdout.write(s),
    err: (s) => void io.stderr.write(s),
    kube() {
      kube ??= (async () => {
        const timeoutText = flags.requestTimeout ?? '30s';
        const timeoutMs = parseDuration(timeoutText);
        if (timeoutMs === null) throw new CliError(EXIT.USAGE, 'usage.badDuration', { flag: 'request-timeout', value: timeoutText });
        const { resolveKubeconfig } = await import('./kube/kubeconfig.js');
        const { KubeClient } = await import('./kube/client.js');
        const cfg = resolveKubeconfig(flags, io.env);
        const client = await KubeClient.create(cfg, {
          timeoutMs,
          verbose: pre.verbose,
          log: (line) => io.stderr.write(`I ${new Date().toISOString().slice(11, 23)} ${line}\n`),
          onRequest: io.onRequest,
        });
        created = { client, cfg, namespace: cfg.namespace, user: cfg.userName ?? 'unknown' };
        return created;
      })();
      return kube;
    },
    closeKube() {
      created?.client.close();
    },
  };
  return ctx;
}

/** The sentence for an error, in the user's language (parameters are sanitized by the translator). */
export async function describeError(ctx: Pick<Ctx, 't'>, e: unknown): Promise<{ code: ExitCode; text: string }> {
  if (e instanceof CliError) {
    return { code: e.exitCode, text: e.sentences.map((s) => render(ctx.t, s.key, s.params)).join(' ') };
  }
  // Errors from the kube layer that no command translated (for example during completion).
  const { translate } = await import('./kube/errors.js');
  const translated = translate(e, { server: '(the API server)', user: 'unknown', namespace: '' });
  if (translated instanceof CliError) return describeError(ctx, translated);
  const message = e instanceof Error ? e.message : String(e);
  return { code: EXIT.FAILURE, text: ctx.t('err.internal', { message }) };
}

export async function main(argv: string[], io: IO): Promise<number> {
  // Fast path: no parser, no client, no i18n.
  if ((argv.length === 1 && argv[0] === '--version') || (argv[0] === 'version' && argv.includes('--client') && argv.length === 2)) {
    io.stdout.write(`kubectl-bluegreen ${VERSION}\n`);
    return EXIT.OK;
  }
  const controller = new AbortController();
  let interrupts = 0;
  const off = io.onInterrupt(() => {
    interrupts++;
    controller.abort();
    if (interrupts > 1) process.exit(EXIT.INTERRUPTED);
  });
  const ctx = createCtx(io, argv, controller.signal);
  try {
    if (argv[0] === '__complete') {
      // kubectl's plugin completion protocol (kubectl_complete-bluegreen): one candidate per line,
      // then ":4" (no file completion).
      const words = argv.slice(1);
      const { complete } = await import('./cli/complete.js');
      const got = await complete(ctx, words.slice(0, -1), words[words.length - 1] ?? '');
      io.stdout.write(`${got.join('\n')}${got.length ? '\n' : ''}:4\n`);
      return EXIT.OK;
    }
    const { fastParse } = await import('./cli/parse.js');
    const { dispatch } = await import('./cli/dispatch.js');
    const parsed = argv.length > 0 ? fastParse(argv) : null;
    let code: number;
    if (parsed) {
      code = await dispatch(ctx, parsed.command.name, parsed.args);
    } else {
      const { buildCli } = await import('./cli/index.js');
      code = await buildCli(ctx, (command, args) => dispatch(ctx, command, args)).run(argv.length === 0 ? ['--help'] : argv);
    }
    if (controller.signal.aborted && code === EXIT.OK) return EXIT.INTERRUPTED;
    return code;
  } catch (e) {
    if (e instanceof Interrupted || (controller.signal.aborted && !(e instanceof CliError))) {
      io.stderr.write(`${ctx.t('interrupted')}\n`);
      return EXIT.INTERRUPTED;
    }
    const { code, text } = await describeError(ctx, e);
    io.stderr.write(`error: ${text}\n`);
    // A stack only for what was not expected (a bug), and only when asked for with -v.
    if (ctx.verbose > 0 && e instanceof Error && !(e instanceof CliError) && e.stack) io.stderr.write(`${e.stack}\n`);
    return code;
  } finally {
    off();
    ctx.closeKube();
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
    setTimeout(() => process.exit(EXIT.INTERRUPTED), 1000).unref();
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
  // Output piped into `head`: a closed stdout is not an error. Any other write error (EIO from a
  // terminal that is gone, EPIPE on stderr) ends the command; writing on would only fail again.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' && !terminalGone) process.exit(0);
    onTerminalGone();
  });
  process.stderr.on('error', onTerminalGone);
  // A process in a background job may get no SIGHUP when its terminal closes, and may write nothing
  // for minutes (a quiet watch): a terminal that has hung up stops being one (isatty fails with EIO).
  const ttys = [0, 1, 2].filter((fd) => isatty(fd));
  if (ttys.length > 0) {
    setInterval(() => {
      if (ttys.some((fd) => !isatty(fd))) onTerminalGone();
    }, 500).unref();
  }
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = EXIT.FAILURE;
    },
  );
}
