// Runs the built plugin (bin/kubectl-bluegreen → dist/) on a real pseudo-terminal of a chosen size:
// util-linux `script` allocates the pty, `stty` sets its size (0x0 as `script` without a terminal,
// `docker run -t`, `ssh -tt` and some CI runners give), and the shell then execs node, so the plugin is
// the pty's session leader and foreground process, as under a login shell. Input written here goes
// through the pty's line discipline: "\x03" is a real Ctrl-C (SIGINT from the kernel), and killing
// `script` closes the pty master, as a terminal window or an ssh connection that goes away does.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'kubectl-bluegreen');

/** Output kept beyond this is only counted; past KILL_BYTES the run is stopped (a runaway). */
const KEEP_BYTES = 256 * 1024;
const KILL_BYTES = 1024 * 1024;

export interface Terminal {
  rows: number;
  cols: number;
  term: 'dumb' | 'xterm-256color';
}

export interface PtyResult {
  /** Exit code of the plugin (`script -e` passes it on); null when it had to be killed. */
  code: number | null;
  /** Everything the pty showed (stdout and stderr, with the echo of what was typed), up to KEEP_BYTES. */
  output: string;
  bytes: number;
  /** From start to the end of `script`. */
  ms: number;
  /** The run went past its deadline or its output budget and was killed. */
  killed: boolean;
}

export function requireScript(): void {
  const r = spawnSync('script', ['--version'], { encoding: 'utf8' });
  if (r.error || !/util-linux/.test(`${r.stdout}${r.stderr}`)) {
    throw new Error('the pty tests need util-linux `script` (Debian: bsdutils, installed by .ci/run)');
  }
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** State and start time (clock ticks since boot) of a process, from /proc; null when there is none. */
function procStat(pid: number): { state: string; start: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, start: fields[19]! };
  } catch {
    return null;
  }
}

/** The process is gone (or a zombie nobody reaped yet: it runs no more code). */
export function gone(pid: number): boolean {
  const st = procStat(pid);
  return st === null || st.state === 'Z';
}

export class PtyRun {
  readonly started = Date.now();
  /** The plugin's process (the shell's PID, which exec hands to node). */
  pid = 0;
  /** The plugin's start time: a PID reused by another process later is never signalled. */
  private pidStart = '';
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private bytes = 0;
  private killed = false;
  private readonly child: ChildProcess;
  private readonly ended: Promise<PtyResult>;
  private readonly deadline: NodeJS.Timeout;
  private waiters: Array<() => void> = [];

  /**
   * `background`: the plugin runs as a background job of a shell with job control (`set -m; … &`), in
   * a process group of its own: when the terminal closes, the kernel sends SIGHUP to the shell only.
   * `{ statusFile }`: the plugin runs under a shell that outlives the terminal (it ignores SIGHUP) and
   * writes the plugin's wait status there ($?: 128 + the signal for a process a signal ended).
   */
  constructor(
    args: string[],
    t: Terminal,
    env: Record<string, string>,
    deadlineMs: number,
    background: boolean | { statusFile: string } = false,
  ) {
    const plugin = `${quote(process.execPath)} ${quote(BIN)} ${args.map(quote).join(' ')}`;
    const inner =
      typeof background === 'object'
        ? `stty rows ${t.rows} cols ${t.cols}; trap '' HUP; ${plugin} & echo PID=$!; wait $!; echo $? > ${quote(background.statusFile)}`
        : background
          ? `stty rows ${t.rows} cols ${t.cols}; set -m; ${plugin} & echo PID=$!; wait`
          : `stty rows ${t.rows} cols ${t.cols}; echo PID=$$; exec ${plugin}`;
    this.child = spawn('script', ['-qefc', inner, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'ignore'],
      // Nothing inherited: no NO_COLOR or CI from the test runner, TERM as asked.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'en_US.UTF-8', TERM: t.term, ...env },
    });
    this.child.stdout!.on('data', (d: Buffer) => {
      this.bytes += d.length;
      if (this.kept < KEEP_BYTES) {
        this.chunks.push(d);
        this.kept += d.length;
      }
      if (!this.pid) {
        const m = /PID=(\d+)/.exec(Buffer.concat(this.chunks).toString('utf8'));
        if (m) {
          this.pid = Number(m[1]);
          this.pidStart = procStat(this.pid)?.start ?? '';
        }
      }
      if (this.bytes > KILL_BYTES) this.kill();
      for (const w of this.waiters) w();
    });
    this.deadline = setTimeout(() => this.kill(), deadlineMs);
    this.ended = new Promise((resolve) => {
      this.child.on('close', (code) => {
        clearTimeout(this.deadline);
        resolve({
          code: this.killed ? null : code,
          output: this.text(),
          bytes: this.bytes,
          ms: Date.now() - this.started,
          killed: this.killed,
        });
      });
    });
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  /** Resolves when the output matches (or rejects after ms). */
  async waitFor(re: RegExp, ms = 8000): Promise<void> {
    const until = Date.now() + ms;
    while (!re.test(this.text())) {
      if (Date.now() > until || this.child.exitCode !== null)
        throw new Error(`pty output never matched ${re}:\n${this.text().slice(-2000)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.waiters.push(() => (clearTimeout(t), r()));
      });
      this.waiters = [];
    }
  }

  /** Typed on the keyboard (goes through the pty: "\x03" is Ctrl-C). */
  type(s: string): void {
    this.child.stdin!.write(s);
  }

  /** The terminal is resized (the kernel sends SIGWINCH to the plugin), as a window or `stty` does. */
  resize(rows: number, cols: number): void {
    const tty = readlinkSync(`/proc/${this.pid}/fd/0`);
    const r = spawnSync('stty', ['-F', tty, 'rows', String(rows), 'cols', String(cols)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`stty -F ${tty}: ${r.stderr}`);
  }

  /** The terminal goes away: `script` is killed, the pty master closes. */
  hangup(): void {
    this.child.kill('SIGKILL');
  }

  result(): Promise<PtyResult> {
    return this.ended;
  }

  /** Stops a run that went wrong: the plugin (by its PID) and `script`. Only processes this run started. */
  kill(): void {
    if (this.killed) return;
    this.killed = true;
    if (this.ours()) {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.child.kill('SIGKILL');
  }

  /** After a test: nothing of this run may be left running. */
  cleanup(): void {
    clearTimeout(this.deadline);
    this.child.stdin!.destroy();
    if (this.ours() || (this.child.exitCode === null && this.child.signalCode === null)) this.kill();
  }

  /** The plugin's process still runs, and is the one this run started. */
  private ours(): boolean {
    if (!this.pid || gone(this.pid)) return false;
    return this.pidStart !== '' && procStat(this.pid)?.start === this.pidStart;
  }
}
