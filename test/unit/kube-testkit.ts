// Real sockets for the transport's unit tests: a throw-away PKI (CA, server certificate for 127.0.0.1
// and localhost, a client certificate), an HTTPS server that records who connected, and a small
// CONNECT proxy (optionally asking for Basic authentication).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedConfig } from '../../src/kube/kubeconfig.js';
import { KubeHttp, type HttpOptions } from '../../src/kube/http.js';
import { Credentials, type AuthState } from '../../src/kube/auth.js';

export interface TestPki {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A second CA nobody trusts. */
  otherCa: string;
}

let cached: TestPki | null = null;

export function testPki(): TestPki {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'bluegreen-kube-pki-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run('req', '-x509', ...ec, '-days', '2', '-subj', '/CN=kube-test-ca', '-keyout', 'ca.key', '-out', 'ca.crt');
  run('req', '-x509', ...ec, '-days', '2', '-subj', '/CN=other-ca', '-keyout', 'other.key', '-out', 'other.crt');
  run('req', ...ec, '-subj', '/CN=apiserver', '-keyout', 'srv.key', '-out', 'srv.csr');
  writeFileSync(join(dir, 'srv.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kube.internal\n');
  run(
    'x509',
    '-req',
    '-in',
    'srv.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    'srv.crt',
    '-extfile',
    'srv.cnf',
  );
  run('req', ...ec, '-subj', '/O=devs/CN=alice', '-keyout', 'client.key', '-out', 'client.csr');
  writeFileSync(join(dir, 'client.cnf'), 'extendedKeyUsage=clientAuth\n');
  run(
    'x509',
    '-req',
    '-in',
    'client.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    'client.crt',
    '-extfile',
    'client.cnf',
  );
  const r = (f: string) => readFileSync(join(dir, f), 'utf8');
  cached = {
    dir,
    ca: r('ca.crt'),
    serverCert: r('srv.crt'),
    serverKey: r('srv.key'),
    clientCert: r('client.crt'),
    clientKey: r('client.key'),
    otherCa: r('other.crt'),
  };
  return cached;
}

export interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** Header lines as sent: [name, value, name, value, ...]. */
  rawHeaders: string[];
  /** CN of the client certificate, if one was presented. */
  clientCN: string | null;
  body: string;
  /** '1.1' or '2.0'. */
  httpVersion: string;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, seen: Seen) => void;

/**
 * An HTTPS test server; `h2`: one that offers HTTP/2 as kube-apiserver does (and HTTP/1.1 to clients that
 * ask only for it), answering through Node's compatibility API, so a handler serves both alike (there,
 * req.socket.destroy() resets the request's stream, HTTP/2's dropped answer).
 */
export class TestServer {
  readonly seen: Seen[] = [];
  /** TLS connections accepted, and which protocol each negotiated ('h2', 'http/1.1' or false). */
  readonly connections: Array<string | false> = [];
  handler: Handler = (_q, res) => res.end('{}');
  private constructor(
    readonly server: https.Server | http2.Http2SecureServer,
    readonly port: number,
    readonly h2: boolean,
  ) {}

