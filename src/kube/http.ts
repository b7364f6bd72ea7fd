// A small HTTPS client for the Kubernetes API: one keep-alive agent, the kubeconfig's TLS and
// credentials, bounded retries for reads, watch streams. Credentials are never logged.
import * as https from 'node:https';
import * as http from 'node:http';
import * as tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { ResolvedConfig } from './kubeconfig.js';
import { CliError } from '../errors.js';

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

/** The request did not get an answer: connection refused, reset, TLS failure, timeout. */
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
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_NOT_YET_VALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/** Errors before anything was written to the socket: a retry cannot double a write. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function classify(err: NodeJS.ErrnoException, sent: boolean): NetworkError {
  const code = err.code ?? 'ERROR';
  if (TLS_CODES.has(code) || /certificate|SSL|TLS/i.test(err.message)) {
    return new NetworkError('tls', code, tlsDetail(code, err.message), false);
  }
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT' || code === 'TIMEOUT') {
    return new NetworkError('timeout', code, err.message, sent);
  }
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host not found',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    EPIPE: 'connection closed',
  };
  return new NetworkError('unreachable', code, words[code] ?? code, sent && !NOT_SENT_CODES.has(code));
}

function tlsDetail(code: string, message: string): string {
  switch (code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'certificate signed by an unknown authority';
    case 'CERT_HAS_EXPIRED':
      return 'the server certificate has expired';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 'the server certificate is not valid for this address';
    default:
      return message.split('\n')[0]!.slice(0, 160);
  }
}

export interface Credentials {
  headers: Record<string, string | string[]>;
  cert?: Buffer | string;
  key?: Buffer | string;
  /** An agent built by the credential layer (proxy-url). */
  agent?: http.Agent;
}

export class KubeHttp {
  private agent: http.Agent;
  private readonly base: URL;
  readonly server: string;
  requests = 0;

