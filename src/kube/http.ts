// A small HTTPS client for the Kubernetes API: one keep-alive agent, the kubeconfig's TLS and
// credentials, bounded retries for reads, watch streams. Credentials are never logged.
//
// What it does as kubectl (client-go) does, and where:
//   - proxies: proxy-url, HTTPS_PROXY/NO_PROXY (proxy.ts decides, proxy-agent.ts connects);
//   - `Accept-Encoding: gzip` on every request but watches, unless disable-compression;
//   - the OS trust store when the kubeconfig names no CA and Node's roots do not know the server's
//     (system-ca.ts; tried only after an "unknown authority" failure, before anything was sent);
//   - renewing credentials (auth.ts): before a request when an exec credential has expired, and once
//     after a 401; a 401 right after renewal ends the command with "credentials expired or rejected",
//     so a watch never retries a rejected credential.
// A body that is not JSON (an HTML page from a load balancer or proxy) ends a request or a watch with
// a NetworkError, never an exception thrown outside a handler.
//   - HTTP/2 when the server offers it (h2.ts; on Node >= 26, opt-in below it: kubeconfig.ts), HTTP/1.1
//     through a proxy or with DISABLE_HTTP2.
// Not kubectl's, for start-up: the first connection's lookup or TCP handshake overlaps with building the
// TLS context (early-connect.ts; ~25 ms on Node < 26, whatever the CA).
import * as https from 'node:https';
import * as http from 'node:http';
import type * as http2 from 'node:http2';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Duplex, Readable } from 'node:stream';
import type { ResolvedConfig } from './kubeconfig.js';
import { ListStream } from './list-stream.js';
import { Credentials, credentials as resolveCredentials, type AuthState } from './auth.js';
import { CliError, EXIT } from '../errors.js';
import { redactUserinfo } from '../sanitize.js';
import { systemCertificates } from './system-ca.js';
import { bare } from './proxy.js';
import { EarlyConnectAgent, startEarly } from './early-connect.js';
import type { H2Pool } from './h2.js';

export { Credentials } from './auth.js';
/** Kept for callers that import it from here (client.ts). */
export const credentials = resolveCredentials;

export interface Target {
  verb: string;
  resource: string;
  group: string;
  namespace?: string;
  name?: string;
}

export interface RequestSpec {
  method: 'GET' | 'PATCH' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  target: Target;
  signal?: AbortSignal;
  /** Retry on 429/5xx/reset. Reads only, unless the caller knows a retry is safe. */
  retry?: boolean;
  /** A List read as it arrives whose reader may fall behind (see Flow). */
  flow?: Flow;
}

/**
 * The reader of a List read as it arrives, which may fall behind it (a table waiting on another list):
 * asked after each chunk, full() pauses the answer (TCP holds the rest at the API server, and the
 * request's timeout, which counts silence, waits too) until room() resolves.
 */
export interface Flow {
  full(): boolean;
  room(): Promise<void>;
  /** The request went out (its headers and body are written): the reader may use the wait for its answer. */
  sent?(): void;
}

export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; causes?: Array<{ message?: string }> };
}

/** The API server answered with an error status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: KubeStatus,
    readonly target: Target,
    readonly rawText: string,
  ) {
    super(body.message || `HTTP ${status}`);
  }
}

/** The request did not get a usable answer: connection refused, reset, TLS failure, timeout, not JSON. */
export class NetworkError extends Error {
  constructor(
    readonly kind: 'unreachable' | 'tls' | 'timeout',
    readonly code: string,
    message: string,
    /** True when the request may have reached the server (a write may have happened). */
    readonly maybeSent: boolean,
  ) {
    super(message);
  }
}

export interface HttpOptions {
  /** Per-request limit in ms; 0 = none. */
  timeoutMs: number;
  verbose: number;
  log: (line: string) => void;
  /** Counts requests, for the benchmark's request tally and tests. */
  onRequest?: (method: string, path: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_NOT_YET_VALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/** Verification failures that the OS trust store may cure (the issuer is unknown to Node's roots). */
const UNKNOWN_AUTHORITY = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
]);

