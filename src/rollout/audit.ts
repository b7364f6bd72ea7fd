// The record of a change made with this plugin: who, when, what, from which version to which, and why.
// Written as an annotation on the Rollout (in the change's own patch when that is a spec patch; for a
// workloadRef rollout, whose template change goes to its Deployment, in a merge patch of its own) and
// as a Kubernetes Event on the Rollout; read back to say who changed a rollout moments ago. Writer and
// reader live here together. Pure.
import { pointer, type JsonPatchOp, type PlannedRequest, type Version, type Action } from './plan.js';
import { AUDIT_ANNOTATION, type Rollout } from './types.js';

export interface Audit {
  by: string;
  /** RFC 3339, whole seconds. */
  at: string;
  action: Action;
  from: Version | null;
  to: Version | null;
  reason: string;
  /** workloadRef: the object the change was written to (the record stays on the Rollout). */
  workload?: { kind: string; name: string } | null;
}

/** The object a change writes its template to, when that is not the Rollout (a workloadRef's Deployment). */
export function workloadOf(requests: PlannedRequest[]): { kind: string; name: string } | null {
  const req = requests.find((r) => r.resource === 'deployments');
  return req ? { kind: 'Deployment', name: req.name ?? '' } : null;
}

export interface LastChange {
  by: string;
  action: string;
  at: string;
  reason: string;
}

export function auditValue(a: Audit): string {
  return JSON.stringify({
    by: a.by,
    at: a.at,
    action: a.action,
    from: a.from ? { images: a.from.images, revision: a.from.revision } : null,
    to: a.to ? { images: a.to.images, revision: a.to.revision } : null,
    reason: a.reason,
    ...(a.workload ? { workload: a.workload } : {}),
  });
}

/** The audit annotation of the last change made with this plugin, if readable. */
export function lastChange(ro: Rollout): LastChange | null {
  const raw = ro.metadata.annotations?.[AUDIT_ANNOTATION];
  if (!raw) return null;
  try {
    const a = JSON.parse(raw) as Partial<LastChange>;
    if (typeof a.by !== 'string' || typeof a.at !== 'string' || typeof a.action !== 'string') return null;
    return { by: a.by, action: a.action, at: a.at, reason: typeof a.reason === 'string' ? a.reason : '' };
  } catch {
    return null;
  }
}

/** JSON Patch ops that set the audit annotation, whether or not the Rollout has annotations yet. */
export function auditOps(ro: Rollout, value: string): JsonPatchOp[] {
  if (!ro.metadata.annotations) return [{ op: 'add', path: '/metadata/annotations', value: { [AUDIT_ANNOTATION]: value } }];
  return [{ op: 'add', path: pointer('metadata', 'annotations', AUDIT_ANNOTATION), value }];
}

const EVENT_REASONS: Record<Action, string> = {
  promote: 'BlueGreenPromoted',
  abort: 'BlueGreenAborted',
  undo: 'BlueGreenUndone',
  'set-image': 'BlueGreenImageSet',
  retry: 'BlueGreenRetried',
};

/** A Kubernetes Event on the Rollout that says the same as the annotation, in one line. */
export function eventFor(ro: Rollout, a: Audit): Record<string, unknown> {
  const v = (x: Audit['from']) => (x ? `${x.images.join(', ')}${x.revision !== null ? ` (revision ${x.revision})` : ''}` : 'none');
  const via = a.workload ? ` (${a.workload.kind} ${a.workload.name})` : '';
  const message = `${a.action}${via} by ${a.by}: users ${v(a.from)} -> ${v(a.to)}${a.reason ? `; reason: ${a.reason}` : ''}`.slice(0, 1024);
  const name = ro.metadata.name ?? 'rollout';
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { generateName: `${name}.`, namespace: ro.metadata.namespace },
    involvedObject: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name, namespace: ro.metadata.namespace, uid: ro.metadata.uid },
    reason: EVENT_REASONS[a.action],
    message,
    type: 'Normal',
    source: { component: 'kubectl-bluegreen' },
    reportingComponent: 'kubectl-bluegreen',
    reportingInstance: 'kubectl-bluegreen',
    firstTimestamp: a.at,
    lastTimestamp: a.at,
    count: 1,
  };
}

/**
 * Every request a confirmed change sends, in order: the change itself, with the audit annotation in
 * the same patch when it is a spec patch of the Rollout (change and record are one write), else one
 * merge patch of the annotation on the Rollout (status writes cannot carry metadata, and a workloadRef's
 * Deployment is not where people look for the record); then the Event. A dry run prints exactly these.
 */
export function recordedRequests(requests: PlannedRequest[], ro: Rollout, a: Audit): PlannedRequest[] {
  const value = auditValue(a);
  const ns = ro.metadata.namespace ?? '';
  const name = ro.metadata.name ?? '';
  const out: PlannedRequest[] = [];
  let recorded = false;
  for (const req of requests) {
    if (req.resource === 'rollouts' && Array.isArray(req.body) && !recorded) {
      out.push({ ...req, body: [...req.body, ...auditOps(ro, value)] });
      recorded = true;
    } else out.push(req);
  }
  if (!recorded) {
    out.push({
      method: 'PATCH',
      resource: 'rollouts',
      namespace: ns,
      name,
      contentType: 'application/merge-patch+json',
      body: { metadata: { annotations: { [AUDIT_ANNOTATION]: value } } },
      purpose: 'audit',
    });
  }
  out.push({ method: 'POST', resource: 'events', namespace: ns, contentType: 'application/json', body: eventFor(ro, a), purpose: 'event' });
  return out;
}