  constructor(
    readonly cfg: ResolvedConfig,
    private readonly creds: Credentials,
    private readonly opts: HttpOptions,
  ) {
    this.server = cfg.server;
    this.base = new URL(cfg.server);
    if (creds.agent) {
      this.agent = creds.agent;
    } else if (this.base.protocol === 'http:') {
      this.agent = new http.Agent({ keepAlive: true });
    } else {
      // One secure context for every connection: building it (CA store, client key) is the most
      // expensive part of a connection, and parallel requests would each build their own.
      const secureContext = tls.createSecureContext({ ca: cfg.ca, cert: creds.cert ?? cfg.cert, key: creds.key ?? cfg.key });
      this.agent = new https.Agent({
        keepAlive: true,
        secureContext,
        rejectUnauthorized: !cfg.insecure,
        servername: cfg.tlsServerName,
      });
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private url(path: string, query?: Record<string, string | undefined>): URL {
    const basePath = this.base.pathname.replace(/\/+$/, '');
    const u = new URL(this.base.origin + basePath + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, v);
    return u;
  }

  private log(level: number, line: string): void {
    if (this.opts.verbose >= level) this.opts.log(line);
  }

  /** One HTTP exchange; resolves with status and body text. */
  private exchange(
    spec: RequestSpec,
    url: URL,
    stream?: (chunk: Buffer) => void,
  ): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
    const body = spec.body === undefined ? undefined : Buffer.from(JSON.stringify(spec.body));
    const headers: Record<string, string | string[]> = {
      Accept: 'application/json',
      'User-Agent': 'kubectl-bluegreen',
      ...this.creds.headers,
    };
    if (body) {
      headers['Content-Type'] = spec.contentType ?? 'application/json';
      headers['Content-Length'] = String(body.length);
    }
    const mod = url.protocol === 'http:' ? http : https;
    this.requests++;
    this.opts.onRequest?.(spec.method, url.pathname + url.search);
    return new Promise((resolve, reject) => {
      let sent = false;
      let settled = false;
      const fail = (e: NetworkError) => {
        if (settled) return;
        settled = true;
        reject(e);
      };
      const req = mod.request(url, { method: spec.method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        // An error status carries a Status body, not events: it is read whole, never streamed.
        const streaming = !!stream && (res.statusCode ?? 0) < 400;
        res.on('data', (c: Buffer) => {
          if (!streaming) return void chunks.push(c);
          try {
            stream!(c);
          } catch {
            // Not a watch stream (an HTML page from a proxy or load balancer): end it as a broken stream.
            fail(new NetworkError('unreachable', 'BADSTREAM', 'the watch stream was not readable', true));
            req.destroy();
          }
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers });
        });
        res.on('error', (e: NodeJS.ErrnoException) => fail(classify(e, true)));
        res.on('aborted', () => fail(new NetworkError('unreachable', 'ECONNRESET', 'connection reset', true)));
      });
      const timeout = stream ? 0 : this.opts.timeoutMs;
      let timer: NodeJS.Timeout | undefined;
      if (timeout > 0) {
        timer = setTimeout(() => {
          fail(new NetworkError('timeout', 'TIMEOUT', `no answer within ${timeout} ms`, sent));
          req.destroy();
        }, timeout);
        timer.unref();
      }
      const onAbort = () => {
        fail(new NetworkError('unreachable', 'ABORTED', 'aborted', sent));
        req.destroy();
      };
      if (spec.signal) {
        if (spec.signal.aborted) onAbort();
        else spec.signal.addEventListener('abort', onAbort, { once: true });
      }
      req.on('error', (e: NodeJS.ErrnoException) => fail(classify(e, sent)));
      req.on('close', () => {
        if (timer) clearTimeout(timer);
        spec.signal?.removeEventListener('abort', onAbort);
      });
      req.on('finish', () => (sent = true));
      req.end(body);
    });
  }

  /** A request whose answer is JSON. Throws ApiError for >= 400, NetworkError when there is no answer. */
  async json<T>(spec: RequestSpec): Promise<T> {
    const url = this.url(spec.path, spec.query);
    const sleep = this.opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    const attempts = spec.retry ? 5 : 1;
    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      let result: { status: number; text: string; headers: http.IncomingHttpHeaders };
      try {
        result = await this.exchange(spec, url);
      } catch (e) {
        const ne = e as NetworkError;
        this.log(1, `${spec.method} ${url.pathname}${url.search} failed: ${ne.code} after ${Date.now() - started} ms`);
        const retriable = ne.code === 'ECONNRESET' || ne.code === 'EPIPE';
        if (spec.retry && retriable && attempt < attempts && !spec.signal?.aborted) {
          await sleep(backoff(attempt));
          continue;
        }
        throw e;
      }
      this.log(1, `${spec.method} ${url.pathname}${url.search} ${result.status} in ${Date.now() - started} ms`);
      if (spec.body !== undefined) this.log(2, `  request body: ${JSON.stringify(spec.body)}`);
      if (result.status >= 400) {
        const retriable = result.status === 429 || (result.status >= 500 && result.status !== 501);
        if (spec.retry && retriable && attempt < attempts && !spec.signal?.aborted) {
          const after = Number(result.headers['retry-after']);
          await sleep(Number.isFinite(after) && after > 0 ? Math.min(after * 1000, 5000) : backoff(attempt));
          continue;
        }
        let body: KubeStatus = {};
        try {
          body = JSON.parse(result.text) as KubeStatus;
        } catch {
          body = { message: result.text.trim().slice(0, 200) };
        }
        this.log(2, `  response: ${JSON.stringify(body).slice(0, 2000)}`);
        throw new ApiError(result.status, body, spec.target, result.text);
      }
      if (result.text === '') return undefined as T;
      return JSON.parse(result.text) as T;
    }
  }

  /**
   * An HTTP/1.1 Upgrade request (a WebSocket handshake, for the pods/portforward subresource) with the
   * same TLS and credentials as every other request. Resolves with the raw socket once the server
   * answers 101; rejects with ApiError for any other answer and NetworkError when there is none. The
   * per-request timeout covers the handshake only.
   */
  upgrade(spec: RequestSpec & { headers: Record<string, string> }): Promise<{ socket: Duplex; head: Buffer; headers: http.IncomingHttpHeaders }> {
    const url = this.url(spec.path, spec.query);
    const mod = url.protocol === 'http:' ? http : https;
    const headers = { 'User-Agent': 'kubectl-bluegreen', ...this.creds.headers, ...spec.headers };
    this.requests++;
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
      const req = mod.request(url, { method: spec.method, headers, agent: this.agent });
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
   * A watch stream: calls onEvent per event until the server ends the stream or the signal aborts.
   * Resolves when the stream ends normally; rejects with NetworkError/ApiError otherwise.
   */
  async watch(spec: RequestSpec, onEvent: (ev: { type: string; object: unknown }) => void): Promise<void> {
    const url = this.url(spec.path, { ...spec.query, watch: '1' });
    let buffered = '';
    const result = await this.exchange(spec, url, (chunk) => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line) onEvent(JSON.parse(line) as { type: string; object: unknown });
      }
    });
    this.log(1, `WATCH ${url.pathname}${url.search} ended with ${result.status}`);
    if (result.status >= 400) {
      let body: KubeStatus = {};
      try {
        body = JSON.parse(buffered || result.text) as KubeStatus;
      } catch {
        body = { message: (buffered || result.text).trim().slice(0, 200) };
      }
      throw new ApiError(result.status, body, spec.target, result.text);
    }
  }
}