/** Errors before anything was written to the socket: a retry cannot double a write. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPROXY']);

const WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed',
};

/** How a request failed without an answer, in the words the user sees. `via`: the proxy, if any. */
export function classify(err: NodeJS.ErrnoException, sent: boolean, via?: { display: string; source: string }): NetworkError {
  const code = err.code ?? 'ERROR';
  if (TLS_CODES.has(code) || /certificate|SSL|TLS/i.test(err.message)) {
    return new NetworkError('tls', code, tlsDetail(code, err.message), false);
  }
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT' || code === 'TIMEOUT') {
    return new NetworkError('timeout', code, err.message, sent);
  }
  const words = WORDS[code] ?? (err.message && err.message !== code ? err.message.split('\n')[0]!.slice(0, 120) : code);
  // Through a proxy, a connection that fails before anything was sent failed at the proxy.
  const detail = via && !sent ? `through the proxy ${via.display} (from ${via.source}): ${words}` : words;
  return new NetworkError('unreachable', code, detail, sent && !NOT_SENT_CODES.has(code));
}

function tlsDetail(code: string, message: string): string {
  switch (code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
      return 'certificate signed by an unknown authority';
    case 'CERT_HAS_EXPIRED':
      return 'the server certificate has expired';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 'the server certificate is not valid for this address';
    default:
      return message.split('\n')[0]!.slice(0, 160);
  }
}

