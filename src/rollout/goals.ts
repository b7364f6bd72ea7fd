// What `wait --for=...` waits for, and whether waiting still makes sense. Pure.
//
// A Degraded phase is not always final. From the controller's own code (rollout/controller.go,
// v1.9-v1.10): a Rollout that references an object it cannot find (its active or preview Service, an
// AnalysisTemplate, ...) gets an InvalidSpec condition, and the controller re-checks it every 20 s
// ("the error condition might be timing related, e.g. the Rollout was applied before the Service").
// So `kubectl apply` of Services and Rollout in one manifest can show Degraded for a moment and then
// go Healthy by itself. Final are: an aborted update (RolloutAborted; failed analysis aborts too), a
// progress deadline (ProgressDeadlineExceeded), and an InvalidSpec that is not about a missing object
// (a spec that no re-check can fix; a new spec is observed as a new generation first).
import { COMPLETED_ANALYSIS, getRolloutPhase, isGenerationObserved, isWorkloadGenerationObserved } from './phase.js';
import type { ObjectMeta, ReplicaSet, Rollout } from './types.js';
import type { T } from '../i18n/index.js';

export type WaitGoal = 'healthy' | 'paused' | 'promoted';

/**
 * The controller has taken up the latest spec, and (workloadRef) the referenced Deployment's template at
 * least at `workloadGeneration` (its generation when the wait began: a template changed a moment ago
 * reaches the Rollout only through the controller's informer).
 */
export function observedAll(ro: Rollout, workloadGeneration?: number | null): boolean {
  return isGenerationObserved(ro) && isWorkloadGenerationObserved(ro, workloadGeneration);
}

export function reached(ro: Rollout, goal: WaitGoal, workloadGeneration?: number | null): boolean {
  const st = ro.status ?? {};
  const observed = observedAll(ro, workloadGeneration);
  switch (goal) {
    case 'healthy':
      return observed && getRolloutPhase(ro).phase === 'Healthy';
    case 'paused':
      return (
        observed &&
        !st.abort &&
        !!st.currentPodHash &&
        st.currentPodHash !== st.blueGreen?.activeSelector &&
        (st.pauseConditions ?? []).some((p) => p.reason === 'BlueGreenPause')
      );
    case 'promoted':
      return (
        observed &&
        !st.abort &&
        !!st.currentPodHash &&
        st.blueGreen?.activeSelector === st.currentPodHash &&
        st.stableRS === st.currentPodHash
      );
  }
}

/**
 * Whether the controller ever pauses this rollout for promotion: only when autoPromotionEnabled is false or
 * autoPromotionSeconds is set (needsBlueGreenControllerPause, v1.7 to v1.10). Otherwise it promotes a
 * preview as soon as it is ready, and `wait --for=paused` could only time out.
 */
export function pausesForPromotion(ro: Rollout): boolean {
  const bg = ro.spec?.strategy?.blueGreen;
  return bg?.autoPromotionEnabled === false || (bg?.autoPromotionSeconds ?? 0) > 0;
}

export type Degraded =
  /** Needs a person: aborted, analysis failed, progress deadline, an invalid spec. */
  | { kind: 'final'; reason: string; message: string }
  /** The controller reports a referenced object missing and re-checks on its own. */
  | { kind: 'missingObject'; object: string; message: string };

/** `<kind> "<name>" not found` (client-go's NotFound text) or `AnalysisTemplate 'x' not found`. */
const NOT_FOUND = /(\w[\w.]*) ["']([^"']+)["'] not found/;

/** Why the rollout is Degraded, and whether that can end without anyone acting. null when not Degraded. */
export function degraded(ro: Rollout, workloadGeneration?: number | null): Degraded | null {
  if (!observedAll(ro, workloadGeneration)) return null;
  const { phase, message } = getRolloutPhase(ro);
  if (phase !== 'Degraded') return null;
  const invalid = (ro.status?.conditions ?? []).find((c) => c.type === 'InvalidSpec' && c.status !== 'False');
  if (invalid || message.startsWith('InvalidSpec')) {
    const m = NOT_FOUND.exec(invalid?.message ?? message);
    if (m) return { kind: 'missingObject', object: `${m[1]} ${m[2]}`, message };
    return { kind: 'final', reason: 'InvalidSpec', message };
  }
  const reason = message.split(':')[0] ?? 'Degraded';
  return { kind: 'final', reason, message };
}

