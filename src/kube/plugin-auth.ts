// Credential plugins through @kubernetes/client-node: exec plugins (client.authentication.k8s.io
// ExecCredential), auth-providers (oidc, ...) and proxy-url agents. Loaded only for kubeconfig users
// that need it, so plain certificate and token users never pay for the client's start-up.
//
// Whatever the plugin prints is never shown: client-node puts the plugin's stderr into its error
// message, and that text can hold tokens or login URLs. The error names the command and its outcome.
import type * as http from 'node:http';
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import type { ResolvedConfig } from './kubeconfig.js';
import type { Credentials } from './http.js';

/**
 * This module is a separate bundle in the npm package, so it cannot share error classes with the
 * main program: it reports a failure as data, which http.ts turns into the CliError.
 */
export class AuthFailure extends Error {
  constructor(readonly failure: { key: 'err.execFailed' | 'err.authProvider'; params: Record<string, string> }) {
    super(failure.key);
  }
}

export async function pluginCredentials(cfg: ResolvedConfig): Promise<Credentials> {
  const kc = new KubeConfig();
  const cluster = {
    name: 'c',
    server: cfg.server,
    skipTLSVerify: cfg.insecure,
    caData: cfg.ca?.toString('base64'),
    tlsServerName: cfg.tlsServerName,
    proxyUrl: cfg.proxyUrl,
  };
  const raw = cfg.rawUser ?? {};
  const user = {
    name: cfg.userName ?? 'u',
    exec: cfg.exec,
    authProvider: raw['auth-provider'] as { name: string; config: Record<string, string> } | undefined,
  };
  kc.loadFromOptions({
    clusters: [cluster],
    users: [user],
    contexts: [{ name: 'ctx', cluster: 'c', user: user.name }],
    currentContext: 'ctx',
  });
  const opts: { headers?: Record<string, string>; cert?: Buffer | string; key?: Buffer | string; agent?: http.Agent } = {};
  try {
    await kc.applyToHTTPSOptions(opts as never);
  } catch (e) {
    if (cfg.exec) {
      const err = e as NodeJS.ErrnoException;
      const code = err.code === 'ENOENT' ? 'not found on PATH' : err.code === 'EACCES' ? 'not executable' : 'it exited with an error';
      throw new AuthFailure({ key: 'err.execFailed', params: { command: cfg.exec.command, code } });
    }
    throw new AuthFailure({ key: 'err.authProvider', params: { name: cfg.authProvider?.name ?? 'unknown' } });
  }
  const headers: Record<string, string> = {};
  const auth = opts.headers?.Authorization ?? opts.headers?.authorization;
  if (auth) headers.Authorization = auth;
  return { headers, cert: opts.cert, key: opts.key, agent: cfg.proxyUrl ? opts.agent : undefined };
}
