// Which proxy, if any, carries the connection to the API server: decided once, from the kubeconfig's
// proxy-url and the environment, with kubectl's rules (client-go: clientcmd parseProxyURL, Go's
// net/http ProxyFromEnvironment = golang.org/x/net/http/httpproxy, plus apimachinery's NO_PROXY CIDRs):
//
//   proxy-url (cluster)      applies to every server address, loopback included
//   HTTPS_PROXY/https_proxy  for https:// servers; HTTP_PROXY/http_proxy for http:// servers
//                            (upper case first; a value without a scheme means http://)
//   never proxied            "localhost" and loopback addresses (127.0.0.0/8, ::1)
//   NO_PROXY/no_proxy        comma-separated: "*"; IPs, optionally with :port; CIDRs; domains, where
//                            "example.com" matches it and its subdomains, ".example.com" and
//                            "*.example.com" only the subdomains; a domain may carry :port too
//
// Pure and cheap: nothing here opens a connection (proxy-agent.ts does, and is loaded only when a
// proxy applies).
import { isIP } from 'node:net';

export type ProxySource = 'proxy-url' | 'HTTPS_PROXY' | 'https_proxy' | 'HTTP_PROXY' | 'http_proxy';

export interface ProxyChoice {
  /** The proxy URL, credentials included (never print it: use `display`). */
  url: string;
  /** The proxy without user and password, for messages. */
  display: string;
  source: ProxySource;
}

/** The schemes kubectl accepts in proxy-url (clientcmd parseProxyURL). */
export const PROXY_SCHEMES = ['http:', 'https:', 'socks5:'] as const;

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443', 'socks5:': '1080', 'socks5h:': '1080' };

/** The proxy URL without its credentials. */
export function displayProxy(u: URL): string {
  const port = u.port ? `:${u.port}` : '';
  return `${u.protocol}//${u.hostname}${port}`;
}

/**
 * A proxy-url from the kubeconfig: must be http, https or socks5 with a host (kubectl refuses
 * anything else with "unsupported scheme"). Returns an error text, or the URL.
 */
export function parseProxyUrl(raw: string): URL | string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'not a URL';
  }
  if (!(PROXY_SCHEMES as readonly string[]).includes(u.protocol)) {
    return `unsupported scheme "${u.protocol.replace(/:$/, '')}", must be http, https, or socks5`;
  }
  if (!u.hostname) return 'no host';
  return u;
}

/** An environment value as Go's httpproxy parses it: a URL, or host[:port] meaning http://host[:port]. */
function parseEnvProxy(raw: string): URL | null {
  const tryParse = (s: string): URL | null => {
    try {
      const u = new URL(s);
      return u.hostname ? u : null;
    } catch {
      return null;
    }
  };
  const direct = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? tryParse(raw) : null;
  return direct ?? tryParse(`http://${raw}`);
}

function firstSet(env: Record<string, string | undefined>, names: ProxySource[]): { value: string; name: ProxySource } | null {
  for (const name of names) {
    const v = env[name];
    if (v) return { value: v, name };
  }
  return null;
}

/** Strips the brackets of an IPv6 literal as URL.hostname keeps them. */
export function bare(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

export function isLoopback(host: string): boolean {
  const h = bare(host).toLowerCase();
  if (h === 'localhost') return true;
  const kind = isIP(h);
  if (kind === 4) return h.startsWith('127.');
  if (kind === 6) {
    const v4 = /^(?:0*:)*:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h); // ::ffff:127.0.0.1
    if (v4) return v4[1]!.startsWith('127.');
    return ipv6Bytes(h)?.every((b, i) => (i < 15 ? b === 0 : b === 1)) ?? false;
  }
  return false;
}

