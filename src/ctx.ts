// The one context every command receives: streams, environment, clock, language, colour, signals and
// a lazily created Kubernetes client. Built once from the parsed arguments and never changed after
// (main.ts); no globals: tests build a Ctx with recording streams. Functions take only the slice they
// use (Pick<Ctx, ...>), so their dependencies show.
import { detectLang, translator, type Lang, type T } from './i18n/index.js';
import { KUBE_FLAGS, type GlobalArgs } from './cli/spec.js';
import type { KubeFlags, ResolvedConfig } from './kube/kubeconfig.js';
import type { KubeClient } from './kube/client.js';

export interface OutStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

export interface InStream extends NodeJS.ReadableStream {
  isTTY?: boolean;
}

export interface IO {
  stdout: OutStream;
  stderr: OutStream;
  /** Created only when a prompt reads it: process.stdin costs ~10 ms to set up. */
  stdin: InStream;
  /** Whether stdin is a terminal, known without creating the stream. */
  stdinIsTTY: boolean;
  env: Record<string, string | undefined>;
  now(): Date;
  /** Subscribes to Ctrl-C (SIGINT/SIGTERM) and a lost terminal (SIGHUP); returns the unsubscribe function. */
  onInterrupt(handler: (signal?: NodeJS.Signals) => void): () => void;
  /** Counts API requests (benchmark, tests). */
  onRequest?: (method: string, path: string) => void;
}

/** The kubectl connection flags plus the per-request timeout, as given on the command line. */
export type ConnectionFlags = Readonly<KubeFlags & { requestTimeout: string }>;

export interface Kube {
  client: KubeClient;
  cfg: ResolvedConfig;
  namespace: string;
  /** Who the kubeconfig says we are, for messages (the user entry's name). */
  user: string;
}

export interface Ctx {
  readonly io: IO;
  readonly t: T;
  readonly lang: Lang;
  /** Colour and decoration on stdout (TTY, no NO_COLOR, no --no-color, TERM not dumb, not -o json/yaml). */
  readonly color: boolean;
  /** Colour on stderr. */
  readonly colorErr: boolean;
  readonly verbose: number;
  readonly flags: ConnectionFlags;
  /** The user may be asked a question: stdin and stderr are terminals and CI is not set. */
  readonly interactive: boolean;
  out(s: string): void;
  err(s: string): void;
  kube(): Promise<Kube>;
  /** Aborted on Ctrl-C, SIGTERM, or when the terminal goes away. */
  readonly signal: AbortSignal;
}

export function colorAllowed(stream: OutStream, env: IO['env'], flag: boolean | undefined): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

export function isInteractive(io: IO): boolean {
  const ci = (io.env.CI ?? '').toLowerCase();
  if (ci === 'true' || ci === '1') return false;
  return io.stdinIsTTY && io.stderr.isTTY === true;
}

/** The context of one run, from the parsed global arguments. */
export function createCtx(
  io: IO,
  args: GlobalArgs & { output?: string },
  signal: AbortSignal,
  lang: Lang = detectLang(args.lang, io.env),
): Ctx & { closeKube(): void } {
  const t = translator(lang);
  const machine = args.output === 'json' || args.output === 'yaml';
  const flags: Record<string, unknown> = { requestTimeout: args.requestTimeout };
  for (const k of KUBE_FLAGS) if (args[k] !== undefined) flags[k] = args[k];
  if (Array.isArray(flags.asGroup) && flags.asGroup.length === 0) delete flags.asGroup;
  const frozen = Object.freeze(flags) as ConnectionFlags;
  let kube: Promise<Kube> | null = null;
  let created: Kube | null = null;
  return {
    io,
    t,
    lang,
    color: !machine && colorAllowed(io.stdout, io.env, args.color),
    colorErr: colorAllowed(io.stderr, io.env, args.color),
    verbose: args.verbose,
    flags: frozen,
    interactive: isInteractive(io),
    signal,
    out: (s) => void io.stdout.write(s),
    err: (s) => void io.stderr.write(s),
    kube() {
      kube ??= (async () => {
        const { durationFlag } = await import('./cli/duration.js');
        const timeoutMs = durationFlag('request-timeout', frozen.requestTimeout);
        const { resolveKubeconfig } = await import('./kube/kubeconfig.js');
        const { KubeClient } = await import('./kube/client.js');
        const cfg = resolveKubeconfig(frozen, io.env);
        const client = await KubeClient.create(
          cfg,
          {
            timeoutMs,
            verbose: args.verbose,
            log: (line) => io.stderr.write(`I ${new Date().toISOString().slice(11, 23)} ${line}\n`),
            onRequest: io.onRequest,
          },
          signal,
        );
        created = { client, cfg, namespace: cfg.namespace, user: cfg.userName ?? 'unknown' };
        return created;
      })();
      return kube;
    },
    closeKube() {
      created?.client.close();
    },
  };
}