function backoff(attempt: number): number {
  const base = 200 * 2 ** (attempt - 1);
  return Math.min(base + Math.floor(Math.random() * base * 0.25), 3000);
}

/** Builds the auth headers (and client cert) from the kubeconfig; credential plugins load lazily. */
export async function credentials(cfg: ResolvedConfig, readFile: (p: string) => Buffer): Promise<Credentials> {
  const headers: Record<string, string | string[]> = {};
  let cert: Buffer | string | undefined;
  let key: Buffer | string | undefined;
  let agent: http.Agent | undefined;
  if (cfg.exec || cfg.authProvider || cfg.proxyUrl) {
    // Only here is @kubernetes/client-node loaded: its KubeConfig runs exec credential plugins and
    // auth-providers (with token caching) and builds proxy agents.
    const { pluginCredentials } = await import('./plugin-auth.js');
    let got: Credentials;
    try {
      got = await pluginCredentials(cfg);
    } catch (e) {
      const f = (e as { failure?: { key: 'err.execFailed' | 'err.authProvider'; params: Record<string, string> } }).failure;
      if (f?.key === 'err.execFailed') throw new CliError(1, f.key, { command: f.params.command ?? '', code: f.params.code ?? '' });
      throw new CliError(1, 'err.authProvider', { name: cfg.authProvider?.name ?? cfg.exec?.command ?? 'unknown' });
    }
    Object.assign(headers, got.headers);
    cert = got.cert;
    key = got.key;
    agent = got.agent;
  }
  if (!headers.Authorization) {
    if (cfg.token) headers.Authorization = `Bearer ${cfg.token}`;
    else if (cfg.tokenFile) {
      try {
        headers.Authorization = `Bearer ${readFile(cfg.tokenFile).toString('utf8').trim()}`;
      } catch (e) {
        throw new CliError(1, 'err.kubeconfigRead', { path: cfg.tokenFile, detail: (e as Error).message });
      }
    } else if (cfg.basic) {
      headers.Authorization = `Basic ${Buffer.from(`${cfg.basic.username}:${cfg.basic.password}`).toString('base64')}`;
    }
  }
  if (cfg.impersonate?.user) headers['Impersonate-User'] = cfg.impersonate.user;
  // One header line per group: the API server does not split a single value on commas.
  if (cfg.impersonate?.groups.length) headers['Impersonate-Group'] = [...cfg.impersonate.groups];
  return { headers, cert, key, agent };
}
