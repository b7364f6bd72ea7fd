// Who we are to the API server: the credential the kubeconfig describes, kept fresh the way client-go
// keeps it (transport/token_source.go, plugin/pkg/client/auth/exec/exec.go):
//
//   token, client certificate   fixed for the whole run
//   tokenFile                   re-read when older than a minute, and after a 401
//   exec plugin                 run at start; run again when its expirationTimestamp has passed, and
//                               after a 401 (once per credential, however many requests saw the 401)
//   auth-provider               through @kubernetes/client-node (plugin-auth.ts), asked again after a 401
//
// As in client-go, a token, token file or client certificate in the kubeconfig wins over exec and
// auth-provider. KubeHttp asks `current()` before each request and `renew()` after a 401; a credential
// that is rejected right after renewal ends the command ("credentials expired or rejected").
import { isatty } from 'node:tty';
import { readCredentialFile, type ResolvedConfig } from './kubeconfig.js';
import { CliError, EXIT, Interrupted } from '../errors.js';

export interface AuthState {
  /** The Authorization header value, if the credential is a token. */
  authorization?: string;
  cert?: Buffer | string;
  key?: Buffer | string;
  /** Epoch ms after which the credential is renewed before use; undefined = never. */
  expiresAt?: number;
}

/** Where a renewable credential comes from, for messages. */
export type CredentialSource =
  { kind: 'exec'; name: string } | { kind: 'tokenFile'; name: string } | { kind: 'authProvider'; name: string };

export interface AuthDeps {
  readFile: (path: string) => Buffer;
  /** Whether our stdin is a terminal (exec plugins may then be interactive). */
  stdinIsTTY?: boolean;
  now?: () => number;
  /** Ctrl-C: stops an exec plugin that is still running (it may be waiting on a login that never comes). */
  signal?: AbortSignal;
  /** For tests: replaces running the exec plugin. */
  runExec?: typeof import('./exec.js').runExecPlugin;
}

/** How old a token file's contents may get before it is read again (client-go: one minute). */
export const TOKEN_FILE_MAX_AGE_MS = 60_000;

export class Credentials {
  private state: AuthState;
  private inFlight: Promise<AuthState> | null = null;
  private readAt: number;

  constructor(
    /** Impersonation headers: fixed for the run. */
    readonly headers: Record<string, string | string[]>,
    initial: AuthState,
    private readonly renewer: (() => Promise<AuthState>) | null = null,
    readonly source: CredentialSource | null = null,
    private readonly now: () => number = Date.now,
  ) {
    this.state = initial;
    this.readAt = this.now();
  }

  /** Whether a 401 is worth one more try with a renewed credential. */
  get renewable(): boolean {
    return this.renewer !== null;
  }

  /** The credential to use now; renewed first when it has expired. */
  async current(): Promise<AuthState> {
    if (this.inFlight) return this.inFlight;
    if (this.renewer && this.expired()) return this.refresh();
    return this.state;
  }

  private expired(): boolean {
    const now = this.now();
    if (this.state.expiresAt !== undefined && now >= this.state.expiresAt) return true;
    return this.source?.kind === 'tokenFile' && now - this.readAt >= TOKEN_FILE_MAX_AGE_MS;
  }

  /**
   * After a 401 for `used`: a new credential, shared by every request that saw the 401 with the same
   * credential (the plugin runs once); null when this kind of credential cannot be renewed.
   */
  async renew(used: AuthState): Promise<AuthState | null> {
    if (!this.renewer) return null;
    if (this.inFlight) return this.inFlight;
    if (used !== this.state) return this.state; // someone renewed it already
    return this.refresh();
  }

  private refresh(): Promise<AuthState> {
    this.inFlight = this.renewer!()
      .then((s) => {
        this.state = s;
        this.readAt = this.now();
        return s;
      })
      .finally(() => (this.inFlight = null));
    return this.inFlight;
  }
}

