// Minimal HTTP(S) client for health checks and the few API calls the harness makes itself (namespaces,
// the fake node, the smoke Rollout). Node built-ins only; TLS is verified against the run's CA.

import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface TlsMaterial {
  ca: Buffer;
  /** Client certificate and key (the admin cert, O=system:masters). */
  cert?: Buffer;
  key?: Buffer;
}

export interface HttpResponse {
  status: number;
  body: string;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  contentType?: string;
  tls?: TlsMaterial;
  timeoutMs?: number;
}

/** One request, no keep-alive (so nothing holds the event loop open afterwards). */
export function fetchText(url: string, opts: RequestOptions = {}): Promise<HttpResponse> {
  const u = new URL(url);
  const payload = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (payload !== undefined) {
    headers['Content-Type'] = opts.contentType ?? 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  const common = { method: opts.method ?? 'GET', headers, agent: false as const, timeout: opts.timeoutMs ?? 5_000 };
  return new Promise((resolve, reject) => {
    const req =
      u.protocol === 'https:'
        ? httpsRequest(u, { ...common, ca: opts.tls?.ca, cert: opts.tls?.cert, key: opts.tls?.key })
        : httpRequest(u, common);
    req.on('timeout', () => req.destroy(new Error(`timeout after ${common.timeout} ms: ${url}`)));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.end(payload);
  });
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(message);
  }
}

/** A tiny JSON client for the API server, authenticated with the admin client certificate. */
export class KubeApi {
  constructor(
    readonly server: string,
    private readonly tls: TlsMaterial,
  ) {}

  async call<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const res = await fetchText(this.server + path, { method, body, contentType, tls: this.tls, timeoutMs: 15_000 });
    if (res.status < 200 || res.status >= 300) {
      throw new ApiError(`${method} ${path}: HTTP ${res.status}: ${res.body.slice(0, 400)}`, res.status, res.body);
    }
    return (res.body ? JSON.parse(res.body) : undefined) as T;
  }

  get<T = unknown>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  /** POST that treats 409 AlreadyExists as success (idempotent creates). */
  async create(path: string, body: unknown): Promise<void> {
    try {
      await this.call('POST', path, body);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) return;
      throw err;
    }
  }

  /** DELETE that treats 404 as success. */
  async remove(path: string): Promise<void> {
    try {
      await this.call('DELETE', path);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return;
      throw err;
    }
  }
}
