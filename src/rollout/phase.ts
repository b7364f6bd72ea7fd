// Port of Argo Rollouts' phase rules (utils/rollout/rolloututil.go, v1.9.1): GetRolloutPhase (client
// side) over CalculateRolloutPhase (controller side). Pure.
import { WORKLOAD_GENERATION, type Rollout, type RolloutSpec, type RolloutStatus } from './types.js';

export type Phase = 'Healthy' | 'Progressing' | 'Paused' | 'Degraded' | string;

export interface PhaseResult {
  phase: Phase;
  message: string;
}

/** The AnalysisRun phases after which it runs no more. */
export const COMPLETED_ANALYSIS = new Set(['Successful', 'Failed', 'Error', 'Inconclusive']);

/** Go's strconv.Atoi on observedGeneration: undefined when it is not a plain integer. */
function atoi(s: string | undefined): number | undefined {
  if (s === undefined || !/^[+-]?\d+$/.test(s)) return undefined;
  return Number(s);
}

export function isGenerationObserved(ro: Rollout): boolean {
  const observed = atoi(ro.status?.observedGeneration);
  if (observed === undefined) return true;
  const generation = ro.metadata.generation ?? 0;
  return observed >= generation;
}

/**
 * A workloadRef rollout: has the controller taken up the referenced workload's current template?
 * Upstream's isWorkloadGenerationObserved (the Rollout's workload-generation annotation, written by the
 * controller's informer, against status.workloadObservedGeneration); reachable from the API's JSON
 * through spec.workloadRef (upstream tests TemplateResolvedFromRef, which is set exactly then). With
 * `workloadGeneration` (the Deployment's own metadata.generation, when it was read), also false while
 * the informer has not written that generation yet: a template changed a moment ago is not "observed".
 */
export function isWorkloadGenerationObserved(ro: Rollout, workloadGeneration?: number | null): boolean {
  if (!ro.spec?.workloadRef) return true;
  const seen = atoi(ro.status?.workloadObservedGeneration);
  if (workloadGeneration != null && seen !== undefined && seen < workloadGeneration) return false;
  const annotated = atoi(ro.metadata.annotations?.[WORKLOAD_GENERATION]);
  if (annotated === undefined || seen === undefined) return true;
  return seen === annotated;
}

/** The user cleared the pause conditions but the controller has not reacted yet. */
export function isUnpausing(ro: Rollout): boolean {
  return ro.status?.controllerPause === true && (ro.status?.pauseConditions ?? []).length === 0;
}

export function getRolloutPhase(ro: Rollout): PhaseResult {
  if (!isGenerationObserved(ro)) {
    return { phase: 'Progressing', message: 'waiting for rollout spec update to be observed' };
  }
  if (isUnpausing(ro)) {
    return { phase: 'Progressing', message: 'waiting for rollout to unpause' };
  }
  if (!isWorkloadGenerationObserved(ro)) {
    return { phase: 'Progressing', message: 'waiting for rollout spec update to be observed for the reference workload' };
  }
  if (ro.status?.phase) {
    return { phase: ro.status.phase, message: ro.status.message ?? '' };
  }
  return calculateRolloutPhase(ro.spec ?? {}, ro.status ?? {});
}

export function calculateRolloutPhase(spec: RolloutSpec, status: RolloutStatus): PhaseResult {
  for (const cond of status.conditions ?? []) {
    if (cond.type === 'InvalidSpec') return { phase: 'Degraded', message: `InvalidSpec: ${cond.message ?? ''}` };
    if (cond.reason === 'RolloutAborted' || cond.reason === 'ProgressDeadlineExceeded') {
      return { phase: 'Degraded', message: `${cond.reason}: ${cond.message ?? ''}` };
    }
  }
  if (spec.paused) return { phase: 'Paused', message: 'manually paused' };
  const pause = (status.pauseConditions ?? [])[0];
  if (pause) return { phase: 'Paused', message: pause.reason };
  if (spec.restartAt && (!status.restartedAt || Date.parse(spec.restartAt) !== Date.parse(status.restartedAt))) {
    return { phase: 'Progressing', message: 'rollout is restarting' };
  }
  const replicas = spec.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  if (updated < replicas) return { phase: 'Progressing', message: 'more replicas need to be updated' };
  if ((status.availableReplicas ?? 0) < updated) {
    return { phase: 'Progressing', message: 'updated replicas are still becoming available' };
  }
  const bg = spec.strategy?.blueGreen;
  if (bg) {
    const active = status.blueGreen?.activeSelector ?? '';
    if (active === '' || active !== status.currentPodHash) {
      return { phase: 'Progressing', message: 'active service cutover pending' };
    }
    if (!status.stableRS || status.stableRS !== status.currentPodHash) {
      const post = status.blueGreen?.postPromotionAnalysisRunStatus;
      if (bg.postPromotionAnalysis != null && !COMPLETED_ANALYSIS.has(post?.status ?? '')) {
        return { phase: 'Progressing', message: 'waiting for analysis to complete' };
      }
      return { phase: 'Progressing', message: 'waiting for post-promotion verification to complete' };
    }
  } else if (spec.strategy?.canary != null) {
    const canary = spec.strategy.canary as { trafficRouting?: unknown };
    if (canary.trafficRouting == null && (status.replicas ?? 0) > updated) {
      return { phase: 'Progressing', message: 'old replicas are pending termination' };
    }
    if (!status.stableRS || status.stableRS !== status.currentPodHash) {
      return { phase: 'Progressing', message: 'waiting for all steps to complete' };
    }
  }
  return { phase: 'Healthy', message: '' };
}