/** 16 bytes of an IPv6 address, or null. */
function ipv6Bytes(s: string): number[] | null {
  if (isIP(s) !== 6) return null;
  let text = s.split('%')[0]!;
  let tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    tail = v4[1]!.split('.').map(Number);
    text = text.slice(0, -v4[1]!.length) + '0:0';
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const r = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const groups = rest === undefined ? h : [...h, ...Array<string>(8 - h.length - r.length).fill('0'), ...r];
  if (groups.length !== 8) return null;
  const bytes = groups.flatMap((g) => {
    const n = parseInt(g || '0', 16);
    return [n >> 8, n & 0xff];
  });
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

function ipBytes(s: string): number[] | null {
  const kind = isIP(s);
  if (kind === 4) return s.split('.').map(Number);
  if (kind === 6) {
    const b = ipv6Bytes(s);
    // An IPv4-mapped address compares as IPv4, as Go's net.IP does.
    if (b && b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return b.slice(12);
    return b;
  }
  return null;
}

function inCidr(ip: number[], net: number[], bits: number): boolean {
  if (ip.length !== net.length) return false;
  for (let i = 0; i < ip.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((ip[i]! & mask) !== (net[i]! & mask)) return false;
  }
  return true;
}

/** Splits "host:port" / "[v6]:port" as Go's net.SplitHostPort; null when there is no port. */
function splitHostPort(p: string): { host: string; port: string } | null {
  const m = /^\[([^\]]*)\]:(\d*)$/.exec(p) ?? /^([^:[\]]*):(\d*)$/.exec(p);
  return m ? { host: m[1]!, port: m[2]! } : null;
}

/** Whether NO_PROXY exempts host:port (host as in a URL, port always given). */
export function noProxyMatches(noProxy: string, host: string, port: string): boolean {
  const h = bare(host).toLowerCase();
  const ip = ipBytes(h);
  for (const raw of noProxy.split(',')) {
    const p = raw.trim().toLowerCase();
    if (!p) continue;
    if (p === '*') return true;
    const slash = p.indexOf('/');
    if (slash > 0) {
      const net = ipBytes(p.slice(0, slash));
      const bits = Number(p.slice(slash + 1));
      if (net && /^\d+$/.test(p.slice(slash + 1)) && bits <= net.length * 8) {
        if (ip && inCidr(ip, net, bits)) return true;
        continue;
      }
    }
    const hp = splitHostPort(p);
    const phost = hp ? hp.host : p;
    const pport = hp ? hp.port : '';
    if (!phost) continue;
    const pip = ipBytes(phost);
    if (pip) {
      if (ip && pip.length === ip.length && pip.every((b, i) => b === ip[i]) && (pport === '' || pport === port)) return true;
      continue;
    }
    if (ip) continue; // a domain never matches an IP address
    let d = phost.startsWith('*.') ? phost.slice(1) : phost;
    const matchHost = !d.startsWith('.');
    if (matchHost) d = `.${d}`;
    if ((h.endsWith(d) || (matchHost && h === d.slice(1))) && (pport === '' || pport === port)) return true;
  }
  return false;
}

/**
 * The proxy for `server`, or undefined for a direct connection. Throws a plain Error with a reason
 * when proxy-url is malformed (kubeconfig.ts checks that earlier, with the kubeconfig's words).
 */
export function chooseProxy(
  server: string,
  proxyUrl: string | undefined,
  env: Record<string, string | undefined>,
): ProxyChoice | undefined {
  if (proxyUrl) {
    const u = parseProxyUrl(proxyUrl);
    if (typeof u === 'string') throw new Error(`invalid proxy-url: ${u}`);
    return { url: u.href, display: displayProxy(u), source: 'proxy-url' };
  }
  const target = new URL(server);
  const names: ProxySource[] = target.protocol === 'https:' ? ['HTTPS_PROXY', 'https_proxy'] : ['HTTP_PROXY', 'http_proxy'];
  const set = firstSet(env, names);
  if (!set) return undefined;
  // As Go: in a CGI environment HTTP_PROXY may come from a client's "Proxy:" header; never trust it.
  if (target.protocol === 'http:' && env.REQUEST_METHOD) return undefined;
  const u = parseEnvProxy(set.value);
  if (!u) return undefined; // Go ignores a value it cannot parse
  if (isLoopback(target.hostname)) return undefined;
  const port = target.port || DEFAULT_PORTS[target.protocol] || '';
  const noProxy = env.NO_PROXY || env.no_proxy || '';
  if (noProxy && noProxyMatches(noProxy, target.hostname, port)) return undefined;
  return { url: u.href, display: displayProxy(u), source: set.name };
}
