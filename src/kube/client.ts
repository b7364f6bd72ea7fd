// The API calls the plugin makes, and nothing else. Everything read comes back through the normalizing
// boundary (src/rollout/normalize.ts), so no caller can skip it. Reads retry with backoff; writes never
// retry on their own (the command decides, because only it knows whether a retry is safe).
import type { ResolvedConfig } from './kubeconfig.js';
import { KubeHttp, credentials, type HttpOptions, type Flow, type RequestSpec, type Target, ApiError } from './http.js';
import type { Deployment, List, ReplicaSet, Rollout, Service } from '../rollout/types.js';
import type { PlannedRequest } from '../rollout/plan.js';
import {
  compactDeployment,
  compactReplicaSet,
  compactRollout,
  compactService,
  normalizeDeployment,
  normalizeReplicaSet,
  normalizeRollout,
  normalizeService,
} from '../rollout/normalize.js';
import { deploymentsPath, replicaSetsPath, requestPath, rolloutPath, servicesPath } from './paths.js';
import { readFileSync } from 'node:fs';

const rolloutTarget = (verb: string, namespace?: string, name?: string, resource = 'rollouts'): Target => ({
  verb,
  resource,
  group: 'argoproj.io',
  namespace,
  name,
});

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR' | string;
  /** Normalized for ADDED/MODIFIED/DELETED; as sent for BOOKMARK and ERROR (a Status). */
  object: T;
}

export type Watchable = 'rollouts' | 'replicasets';

/** A page of a List asked for: its size (0: the whole List in one answer) and where it continues. */
export interface Page {
  limit: number;
  continue?: string;
}

/** A List's own metadata: continue is set when more pages follow. */
export type ListMeta = NonNullable<List<unknown>['metadata']>;

/** A page's query parameters (limit 0: the whole List in one answer, so no limit is sent). */
function pageQuery(page: Page): { limit: string | undefined; continue: string | undefined } {
  return { limit: page.limit > 0 ? String(page.limit) : undefined, continue: page.continue };
}

export function labelSelector(
  sel: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> } | undefined,
): string | undefined {
  if (!sel) return undefined;
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    const vals = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${vals})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${vals})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.length ? parts.join(',') : undefined;
}

export class KubeClient {
  constructor(readonly http: KubeHttp) {}

  /** signal: the command's (Ctrl-C), for the credential plugin it may run. */
  static async create(cfg: ResolvedConfig, opts: HttpOptions, signal?: AbortSignal): Promise<KubeClient> {
    const creds = await credentials(cfg, { readFile: (p) => readFileSync(p), signal });
    return new KubeClient(new KubeHttp(cfg, creds, opts));
  }

  close(): void {
    this.http.close();
  }

  async getRollout(ns: string, name: string, signal?: AbortSignal): Promise<Rollout> {
    const raw = await this.http.json<unknown>({
      method: 'GET',
      path: rolloutPath(ns, name),
      target: rolloutTarget('get', ns, name),
      retry: true,
      signal,
    });
    return normalizeRollout(raw);
  }

  async listRollouts(ns: string | null, signal?: AbortSignal): Promise<List<Rollout>> {
    const raw = await this.http.json<List<unknown>>(this.rolloutsSpec(ns, signal));
    return { metadata: raw?.metadata, items: (Array.isArray(raw?.items) ? raw.items : []).map(normalizeRollout) };
  }

  /**
   * One page of Rollouts (ns null: all namespaces; limit 0: all in one answer, kubectl's --chunk-size=0),
   * read as it arrives: each is reduced to what a listing shows and handed to onItem at once, so no page
   * is held whole. Resolves with the List's metadata (its continue token).
   */
  eachRollout(
    ns: string | null,
    signal: AbortSignal | undefined,
    page: Page,
    onItem: (ro: Rollout) => void,
    flow?: Flow,
  ): Promise<ListMeta> {
    return this.each({ ...this.rolloutsSpec(ns, signal, page), flow }, compactRollout, onItem);
  }

  private rolloutsSpec(ns: string | null, signal?: AbortSignal, page?: Page): RequestSpec {
    return {
      method: 'GET',
      path: rolloutPath(ns),
      query: page ? pageQuery(page) : undefined,
      target: rolloutTarget('list', ns ?? undefined),
      retry: true,
      signal,
    };
  }

  /** With `page`, one page of the List (its continue token says whether more follow). */
  async listReplicaSets(ns: string | null, selector: string | undefined, signal?: AbortSignal, page?: Page): Promise<List<ReplicaSet>> {
    const raw = await this.http.json<List<unknown>>(this.replicaSetsSpec(ns, selector, signal, page));
    return { metadata: raw?.metadata, items: (Array.isArray(raw?.items) ? raw.items : []).map(normalizeReplicaSet) };
  }

