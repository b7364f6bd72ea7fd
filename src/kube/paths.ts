// Where each object lives in the API: every URL the plugin requests is built here.
import type { PlannedRequest } from '../rollout/plan.js';

export const ROLLOUTS_API = '/apis/argoproj.io/v1alpha1';

const seg = encodeURIComponent;

/** A Rollout, its status subresource, or the collection (in a namespace, or in all with ns null). */
export function rolloutPath(ns: string | null, name?: string, sub?: 'status'): string {
  const base = ns ? `${ROLLOUTS_API}/namespaces/${seg(ns)}/rollouts` : `${ROLLOUTS_API}/rollouts`;
  if (!name) return base;
  return sub ? `${base}/${seg(name)}/${sub}` : `${base}/${seg(name)}`;
}

export function replicaSetsPath(ns: string | null): string {
  return ns ? `/apis/apps/v1/namespaces/${seg(ns)}/replicasets` : '/apis/apps/v1/replicasets';
}

/** A Deployment (a workloadRef's template), or the collection (in a namespace, or in all with ns null). */
export function deploymentsPath(ns: string | null, name?: string): string {
  const base = ns ? `/apis/apps/v1/namespaces/${seg(ns)}/deployments` : '/apis/apps/v1/deployments';
  return name ? `${base}/${seg(name)}` : base;
}

export function servicesPath(ns: string | null, name?: string): string {
  const base = ns ? `/api/v1/namespaces/${seg(ns)}/services` : '/api/v1/services';
  return name ? `${base}/${seg(name)}` : base;
}

export function eventsPath(ns: string): string {
  return `/api/v1/namespaces/${seg(ns)}/events`;
}

/** The URL path of a planned request. */
export function requestPath(req: Pick<PlannedRequest, 'resource' | 'namespace' | 'name'>): string {
  switch (req.resource) {
    case 'rollouts':
      return rolloutPath(req.namespace, req.name);
    case 'rollouts/status':
      return rolloutPath(req.namespace, req.name, 'status');
    case 'deployments':
      return deploymentsPath(req.namespace, req.name);
    case 'events':
      return eventsPath(req.namespace);
  }
}