/** "Phase - message", as the official plugin prints it, the message in the reader's language. */
export function phaseText(ro: Rollout, t: T): string {
  const { phase, message } = getRolloutPhase(ro);
  return message ? `${phase} - ${t('phase.message', { message })}` : phase;
}

/**
 * The hash of the ReplicaSet whose availability the controller's next step waits on, when that is all it
 * waits on: the spec observed, an update not live yet (the active Service on another ReplicaSet), no pause
 * (a person's turn), no abort, no pre-promotion analysis running, the phase Progressing. A controller that
 * works acts within moments of that ReplicaSet becoming available; one whose status stays put while the API
 * has it available is not acting (Argo Rollouts v1.7.x's stale ReplicaSet cache, or a controller that is
 * down). null otherwise (the scale-down delay after a switch, for one, can be long and is not a stall).
 */
export function awaitedReplicaSet(ro: Rollout, workloadGeneration?: number | null): string | null {
  const st = ro.status ?? {};
  const hash = st.currentPodHash;
  if (!hash || !observedAll(ro, workloadGeneration) || st.abort || ro.spec?.paused || st.controllerPause) return null;
  if ((st.pauseConditions ?? []).length > 0 || st.blueGreen?.activeSelector === hash) return null;
  const analysis = st.blueGreen?.prePromotionAnalysisRunStatus;
  if (analysis && !COMPLETED_ANALYSIS.has(analysis.status ?? '')) return null;
  return getRolloutPhase(ro).phase === 'Progressing' ? hash : null;
}

/** Every replica the ReplicaSet wants (at least one) available, for its current generation. */
export function replicaSetAvailable(rs: ReplicaSet): boolean {
  const want = rs.spec?.replicas ?? 0;
  const observed = rs.status?.observedGeneration;
  if (typeof observed === 'number' && rs.metadata.generation !== undefined && observed < rs.metadata.generation) return false;
  return want > 0 && (rs.status?.availableReplicas ?? 0) >= want;
}

/** "available/wanted" of a ReplicaSet, as the messages about it show it. */
export function availableText(rs: ReplicaSet): string {
  return `${rs.status?.availableReplicas ?? 0}/${rs.spec?.replicas ?? 0}`;
}

/** The newest of some RFC 3339 times (unparseable ones skipped); null when there is none. */
export function newest(times: ReadonlyArray<string | null | undefined>): string | null {
  let best: string | null = null;
  let bestMs = -Infinity;
  for (const at of times) {
    const ms = at ? Date.parse(at) : NaN;
    if (!Number.isNaN(ms) && ms > bestMs) [best, bestMs] = [at!, ms];
  }
  return best;
}

/**
 * When the controller last recorded something with a time in the Rollout's status: the newest of its
 * conditions' lastUpdateTime and lastTransitionTime. A condition's times move only when the controller
 * changes it, so a status that is still keeps them. null when no condition carries one.
 */
export function lastRecorded(ro: Rollout): string | null {
  return newest((ro.status?.conditions ?? []).flatMap((c) => [c.lastUpdateTime, c.lastTransitionTime]));
}

/**
 * When the object's status was last written (by anyone): the newest managedFields entry of its status
 * subresource. Its time moves whenever that writer changes a value it owns (a ReplicaSet's counts as pods
 * become ready, a Rollout's status as the controller acts). null when no such entry is recorded.
 */
export function lastStatusWrite(meta: ObjectMeta): string | null {
  return newest((meta.managedFields ?? []).filter((f) => f.subresource === 'status').map((f) => (f.time ? String(f.time) : null)));
}
