// The rarely needed, heavy parts of the transport, in their own bundle (dist/plugin-auth.cjs; a SEA
// asset in the single executables), loaded only when a kubeconfig needs them:
//   - legacy auth-providers (gcp, azure, oidc) through @kubernetes/client-node, which implements them
//     with their token refresh; client-node is loaded only on that path (~50 ms of start-up);
//   - SOCKS5 proxies (socks-proxy-agent, which client-node depends on as well).
// Exec credential plugins are run by exec.ts, not here.
//
// Whatever an auth-provider prints or throws is never shown: its messages can hold tokens or login
// URLs. A failure is reported as data, which auth.ts turns into a CliError naming the provider.
import type * as http from 'node:http';
import type * as tls from 'node:tls';
import { SocksProxyAgent } from 'socks-proxy-agent';
import type { ResolvedConfig } from './kubeconfig.js';
import type { AuthState } from './auth.js';

export async function pluginCredentials(cfg: ResolvedConfig): Promise<AuthState> {
  const { KubeConfig } = await import('@kubernetes/client-node/dist/config.js');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      { name: 'c', server: cfg.server, skipTLSVerify: cfg.insecure, caData: cfg.ca?.toString('base64'), tlsServerName: cfg.tlsServerName },
    ],
    // A copy: client-node writes into the provider's config (refreshed tokens, defaults).
    users: [
      {
        name: cfg.userName ?? 'u',
        authProvider: cfg.authProvider && { name: cfg.authProvider.name, config: { ...cfg.authProvider.config } },
      },
    ],
    contexts: [{ name: 'ctx', cluster: 'c', user: cfg.userName ?? 'u' }],
    currentContext: 'ctx',
  });
  const opts: { headers?: Record<string, string> } = {};
  await kc.applyToHTTPSOptions(opts as never);
  const auth = opts.headers?.Authorization ?? opts.headers?.authorization;
  // No token (an expired one that cannot be refreshed): fail here rather than be anonymous.
  if (!auth) throw new Error('the auth-provider gave no token');
  return { authorization: auth };
}

/** A keep-alive agent through a SOCKS5 proxy; the API server's TLS (if https) runs inside the tunnel. */
export function socksAgent(
  proxyUrl: string,
  tlsOpts?: { secureContext?: tls.SecureContext; rejectUnauthorized: boolean; servername?: string },
): http.Agent {
  return new SocksProxyAgent(proxyUrl, { keepAlive: true, ...(tlsOpts ?? {}) } as never);
}
