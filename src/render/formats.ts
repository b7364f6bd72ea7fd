// Machine output: the versioned JSON documents (apiVersion bluegreen/v1, see docs/JSON.md), and YAML
// of the same. Stable field names; never coloured.
import { dump } from 'js-yaml';
import type { NextAction } from '../rollout/actions.js';
import { olderBecauseText, type HistoryEntry, type RevisionView, type RolloutView } from '../rollout/view.js';

export const API_VERSION = 'bluegreen/v1';

function revisionJson(r: RevisionView | null) {
  if (!r) return null;
  return {
    revision: r.revision,
    podTemplateHash: r.podTemplateHash,
    replicaSet: r.replicaSet,
    images: r.images,
    containers: r.containers,
    replicas: r.replicas,
    readyReplicas: r.readyReplicas,
    availableReplicas: r.availableReplicas,
    createdAt: r.createdAt,
    revisionHistory: r.revisionHistory,
    scaleDownDeadline: r.scaleDownDeadline,
  };
}

export function statusJson(v: RolloutView, actions: NextAction[] | null) {
  return {
    apiVersion: API_VERSION,
    kind: 'RolloutStatus',
    name: v.name,
    namespace: v.namespace,
    strategy: v.strategy,
    phase: v.phase,
    message: v.message,
    active: revisionJson(v.active),
    preview: revisionJson(v.preview),
    stable: v.stable,
    previewIsOlder: v.previewIsOlder,
    olderBecause: v.olderSignals.map(olderBecauseText),
    olderSignals: v.olderSignals,
    services: v.services,
    autoPromotion: v.autoPromotion,
    paused: v.paused,
    aborted: v.aborted,
    abortedAt: v.abortedAt,
    analysis: v.analysis,
    observed: v.observed,
    argoCD: v.argoCD,
    ...(actions ? { nextActions: actions } : {}),
  };
}

export function historyJson(v: RolloutView, entries: HistoryEntry[]) {
  return {
    apiVersion: API_VERSION,
    kind: 'RolloutHistory',
    name: v.name,
    namespace: v.namespace,
    items: entries.map((e) => ({ ...revisionJson(e), roles: e.roles })),
  };
}

export function listJson(items: ReturnType<typeof statusJson>[]) {
  return { apiVersion: API_VERSION, kind: 'RolloutStatusList', items };
}

export function serialize(doc: unknown, format: 'json' | 'yaml'): string {
  if (format === 'json') return JSON.stringify(doc, null, 2) + '\n';
  return dump(doc, { noRefs: true, lineWidth: -1, sortKeys: false });
}