  /** One page of ReplicaSets, read as it arrives and reduced to what a listing shows (as eachRollout). */
  eachReplicaSet(
    ns: string | null,
    selector: string | undefined,
    signal: AbortSignal | undefined,
    page: Page,
    onItem: (rs: ReplicaSet) => void,
    flow?: Flow,
  ): Promise<ListMeta> {
    return this.each({ ...this.replicaSetsSpec(ns, selector, signal, page), flow }, compactReplicaSet, onItem);
  }

  private replicaSetsSpec(ns: string | null, selector: string | undefined, signal?: AbortSignal, page?: Page): RequestSpec {
    return {
      method: 'GET',
      path: replicaSetsPath(ns),
      query: { labelSelector: selector, ...(page && pageQuery(page)) },
      target: { verb: 'list', resource: 'replicasets', group: 'apps', namespace: ns ?? undefined },
      retry: true,
      signal,
    };
  }

  /** A List read item by item as it arrives, each reduced at once and handed over: its text is never held whole. */
  private async each<T>(spec: RequestSpec, reduce: (raw: unknown) => T, onItem: (item: T) => void): Promise<ListMeta> {
    const rest = await this.http.list(spec, (raw) => onItem(reduce(raw)));
    return rest.metadata ?? {};
  }

  /** null when the Service does not exist. */
  async getService(ns: string, name: string, signal?: AbortSignal): Promise<Service | null> {
    try {
      const raw = await this.http.json<unknown>({
        method: 'GET',
        path: servicesPath(ns, name),
        target: { verb: 'get', resource: 'services', group: '', namespace: ns, name },
        retry: true,
        signal,
      });
      return normalizeService(raw);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }
  }

  /** One page of a namespace's Services, whole (normalized as getService's). */
  async listServices(ns: string, page: Page, signal?: AbortSignal): Promise<List<Service>> {
    const raw = await this.http.json<List<unknown>>({
      method: 'GET',
      path: servicesPath(ns),
      query: pageQuery(page),
      target: { verb: 'list', resource: 'services', group: '', namespace: ns },
      retry: true,
      signal,
    });
    return { metadata: raw?.metadata, items: (Array.isArray(raw?.items) ? raw.items : []).map(normalizeService) };
  }

  /** A workloadRef's Deployment; null when it does not exist. */
  async getDeployment(ns: string, name: string, signal?: AbortSignal): Promise<Deployment | null> {
    try {
      const raw = await this.http.json<unknown>({
        method: 'GET',
        path: deploymentsPath(ns, name),
        target: { verb: 'get', resource: 'deployments', group: 'apps', namespace: ns, name },
        retry: true,
        signal,
      });
      return normalizeDeployment(raw);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }
  }

  /** The Deployments of a namespace (or of all), reduced to what a listing shows (no templates). */
  async listDeployments(ns: string | null, signal?: AbortSignal): Promise<List<Deployment>> {
    const raw = await this.http.json<List<unknown>>({
      method: 'GET',
      path: deploymentsPath(ns),
      target: { verb: 'list', resource: 'deployments', group: 'apps', namespace: ns ?? undefined },
      retry: true,
      signal,
    });
    return { metadata: raw?.metadata, items: (Array.isArray(raw?.items) ? raw.items : []).map(compactDeployment) };
  }

  /**
   * The Services of a namespace (or of all), for a listing that must read what users are routed to: read
   * item by item as it arrives (a cluster's Services can be many megabytes), each reduced at once to its
   * name and its selector's pod-template hash (compactService: the rest dropped), and handed to onItem (as
   * eachRollout; one answer, not paged).
   */
  eachService(ns: string | null, signal: AbortSignal | undefined, onItem: (svc: Service) => void): Promise<ListMeta> {
    return this.each(
      {
        method: 'GET',
        path: servicesPath(ns),
        target: { verb: 'list', resource: 'services', group: '', namespace: ns ?? undefined },
        retry: true,
        signal,
      },
      compactService,
      onItem,
    );
  }

  /**
   * Sends one planned request; `dryRun` asks the server to validate it and change nothing. Answers the
   * Rollout as written (normalized) for writes to a Rollout, null for anything else.
   */
  async send(req: PlannedRequest, dryRun = false, signal?: AbortSignal): Promise<Rollout | null> {
    const target: Target =
      req.resource === 'events'
        ? { verb: 'create', resource: 'events', group: '', namespace: req.namespace }
        : req.resource === 'deployments'
          ? { verb: 'patch', resource: 'deployments', group: 'apps', namespace: req.namespace, name: req.name }
          : rolloutTarget(req.method === 'POST' ? 'create' : 'patch', req.namespace, req.name, req.resource);
    const raw = await this.http.json<unknown>({
      method: req.method,
      path: requestPath(req),
      query: { dryRun: dryRun ? 'All' : undefined, fieldManager: 'kubectl-bluegreen' },
      body: req.body,
      contentType: req.contentType,
      target,
      signal,
    });
    return req.resource === 'rollouts' || req.resource === 'rollouts/status' ? normalizeRollout(raw) : null;
  }

