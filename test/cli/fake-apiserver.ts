// An in-process HTTPS server on 127.0.0.1 that speaks the part of the Kubernetes API the plugin uses:
// rollouts (+ /status), replicasets, deployments (a workloadRef's template), services, events,
// selfsubjectreviews, JSON Patch with `test`, merge patch, watch streams, bearer tokens and per-token
// denials. Its JSON Patch is written here
// independently of the plugin, so a plugin bug cannot hide behind a shared implementation.
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { createSecureServer, type Http2SecureServer, type ServerHttp2Session } from 'node:http2';
import { testPki } from '../unit/kube-testkit.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { acceptPortForward, type KubeletLog } from './fake-kubelet.js';
import { join } from 'node:path';
import { dump } from 'js-yaml';

export interface Recorded {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  authorization?: string;
  body?: unknown;
}

type Obj = Record<string, any>;

export interface Pki {
  dir: string;
  caCert: string;
  cert: string;
  key: string;
}

/** The throw-away CA and serving certificate (127.0.0.1, localhost) of the transport's unit tests, made once per test process. */
export function pki(): Pki {
  const p = testPki();
  return { dir: p.dir, caCert: p.ca, cert: p.serverCert, key: p.serverKey };
}

function unescape(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** RFC 6902 subset: add, remove, replace, test. Throws on failure (the server answers 422). */
export function applyJsonPatch(doc: Obj, ops: Array<{ op: string; path: string; value?: unknown }>): Obj {
  const out = structuredClone(doc);
  for (const op of ops) {
    const parts = op.path.split('/').slice(1).map(unescape);
    const last = parts.pop()!;
    let parent: any = out;
    for (const p of parts) {
      if (parent == null || typeof parent !== 'object' || !(p in parent)) throw new Error(`doc is missing path: ${op.path}`);
      parent = parent[p];
    }
    if (parent == null || typeof parent !== 'object') throw new Error(`doc is missing path: ${op.path}`);
    const idx = Array.isArray(parent) ? (last === '-' ? parent.length : Number(last)) : last;
    switch (op.op) {
      case 'test':
        if (JSON.stringify(parent[idx as any]) !== JSON.stringify(op.value)) throw new Error(`testing value ${op.path} failed`);
        break;
      case 'remove':
        if (!(idx in parent)) throw new Error(`unable to remove nonexistent key: ${last}`);
        if (Array.isArray(parent)) parent.splice(idx as number, 1);
        else delete parent[idx];
        break;
      case 'replace':
        if (!(idx in parent)) throw new Error(`doc is missing key: ${op.path}`);
        parent[idx as any] = structuredClone(op.value);
        break;
      case 'add':
        if (Array.isArray(parent)) parent.splice(idx as number, 0, structuredClone(op.value));
        else parent[idx] = structuredClone(op.value);
        break;
      default:
        throw new Error(`unsupported op ${op.op}`);
    }
  }
  return out;
}

/** A label selector as the API server reads it: requirements separated by commas outside parentheses (k=v, k, k in (a,b)). */
function selects(sel: string, labels: Record<string, string>): boolean {
  const reqs = sel ? sel.split(/,(?![^(]*\))/) : [];
  return reqs.every((r) => {
    const inSet = /^(\S+) in \(([^)]*)\)$/.exec(r);
    if (inSet) return inSet[2]!.split(',').includes(labels[inSet[1]!]!);
    const [k, v] = r.split('=');
    return v === undefined ? k! in labels : labels[k!] === v;
  });
}

/** A List's page as the API server cuts it: `limit` items from the `continue` offset, and where the next starts. */
function page(all: Obj[], url: URL, rv: number): { metadata: { resourceVersion: string; continue?: string }; items: Obj[] } {
  const limit = Number(url.searchParams.get('limit') ?? 0);
  const from = Number(url.searchParams.get('continue') ?? 0);
  const items = limit > 0 ? all.slice(from, from + limit) : all;
  const cont = limit > 0 && from + limit < all.length ? String(from + limit) : undefined;
  return { metadata: { resourceVersion: String(rv), continue: cont }, items };
}