/** Retry-After in ms (seconds or an HTTP date), capped at 5 s; null when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | null {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) return null;
  const secs = Number(v.trim());
  if (Number.isFinite(secs) && secs >= 0 && /^\d+$/.test(v.trim())) return Math.min(secs * 1000, 5000);
  const at = Date.parse(v);
  if (Number.isFinite(at)) return Math.min(Math.max(at - now, 0), 5000);
  return null;
}

export function backoff(attempt: number): number {
  const base = 200 * 2 ** (attempt - 1);
  return Math.min(base + Math.floor(Math.random() * base * 0.25), 3000);
}

/** A short, printable excerpt of an unexpected body. */
function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${flat.slice(0, 60)}…` : flat;
}

/** What reads an answer as it arrives (a watch's events, a List's items) instead of holding it whole. */
export interface StreamDecoder {
  push(chunk: Buffer): void;
  end(): void;
  /**
   * A List may come compressed and within the request timeout (its silences, not a pause its reader
   * asked for); a watch neither (events as they happen).
   */
  readonly bounded: boolean;
}

/** Hands over each item of a List as it arrives (list-stream.ts); the rest (metadata) at the end. */
class ListDecoder implements StreamDecoder {
  readonly bounded = true;
  private readonly reader: ListStream;
  rest: Record<string, unknown> = {};
  constructor(onItem: (item: unknown) => void) {
    this.reader = new ListStream(onItem);
  }
  get items(): number {
    return this.reader.items;
  }
  push(chunk: Buffer): void {
    try {
      this.reader.write(chunk);
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
      throw new NetworkError(
        'unreachable',
        'EBADRESPONSE',
        'the list answer was not JSON; a proxy or load balancer may be answering instead of the API server',
        false,
      );
    }
  }
  end(): void {
    try {
      this.rest = this.reader.end();
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
      throw new NetworkError('unreachable', 'EBADRESPONSE', 'the list answer ended in the middle of a value', false);
    }
  }
}

/** Splits a watch stream into lines of JSON; anything else ends the watch with a NetworkError. */
export class WatchDecoder implements StreamDecoder {
  readonly bounded = false;
  private buffered = '';
  private readonly text = new TextDecoder('utf-8');

  constructor(private readonly onEvent: (ev: { type: string; object: unknown }) => void) {}

  push(chunk: Buffer): void {
    this.buffered += this.text.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, nl).trim();
      this.buffered = this.buffered.slice(nl + 1);
      if (line) this.line(line);
    }
  }

  /** At the end of the stream: a last event without a newline. */
  end(): void {
    const rest = (this.buffered + this.text.decode()).trim();
    this.buffered = '';
    if (rest) this.line(rest);
  }

  private line(line: string): void {
    let ev: unknown;
    try {
      ev = JSON.parse(line);
    } catch {
      throw new NetworkError(
        'unreachable',
        'EBADSTREAM',
        `the watch stream held something that is not JSON ("${excerpt(line)}"); a proxy or load balancer may be answering instead of the API server`,
        true,
      );
    }
    const o = ev && typeof ev === 'object' ? (ev as { type?: unknown; object?: unknown }) : {};
    if (typeof o.type !== 'string') {
      throw new NetworkError(
        'unreachable',
        'EBADSTREAM',
        `the watch stream held something that is not a watch event ("${excerpt(line)}")`,
        true,
      );
    }
    this.onEvent({ type: o.type, object: o.object });
  }
}

/** How requests reach the server with one credential: HTTP/2 streams when the server speaks it, else the agent. */
interface Connection {
  agent: http.Agent;
  h2: H2Pool | null;
}

const NGHTTP2_REFUSED_STREAM = 7;
const NGHTTP2_CANCEL = 8;

/** A stream's failure as the user reads it: a reset (sent, unless the server refused the stream). */
function streamFailure(e: NodeJS.ErrnoException, stream: http2.ClientHttp2Stream, sent: boolean): NetworkError {
  // REFUSED_STREAM (RFC 9113 8.7; also every stream above a GOAWAY's last): the server did not process it.
  if (stream.rstCode === NGHTTP2_REFUSED_STREAM)
    return new NetworkError('unreachable', 'ECONNRESET', 'connection reset (the server refused the stream)', false);
  if (e.code?.startsWith('ERR_HTTP2')) return new NetworkError('unreachable', 'ECONNRESET', 'connection reset', sent);
  return classify(e, sent);
}

interface Answer {
  status: number;
  text: string;
  headers: http.IncomingHttpHeaders;
  /** The credential the request carried (to renew it after a 401). */
  auth: AuthState;
  gzip: boolean;
}

export class KubeHttp {
  private readonly base: URL;
  readonly server: string;
  private connections = new Map<string, Promise<Connection>>();
  /** close() was called: what is still in flight was given up, and is neither retried nor reconnected. */
  private closed = false;
  private systemCa: string[] | null = null;

  constructor(
    readonly cfg: ResolvedConfig,
    private readonly creds: Credentials,
    private readonly opts: HttpOptions,
  ) {
    this.server = cfg.server;
    this.base = new URL(cfg.server);
  }

  close(): void {
    this.closed = true;
    for (const c of this.connections.values())
      void c.then(
        ({ agent, h2 }) => {
          h2?.close();
          agent.destroy();
        },
        () => undefined,
      );
    this.connections.clear();
  }

  /**
   * One agent per client certificate (an exec plugin may rotate it) and trust store. Building the
   * secure context (CA store, client key) is the most expensive part of a connection: it is built once
   * and shared by every connection of the agent.
   */
  private connection(auth: AuthState): Promise<Connection> {
    const key = `${this.systemCa ? 'sys' : 'default'}\n${String(auth.cert ?? this.cfg.cert ?? '')}\n${String(auth.key ?? this.cfg.key ?? '')}`;
    let c = this.connections.get(key);
    if (!c) {
      c = this.connect(auth);
      this.connections.set(key, c);
    }
    return c;
  }

  private async connect(auth: AuthState): Promise<Connection> {
    const cfg = this.cfg;
    const secure = this.base.protocol === 'https:';
    let secureContext: tls.SecureContext | undefined;
    // Direct (no proxy): the lookup or the connection starts now (early-connect.ts); for an IP address a
    // tick lets net.connect send its SYN before the context is built (a lookup is already queued).
    const target = { host: bare(this.base.hostname), port: Number(this.base.port || 443) };
    const early = secure && !cfg.proxy ? startEarly(target.host, target.port) : null;
    if (early) await new Promise<void>((resolve) => process.nextTick(resolve));
    if (secure) {
      try {
        secureContext = tls.createSecureContext({
          ca: cfg.ca ?? this.systemCa ?? undefined,
          cert: auth.cert ?? cfg.cert,
          key: auth.key ?? cfg.key,
        });
      } catch (e) {
        if (early?.kind === 'socket') early.socket.destroy();
        // A certificate, key or CA that OpenSSL cannot read (its message holds no key material).
        throw new CliError(EXIT.FAILURE, 'err.tlsMaterial', { detail: (e as Error).message.split('\n')[0]!.slice(0, 160) }).causedBy(e);
      }
    }
    const tlsOpts = secure ? { secureContext, rejectUnauthorized: !cfg.insecure, servername: cfg.tlsServerName } : undefined;
    if (cfg.proxy) {
      const { proxyAgent } = await import('./proxy-agent.js');
      return { agent: await proxyAgent(cfg.proxy, this.base.protocol, tlsOpts ?? { rejectUnauthorized: true }), h2: null };
    }
    if (!secure || !early)
      return { agent: secure ? new https.Agent({ keepAlive: true, ...tlsOpts }) : new http.Agent({ keepAlive: true }), h2: null };
    const agent = new EarlyConnectAgent({ keepAlive: true, ...tlsOpts }, early, target);
    if (cfg.disableHttp2) return { agent, h2: null };
    // The first connection offers h2 and http/1.1, through the agent (it takes what startEarly began).
    const dial = () =>
      agent.createConnection({
        ...(agent as unknown as { options: https.AgentOptions }).options,
        host: target.host,
        port: target.port,
        servername: tlsOpts?.servername ?? (net.isIP(target.host) ? '' : target.host),
        ALPNProtocols: ['h2', 'http/1.1'],
      } as https.RequestOptions) as tls.TLSSocket;
    // Loaded here, not at start: node:http2 costs a few ms that a command without requests (help) need not pay.
    const { H2Pool } = await import('./h2.js');
    return { agent, h2: new H2Pool(this.base.origin, dial, (socket) => agent.handover(socket)) };
  }

  private url(path: string, query?: Record<string, string | undefined>): URL {
    const basePath = this.base.pathname.replace(/\/+$/, '');
    const u = new URL(this.base.origin + basePath + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, v);
    return u;
  }

  /** Whether a failed request was given up (its signal, or close()), logged as such; otherwise as failed. */
  private cancelled(spec: RequestSpec, url: URL, e: NetworkError, started: number): boolean {
    const cancelled = this.closed || spec.signal?.aborted === true;
    const what = cancelled ? 'cancelled' : `failed: ${e.code}`;
    this.log(1, `${spec.method} ${url.pathname}${url.search} ${what} after ${Date.now() - started} ms`);
    return cancelled;
  }

  private log(level: number, line: string): void {
    if (this.opts.verbose >= level) this.opts.log(redactUserinfo(line));
  }

  private get via(): { display: string; source: string } | undefined {
    return this.cfg.proxy ? { display: this.cfg.proxy.display, source: this.cfg.proxy.source } : undefined;
  }

  /** A refused CONNECT: 407/401 and 403 are answers to act on, anything else is a proxy that cannot get through. */
  private proxyFailure(status: number): Error {
    const p = this.cfg.proxy!;
    const params = { proxy: p.display, source: p.source, server: this.server, status: String(status) };
    // 407 asks for credentials; tinyproxy (among others) answers 401 to wrong ones.
    if (status === 407 || status === 401) {
      const withCredentials = new URL(p.url).username !== '' ? 'yes' : 'no';
      return new CliError(EXIT.FAILURE, 'err.proxyAuth', { ...params, withCredentials });
    }
    if (status === 403) return new CliError(EXIT.FAILURE, 'err.proxyRefused', params);
    return new NetworkError(
      'unreachable',
      'EPROXY',
      `through the proxy ${p.display} (from ${p.source}): it answered ${status} to CONNECT`,
      false,
    );
  }

  /** One HTTP exchange with the current credential; resolves with status and body text. */
  private async exchange(spec: RequestSpec, url: URL, stream?: StreamDecoder): Promise<Answer> {
    const auth = await this.creds.current();
    const { agent, h2 } = await this.connection(auth);
    // Closed meanwhile (the command ended): nothing more is sent, on a new connection or an old one.
    if (this.closed) throw new NetworkError('unreachable', 'ABORTED', 'the client was closed', false);
    const body = spec.body === undefined ? undefined : Buffer.from(JSON.stringify(spec.body));
    const headers: Record<string, string | string[]> = {
      Accept: 'application/json',
      'User-Agent': 'kubectl-bluegreen',
      ...this.creds.headers,
    };
    if (auth.authorization) headers.Authorization = auth.authorization;
    // As client-go: compressed answers unless disable-compression; not for watches, whose events must
    // arrive as they happen (the API server does not compress them anyway).
    if ((!stream || stream.bounded) && !this.cfg.disableCompression) headers['Accept-Encoding'] = 'gzip';
    if (body) {
      headers['Content-Type'] = spec.contentType ?? 'application/json';
      headers['Content-Length'] = String(body.length);
    }
    const mod = url.protocol === 'http:' ? http : https;
    this.opts.onRequest?.(spec.method, url.pathname + url.search);
    const { ProxyRefusal } = this.cfg.proxy ? await import('./proxy-agent.js') : { ProxyRefusal: null };
    return new Promise((resolve, reject) => {
      let sent = false;
      let settled = false;
      /** Not read while the reader is behind (spec.flow). */
      let paused = false;
      /** An HTTP/2 stream's answer came, and was read to its end (a stream closes before a gunzip of it ends). */
      let responded = false;
      let ended = false;
      /** Sent on, once there is a connection (an HTTP/2 session may still be setting up). */
      let req: http.ClientRequest | http2.ClientHttp2Stream | undefined;
      let viaH2 = false;
      /** A watch whose HTTP/2 session the server is closing (GOAWAY): it ends, and resumes on a new one. */
      let drained = false;
      let watching: { status: number; headers: http.IncomingHttpHeaders } | null = null;
      const endWatch = () => {
        if (settled || !watching) return;
        settled = true;
        this.log(1, `${spec.method} ${url.pathname}: the server is closing the connection (GOAWAY); the watch resumes on a new one`);
        resolve({ status: watching.status, text: '', headers: watching.headers, auth, gzip: false });
        (req as http2.ClientHttp2Stream).close(NGHTTP2_CANCEL);
      };
      const fail = (e: Error) => {
        if (settled) return;
        settled = true;
        reject(e);
        if (req) req.destroy();
        else {
          // Given up while the HTTP/2 connection was being set up (the timeout, Ctrl-C, close()).
          h2?.giveUp();
          cleanup();
        }
      };
      const onResponse = (status: number, resHeaders: http.IncomingHttpHeaders, res: Readable) => {
        const gzip = /^\s*gzip\s*$/i.test(String(resHeaders['content-encoding'] ?? ''));
        res.on('aborted', () => fail(new NetworkError('unreachable', 'ECONNRESET', 'connection reset', true)));
        if (!viaH2) res.on('error', (e: NodeJS.ErrnoException) => fail(classify(e, true)));
        const consume = (from: Readable) => {
          const chunks: Buffer[] = [];
          const streaming = stream && status < 300;
          if (streaming && !stream.bounded && viaH2) {
            watching = { status, headers: resHeaders };
            if (drained) {
              endWatch();
              return;
            }
          }
          from.on('data', (c: Buffer) => {
            if (settled) return;
            if (!streaming) {
              chunks.push(c);
              return;
            }
            // A List read as it arrives: the timeout counts silence, not the whole body (one answer may
            // carry every rollout of a cluster), so each chunk starts it again.
            timer?.refresh();
            try {
              stream.push(c);
            } catch (e) {
              fail(e as Error);
              return;
            }
            if (spec.flow?.full() && !paused) {
              paused = true;
              from.pause();
              void spec.flow.room().then(() => {
                paused = false;
                timer?.refresh();
                from.resume();
              });
            }
          });
          from.on('error', () =>
            fail(new NetworkError('unreachable', 'EBADGZIP', 'the compressed answer could not be decompressed', true)),
          );
          from.on('end', () => {
            if (settled) return;
            // An HTTP/2 stream ends when its connection is lost too, with a reset code (CANCEL): not an answer.
            if (viaH2 && (req as http2.ClientHttp2Stream).rstCode) {
              fail(
                streamFailure(
                  Object.assign(new Error('stream reset'), { code: 'ERR_HTTP2_STREAM_RESET' }),
                  req as http2.ClientHttp2Stream,
                  sent,
                ),
              );
              return;
            }
            try {
              if (streaming) stream.end();
            } catch (e) {
              fail(e as Error);
              return;
            }
            settled = true;
            resolve({ status, text: Buffer.concat(chunks).toString('utf8'), headers: resHeaders, auth, gzip });
          });
        };
        if (!gzip) consume(res);
        else
          import('./decode.js').then(
            ({ gunzip }) => consume(gunzip(res)),
            (e: Error) => fail(e),
          );
      };
      const send = (session: http2.ClientHttp2Session | null): http.ClientRequest | http2.ClientHttp2Stream | undefined => {
        if (session) {
          const h2headers: http2.OutgoingHttpHeaders = { ':method': spec.method, ':path': url.pathname + url.search };
          for (const [k, v] of Object.entries(headers)) h2headers[k.toLowerCase()] = v;
          let s: http2.ClientHttp2Stream;
          try {
            s = h2!.request(
              session,
              h2headers,
              !body,
              stream && !stream.bounded
                ? () => {
                    drained = true;
                    endWatch();
                  }
                : undefined,
            );
          } catch (e) {
            // The session closed between the pool's answer and this request: nothing was sent.
            const code = (e as NodeJS.ErrnoException).code;
            if (code !== 'ERR_HTTP2_INVALID_SESSION' && code !== 'ERR_HTTP2_GOAWAY_SESSION' && code !== 'ERR_HTTP2_OUT_OF_STREAMS') throw e;
            fail(new NetworkError('unreachable', 'ECONNRESET', 'connection reset', false));
            return undefined;
          }
          s.on('response', (h) => {
            responded = true;
            const { ':status': status, ...rest } = h;
            onResponse(Number(status), rest as http.IncomingHttpHeaders, s);
          });
          s.on('end', () => (ended = true));
          // An answer that began was sent, whatever the stream says after.
          s.on('error', (e: NodeJS.ErrnoException) => fail(streamFailure(e, s, sent || responded)));
          // Closed before its whole answer came: a reset the 'error' event does not report (a CANCEL, as when
          // the connection is lost, or NO_ERROR before any answer, as a server's stream.destroy() sends).
          s.on('close', () => {
            if (!responded || !ended || s.rstCode)
              fail(streamFailure(Object.assign(new Error('stream closed'), { code: 'ERR_HTTP2_STREAM_CLOSED' }), s, sent || responded));
          });
          return s;
        }
        const r = mod.request(url, { method: spec.method, headers, agent }, (res) => onResponse(res.statusCode ?? 0, res.headers, res));
        r.on('error', (e: NodeJS.ErrnoException) => {
          if (ProxyRefusal && e instanceof ProxyRefusal) fail(this.proxyFailure(e.status));
          else fail(classify(e, sent, this.via));
        });
        return r;
      };
      const timeout = stream && !stream.bounded ? 0 : this.opts.timeoutMs;
      let timer: NodeJS.Timeout | undefined;
      if (timeout > 0) {
        timer = setTimeout(() => {
          // Silence the reader asked for is not the server's: counted again from the next read.
          if (paused) timer?.refresh();
          else fail(new NetworkError('timeout', 'TIMEOUT', `no answer within ${timeout} ms`, sent));
        }, timeout);
        timer.unref();
      }
      const onAbort = () => fail(new NetworkError('unreachable', 'ABORTED', 'aborted', sent));
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        spec.signal?.removeEventListener('abort', onAbort);
      };
      if (spec.signal) {
        if (spec.signal.aborted) onAbort();
        else spec.signal.addEventListener('abort', onAbort, { once: true });
      }
      const start = (session: http2.ClientHttp2Session | null) => {
        if (settled) return;
        viaH2 = session !== null;
        try {
          req = send(session);
        } catch (e) {
          fail(e as Error); // a header Node refuses: a bug, reported as it is
          return;
        }
        if (!req) return;
        req.on('close', cleanup);
        req.on('finish', () => {
          sent = true;
          spec.flow?.sent?.();
        });
        req.end(body);
      };
      // The timeout and Ctrl-C count the HTTP/2 connection's set-up too, as they count the agent's
      // connecting; its own failure (refused, TLS) happened before anything was sent.
      if (!h2) start(null);
      else
        h2.session().then(start, (e: NodeJS.ErrnoException) => {
          if (settled) return;
          fail(classify(e, false));
        });
    });
  }

  /**
   * Runs `attempt` (one exchange) with the transport's recoveries: the OS trust store after an
   * unknown authority, and a renewed credential after a 401 (then "credentials expired or rejected").
   */
  private async recovering(spec: RequestSpec, url: URL, stream?: () => StreamDecoder): Promise<Answer> {
    let renewed = false;
    for (;;) {
      let answer: Answer;
      const trustedBefore = this.systemCa;
      try {
        answer = await this.exchange(spec, url, stream?.());
      } catch (e) {
        if (e instanceof NetworkError && e.kind === 'tls' && trustedBefore === null && this.trySystemCa(e.code)) continue;
        throw e;
      }
      if (answer.status === 401 && this.creds.renewable) {
        if (!renewed) {
          renewed = true;
          this.log(
            1,
            `${spec.method} ${url.pathname}: 401, renewing the credential from ${this.creds.source?.kind} ${this.creds.source?.name}`,
          );
          await this.creds.renew(answer.auth);
          continue;
        }
        const src = this.creds.source!;
        throw new CliError(EXIT.FAILURE, 'err.credentialsRejected', {
          server: this.server,
          user: this.cfg.userName ?? 'unknown',
          kind: src.kind,
          name: src.name,
        });
      }
      return answer;
    }
  }

  /**
   * After an unknown-authority failure with Node's roots and no CA in the kubeconfig: use the OS trust
   * store. Requests in flight together fail together: the first loads the store, the others retry with it.
   */
  private trySystemCa(code: string): boolean {
    if (this.cfg.ca || this.cfg.insecure || !UNKNOWN_AUTHORITY.has(code)) return false;
    if (this.systemCa) return true;
    const certs = systemCertificates(this.cfg.systemCaEnv);
    if (certs.length === 0) return false;
    this.log(1, `the server's certificate is not signed by a CA Node.js knows; trying the OS trust store (${certs.length} certificates)`);
    this.systemCa = certs;
    return true;
  }

  /** A request whose answer is JSON. Throws ApiError for >= 400, NetworkError when there is no usable answer. */
  async json<T>(spec: RequestSpec): Promise<T> {
    const url = this.url(spec.path, spec.query);
    const sleep = this.opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    const attempts = spec.retry ? 5 : 1;
    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      let result: Answer;
      try {
        result = await this.recovering(spec, url);
      } catch (e) {
        if (!(e instanceof NetworkError)) throw e;
        const cancelled = this.cancelled(spec, url, e, started);
        const retriable = e.code === 'ECONNRESET' || e.code === 'EPIPE';
        if (spec.retry && retriable && attempt < attempts && !cancelled) {
          await sleep(backoff(attempt));
          continue;
        }
        throw e;
      }
      this.log(
        1,
        `${spec.method} ${url.pathname}${url.search} ${result.status} in ${Date.now() - started} ms${result.gzip ? ' (gzip)' : ''}`,
      );
      if (spec.body !== undefined) this.log(2, `  request body: ${JSON.stringify(spec.body)}`);
      if (result.status >= 400) {
        const retriable = result.status === 429 || (result.status >= 500 && result.status !== 501);
        if (spec.retry && retriable && attempt < attempts && !spec.signal?.aborted) {
          await sleep(retryAfterMs(result.headers['retry-after']) ?? backoff(attempt));
          continue;
        }
        throw this.apiError(result, spec.target);
      }
      if (result.text === '') return undefined as T;
      try {
        return JSON.parse(result.text) as T;
      } catch {
        throw new NetworkError(
          'unreachable',
          'EBADRESPONSE',
          `the answer was not JSON ("${excerpt(result.text)}"); a proxy or load balancer may be answering instead of the API server`,
          spec.method !== 'GET',
        );
      }
    }
  }

  private apiError(result: Answer, target: Target): ApiError {
    let body: KubeStatus;
    try {
      const parsed: unknown = JSON.parse(result.text);
      body = parsed && typeof parsed === 'object' ? (parsed as KubeStatus) : { message: excerpt(result.text) };
    } catch {
      body = { message: result.text.trim().slice(0, 200) };
    }
    this.log(2, `  response: ${JSON.stringify(body).slice(0, 2000)}`);
    return new ApiError(result.status, body, target, result.text);
  }

  /**
   * An HTTP/1.1 Upgrade request (a WebSocket handshake, for the pods/portforward subresource) with the
   * same TLS and credentials as every other request. Resolves with the raw socket once the server
   * answers 101; rejects with ApiError for any other answer and NetworkError when there is none. The
   * per-request timeout covers the handshake only.
   */
  async upgrade(
    spec: RequestSpec & { headers: Record<string, string> },
  ): Promise<{ socket: Duplex; head: Buffer; headers: http.IncomingHttpHeaders }> {
    const url = this.url(spec.path, spec.query);
    const mod = url.protocol === 'http:' ? http : https;
    const auth = await this.creds.current();
    // HTTP/1.1 always: an Upgrade has no place in HTTP/2 (RFC 9113 8.6), so it takes the agent's connection.
    const { agent } = await this.connection(auth);
    const headers: Record<string, string | string[]> = { 'User-Agent': 'kubectl-bluegreen', ...this.creds.headers, ...spec.headers };
    if (auth.authorization) headers.Authorization = auth.authorization;
    this.opts.onRequest?.(spec.method, url.pathname + url.search);
    const started = Date.now();
    return new Promise((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const settle = (f: () => void) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        spec.signal?.removeEventListener('abort', onAbort);
        f();
      };
      const req = mod.request(url, { method: spec.method, headers, agent });
      req.on('upgrade', (res, socket, head) => {
        this.log(1, `UPGRADE ${spec.method} ${url.pathname}${url.search} ${res.statusCode} in ${Date.now() - started} ms`);
        if (settled) {
          socket.destroy(); // aborted or timed out in the meantime
          return;
        }
        settle(() => resolve({ socket, head, headers: res.headers }));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          this.log(1, `UPGRADE ${spec.method} ${url.pathname}${url.search} ${res.statusCode} in ${Date.now() - started} ms`);
          let body: KubeStatus;
          try {
            body = JSON.parse(text) as KubeStatus;
          } catch {
            body = { message: text.trim().slice(0, 200) || `HTTP ${res.statusCode}` };
          }
          settle(() => reject(new ApiError(res.statusCode ?? 0, body, spec.target, text)));
        });
        res.on('error', (e: NodeJS.ErrnoException) => settle(() => reject(classify(e, true))));
      });
      req.on('error', (e: NodeJS.ErrnoException) => settle(() => reject(classify(e, true))));
      const onAbort = () => {
        settle(() => reject(new NetworkError('unreachable', 'ABORTED', 'aborted', true)));
        req.destroy();
      };
      if (this.opts.timeoutMs > 0) {
        timer = setTimeout(() => {
          settle(() => reject(new NetworkError('timeout', 'TIMEOUT', `no answer within ${this.opts.timeoutMs} ms`, true)));
          req.destroy();
        }, this.opts.timeoutMs);
        timer.unref();
      }
      if (spec.signal?.aborted) onAbort();
      else spec.signal?.addEventListener('abort', onAbort, { once: true });
      req.end();
    });
  }

  /**
   * A List read as it arrives: onItem gets each item (parsed) as soon as it is complete, so a page is never
   * held whole; resolves with the List's other fields (metadata.continue). Retried like json() (429, 5xx,
   * a reset) only while no item has been handed over.
   */
  async list(spec: RequestSpec, onItem: (item: unknown) => void): Promise<{ metadata?: { continue?: string; resourceVersion?: string } }> {
    const url = this.url(spec.path, spec.query);
    const sleep = this.opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    const attempts = spec.retry ? 5 : 1;
    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      let decoder: ListDecoder | undefined;
      let result: Answer;
      try {
        result = await this.recovering(spec, url, () => (decoder = new ListDecoder(onItem)));
      } catch (e) {
        if (!(e instanceof NetworkError)) throw e;
        const cancelled = this.cancelled(spec, url, e, started);
        const retriable = (e.code === 'ECONNRESET' || e.code === 'EPIPE') && (decoder?.items ?? 0) === 0;
        if (spec.retry && retriable && attempt < attempts && !cancelled) {
          await sleep(backoff(attempt));
          continue;
        }
        throw e;
      }
      this.log(
        1,
        `${spec.method} ${url.pathname}${url.search} ${result.status} in ${Date.now() - started} ms${result.gzip ? ' (gzip)' : ''}, ${decoder?.items ?? 0} items as they came`,
      );
      if (result.status >= 400) {
        const retriable = result.status === 429 || (result.status >= 500 && result.status !== 501);
        if (spec.retry && retriable && attempt < attempts && !spec.signal?.aborted) {
          await sleep(retryAfterMs(result.headers['retry-after']) ?? backoff(attempt));
          continue;
        }
        throw this.apiError(result, spec.target);
      }
      return (decoder?.rest ?? {}) as { metadata?: { continue?: string; resourceVersion?: string } };
    }
  }

  /**
   * A watch stream: calls onEvent per event until the server ends the stream or the signal aborts.
   * Resolves when the stream ends normally; rejects with NetworkError/ApiError otherwise (an answer
   * that is not a stream of JSON events included), or with what onEvent threw.
   */
  async watch(spec: RequestSpec, onEvent: (ev: { type: string; object: unknown }) => void): Promise<void> {
    const url = this.url(spec.path, { ...spec.query, watch: '1' });
    const result = await this.recovering(spec, url, () => new WatchDecoder(onEvent));
    this.log(1, `WATCH ${url.pathname}${url.search} ended with ${result.status}`);
    if (result.status >= 300) throw this.apiError(result, spec.target);
  }
}