  static async start(opts: { h2?: boolean } = {}): Promise<TestServer> {
    const p = testPki();
    let self: TestServer | null = null;
    const tlsOpts = { cert: p.serverCert, key: p.serverKey, ca: p.ca, requestCert: true, rejectUnauthorized: false };
    const create = (handler: (req: http.IncomingMessage, res: http.ServerResponse) => void) =>
      opts.h2 ? http2.createSecureServer({ ...tlsOpts, allowHTTP1: true }, handler as never) : https.createServer(tlsOpts, handler);
    const server = create((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        const seen: Seen = {
          method: req.method!,
          url: req.url!,
          headers: req.headers,
          rawHeaders: req.rawHeaders,
          clientCN: peer && peer.subject ? String(peer.subject.CN) : null,
          body: Buffer.concat(chunks).toString(),
          httpVersion: req.httpVersion,
        };
        self!.seen.push(seen);
        self!.handler(req, res, seen);
      });
    });
    const sockets = new Set<net.Socket>();
    const sessions = new Set<http2.ServerHttp2Session>();
    // Every connection, so that stop() ends them all: at the TCP level until its TLS handshake is done,
    // then at the TLS level, and an HTTP/2 one through its session (closing the TCP socket under a TLS
    // one, or the TLS socket under an HTTP/2 session, is not safe: the layer above still uses its handle).
    server.on('connection', (s: net.Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    server.on('secureConnection', (s: TLSSocket & { _parent?: net.Socket }) => {
      self!.connections.push(s.alpnProtocol ?? false);
      if (s._parent) sockets.delete(s._parent);
      if (s.alpnProtocol === 'h2') return;
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    server.on('session', (session: http2.ServerHttp2Session) => {
      sessions.add(session);
      session.on('close', () => sessions.delete(session));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    self = new TestServer(server, (server.address() as net.AddressInfo).port, opts.h2 === true);
    self.sockets = sockets;
    self.sessions = sessions;
    return self;
  }

  private sockets = new Set<net.Socket>();
  private sessions = new Set<http2.ServerHttp2Session>();

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.sessions) s.destroy();
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

/** A forward proxy for CONNECT only; `auth` = "user:password" makes it answer 407 without it. */
export class ConnectProxy {
  readonly connects: Array<{ target: string; auth?: string }> = [];
  /** Answer CONNECT with this status instead of tunnelling (e.g. 403, 502). */
  refuse: number | null = null;
  private sockets = new Set<net.Socket>();
  private constructor(
    readonly server: http.Server,
    readonly port: number,
  ) {}

  static async start(auth?: string): Promise<ConnectProxy> {
    let self: ConnectProxy | null = null;
    const server = http.createServer((_q, res) => res.writeHead(405).end());
    server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
      self!.sockets.add(client);
      const given = req.headers['proxy-authorization'];
      self!.connects.push({ target: req.url!, auth: given });
      // As tinyproxy: 407 without credentials, 401 with wrong ones.
      if (auth && !given) {
        client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
        return;
      }
      if (auth && given !== `Basic ${Buffer.from(auth).toString('base64')}`) {
        client.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
        return;
      }
      if (self!.refuse) {
        client.end(`HTTP/1.1 ${self!.refuse} Refused\r\n\r\n`);
        return;
      }
      const [host, port] = req.url!.startsWith('[')
        ? [req.url!.slice(1, req.url!.indexOf(']')), req.url!.split(']:')[1]]
        : req.url!.split(':');
      const upstream = net.connect(Number(port), host!, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      self!.sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    self = new ConnectProxy(server, (server.address() as net.AddressInfo).port);
    return self;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

export function baseConfig(server: string, over: Partial<ResolvedConfig> = {}): ResolvedConfig {
  return {
    server,
    contextName: 'c',
    clusterName: 'c',
    userName: 'u',
    namespace: 'default',
    namespaceFromFlag: false,
    ca: Buffer.from(testPki().ca),
    insecure: false,
    disableCompression: false,
    systemCaEnv: {},
    ...over,
  };
}

export function client(
  cfg: ResolvedConfig,
  creds: Credentials = new Credentials({}, {}),
  over: Partial<HttpOptions> = {},
): { http: KubeHttp; log: string[] } {
  const log: string[] = [];
  const h = new KubeHttp(cfg, creds, { timeoutMs: 5000, verbose: 2, log: (l) => log.push(l), sleep: async () => undefined, ...over });
  return { http: h, log };
}

/** A credential that renews by calling `next` (counting calls), as an exec plugin would. */
export function renewing(first: AuthState, next: () => AuthState): { creds: Credentials; calls: () => number } {
  let calls = 0;
  const creds = new Credentials(
    {},
    first,
    async () => {
      calls++;
      return next();
    },
    { kind: 'exec', name: 'get-token' },
  );
  return { creds, calls: () => calls };
}

export const target = { verb: 'get', resource: 'rollouts', group: 'argoproj.io', namespace: 'ns', name: 'r' };

/** What a promise rejected with; a promise that resolves fails the test. */
export async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('did not fail');
}