function mergePatch(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = target && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** What the server does to one request instead of (or before) answering it normally. */
export type Fault =
  | { kind: 'status'; status: number; retryAfter?: number; reason?: string; message?: string }
  /** Answer only after this long. */
  | { kind: 'delay'; ms: number }
  /** Close the connection without applying or answering. */
  | { kind: 'dropBefore' }
  /** Apply the request, then close the connection without answering. */
  | { kind: 'dropAfter' }
  /** A watch that ends at once, or after `ms`. */
  | { kind: 'watchClose'; ms: number }
  /** A watch whose stream carries a line that is not JSON (an HTML page from a proxy). */
  | { kind: 'watchJunk' };

/** A request as the fault hook sees it: what it is, and which verb Kubernetes would call it. */
export interface FaultRequest extends Recorded {
  verb: 'get' | 'list' | 'watch' | 'patch' | 'create';
  resource: string;
}

export interface FakeOptions {
  /** Accepted bearer token (client certs are not used by the fake). */
  token: string;
  /** "verb resource" pairs refused with 403, e.g. "patch rollouts/status". */
  deny?: string[];
  /** Called after each GET of a rollout: lets a test change the object between read and write. */
  afterRolloutGet?: (ro: Obj, fake: FakeApiServer) => void;
  /** Called after each GET of a Deployment (a workloadRef's template), likewise. */
  afterDeploymentGet?: (dep: Obj, fake: FakeApiServer) => void;
  /** Answer every request with this status (e.g. 503) for the first N requests. */
  failFirst?: { count: number; status: number };
  /** Apply the first request with this method, then drop the connection without answering. */
  dropResponseTo?: string;
  /** Do not play the controller (which reacts to a promote or an abort by changing the phase). */
  noController?: boolean;
  /** Decides a fault for each request (after it is recorded). */
  fault?: (r: FaultRequest) => Fault | undefined;
  /**
   * Lists in reverse storage order (the API server has always listed in order; the plugin must not depend
   * on it): all of them, or only those of the kinds named.
   */
  unorderedLists?: boolean | Array<'rollouts' | 'replicasets' | 'services'>;
  /** The kubelet's side of pods/NAME/portforward: a connection into the pod, or the error text. */
  kubelet?: (ns: string, pod: string, port: number) => Socket | string;
  /**
   * Offer HTTP/2 as kube-apiserver does (Node's compatibility API, so every handler serves both; a
   * dropped connection is then a reset stream). No port-forward: its Upgrade is HTTP/1.1's.
   */
  http2?: boolean;
}

export class FakeApiServer {
  readonly requests: Recorded[] = [];
  /** Requests under a `delay` fault whose client went away before the answer (an aborted request), and when. */
  readonly abandoned: Array<Recorded & { at: number }> = [];
  readonly rollouts = new Map<string, Obj>();
  readonly replicaSets = new Map<string, Obj>();
  readonly services = new Map<string, Obj>();
  readonly deployments = new Map<string, Obj>();
  readonly events: Obj[] = [];
  readonly pods = new Map<string, Obj>();
  readonly kubeletLog: KubeletLog = { frames: [], ports: [] };
  private server!: Server | Http2SecureServer;
  private readonly sockets = new Set<Socket>();
  private readonly sessions = new Set<ServerHttp2Session>();
  /** The protocol each request came in ('1.1' or '2.0'). */
  readonly httpVersions: string[] = [];
  private rv = 100;
  private watchers: Array<{ kind: string; ns: string; name?: string; res: ServerResponse }> = [];
  /** Every change, so that a watch from a resourceVersion gets what happened after it (as the API server does). */
  private readonly log: Array<{ kind: string; rv: number; object: Obj; type?: 'DELETED' }> = [];
  /** The fault for the watch being answered now. */
  private watchFault: Extract<Fault, { kind: 'watchClose' | 'watchJunk' }> | undefined;
  url = '';

  constructor(private readonly opts: FakeOptions) {}

  static async start(opts: FakeOptions): Promise<FakeApiServer> {
    const f = new FakeApiServer(opts);
    const p = pki();
    const handle = (req: IncomingMessage, res: ServerResponse) => f.handle(req, res);
    if (opts.http2) f.server = createSecureServer({ cert: p.cert, key: p.key, allowHTTP1: true }, handle as never);
    else {
      f.server = createServer({ cert: p.cert, key: p.key }, handle);
      f.server.on('upgrade', (req, socket, head) => f.upgrade(req, socket, head));
    }
    // Every connection, so that stop() ends them all: at the TCP level until its TLS handshake is done,
    // then at the TLS level, and an HTTP/2 one through its session (closing the TCP socket under a TLS
    // one, or the TLS socket under an HTTP/2 session, is not safe: the layer above still uses its handle).
    f.server.on('connection', (s: Socket) => {
      f.sockets.add(s);
      s.on('close', () => f.sockets.delete(s));
    });
    f.server.on('secureConnection', (s: Socket & { _parent?: Socket; alpnProtocol?: string | false }) => {
      if (s._parent) f.sockets.delete(s._parent);
      // An HTTP/2 connection is ended through its session (below), never under it.
      if (s.alpnProtocol === 'h2') return;
      f.sockets.add(s);
      s.on('close', () => f.sockets.delete(s));
    });
    f.server.on('session', (session: ServerHttp2Session) => {
      f.sessions.add(session);
      session.on('close', () => f.sessions.delete(session));
    });
    await new Promise<void>((r) => f.server.listen(0, '127.0.0.1', r));
    const addr = f.server.address() as { port: number };
    f.url = `https://127.0.0.1:${addr.port}`;
    return f;
  }

  async stop(): Promise<void> {
    for (const w of this.watchers) w.res.end();
    for (const s of this.sessions) s.destroy();
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }

  load(objects: {
    rollout: Obj;
    replicaSets: Obj[];
    services: { active?: Obj | null; preview?: Obj | null };
    workload?: Obj | null;
  }): void {
    const ns = objects.rollout.metadata.namespace;
    this.put('rollouts', objects.rollout);
    if (objects.workload) this.put('deployments', { ...objects.workload, metadata: { namespace: ns, ...objects.workload.metadata } });
    for (const rs of objects.replicaSets) this.put('replicasets', { ...rs, metadata: { namespace: ns, ...rs.metadata } });
    for (const svc of [objects.services.active, objects.services.preview]) {
      if (svc) this.put('services', { ...svc, metadata: { namespace: ns, ...svc.metadata } });
    }
  }

  /** As the API server lists: by namespace, then name (its storage keys), unless told to scramble them. */
  private ordered(kind: 'rollouts' | 'replicasets' | 'services', items: Obj[]): Obj[] {
    const key = (o: Obj) => `${o.metadata.namespace}/${o.metadata.name}`;
    const sorted = items.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const u = this.opts.unorderedLists;
    return u === true || (Array.isArray(u) && u.includes(kind)) ? sorted.reverse() : sorted;
  }

  private store(kind: string): Map<string, Obj> {
    return kind === 'rollouts'
      ? this.rollouts
      : kind === 'replicasets'
        ? this.replicaSets
        : kind === 'pods'
          ? this.pods
          : kind === 'deployments'
            ? this.deployments
            : this.services;
  }

  /** Deletes an object and tells the watchers. */
  remove(kind: string, ns: string, name: string): void {
    const o = this.store(kind).get(`${ns}/${name}`);
    if (!o) return;
    this.store(kind).delete(`${ns}/${name}`);
    const gone = { ...o, metadata: { ...o.metadata, resourceVersion: String(++this.rv) } };
    this.log.push({ kind, rv: this.rv, object: gone, type: 'DELETED' });
    for (const w of this.watchers) {
      if (w.kind === kind && w.ns === ns && (!w.name || w.name === name))
        w.res.write(`${JSON.stringify({ type: 'DELETED', object: gone })}\n`);
    }
  }

  /** pods/NAME/portforward: authenticated like every request, then the fake kubelet answers. */
  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', this.url);
    this.requests.push({
      method: `UPGRADE ${req.method}`,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
    });
    const fail = (code: number, reason: string, message: string): void =>
      void socket.end(
        `HTTP/1.1 ${code} ${reason}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n` +
          JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code }),
      );
    if (req.headers.authorization !== `Bearer ${this.opts.token}`) return fail(401, 'Unauthorized', 'Unauthorized');
    const m = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/);
    if (!m) return fail(404, 'NotFound', 'the server could not find the requested resource');
    const [, ns, name] = m as unknown as [string, string, string];
    if (this.opts.deny?.includes('create pods/portforward')) {
      return fail(
        403,
        'Forbidden',
        `pods "${name}" is forbidden: User "bob" cannot create resource "pods/portforward" in API group "" in the namespace "${ns}"`,
      );
    }
    if (!this.pods.has(`${ns}/${name}`)) return fail(404, 'NotFound', `pods "${name}" not found`);
    const kubelet = this.opts.kubelet ?? (() => 'no kubelet in this test');
    acceptPortForward(req, socket, head, (port) => kubelet(ns, name, port), this.kubeletLog);
  }

  put(kind: string, obj: Obj): Obj {
    const o = structuredClone(obj);
    o.metadata.resourceVersion = String(++this.rv);
    o.metadata.generation ??= 1;
    this.store(kind).set(`${o.metadata.namespace}/${o.metadata.name}`, o);
    this.log.push({ kind, rv: this.rv, object: o });
    for (const w of this.watchers) {
      if (w.kind === kind && w.ns === o.metadata.namespace && (!w.name || w.name === o.metadata.name)) {
        w.res.write(`${JSON.stringify({ type: 'MODIFIED', object: o })}\n`);
      }
    }
    return o;
  }

  rollout(ns: string, name: string): Obj | undefined {
    return this.rollouts.get(`${ns}/${name}`);
  }

  deployment(ns: string, name: string): Obj | undefined {
    return this.deployments.get(`${ns}/${name}`);
  }

  writes(): Recorded[] {
    return this.requests.filter((r) => r.method !== 'GET' && !r.path.includes('selfsubjectreviews'));
  }

  kubeconfig(dir: string, opts: { namespace?: string; token?: string; withCa?: boolean } = {}): string {
    const file = join(dir, 'kubeconfig');
    const cfg = {
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'fake',
      clusters: [
        {
          name: 'fake',
          cluster: {
            server: this.url,
            ...(opts.withCa === false ? {} : { 'certificate-authority-data': Buffer.from(pki().caCert).toString('base64') }),
          },
        },
      ],
      users: [{ name: 'fake-user', user: { token: opts.token ?? this.opts.token } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake-user', namespace: opts.namespace ?? 'apc-fe-ns' } }],
    };
    writeFileSync(file, dump(cfg));
    return file;
  }

  private send(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private status(res: ServerResponse, code: number, reason: string, message: string, details?: Obj): void {
    this.send(res, code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code, details });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.httpVersions.push(req.httpVersion);
    const url = new URL(req.url ?? '/', this.url);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const rec: Recorded = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType: req.headers['content-type'],
      authorization: req.headers.authorization,
      body: text ? JSON.parse(text) : undefined,
    };
    this.requests.push(rec);
    const isWatch = url.searchParams.get('watch') !== null;
    const resource = /\/(rollouts|replicasets|services|events|selfsubjectreviews|deployments|applications)(?:\/[^/]+)?(\/status)?$/.exec(
      url.pathname,
    );
    const named = /\/(rollouts|replicasets|services|deployments|applications)\/[^/]+(\/status)?$/.test(url.pathname);
    const verb = rec.method === 'PATCH' ? 'patch' : rec.method === 'POST' ? 'create' : isWatch ? 'watch' : named ? 'get' : 'list';
    const fault = this.opts.fault?.({ ...rec, verb, resource: resource ? `${resource[1]}${resource[2] ?? ''}` : url.pathname });
    if (fault?.kind === 'status') {
      res.setHeader('Content-Type', 'application/json');
      if (fault.retryAfter !== undefined) res.setHeader('Retry-After', String(fault.retryAfter));
      res.statusCode = fault.status;
      return void res.end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          code: fault.status,
          reason: fault.reason ?? 'Fault',
          message: fault.message ?? `injected ${fault.status}`,
        }),
      );
    }
    if (fault?.kind === 'delay') {
      const gone = new Promise<boolean>((r) => res.once('close', () => r(true)));
      if (await Promise.race([new Promise<boolean>((r) => setTimeout(() => r(false), fault.ms)), gone]))
        return void this.abandoned.push({ ...rec, at: Date.now() });
    }
    if (fault?.kind === 'dropBefore') return void req.socket.destroy();
    if (fault?.kind === 'dropAfter') this.opts.dropResponseTo = rec.method;
    if (fault?.kind === 'watchClose' || fault?.kind === 'watchJunk') this.watchFault = fault;
    if (this.opts.failFirst && this.opts.failFirst.count > 0) {
      this.opts.failFirst.count--;
      return this.status(res, this.opts.failFirst.status, 'ServiceUnavailable', 'try again');
    }
    if (req.headers.authorization !== `Bearer ${this.opts.token}`) return this.status(res, 401, 'Unauthorized', 'Unauthorized');

    let m: RegExpMatchArray | null;
    if (rec.method === 'POST' && url.pathname === '/apis/authentication.k8s.io/v1/selfsubjectreviews') {
      return this.send(res, 201, { kind: 'SelfSubjectReview', status: { userInfo: { username: 'alice@example.com' } } });
    }
    const deny = (verb: string, resource: string, ns: string, name?: string, group = 'argoproj.io') => {
      if (!this.opts.deny?.includes(`${verb} ${resource}`)) return false;
      this.status(
        res,
        403,
        'Forbidden',
        `${resource.split('/')[0]}.${group} "${name ?? ''}" is forbidden: User "bob" cannot ${verb} resource "${resource}" in API group "${group}" in the namespace "${ns}"`,
        { name, group, kind: resource.split('/')[0] },
      );
      return true;
    };
    if ((m = url.pathname.match(/^\/apis\/argoproj\.io\/v1alpha1\/(?:namespaces\/([^/]+)\/)?rollouts(?:\/([^/]+))?(\/status)?$/))) {
      const [, ns = '', name, sub] = m;
      if (rec.method === 'GET' && !name) {
        if (url.searchParams.get('watch') && deny('watch', 'rollouts', ns)) return;
        if (url.searchParams.get('watch'))
          return this.watch(
            res,
            'rollouts',
            ns,
            url.searchParams.get('fieldSelector')?.replace('metadata.name=', ''),
            url.searchParams.get('resourceVersion'),
          );
        if (deny('list', 'rollouts', ns)) return;
        const all = this.ordered('rollouts', [...this.rollouts.values()]).filter((r) => !ns || r.metadata.namespace === ns);
        return this.send(res, 200, { kind: 'RolloutList', ...page(all, url, this.rv) });
      }
      const key = `${ns}/${name}`;
      const ro = this.rollouts.get(key);
      if (rec.method === 'GET') {
        if (deny('get', 'rollouts', ns, name)) return;
        if (!ro)
          return this.status(res, 404, 'NotFound', `rollouts.argoproj.io "${name}" not found`, {
            name,
            group: 'argoproj.io',
            kind: 'rollouts',
          });
        this.send(res, 200, ro);
        this.opts.afterRolloutGet?.(ro, this);
        return;
      }
      if (rec.method === 'PATCH') {
        if (deny('patch', sub ? 'rollouts/status' : 'rollouts', ns, name)) return;
        if (!ro)
          return this.status(res, 404, 'NotFound', `rollouts.argoproj.io "${name}" not found`, {
            name,
            group: 'argoproj.io',
            kind: 'rollouts',
          });
        let patched: Obj;
        try {
          patched = rec.contentType === 'application/json-patch+json' ? applyJsonPatch(ro, rec.body as never) : mergePatch(ro, rec.body);
        } catch (e) {
          return this.status(
            res,
            422,
            'Invalid',
            `the server rejected our request due to an error in our request: ${(e as Error).message}`,
          );
        }
        // Subresource semantics: /status changes only status; the main resource never changes status.
        const next: Obj = sub ? { ...ro, status: patched.status } : { ...patched, status: ro.status };
        if (!sub && JSON.stringify(next.spec) !== JSON.stringify(ro.spec))
          next.metadata = { ...next.metadata, generation: (ro.metadata.generation ?? 1) + 1 };
        if (url.searchParams.get('dryRun') === 'All') return this.send(res, 200, next);
        const stored = this.put('rollouts', next);
        if (sub && !this.opts.noController) this.react(ns, name!);
        if (this.opts.dropResponseTo === 'PATCH') {
          this.opts.dropResponseTo = undefined;
          req.socket.destroy();
          return;
        }
        return this.send(res, 200, stored);
      }
    }
    if ((m = url.pathname.match(/^\/apis\/apps\/v1\/(?:namespaces\/([^/]+)\/)?replicasets$/))) {
      const ns = m[1] ?? '';
      if (url.searchParams.get('watch') && deny('watch', 'replicasets', ns, undefined, 'apps')) return;
      if (url.searchParams.get('watch')) return this.watch(res, 'replicasets', ns, undefined, url.searchParams.get('resourceVersion'));
      if (deny('list', 'replicasets', ns, undefined, 'apps')) return;
      const sel = url.searchParams.get('labelSelector') ?? '';
      const all = this.ordered('replicasets', [...this.replicaSets.values()]).filter(
        (rs) => (!ns || rs.metadata.namespace === ns) && selects(sel, rs.metadata.labels ?? {}),
      );
      return this.send(res, 200, { kind: 'ReplicaSetList', ...page(all, url, this.rv) });
    }
    if ((m = url.pathname.match(/^\/apis\/apps\/v1\/(?:namespaces\/([^/]+)\/)?deployments$/)) && rec.method === 'GET') {
      const ns = m[1] ?? '';
      if (deny('list', 'deployments', ns, undefined, 'apps')) return;
      const sel = url.searchParams.get('labelSelector') ?? '';
      const items = [...this.deployments.values()].filter(
        (d) => (!ns || d.metadata.namespace === ns) && selects(sel, d.metadata.labels ?? {}),
      );
      return this.send(res, 200, { kind: 'DeploymentList', metadata: { resourceVersion: String(this.rv) }, items });
    }
    if ((m = url.pathname.match(/^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)$/))) {
      const [, ns = '', name = ''] = m;
      const dep = this.deployments.get(`${ns}/${name}`);
      const notFound = () =>
        this.status(res, 404, 'NotFound', `deployments.apps "${name}" not found`, { name, group: 'apps', kind: 'deployments' });
      if (rec.method === 'GET') {
        if (deny('get', 'deployments', ns, name, 'apps')) return;
        if (!dep) return notFound();
        this.send(res, 200, dep);
        this.opts.afterDeploymentGet?.(dep, this);
        return;
      }
      if (rec.method === 'PATCH') {
        if (deny('patch', 'deployments', ns, name, 'apps')) return;
        if (!dep) return notFound();
        let patched: Obj;
        try {
          patched = rec.contentType === 'application/json-patch+json' ? applyJsonPatch(dep, rec.body as never) : mergePatch(dep, rec.body);
        } catch (e) {
          return this.status(
            res,
            422,
            'Invalid',
            `the server rejected our request due to an error in our request: ${(e as Error).message}`,
          );
        }
        // A Deployment's generation moves with every spec change (its template, or its replicas).
        const next: Obj = { ...patched, status: dep.status };
        const specChanged = JSON.stringify(next.spec) !== JSON.stringify(dep.spec);
        if (specChanged) next.metadata = { ...next.metadata, generation: (dep.metadata.generation ?? 1) + 1 };
        if (url.searchParams.get('dryRun') === 'All') return this.send(res, 200, next);
        const stored = this.put('deployments', next);
        if (specChanged && !this.opts.noController) this.workloadInformer(stored);
        if (this.opts.dropResponseTo === 'PATCH') {
          this.opts.dropResponseTo = undefined;
          req.socket.destroy();
          return;
        }
        return this.send(res, 200, stored);
      }
    }
    if ((m = url.pathname.match(/^\/api\/v1\/(?:namespaces\/([^/]+)\/)?services$/)) && rec.method === 'GET') {
      const ns = m[1] ?? '';
      if (deny('list', 'services', ns, undefined, '')) return;
      const all = this.ordered('services', [...this.services.values()]).filter((s) => !ns || s.metadata.namespace === ns);
      return this.send(res, 200, { kind: 'ServiceList', ...page(all, url, this.rv) });
    }
    if ((m = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods$/)) && rec.method === 'GET') {
      const ns = m[1]!;
      if (url.searchParams.get('watch')) return this.watch(res, 'pods', ns, undefined, url.searchParams.get('resourceVersion'));
      if (deny('list', 'pods', ns, undefined, '')) return;
      const sel = url.searchParams.get('labelSelector') ?? '';
      const reqs = sel ? sel.split(',') : [];
      const items = [...this.pods.values()].filter(
        (p) =>
          p.metadata.namespace === ns &&
          reqs.every((r) => {
            const [k, v] = r.split('=');
            return p.metadata.labels?.[k!] === v;
          }),
      );
      return this.send(res, 200, { kind: 'PodList', metadata: { resourceVersion: String(this.rv) }, items });
    }
    if ((m = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/]+)$/))) {
      if (deny('get', 'services', m[1]!, m[2], '')) return;
      const svc = this.services.get(`${m[1]}/${m[2]}`);
      if (!svc) return this.status(res, 404, 'NotFound', `services "${m[2]}" not found`, { name: m[2], kind: 'services' });
      return this.send(res, 200, svc);
    }
    if ((m = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/events$/)) && rec.method === 'POST') {
      if (deny('create', 'events', m[1]!, undefined, '')) return;
      this.events.push(rec.body as Obj);
      if (this.opts.dropResponseTo === 'POST') {
        this.opts.dropResponseTo = undefined;
        return void req.socket.destroy();
      }
      return this.send(res, 201, rec.body);
    }
    this.status(res, 404, 'NotFound', 'the server could not find the requested resource');
  }

  /**
   * The controller's informer on referenced workloads: a Deployment's new generation is written to the
   * workload-generation annotation of every Rollout that references it (a merge patch; the controller
   * takes it up later: status.workloadObservedGeneration is left as it was).
   */
  private workloadInformer(dep: Obj): void {
    for (const ro of this.rollouts.values()) {
      const ref = ro.spec?.workloadRef;
      if (ro.metadata.namespace !== dep.metadata.namespace || ref?.kind !== 'Deployment' || ref?.name !== dep.metadata.name) continue;
      const annotations = { ...ro.metadata.annotations, 'rollout.argoproj.io/workload-generation': String(dep.metadata.generation) };
      this.put('rollouts', { ...ro, metadata: { ...ro.metadata, annotations } });
    }
  }

  /** A minimal controller: a cleared pause or an abort changes the phase shortly after. */
  private react(ns: string, name: string): void {
    setTimeout(() => {
      const ro = this.rollouts.get(`${ns}/${name}`);
      if (!ro) return;
      const st = ro.status ?? {};
      if (st.abort && !st.abortedAt)
        this.put('rollouts', {
          ...ro,
          status: { ...st, abortedAt: new Date().toISOString(), phase: 'Degraded', message: 'RolloutAborted: Rollout aborted update' },
        });
      else if ((!st.pauseConditions || st.pauseConditions.length === 0) && st.phase === 'Paused') {
        this.put('rollouts', {
          ...ro,
          status: { ...st, controllerPause: false, phase: 'Progressing', message: 'active service cutover pending' },
        });
      }
    }, 30);
  }

  private watch(res: ServerResponse, kind: string, ns: string, name?: string, fromRv?: string | null): void {
    // HTTP/2 frames a stream itself: Transfer-Encoding is HTTP/1.1's alone (and refused over HTTP/2).
    res.writeHead(200, { 'Content-Type': 'application/json', ...(this.opts.http2 ? {} : { 'Transfer-Encoding': 'chunked' }) });
    res.write('');
    const from = Number(fromRv);
    if (fromRv && Number.isFinite(from)) {
      for (const e of this.log) {
        if (e.rv > from && e.kind === kind && e.object.metadata.namespace === ns && (!name || name === e.object.metadata.name)) {
          res.write(`${JSON.stringify({ type: e.type ?? 'MODIFIED', object: e.object })}\n`);
        }
      }
    }
    const fault = this.watchFault;
    this.watchFault = undefined;
    if (fault?.kind === 'watchJunk') res.write('<html><body>502 Bad Gateway</body></html>\n');
    if (fault?.kind === 'watchClose') {
      if (fault.ms <= 0) return void res.end();
      setTimeout(() => res.end(), fault.ms);
    }
    const w = { kind, ns, name, res };
    this.watchers.push(w);
    res.on('close', () => (this.watchers = this.watchers.filter((x) => x !== w)));
  }
}
