// The connection pool for a server reached through a proxy (loaded only when one applies):
//   http:// and https:// proxies   hpagent (a CONNECT tunnel; the API server's TLS runs inside it with
//                                  our CA, client certificate and server name, as without a proxy)
//   socks5:// proxies              socks-proxy-agent, in the separately loaded plugin-auth bundle; the
//                                  proxy resolves the server name, as Go's SOCKS5 dialer does
// A proxy that answers the CONNECT with anything but 200 gives a ProxyRefusal, which KubeHttp turns
// into a sentence naming the proxy (407: its authentication).
import type * as http from 'node:http';
import type * as https from 'node:https';
import type { Duplex } from 'node:stream';
import type * as tls from 'node:tls';
import { HttpProxyAgent, HttpsProxyAgent } from 'hpagent';
import type { ProxyChoice } from './proxy.js';

/** The proxy answered our CONNECT with `status` (407: it wants credentials we did not have or it refused). */
export class ProxyRefusal extends Error {
  constructor(readonly status: number) {
    super(`proxy answered ${status} to CONNECT`);
  }
}

export interface TunnelTls {
  secureContext?: tls.SecureContext;
  rejectUnauthorized: boolean;
  servername?: string;
}

type Callback = (err: Error | null, stream: Duplex) => void;

/** hpagent reports a refused CONNECT as Error("Bad response: <status>"); keep the status, typed. */
function typed(cb: Callback): Callback {
  return (err, stream) => {
    const m = err ? /^Bad response: (\d+)$/.exec(err.message) : null;
    cb(m ? new ProxyRefusal(Number(m[1])) : err, stream);
  };
}

class TypedHttpsProxyAgent extends HttpsProxyAgent {
  override createConnection(options: https.RequestOptions, cb?: Callback): Duplex | null | undefined {
    return super.createConnection(options, cb && typed(cb));
  }
}

class TypedHttpProxyAgent extends HttpProxyAgent {
  override createConnection(options: http.ClientRequestArgs, cb?: Callback): Duplex | null | undefined {
    return super.createConnection(options, cb && typed(cb));
  }
}

export async function proxyAgent(proxy: ProxyChoice, serverProtocol: string, tlsOpts: TunnelTls): Promise<http.Agent> {
  const u = new URL(proxy.url);
  if (u.protocol === 'socks5:' || u.protocol === 'socks5h:') {
    const { socksAgent } = await import('./plugin-auth.js');
    return socksAgent(proxy.url.replace(/^socks5:/, 'socks5h:'), serverProtocol === 'https:' ? tlsOpts : undefined);
  }
  if (serverProtocol === 'http:') return new TypedHttpProxyAgent({ keepAlive: true, proxy: u });
  return new TypedHttpsProxyAgent({ keepAlive: true, proxy: u, ...tlsOpts });
}
