// Exec credential plugins (client.authentication.k8s.io ExecCredential), run the way client-go runs
// them (plugin/pkg/client/auth/exec/exec.go): the command with the kubeconfig's args and env on top
// of ours, KUBERNETES_EXEC_INFO holding {apiVersion, kind, spec: {interactive, cluster?}}, stdin
// passed only when interactive; stdout must be an ExecCredential of the same apiVersion with a token
// or a client certificate and key, optionally an expirationTimestamp.
//
// Differences from kubectl, on purpose: what the plugin writes on stderr is shown only when it runs
// interactively (a login prompt must reach the user); otherwise it is dropped, because it can hold
// tokens or login URLs. A failure names the command and its outcome, never the plugin's output.
import { spawn } from 'node:child_process';
import type { ExecConfig } from './kubeconfig.js';

export interface ExecClusterInfo {
  server: string;
  'tls-server-name'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'certificate-authority-data'?: string;
  'proxy-url'?: string;
  'disable-compression'?: boolean;
  config?: unknown;
}

export interface ExecOutcome {
  token?: string;
  cert?: string;
  key?: string;
  /** Milliseconds since the epoch; undefined = does not expire. */
  expiresAt?: number;
}

/** Why the plugin did not give a credential: `code` is the short phrase shown to the user. */
export class ExecError extends Error {
  constructor(
    readonly command: string,
    readonly code: string,
    readonly installHint?: string,
  ) {
    super(`${command}: ${code}`);
  }
}

export interface ExecDeps {
  env: Record<string, string | undefined>;
  /** Whether our stdin is a terminal. */
  stdinIsTTY: boolean;
  signal?: AbortSignal;
}

const MAX_OUTPUT = 1 << 20;

/** Whether the plugin runs interactively (client-go isInteractive). Throws ExecError for Always without a TTY. */
export function interactive(exec: ExecConfig, stdinIsTTY: boolean): boolean {
  switch (exec.interactiveMode) {
    case 'Never':
      return false;
    case 'Always':
      if (!stdinIsTTY) throw new ExecError(exec.command, 'interactiveMode is Always, but standard input is not a terminal');
      return true;
    default:
      return stdinIsTTY;
  }
}

/** Checks the plugin's stdout as client-go does. */
export function parseExecCredential(exec: ExecConfig, stdout: string): ExecOutcome {
  const fail = (why: string) => new ExecError(exec.command, why);
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw fail('its output is not an ExecCredential (not JSON)');
  }
  const o = (doc && typeof doc === 'object' ? doc : {}) as Record<string, unknown>;
  if (o.kind !== 'ExecCredential') throw fail('its output is not an ExecCredential');
  if (o.apiVersion !== exec.apiVersion) {
    throw fail(`it answered with apiVersion ${String(o.apiVersion)}, the kubeconfig asks for ${exec.apiVersion}`);
  }
  const status = o.status && typeof o.status === 'object' ? (o.status as Record<string, unknown>) : null;
  if (!status) throw fail('it returned no status');
  const s = (k: string) => (typeof status[k] === 'string' && status[k] !== '' ? (status[k] as string) : undefined);
  const token = s('token');
  const cert = s('clientCertificateData');
  const key = s('clientKeyData');
  if (!token && !cert && !key) throw fail('it returned neither a token nor a client certificate');
  if (!cert !== !key) throw fail('it returned a client certificate without its key, or a key without its certificate');
  let expiresAt: number | undefined;
  const exp = status.expirationTimestamp;
  if (exp !== undefined && exp !== null) {
    expiresAt = typeof exp === 'string' ? Date.parse(exp) : NaN;
    if (!Number.isFinite(expiresAt)) throw fail('its expirationTimestamp is not a time');
  }
  return { token, cert, key, expiresAt };
}

/** Runs the plugin once and returns its credential. */
export async function runExecPlugin(exec: ExecConfig, cluster: ExecClusterInfo | undefined, deps: ExecDeps): Promise<ExecOutcome> {
  const isInteractive = interactive(exec, deps.stdinIsTTY);
  const info = {
    apiVersion: exec.apiVersion,
    kind: 'ExecCredential',
    spec: { interactive: isInteractive, ...(exec.provideClusterInfo && cluster ? { cluster } : {}) },
  };
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(deps.env)) if (v !== undefined) env[k] = v;
  for (const e of exec.env) env[e.name] = e.value;
  env.KUBERNETES_EXEC_INFO = JSON.stringify(info);
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(exec.command, exec.args, {
        env,
        stdio: [isInteractive ? 'inherit' : 'ignore', 'pipe', isInteractive ? 'inherit' : 'pipe'],
        signal: deps.signal,
      });
    } catch (e) {
      reject(spawnError(exec, e as NodeJS.ErrnoException));
      return;
    }
    const out: Buffer[] = [];
    let size = 0;
    child.stdout!.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_OUTPUT) out.push(c);
    });
    child.stderr?.resume(); // read and dropped: it may hold secrets
    child.on('error', (e: NodeJS.ErrnoException) => reject(spawnError(exec, e)));
    child.on('close', (code, sig) => {
      if (code !== 0) {
        reject(new ExecError(exec.command, sig ? `it was stopped by ${sig}` : `it exited with code ${code}`));
        return;
      }
      if (size > MAX_OUTPUT) {
        reject(new ExecError(exec.command, 'its output is larger than 1 MiB'));
        return;
      }
      try {
        resolve(parseExecCredential(exec, Buffer.concat(out).toString('utf8')));
      } catch (e) {
        reject(e);
      }
    });
  });
}

function spawnError(exec: ExecConfig, e: NodeJS.ErrnoException): ExecError {
  if (e.code === 'ENOENT') return new ExecError(exec.command, 'not found on PATH', exec.installHint);
  if (e.code === 'EACCES') return new ExecError(exec.command, 'not executable');
  if (e.name === 'AbortError' || e.code === 'ABORT_ERR') return new ExecError(exec.command, 'interrupted');
  return new ExecError(exec.command, e.code ?? 'it could not be started');
}