/** Escapes a user-extra key for a header name as client-go's headerKeyEscape (RFC 7230 token bytes kept). */
export function headerKeyEscape(key: string): string {
  let out = '';
  for (const b of Buffer.from(key, 'utf8')) {
    const c = String.fromCharCode(b);
    out += b < 0x7f && /[A-Za-z0-9!#$&'*+.^_`|~-]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * A header value as Go writes it: its UTF-8 bytes. Node writes a string's characters as latin1 bytes (and
 * refuses any above U+00FF), so `--as müller` reached the API server as another name; given its UTF-8
 * bytes as latin1 characters, Node writes those bytes. A control character cannot be in a header.
 */
function onWire(value: string): string {
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new CliError(EXIT.FAILURE, 'err.impersonationControl', {});
  return Buffer.from(value, 'utf8').toString('latin1');
}

export function impersonationHeaders(cfg: Pick<ResolvedConfig, 'impersonate'>): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  const imp = cfg.impersonate;
  if (!imp) return headers;
  headers['Impersonate-User'] = onWire(imp.user);
  if (imp.uid) headers['Impersonate-Uid'] = onWire(imp.uid);
  // One header line per value: the API server does not split a single value on commas.
  if (imp.groups.length) headers['Impersonate-Group'] = imp.groups.map(onWire);
  for (const [k, values] of Object.entries(imp.extra)) {
    if (values.length) headers[`Impersonate-Extra-${headerKeyEscape(k)}`] = values.map(onWire);
  }
  return headers;
}

function readTokenFile(path: string, readFile: (p: string) => Buffer): string {
  return readCredentialFile({ readFile }, path, 'tokenFile').toString('utf8').trim();
}

/**
 * "Bearer TOKEN", the token trimmed (a YAML block scalar or an exec plugin's output can end in a line
 * break). A token that still holds a control character cannot be a header: said as such, naming where it
 * came from (found by a hostile review: "unexpected error: Invalid character in header content").
 */
function bearer(token: string, from: string): string {
  const t = token.trim();
  if (/[\u0000-\u001f\u007f]/.test(t)) throw new CliError(EXIT.FAILURE, 'err.tokenControl', { from });
  return `Bearer ${t}`;
}

/** The credential the resolved kubeconfig describes; runs an exec plugin or auth-provider once. */
export async function credentials(cfg: ResolvedConfig, deps: AuthDeps | ((p: string) => Buffer)): Promise<Credentials> {
  const d: AuthDeps = typeof deps === 'function' ? { readFile: deps } : deps;
  const now = d.now ?? Date.now;
  const headers = impersonationHeaders(cfg);
  const certs = cfg.cert && cfg.key ? { cert: cfg.cert, key: cfg.key } : {};
  // client-go reads a user's credentials only for a TLS server ("only try to read the auth information if
  // we are secure"): over http:// a token would cross the network in the clear. Impersonation still goes.
  if (/^http:/i.test(cfg.server)) return new Credentials(headers, {}, null, null, now);
  const user = `the kubeconfig user "${cfg.userName ?? '?'}"`;
  if (cfg.token) return new Credentials(headers, { authorization: bearer(cfg.token, user), ...certs }, null, null, now);
  if (cfg.tokenFile) {
    const path = cfg.tokenFile;
    const read = async (): Promise<AuthState> => ({ authorization: bearer(readTokenFile(path, d.readFile), path), ...certs });
    return new Credentials(headers, await read(), read, { kind: 'tokenFile', name: path }, now);
  }
  if (cfg.cert) return new Credentials(headers, certs, null, null, now);

  if (cfg.exec) {
    const exec = cfg.exec;
    const { runExecPlugin, ExecError } = await import('./exec.js');
    const run = d.runExec ?? runExecPlugin;
    const stdinIsTTY = d.stdinIsTTY ?? isatty(0);
    const once = async (): Promise<AuthState> => {
      try {
        const got = await run(exec, cfg.execCluster, { env: exec.parentEnv, stdinIsTTY, signal: d.signal });
        return {
          authorization: got.token ? bearer(got.token, `the exec plugin of ${user}`) : undefined,
          cert: got.cert,
          key: got.key,
          expiresAt: got.expiresAt,
        };
      } catch (e) {
        if (d.signal?.aborted) throw new Interrupted();
        if (e instanceof ExecError) {
          const err = new CliError(EXIT.FAILURE, 'err.execFailed', { command: e.command, code: e.code }).causedBy(e);
          throw e.installHint ? err.with('err.execInstallHint', { hint: e.installHint }) : err;
        }
        throw e;
      }
    };
    return new Credentials(headers, await once(), once, { kind: 'exec', name: exec.command }, now);
  }

  if (cfg.authProvider) {
    const provider = cfg.authProvider;
    // Only here is @kubernetes/client-node loaded (gcp, azure, oidc legacy providers).
    const { pluginCredentials } = await import('./plugin-auth.js');
    const once = async (): Promise<AuthState> => {
      try {
        return await pluginCredentials(cfg);
      } catch {
        throw new CliError(EXIT.FAILURE, 'err.authProvider', { name: provider.name });
      }
    };
    return new Credentials(headers, await once(), once, { kind: 'authProvider', name: provider.name }, now);
  }
  return new Credentials(headers, {}, null, null, now);
}
