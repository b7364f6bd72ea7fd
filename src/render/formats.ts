// Machine output: the versioned JSON documents (apiVersion bluegreen/v1, see docs/JSON.md), and YAML
// of the same. Stable field names; never coloured.
import { dump } from 'js-yaml';
import { escapeHidden, hasHidden } from '../sanitize.js';
import type { Audit } from '../rollout/audit.js';
import type { Plan, PlanResult } from '../rollout/plan.js';
import type { WireRequest } from './guard.js';
import type { NextAction } from '../rollout/actions.js';
import type { HistoryEntry, OlderSignal, OlderUnknown, RevisionView, RolloutView, WorkloadView } from '../rollout/view.js';
import { tagComparisonText, type TagUnknownReason } from '../rollout/tags.js';

/** The `olderBecause` strings of the JSON document (English, part of the contract). */
export function olderBecauseText(s: OlderSignal): string {
  switch (s.signal) {
    case 'createdBefore':
      return 'created before the active ReplicaSet';
    case 'servedBefore':
      return `served revisions ${s.revisions.join(',')} before`;
    case 'tagLower':
      return `tag ${s.previewTag} < ${s.activeTag}`;
  }
}

export const API_VERSION = 'bluegreen/v1';

export function revisionJson(r: RevisionView | null) {
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

/** spec.workloadRef and its Deployment (null without a workloadRef): where set-image and undo write. */
export function workloadJson(w: WorkloadView | null) {
  if (!w) return null;
  return {
    apiVersion: w.apiVersion,
    kind: w.kind,
    name: w.name,
    scaleDown: w.scaleDown,
    supported: w.supported,
    found: w.found,
    generation: w.generation,
    replicas: w.replicas,
    readyReplicas: w.readyReplicas,
    observed: w.observed,
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
    /** When previewIsOlder is null: why the tags could not decide. */
    olderUnknownBecause: v.olderUnknown.map(olderUnknownText),
    services: v.services,
    autoPromotion: v.autoPromotion,
    paused: v.paused,
    aborted: v.aborted,
    abortedAt: v.abortedAt,
    analysis: v.analysis,
    observed: v.observed,
    workload: workloadJson(v.workload),
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
    workload: workloadJson(v.workload),
    items: entries.map((e) => ({ ...revisionJson(e), roles: e.roles })),
  };
}

export function listJson(items: ReturnType<typeof statusJson>[]) {
  return { apiVersion: API_VERSION, kind: 'RolloutStatusList', items };
}

export function serialize(doc: unknown, format: 'json' | 'yaml'): string {
  const json = JSON.stringify(doc, null, 2);
  if (format === 'json') return escapeHidden(json) + '\n';
  // A document with such characters (rare: they come from the cluster) is written with every string
  // double-quoted, where YAML takes \u escapes; any other keeps YAML's plain style.
  if (!hasHidden(json)) return dump(doc, { noRefs: true, lineWidth: -1, sortKeys: false });
  return escapeHidden(dump(doc, { noRefs: true, lineWidth: -1, sortKeys: false, forceQuotes: true, quotingType: '"' }));
}

/** `--dry-run -o json`: what the change would do and every request it would send. */
export function changePlanJson(plan: Plan, requests: WireRequest[], nudgesAtMost: number) {
  return {
    apiVersion: API_VERSION,
    kind: 'ChangePlan',
    action: plan.action,
    name: plan.name,
    namespace: plan.namespace,
    before: plan.before,
    after: plan.after,
    switchesWhen: plan.switchesWhen,
    consequences: [...plan.needsForce, ...plan.consequences],
    requests,
    /** Annotation PATCHes sent only if the controller stays silent (see the guard). */
    nudgesAtMost,
  };
}

/** `-o json` of a change that was made: what happened, for scripts. */
export interface ControllerReaction {
  /** The controller acted on the change within the wait. */
  reacted: boolean;
  /** Annotation PATCHes sent to wake a silent controller. */
  nudges: number;
  /** Whether the change could be watched at all (false: no `watch` permission). */
  watched: boolean;
}

export function changeResultJson(
  plan: Plan,
  applied: { sent: number; recordFailed: string | null },
  audit: Audit,
  controller: ControllerReaction | null,
) {
  return {
    apiVersion: API_VERSION,
    kind: 'ChangeResult',
    action: plan.action,
    name: plan.name,
    namespace: plan.namespace,
    before: plan.before,
    after: plan.after,
    switchesWhen: plan.switchesWhen,
    requestsSent: applied.sent,
    recorded: applied.recordFailed ? null : { by: audit.by, at: audit.at, reason: audit.reason },
    recordError: applied.recordFailed,
    controller,
  };
}

/**
 * `-o json|yaml` of a change with nothing to do (set-image to the images already set): the same document
 * a change or a dry run prints, with no request, and `unchanged` saying why; a script always gets one.
 */
export function noopJson(r: Extract<PlanResult, { kind: 'noop' }>, dryRun: boolean) {
  const common = { apiVersion: API_VERSION, action: r.action, name: r.name, namespace: r.namespace, before: r.before, after: r.after };
  if (dryRun)
    return {
      ...common,
      kind: 'ChangePlan',
      unchanged: r.why,
      switchesWhen: 'never' as const,
      consequences: [],
      requests: [],
      nudgesAtMost: 0,
    };
  return {
    ...common,
    kind: 'ChangeResult',
    unchanged: r.why,
    switchesWhen: 'never' as const,
    requestsSent: 0,
    recorded: null,
    recordError: null,
    controller: null,
  };
}

/** Why the order is unknown, in the JSON's stable English. */
function olderUnknownText(u: OlderUnknown): string {
  const c = u.comparison;
  if (c.reason === 'differentRepository')
    return `images ${u.previewImage} and ${u.activeImage} come from different repositories: their order is unknown`;
  if (c.reason === 'nothingToCompare')
    return `no image of the preview has a counterpart in what users get (${u.activeImage}): their order is unknown`;
  return tagComparisonText(u.previewTag, u.activeTag, c as Extract<typeof c, { reason: TagUnknownReason }>);
}
