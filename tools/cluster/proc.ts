// Process helpers for the local control plane: start a component detached with its output in a log file,
// recognise it later by PID *and* identity, and stop it by that PID only.
//
// A PID alone is not an identity: after the harness exits, a recorded PID may be reused by an unrelated
// process. Every check here therefore compares /proc/PID/cmdline[0] with the recorded binary path and
// /proc/PID/stat's start time (in clock ticks since boot) with the one recorded at spawn time.

import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProcIdentity {
  pid: number;
  /** Absolute path of the executable, as passed to spawn (argv[0]). */
  bin: string;
  /** Field 22 of /proc/PID/stat at spawn time; null if it could not be read. */
  startTicks: number | null;
}

interface ProcStat {
  state: string;
  startTicks: number;
}

/** Reads the process state and start time from /proc/PID/stat, or null if there is no such process. */
function readProcStat(pid: number): ProcStat | null {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Field 2 (comm) is parenthesised and may contain spaces or ')', so split after the last ')'.
  const rest = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); field N is rest[N - 3]; starttime is field 22.
  const state = rest[0] ?? '';
  const startTicks = Number(rest[19]);
  return { state, startTicks: Number.isFinite(startTicks) ? startTicks : -1 };
}

function readCmdline(pid: number): string[] | null {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((s, i, a) => !(s === '' && i === a.length - 1));
  } catch {
    return null;
  }
}

/**
 * True when PID is a live (non-zombie) process that is still the recorded one: same executable path in
 * cmdline[0] and, when known, the same start time. A reused PID never matches.
 */
export function isOurProcess(id: ProcIdentity): boolean {
  if (!Number.isInteger(id.pid) || id.pid <= 1) return false;
  const stat = readProcStat(id.pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
  if (id.startTicks !== null && stat.startTicks !== id.startTicks) return false;
  const cmd = readCmdline(id.pid);
  return cmd !== null && cmd[0] === id.bin;
}

/**
 * Why a recorded process does not look like ours (for error messages): gone, a zombie, another start
 * time, another binary. Seen once: a component declared "exited" during start-up was in fact running.
 */
export function describeIdentity(id: ProcIdentity): string {
  const stat = readProcStat(id.pid);
  if (!stat) return 'no such process';
  const cmd = readCmdline(id.pid);
  return `state ${stat.state}, start ${stat.startTicks} (recorded ${id.startTicks}), cmdline[0] ${cmd?.[0] ?? '?'}`;
}

export interface SpawnSpec {
  bin: string;
  args: string[];
  /** Extra environment, merged over the harness's own environment. */
  env: Record<string, string>;
  /** stdout and stderr are appended to this file. */
  log: string;
  cwd: string;
}

/**
 * Starts a process in its own session (so it outlives the harness and does not get the terminal's
 * Ctrl-C), with stdin closed and stdout/stderr appended to the log file. Resolves once the process
 * exists; rejects if it could not be executed at all.
 */
export async function spawnDetached(spec: SpawnSpec): Promise<ProcIdentity> {
  const fd = openSync(spec.log, 'a');
  try {
    writeSync(fd, `\n===== ${new Date().toISOString()} start: ${spec.bin} ${spec.args.join(' ')}\n`);
    const child = spawn(spec.bin, spec.args, {
      cwd: spec.cwd,
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...spec.env },
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error(`spawn ${spec.bin}: no pid`);
    const stat = readProcStat(pid);
    return { pid, bin: spec.bin, startTicks: stat ? stat.startTicks : null };
  } finally {
    closeSync(fd);
  }
}

export type StopOutcome = 'not-running' | 'terminated' | 'killed' | 'survived';

/**
 * Sends `signal` (default SIGTERM) to the recorded process only if it is still ours, waits up to
 * `timeoutMs` for it to go away, then sends SIGKILL and waits a little more.
 */
export async function stopProcess(id: ProcIdentity, opts: { signal?: NodeJS.Signals; timeoutMs?: number } = {}): Promise<StopOutcome> {
  const signal = opts.signal ?? 'SIGTERM';
  const timeoutMs = opts.timeoutMs ?? 10_000;
  if (!isOurProcess(id)) return 'not-running';
  try {
    process.kill(id.pid, signal);
  } catch {
    return 'not-running';
  }
  if (await waitGone(id, timeoutMs)) return signal === 'SIGKILL' ? 'killed' : 'terminated';
  if (!isOurProcess(id)) return 'terminated';
  try {
    process.kill(id.pid, 'SIGKILL');
  } catch {
    return 'terminated';
  }
  return (await waitGone(id, 5_000)) ? 'killed' : 'survived';
}

async function waitGone(id: ProcIdentity, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isOurProcess(id)) return true;
    await sleep(50);
  }
  return !isOurProcess(id);
}

/**
 * Picks one free TCP port per entry of `hosts` by listening on port 0 there and reading the port back.
 * All listeners are held open until every port is known, so no port is handed out twice. A host should
 * be the address the component will bind (0.0.0.0 for components that cannot be told to bind loopback).
 */
export async function freePorts(hosts: string[]): Promise<number[]> {
  const servers = await Promise.all(
    hosts.map((host) => {
      const srv = createServer();
      return new Promise<Server>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, host, () => resolve(srv));
      });
    }),
  );
  const ports = servers.map((s) => {
    const addr = s.address();
    if (addr === null || typeof addr === 'string') throw new Error('unexpected listen address');
    return addr.port;
  });
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

/** Last `n` lines of a file (reading only its end, so large logs stay cheap), or a note when unreadable. */
export function tailFile(path: string, n: number): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    return `(cannot read ${path}: ${(err as Error).message})`;
  }
  try {
    const size = fstatSync(fd).size;
    // Grow the window from the end until it holds n full lines or the whole file (capped at 8 MiB).
    for (let window = 64 * 1024; ; window *= 4) {
      const len = Math.min(size, window, 8 * 1024 * 1024);
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, size - len);
      const lines = buf.toString('utf8').split('\n');
      if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
      if (lines.length > n || len === size || len >= 8 * 1024 * 1024) return lines.slice(-n).join('\n');
    }
  } finally {
    closeSync(fd);
  }
}