  /** The authenticated user's name (SelfSubjectReview, GA in Kubernetes 1.28). */
  async whoAmI(signal?: AbortSignal): Promise<string | null> {
    try {
      const r = await this.http.json<{ status?: { userInfo?: { username?: string } } }>({
        method: 'POST',
        path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
        target: { verb: 'create', resource: 'selfsubjectreviews', group: 'authentication.k8s.io' },
        signal,
      });
      const name = r?.status?.userInfo?.username;
      return typeof name === 'string' ? name : null;
    } catch {
      return null;
    }
  }

  /**
   * A watch stream on Rollouts or ReplicaSets from `resourceVersion`, until the server ends it or the
   * signal aborts. Objects arrive normalized.
   */
  watch<R extends Watchable>(
    resource: R,
    ns: string,
    selector: { field?: string; label?: string },
    resourceVersion: string,
    onEvent: (ev: WatchEvent<R extends 'rollouts' ? Rollout : ReplicaSet>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const rollouts = resource === 'rollouts';
    const normalize = rollouts ? normalizeRollout : normalizeReplicaSet;
    return this.http.watch(
      {
        method: 'GET',
        path: rollouts ? rolloutPath(ns) : replicaSetsPath(ns),
        query: { fieldSelector: selector.field, labelSelector: selector.label, resourceVersion, allowWatchBookmarks: 'true' },
        target: rollouts ? rolloutTarget('watch', ns) : { verb: 'watch', resource: 'replicasets', group: 'apps', namespace: ns },
        signal,
      },
      (ev) => {
        const object = ev.type === 'ERROR' || ev.type === 'BOOKMARK' ? ev.object : normalize(ev.object);
        onEvent({ type: ev.type, object } as WatchEvent<R extends 'rollouts' ? Rollout : ReplicaSet>);
      },
    );
  }

  /** Argo CD Application's auto-sync setting, or null when it cannot be read. */
  async argoCDAutoSync(app: string, namespaces: string[]): Promise<boolean | null> {
    for (const ns of namespaces) {
      try {
        const a = await this.http.json<{ spec?: { syncPolicy?: { automated?: unknown } } }>({
          method: 'GET',
          path: `/apis/argoproj.io/v1alpha1/namespaces/${encodeURIComponent(ns)}/applications/${encodeURIComponent(app)}`,
          target: { verb: 'get', resource: 'applications', group: 'argoproj.io', namespace: ns, name: app },
        });
        const automated = a?.spec?.syncPolicy?.automated as { enabled?: boolean } | undefined | null;
        return automated != null && automated.enabled !== false;
      } catch {
        /* not there or not allowed: try the next namespace */
      }
    }
    return null;
  }

  /**
   * The Argo Rollouts controller's version from its Deployment's image, when visible: every namespace's
   * Deployments, or argo-rollouts' when only that one may be listed; null when the list read has none. Refused
   * in both places: the last refusal (403/404) is thrown, which `version` explains and a change's plan takes
   * as an unknown release; anything else (401, TLS, unreachable) throws at once.
   */
  async controllerVersion(signal?: AbortSignal): Promise<{ version: string; where: string } | null> {
    const tries: Array<string | null> = [null, 'argo-rollouts'];
    let lastError: unknown = null;
    for (const ns of tries) {
      try {
        const list = await this.http.json<
          List<{
            metadata: { name?: string; namespace?: string };
            spec?: { template?: { spec?: { containers?: Array<{ image?: string }> } } };
          }>
        >({
          method: 'GET',
          path: ns ? `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/deployments` : '/apis/apps/v1/deployments',
          query: { labelSelector: 'app.kubernetes.io/name=argo-rollouts' },
          target: { verb: 'list', resource: 'deployments', group: 'apps', namespace: ns ?? undefined },
          signal,
        });
        for (const d of list?.items ?? []) {
          const image = d.spec?.template?.spec?.containers?.[0]?.image ?? '';
          const tag = image.includes('@') ? image.split('@')[1]! : (image.split(':').pop() ?? '');
          if (tag) return { version: tag, where: `deployment ${d.metadata.namespace}/${d.metadata.name}` };
        }
        // A list that was answered is the answer: the namespace's list holds no more than all of them.
        return null;
      } catch (e) {
        lastError = e;
        if (!(e instanceof ApiError && (e.status === 403 || e.status === 404))) throw e;
      }
    }
    throw lastError;
  }
}
