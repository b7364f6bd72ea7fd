// The API calls the plugin makes, and nothing else. Reads retry with backoff; writes never retry on
// their own (the command decides, because only it knows whether a retry is safe).
import type { ResolvedConfig } from './kubeconfig.js';
import { KubeHttp, credentials, type HttpOptions, type Target, ApiError } from './http.js';
import type { List, ReplicaSet, Rollout, Service } from '../rollout/types.js';
import { ROLLOUTS_API, type PlannedRequest } from '../rollout/plan.js';
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
  object: T;
}

export function labelSelector(sel: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> } | undefined): string | undefined {
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

  static async create(cfg: ResolvedConfig, opts: HttpOptions): Promise<KubeClient> {
    const creds = await credentials(cfg, (p) => readFileSync(p));
    return new KubeClient(new KubeHttp(cfg, creds, opts));
  }

  get server(): string {
    return this.http.server;
  }

  close(): void {
    this.http.close();
  }

  getRollout(ns: string, name: string, signal?: AbortSignal): Promise<Rollout> {
    return this.http.json<Rollout>({
      method: 'GET',
      path: `${ROLLOUTS_API}/namespaces/${encodeURIComponent(ns)}/rollouts/${encodeURIComponent(name)}`,
      target: rolloutTarget('get', ns, name),
      retry: true,
      signal,
    });
  }

  listRollouts(ns: string | null, signal?: AbortSignal, page?: { limit: number; continue?: string }): Promise<List<Rollout>> {
    const path = ns ? `${ROLLOUTS_API}/namespaces/${encodeURIComponent(ns)}/rollouts` : `${ROLLOUTS_API}/rollouts`;
    return this.http.json<List<Rollout>>({
      method: 'GET',
      path,
      query: page ? { limit: String(page.limit), continue: page.continue } : undefined,
      target: rolloutTarget('list', ns ?? undefined),
      retry: true,
      signal,
    });
  }

  listReplicaSets(ns: string | null, selector: string | undefined, signal?: AbortSignal): Promise<List<ReplicaSet>> {
    const path = ns ? `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/replicasets` : `/apis/apps/v1/replicasets`;
    return this.http.json<List<ReplicaSet>>({
      method: 'GET',
      path,
      query: { labelSelector: selector },
      target: { verb: 'list', resource: 'replicasets', group: 'apps', namespace: ns ?? undefined },
      retry: true,
      signal,
    });
  }

  /** null when the Service does not exist. */
  async getService(ns: string, name: string, signal?: AbortSignal): Promise<Service | null> {
    try {
      return await this.http.json<Service>({
        method: 'GET',
        path: `/api/v1/namespaces/${encodeURIComponent(ns)}/services/${encodeURIComponent(name)}`,
        target: { verb: 'get', resource: 'services', group: '', namespace: ns, name },
        retry: true,
        signal,
      });
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }
  }

  /** Sends one planned change. dryRun: the server validates it and changes nothing. */
  send<T = Rollout>(req: PlannedRequest, ns: string, name: string, dryRun = false): Promise<T> {
    const sub = req.path.endsWith('/status') ? 'rollouts/status' : 'rollouts';
    return this.http.json<T>({
      method: req.method,
      path: req.path,
      query: { dryRun: dryRun ? 'All' : undefined, fieldManager: 'kubectl-bluegreen' },
      body: req.body,
      contentType: req.contentType,
      target: rolloutTarget('patch', ns, name, sub),
    });
  }

  createEvent(ns: string, event: Record<string, unknown>): Promise<unknown> {
    return this.http.json({
      method: 'POST',
      path: `/api/v1/namespaces/${encodeURIComponent(ns)}/events`,
      body: event,
      target: { verb: 'create', resource: 'events', group: '', namespace: ns },
    });
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
      return r?.status?.userInfo?.username ?? null;
    } catch {
      return null;
    }
  }

  watchRollouts(
    ns: string,
    fieldSelector: string | undefined,
    resourceVersion: string,
    onEvent: (ev: WatchEvent<Rollout>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    return this.http.watch(
      {
        method: 'GET',
        path: `${ROLLOUTS_API}/namespaces/${encodeURIComponent(ns)}/rollouts`,
        query: { fieldSelector, resourceVersion, allowWatchBookmarks: 'true' },
        target: rolloutTarget('watch', ns),
        signal,
      },
      onEvent as (ev: { type: string; object: unknown }) => void,
    );
  }

  watchReplicaSets(
    ns: string,
    selector: string | undefined,
    resourceVersion: string,
    onEvent: (ev: WatchEvent<ReplicaSet>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    return this.http.watch(
      {
        method: 'GET',
        path: `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/replicasets`,
        query: { labelSelector: selector, resourceVersion, allowWatchBookmarks: 'true' },
        target: { verb: 'watch', resource: 'replicasets', group: 'apps', namespace: ns },
        signal,
      },
      onEvent as (ev: { type: string; object: unknown }) => void,
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

  /** The Argo Rollouts controller's version from its Deployment's image, when visible. */
  async controllerVersion(): Promise<{ version: string; where: string } | null> {
    const tries: Array<string> = [
      '/apis/apps/v1/deployments',
      '/apis/apps/v1/namespaces/argo-rollouts/deployments',
    ];
    for (const path of tries) {
      try {
        const list = await this.http.json<List<{ metadata: { name?: string; namespace?: string }; spec?: { template?: { spec?: { containers?: Array<{ image?: string }> } } } }>>({
          method: 'GET',
          path,
          query: { labelSelector: 'app.kubernetes.io/name=argo-rollouts' },
          target: { verb: 'list', resource: 'deployments', group: 'apps' },
        });
        for (const d of list.items) {
          const image = d.spec?.template?.spec?.containers?.[0]?.image ?? '';
          const tag = image.includes('@') ? image.split('@')[1]! : image.split(':').pop() ?? '';
          if (tag) return { version: tag, where: `deployment ${d.metadata.namespace}/${d.metadata.name}` };
        }
      } catch {
        /* forbidden cluster-wide: try the usual namespace */
      }
    }
    return null;
  }
}
