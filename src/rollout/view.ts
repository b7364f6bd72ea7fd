// buildRolloutView: everything `status`, the guards and `history` show, computed from the objects read
// from the cluster. Pure: no I/O, the clock is a parameter.
import { byCodeUnits } from '../order.js';
import { getRolloutPhase, isGenerationObserved, isWorkloadGenerationObserved } from './phase.js';
import { normalizeTime, rfc3339 } from './time.js';
import { compareImageVersions, repositoryPath, tagOf, type TagComparison } from './image.js';
import {
  ARGOCD_INSTANCE_LABEL,
  ARGOCD_TRACKING_ID,
  EPHEMERAL_METADATA,
  POD_TEMPLATE_HASH,
  REVISION,
  REVISION_HISTORY,
  SCALE_DOWN_DEADLINE,
  type AnalysisRunStatus,
  type Deployment,
  type PodTemplateSpec,
  type ReplicaSet,
  type Rollout,
  type Service,
} from './types.js';

export interface ContainerImage {
  name: string;
  image: string;
}

export interface RevisionView {
  revision: number | null;
  podTemplateHash: string;
  replicaSet: string | null;
  images: string[];
  containers: ContainerImage[];
  initContainers: ContainerImage[];
  /** Desired pods of this ReplicaSet (spec.replicas). */
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  createdAt: string | null;
  /** Earlier revision numbers this template had (rollout.argoproj.io/revision-history). */
  revisionHistory: number[];
  /** When the controller will scale this ReplicaSet to zero (scale-down-deadline), if set. */
  scaleDownDeadline: string | null;
  template: PodTemplateSpec | null;
  /** Labels and annotations the controller injected for activeMetadata/previewMetadata (its annotation, parsed). */
  ephemeralMetadata: EphemeralMetadata | null;
}

