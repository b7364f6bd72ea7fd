// The one context every command receives: streams, environment, clock, language, colour, signals and
// a lazily created Kubernetes client. No globals: tests build a Ctx with recording streams.
import type { Lang, T } from './i18n/index.js';
import type { KubeFlags, ResolvedConfig } from './kube/kubeconfig.js';
import type { KubeClient } from './kube/client.js';

export interface OutStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
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
  /** Subscribes to Ctrl-C (SIGINT/SIGTERM); returns the unsubscribe function. */
  onInterrupt(handler: () => void): () => void;
  /** Counts API requests (benchmark, tests). */
  onRequest?: (method: string, path: string) => void;
}

export interface GlobalFlags extends KubeFlags {
  allNamespaces?: boolean;
  output?: string;
  color?: boolean;
  verbose?: number;
  lang?: string;
  requestTimeout?: string;
}

export interface Kube {
  client: KubeClient;
  cfg: ResolvedConfig;
  namespace: string;
  /** Who the kubeconfig says we are, for messages (the user entry's name). */
  user: string;
}

export interface Ctx {
  io: IO;
  t: T;
  lang: Lang;
  /** Colour and decoration on stdout (TTY, no NO_COLOR, no --no-color, TERM not dumb). */
  color: boolean;
  /** Colour on stderr. */
  colorErr: boolean;
  verbose: number;
  flags: GlobalFlags;
  /** The user may be asked a question: stdin and stderr are terminals and CI is not set. */
  interactive: boolean;
  out(s: string): void;
  err(s: string): void;
  kube(): Promise<Kube>;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
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

/** Parses kubectl-style durations: 30s, 5m, 1h30m, 500ms, or a bare number of seconds. 0 = none. */
export function parseDuration(s: string): number | null {
  const text = s.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    if (m.index !== consumed) return null;
    consumed += m[0].length;
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3600_000 : m[2] === 'm' ? n * 60_000 : m[2] === 's' ? n * 1000 : n;
  }
  if (consumed !== text.length || consumed === 0) return null;
  return Math.round(total);
}
