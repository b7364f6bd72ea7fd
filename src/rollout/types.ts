// Narrow shapes of the objects the plugin reads. Only the fields it uses are typed; the rest passes
// through untouched. Kubernetes core types come from @kubernetes/client-node (type-only imports: no
// runtime cost).
import type { V1ObjectMeta, V1PodTemplateSpec, V1LabelSelector } from '@kubernetes/client-node';

export type { V1PodTemplateSpec as PodTemplateSpec } from '@kubernetes/client-node';

export interface ObjectMeta extends Omit<V1ObjectMeta, 'creationTimestamp' | 'deletionTimestamp'> {
  name?: string;
  namespace?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
}

export interface BlueGreenStrategy {
  activeService?: string;
  previewService?: string;
  autoPromotionEnabled?: boolean;
  autoPromotionSeconds?: number;
  scaleDownDelaySeconds?: number;
  scaleDownDelayRevisionLimit?: number;
  previewReplicaCount?: number;
  abortScaleDownDelaySeconds?: number;
  prePromotionAnalysis?: unknown;
  postPromotionAnalysis?: unknown;
  activeMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  previewMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  /** Pod anti-affinity the controller injects into each new ReplicaSet's template. */
  antiAffinity?: unknown;
}

export interface PauseCondition {
  reason: string;
  startTime?: string;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

export interface AnalysisRunStatus {
  name?: string;
  status?: string;
  message?: string;
}

/** spec.workloadRef: the object the pod template comes from (Argo Rollouts >= v1.0; scaleDown >= v1.5). */
export interface WorkloadRef {
  apiVersion?: string;
  kind?: string;
  name?: string;
  /** never (also when unset) | onsuccess | progressively: what the controller does to a Deployment's replicas. */
  scaleDown?: string;
}

export interface RolloutSpec {
  replicas?: number;
  selector?: V1LabelSelector;
  template?: V1PodTemplateSpec;
  workloadRef?: WorkloadRef;
  paused?: boolean;
  restartAt?: string;
  revisionHistoryLimit?: number;
  /** A rollback to one of the last `revisions` revisions skips pauses and analysis (v1.7+). */
  rollbackWindow?: { revisions?: number };
  strategy?: { blueGreen?: BlueGreenStrategy; canary?: unknown };
}

export interface RolloutStatus {
  phase?: string;
  message?: string;
  observedGeneration?: string;
  currentPodHash?: string;
  stableRS?: string;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  abort?: boolean;
  abortedAt?: string;
  promoteFull?: boolean;
  controllerPause?: boolean;
  pauseConditions?: PauseCondition[] | null;
  conditions?: Condition[];
  restartedAt?: string;
  /** The referenced workload's generation the controller last took up (a string, like observedGeneration). */
  workloadObservedGeneration?: string;
  blueGreen?: {
    activeSelector?: string;
    previewSelector?: string;
    scaleUpPreviewCheckPoint?: boolean;
    prePromotionAnalysisRunStatus?: AnalysisRunStatus;
    postPromotionAnalysisRunStatus?: AnalysisRunStatus;
  };
}

export interface Rollout {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: RolloutSpec;
  status?: RolloutStatus;
}

export interface ReplicaSet {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: { replicas?: number; selector?: V1LabelSelector; template?: V1PodTemplateSpec };
  status?: { replicas?: number; readyReplicas?: number; availableReplicas?: number; observedGeneration?: number };
}

/** A Deployment, as far as a workloadRef rollout needs it: its pod template, generation and own pods. */
export interface Deployment {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: { replicas?: number; paused?: boolean; selector?: V1LabelSelector; template?: V1PodTemplateSpec };
  status?: { replicas?: number; readyReplicas?: number; availableReplicas?: number; updatedReplicas?: number; observedGeneration?: number };
}

export interface Service {
  metadata: ObjectMeta;
  spec?: { selector?: Record<string, string> };
}

export interface List<T> {
  metadata?: { resourceVersion?: string; continue?: string };
  items: T[];
}

/** Well-known label and annotation keys (Argo Rollouts v1.9). */
export const POD_TEMPLATE_HASH = 'rollouts-pod-template-hash';
export const REVISION = 'rollout.argoproj.io/revision';
export const REVISION_HISTORY = 'rollout.argoproj.io/revision-history';
export const SCALE_DOWN_DEADLINE = 'scale-down-deadline';
export const EPHEMERAL_METADATA = 'rollout.argoproj.io/ephemeral-metadata';
/** Written on a workloadRef Rollout by the controller: the referenced workload's generation it has seen. */
export const WORKLOAD_GENERATION = 'rollout.argoproj.io/workload-generation';
export const ARGOCD_TRACKING_ID = 'argocd.argoproj.io/tracking-id';
export const ARGOCD_INSTANCE_LABEL = 'app.kubernetes.io/instance';
/** This plugin's own annotations on the Rollout: the record of the last change, and the controller nudge. */
export const AUDIT_ANNOTATION = 'bluegreen.kubectl.io/last-change';
export const NUDGE_ANNOTATION = 'bluegreen.kubectl.io/nudged-at';