export interface EphemeralMetadata {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export type OlderSignal =
  | { signal: 'createdBefore'; previewCreatedAt: string; activeCreatedAt: string }
  | { signal: 'servedBefore'; revisions: number[] }
  | { signal: 'tagLower'; container: string; previewTag: string; activeTag: string };

export type Role = 'active' | 'preview' | 'stable' | 'scaledDown' | 'scalingDown' | 'old';

export interface HistoryEntry extends RevisionView {
  roles: Role[];
}

/** What scaleDown does to a referenced Deployment (unset behaves as never). */
export type ScaleDown = 'never' | 'onsuccess' | 'progressively';

/**
 * spec.workloadRef: where the pod template lives. The plugin changes a Deployment's template (set-image,
 * undo); other kinds (ReplicaSet, PodTemplate) are named and refused (`supported` false).
 */
export interface WorkloadView {
  apiVersion: string;
  kind: string;
  name: string;
  scaleDown: ScaleDown;
  /** A Deployment (apps group) with a name: the kind set-image and undo change. */
  supported: boolean;
  /** true: read; false: read and not there; null: not read (not allowed, or a kind the plugin does not read). */
  found: boolean | null;
  generation: number | null;
  /** The Deployment's own desired and ready pods (outside blue-green). */
  replicas: number | null;
  readyReplicas: number | null;
  paused: boolean;
  template: PodTemplateSpec | null;
  /** The controller has taken up this generation of the template (status.workloadObservedGeneration). */
  observed: boolean;
}

export interface RolloutView {
  name: string;
  namespace: string;
  uid: string | null;
  generation: number;
  /** When the Rollout was created. */
  createdAt: string | null;
  strategy: 'blueGreen' | 'canary' | 'unknown';
  phase: string;
  message: string;
  /** What users get now. null only before the first version went live. */
  active: RevisionView | null;
  /** What waits. null when the desired revision is the active one. */
  preview: RevisionView | null;
  stable: { podTemplateHash: string } | null;
  desiredHash: string | null;
  /** true: older (see olderSignals); false: not older; null: cannot be told (see olderUnknown). */
  previewIsOlder: boolean | null;
  olderSignals: OlderSignal[];
  /** Why the tags could not decide, when they could not. */
  olderUnknown: OlderUnknown[];
  services: { active: string | null; preview: string | null };
  /** The Service selectors as read, and what the controller last recorded. */
  serviceState: {
    activeServiceFound: boolean | null;
    previewServiceFound: boolean | null;
    activeSelectorInService: string | null;
    activeSelectorInStatus: string | null;
  };
  autoPromotion: { enabled: boolean; seconds: number; promotesAt: string | null };
  paused: { manual: boolean; reasons: string[]; since: string | null; controllerPause: boolean };
  aborted: boolean;
  abortedAt: string | null;
  promoteFull: boolean;
  analysis: { prePromotion: AnalysisRunStatus | null; postPromotion: AnalysisRunStatus | null };
  hasPrePromotionAnalysis: boolean;
  hasPostPromotionAnalysis: boolean;
  observed: boolean;
  argoCD: { application: string | null } | null;
  spec: {
    replicas: number;
    scaleDownDelaySeconds: number;
    abortScaleDownDelaySeconds: number;
    previewReplicaCount: number | null;
    workloadRef: boolean;
    /** spec.rollbackWindow.revisions; 0 without a window. */
    rollbackWindow: number;
  };
  /** spec.workloadRef, when the pod template comes from another object; null otherwise. */
  workload: WorkloadView | null;
  /** Every ReplicaSet of the rollout, newest revision first. */
  history: HistoryEntry[];
}

function parseRevision(s: string | undefined): number | null {
  if (s === undefined || !/^\d{1,15}$/.test(s.trim())) return null;
  return Number(s.trim());
}

function parseHistory(s: string | undefined): number[] {
  if (!s) return [];
  const out: number[] = [];
  for (const part of s.split(',')) {
    const n = parseRevision(part);
    if (n !== null && !out.includes(n)) out.push(n);
  }
  return out.sort((a, b) => a - b);
}

function images(list: Array<{ name?: string; image?: string }> | undefined): ContainerImage[] {
  return (list ?? []).map((c) => ({ name: String(c.name ?? ''), image: String(c.image ?? '') }));
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

export function ownedBy(rs: ReplicaSet, ro: Rollout): boolean {
  const refs = rs.metadata.ownerReferences ?? [];
  if (ro.metadata.uid) return refs.some((r) => r.uid === ro.metadata.uid);
  return refs.some((r) => r.kind === 'Rollout' && r.name === ro.metadata.name);
}

export function hashOf(rs: ReplicaSet): string {
  return rs.metadata.labels?.[POD_TEMPLATE_HASH] ?? '';
}

/** rollout.argoproj.io/ephemeral-metadata: {"labels":{...},"annotations":{...}}; null when absent or unreadable. */
function parseEphemeral(raw: string | undefined): EphemeralMetadata | null {
  if (!raw) return null;
  try {
    const p = JSON.parse(raw) as { labels?: unknown; annotations?: unknown };
    const strings = (m: unknown): Record<string, string> =>
      m && typeof m === 'object' && !Array.isArray(m) ? Object.fromEntries(Object.entries(m).filter(([, v]) => typeof v === 'string')) : {};
    return { labels: strings(p.labels), annotations: strings(p.annotations) };
  } catch {
    return null;
  }
}

export function revisionView(rs: ReplicaSet): RevisionView {
  const spec = rs.spec?.template?.spec;
  const containers = images(spec?.containers);
  const ts = rs.metadata.creationTimestamp;
  return {
    revision: parseRevision(rs.metadata.annotations?.[REVISION]),
    podTemplateHash: hashOf(rs),
    replicaSet: rs.metadata.name ?? null,
    images: uniq(containers.map((c) => c.image)),
    containers,
    initContainers: images(spec?.initContainers),
    replicas: rs.spec?.replicas ?? 0,
    readyReplicas: rs.status?.readyReplicas ?? 0,
    availableReplicas: rs.status?.availableReplicas ?? 0,
    createdAt: normalizeTime(ts),
    // Measured on v1.9.1: the controller can append a ReplicaSet's own current number to its history
    // (and twice): only earlier numbers mean anything.
    revisionHistory: parseHistory(rs.metadata.annotations?.[REVISION_HISTORY]).filter(
      (r) => r !== parseRevision(rs.metadata.annotations?.[REVISION]),
    ),
    scaleDownDeadline: rs.metadata.annotations?.[SCALE_DOWN_DEADLINE] ?? null,
    template: rs.spec?.template ?? null,
    ephemeralMetadata: parseEphemeral(rs.metadata.annotations?.[EPHEMERAL_METADATA]),
  };
}

function missingRevision(hash: string): RevisionView {
  return {
    revision: null,
    podTemplateHash: hash,
    replicaSet: null,
    images: [],
    containers: [],
    initContainers: [],
    replicas: 0,
    readyReplicas: 0,
    availableReplicas: 0,
    createdAt: null,
    revisionHistory: [],
    scaleDownDeadline: null,
    template: null,
    ephemeralMetadata: null,
  };
}

/**
 * The desired revision as the Rollout itself describes it, for listings that do not read every
 * ReplicaSet: the template is spec.template, the revision is the Rollout's revision annotation, and
 * in blue-green the status counts are the active ReplicaSet's (the desired one once settled).
 * The ReplicaSet's own facts (creation time, earlier revisions) are left empty.
 */
function desiredFromRollout(ro: Rollout, hash: string): RevisionView {
  const containers = images(ro.spec?.template?.spec?.containers);
  return {
    ...missingRevision(hash),
    revision: parseRevision(ro.metadata.annotations?.[REVISION]),
    replicaSet: ro.metadata.name ? `${ro.metadata.name}-${hash}` : null,
    images: uniq(containers.map((c) => c.image)),
    containers,
    initContainers: images(ro.spec?.template?.spec?.initContainers),
    replicas: ro.spec?.replicas ?? 1,
    readyReplicas: ro.status?.readyReplicas ?? 0,
    availableReplicas: ro.status?.availableReplicas ?? 0,
    template: ro.spec?.template ?? null,
  };
}

/** A container whose two tags cannot be ordered, and why (tags.ts). */
export interface OlderUnknown {
  container: string;
  previewImage: string;
  activeImage: string;
  previewTag: string | undefined;
  activeTag: string | undefined;
  comparison:
    | Extract<TagComparison, { kind: 'unknown' }>
    /** Not the tags: images of different repositories, or no image of what users get to compare with. */
    | { kind: 'unknown'; reason: 'differentRepository' | 'nothingToCompare'; about: 'both' };
}

/**
 * Is `preview` an older build than `active`? From the signals, strongest first: its ReplicaSet was
 * created before the active one; it served revisions lower than the active one before; its image tags
 * compare lower as versions. `older` is true when a signal fires; false when every tag compares the same
 * or higher; null when nothing can decide (tags that cannot be ordered, and no other signal): that is
 * said, never taken as "not older". "Served before" counts from the active template's first number, so
 * a version rolled back to (renumbered) does not make the one rolled forward again look older.
 */
export function olderThan(
  preview: RevisionView,
  active: RevisionView,
): { older: boolean | null; signals: OlderSignal[]; unknown: OlderUnknown[] } {
  const signals: OlderSignal[] = [];
  const unknown: OlderUnknown[] = [];
  const pc = preview.createdAt ? Date.parse(preview.createdAt) : NaN;
  const ac = active.createdAt ? Date.parse(active.createdAt) : NaN;
  // One-second resolution: the same second is not "before" (nor "after").
  if (pc < ac) signals.push({ signal: 'createdBefore', previewCreatedAt: preview.createdAt!, activeCreatedAt: active.createdAt! });
  if (active.revision !== null) {
    // Before the active template was first served: its lowest number (it may be a rollback, renumbered).
    const activeFirst = Math.min(active.revision, ...active.revisionHistory);
    const earlier = preview.revisionHistory.filter((r) => r < activeFirst);
    if (earlier.length > 0) signals.push({ signal: 'servedBefore', revisions: earlier });
  }
  let tagsNotLower = false;
  for (const p of preview.containers) {
    const a =
      active.containers.find((c) => c.name === p.name) ??
      (preview.containers.length === 1 && active.containers.length === 1 ? active.containers[0] : undefined);
    if (!a) continue;
    if (repositoryPath(a.image) !== repositoryPath(p.image)) {
      unknown.push({
        container: p.name,
        previewImage: p.image,
        activeImage: a.image,
        previewTag: undefined,
        activeTag: undefined,
        comparison: { kind: 'unknown', reason: 'differentRepository', about: 'both' },
      });
      continue;
    }
    const r = compareImageVersions(p.image, a.image);
    if (r.kind === 'ordered') {
      if (r.order === -1)
        signals.push({
          signal: 'tagLower',
          container: p.name,
          previewTag: tagOf(p.image) ?? p.image,
          activeTag: tagOf(a.image) ?? a.image,
        });
      else tagsNotLower = true;
    } else {
      unknown.push({
        container: p.name,
        previewImage: p.image,
        activeImage: a.image,
        previewTag: tagOf(p.image),
        activeTag: tagOf(a.image),
        comparison: r,
      });
    }
  }
  if (signals.length > 0) return { older: true, signals, unknown };
  // A ReplicaSet made later says nothing of its build's age (an old image set again makes a new one).
  const older = tagsNotLower && unknown.length === 0 ? false : null;
  // Nothing was compared (a container renamed, or the active ReplicaSet not found): say so, not nothing.
  if (older === null && unknown.length === 0)
    unknown.push({
      container: preview.containers[0]?.name ?? '',
      previewImage: preview.images.join(', '),
      activeImage: active.images.join(', ') || '?',
      previewTag: undefined,
      activeTag: undefined,
      comparison: { kind: 'unknown', reason: 'nothingToCompare', about: 'both' },
    });
  return { older, signals, unknown };
}

/** The signals that say the preview is an older build than what users get, strongest first. */
export function olderSignals(preview: RevisionView, active: RevisionView): OlderSignal[] {
  return olderThan(preview, active).signals;
}

function argoCDApplication(ro: Rollout): { application: string | null } | null {
  const tracking = ro.metadata.annotations?.[ARGOCD_TRACKING_ID];
  if (tracking) return { application: tracking.split(':')[0] || null };
  const instance = ro.metadata.labels?.[ARGOCD_INSTANCE_LABEL];
  // The instance label alone is also set by Helm; only trust it together with an Argo CD annotation.
  if (instance && Object.keys(ro.metadata.annotations ?? {}).some((k) => k.startsWith('argocd.argoproj.io/'))) {
    return { application: instance };
  }
  return null;
}

export interface ViewInput {
  rollout: Rollout;
  replicaSets: ReplicaSet[];
  /** undefined: not read; null: read and not found. */
  activeService?: Service | null;
  previewService?: Service | null;
  /** The ReplicaSets given are only a subset: describe a missing desired revision from the Rollout. */
  desiredFromRollout?: boolean;
  /** spec.workloadRef's object: undefined when not read, null when read and not found. */
  workload?: Deployment | null;
}

const SCALE_DOWN: readonly string[] = ['never', 'onsuccess', 'progressively'];

/** The workloadRef as the view shows it, with the Deployment when it was read. */
export function workloadView(ro: Rollout, dep: Deployment | null | undefined): WorkloadView | null {
  const ref = ro.spec?.workloadRef;
  if (!ref) return null;
  const apiVersion = ref.apiVersion ?? '';
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  const kind = ref.kind ?? '';
  const name = ref.name ?? '';
  const supported = group === 'apps' && kind === 'Deployment' && name !== '';
  const scaleDown = (SCALE_DOWN.includes(ref.scaleDown ?? '') ? ref.scaleDown : 'never') as ScaleDown;
  const d = supported ? dep : undefined;
  const generation = d?.metadata.generation ?? null;
  return {
    apiVersion,
    kind,
    name,
    scaleDown,
    supported,
    found: d === undefined ? null : d !== null,
    generation,
    replicas: d ? (d.spec?.replicas ?? 1) : null,
    readyReplicas: d ? (d.status?.readyReplicas ?? 0) : null,
    paused: d?.spec?.paused === true,
    template: d?.spec?.template ?? null,
    observed: isWorkloadGenerationObserved(ro, generation),
  };
}

export function strategyOf(ro: Rollout): RolloutView['strategy'] {
  const st = ro.spec?.strategy;
  return st?.blueGreen ? 'blueGreen' : st?.canary != null ? 'canary' : 'unknown';
}

export function buildRolloutView(input: ViewInput): RolloutView {
  const ro = input.rollout;
  const spec = ro.spec ?? {};
  const status = ro.status ?? {};
  const bg = spec.strategy?.blueGreen;
  const strategy = strategyOf(ro);
  const { phase, message } = getRolloutPhase(ro);

  const owned = input.replicaSets.filter((rs) => ownedBy(rs, ro) && !rs.metadata.deletionTimestamp);
  const byHash = new Map<string, ReplicaSet>();
  for (const rs of owned) {
    const h = hashOf(rs);
    if (h && !byHash.has(h)) byHash.set(h, rs);
  }
  const views = new Map<ReplicaSet, RevisionView>();
  const viewOfRs = (rs: ReplicaSet): RevisionView => {
    let v = views.get(rs);
    if (!v) views.set(rs, (v = revisionView(rs)));
    return v;
  };
  const viewOf = (hash: string | null | undefined): RevisionView | null => {
    if (!hash) return null;
    const rs = byHash.get(hash);
    if (rs) return viewOfRs(rs);
    // Not read (a listing reads only what it needs) or gone: the desired one can be described from
    // the Rollout itself, once the controller has observed its spec.
    if (input.desiredFromRollout && hash === status.currentPodHash && isGenerationObserved(ro)) return desiredFromRollout(ro, hash);
    return missingRevision(hash);
  };

  const selectorIn = (svc: Service | null | undefined) => svc?.spec?.selector?.[POD_TEMPLATE_HASH] ?? null;
  const activeSelectorInService = selectorIn(input.activeService);
  const activeSelectorInStatus = status.blueGreen?.activeSelector || null;
  // The Service is the ground truth of what users get; the status is the controller's last record of it.
  const activeHash = activeSelectorInService ?? activeSelectorInStatus;
  const desiredHash = status.currentPodHash || null;
  const previewHash = desiredHash && desiredHash !== activeHash ? desiredHash : null;

  const active = viewOf(activeHash);
  const preview = viewOf(previewHash);
  const older = active && preview ? olderThan(preview, active) : null;

  const enabled = bg?.autoPromotionEnabled !== false;
  const seconds = bg?.autoPromotionSeconds ?? 0;
  const pauseConditions = status.pauseConditions ?? [];
  const bgPause = pauseConditions.find((p) => p.reason === 'BlueGreenPause');
  const promotesAt = enabled && seconds > 0 && bgPause?.startTime ? rfc3339(Date.parse(bgPause.startTime) + seconds * 1000) : null;

  const stableHash = status.stableRS || null;
  const workload = workloadView(ro, input.workload);
  const history: HistoryEntry[] = owned
    .map((rs) => {
      const v = viewOfRs(rs);
      const roles: Role[] = [];
      if (v.podTemplateHash === activeHash) roles.push('active');
      if (v.podTemplateHash === previewHash) roles.push('preview');
      if (v.podTemplateHash === stableHash) roles.push('stable');
      if (roles.length === 0) {
        if (v.replicas === 0 && (rs.status?.replicas ?? 0) === 0) roles.push('scaledDown');
        else if (v.scaleDownDeadline) roles.push('scalingDown');
        else roles.push('old');
      }
      return { ...v, roles };
    })
    .sort((a, b) => (b.revision ?? -1) - (a.revision ?? -1) || byCodeUnits(b.createdAt ?? '', a.createdAt ?? ''));

  return {
    name: ro.metadata.name ?? '',
    namespace: ro.metadata.namespace ?? '',
    uid: ro.metadata.uid ?? null,
    generation: ro.metadata.generation ?? 0,
    createdAt: normalizeTime(ro.metadata.creationTimestamp),
    strategy,
    phase,
    message,
    active,
    preview,
    stable: stableHash ? { podTemplateHash: stableHash } : null,
    desiredHash,
    previewIsOlder: older ? older.older : false,
    olderSignals: older?.signals ?? [],
    olderUnknown: older?.unknown ?? [],
    services: { active: bg?.activeService ?? null, preview: bg?.previewService ?? null },
    serviceState: {
      activeServiceFound: input.activeService === undefined ? null : input.activeService !== null,
      previewServiceFound: input.previewService === undefined ? null : input.previewService !== null,
      activeSelectorInService,
      activeSelectorInStatus,
    },
    autoPromotion: { enabled, seconds, promotesAt },
    paused: {
      manual: spec.paused === true,
      reasons: pauseConditions.map((p) => p.reason),
      since: pauseConditions[0]?.startTime ?? null,
      controllerPause: status.controllerPause === true,
    },
    aborted: status.abort === true,
    abortedAt: status.abortedAt ?? null,
    promoteFull: status.promoteFull === true,
    analysis: {
      prePromotion: status.blueGreen?.prePromotionAnalysisRunStatus ?? null,
      postPromotion: status.blueGreen?.postPromotionAnalysisRunStatus ?? null,
    },
    hasPrePromotionAnalysis: bg?.prePromotionAnalysis != null,
    hasPostPromotionAnalysis: bg?.postPromotionAnalysis != null,
    observed: isGenerationObserved(ro) && (workload?.observed ?? true),
    argoCD: argoCDApplication(ro),
    spec: {
      replicas: spec.replicas ?? 1,
      scaleDownDelaySeconds: bg?.scaleDownDelaySeconds ?? 30,
      abortScaleDownDelaySeconds: bg?.abortScaleDownDelaySeconds ?? 30,
      previewReplicaCount: bg?.previewReplicaCount ?? null,
      workloadRef: spec.workloadRef != null,
      rollbackWindow: spec.rollbackWindow?.revisions ?? 0,
    },
    workload,
    history,
  };
}

/** Is the preview ready to take users: every desired pod available. */
export function previewReady(v: RolloutView): boolean {
  if (!v.preview) return false;
  const want = v.spec.previewReplicaCount ?? v.spec.replicas;
  // A rollout scaled to zero: nothing to wait for (the controller pauses for promotion, and promote
  // switches, on v1.10.2). previewReplicaCount 0 is not that: promote scales it up to pods never run.
  return v.preview.replicaSet !== null && v.preview.availableReplicas >= want && (want > 0 || v.spec.replicas === 0);
}

/** The pre-promotion analysis has not succeeded (and one is configured). */
export function analysisBlocking(v: RolloutView): { status: string; message: string } | null {
  if (!v.hasPrePromotionAnalysis) return null;
  const a = v.analysis.prePromotion;
  if (a?.status === 'Successful') return null;
  return { status: a?.status ?? 'Pending', message: a?.message ?? '' };
}
