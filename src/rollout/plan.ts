// Planning of the changes: what each command would send, what users would see before and after, and
// every consequence the guard must state. Pure: takes the view (and the raw Rollout for patch paths),
// returns one result shape (a plan, a refusal, nothing to do, or invalid input). Nothing here talks to
// the cluster; src/kube turns a planned request into a URL.
import { parseImage, shortImage, type ImageError } from './image.js';
import {
  analysisBlocking,
  olderThan,
  previewReady,
  type OlderSignal,
  type OlderUnknown,
  type RevisionView,
  type RolloutView,
  type ScaleDown,
} from './view.js';
import { POD_TEMPLATE_HASH, type PodTemplateSpec, type Rollout } from './types.js';
import { rfc3339 } from './time.js';
import { fastRollback, generation, type ControllerRelease } from './controller.js';
import { matchActive, matchRevision, undoTemplate, type ImageTarget } from './template-match.js';

export type JsonPatchOp = { op: 'test' | 'replace' | 'add'; path: string; value: unknown } | { op: 'remove'; path: string };

export type Resource = 'rollouts' | 'rollouts/status' | 'deployments' | 'events';

export interface PlannedRequest {
  method: 'PATCH' | 'POST';
  resource: Resource;
  namespace: string;
  /** The object; absent for a create (POST). */
  name?: string;
  contentType: 'application/json-patch+json' | 'application/merge-patch+json' | 'application/json';
  body: JsonPatchOp[] | Record<string, unknown>;
  /** What the request does, for --dry-run and --verbose. */
  purpose: 'status' | 'spec' | 'template' | 'audit' | 'event' | 'nudge';
}

/** A version as people say it: the images (short form) and the revision number. */
export interface Version {
  images: string[];
  revision: number | null;
}

export type Consequence =
  | { kind: 'downgrade'; signals: OlderSignal[]; keepActive: Array<{ command: string; leadsTo: Version }> }
  /** Whether users would get an older build cannot be told (tags that cannot be ordered, nothing else). */
  | { kind: 'olderUnknown'; unknown: OlderUnknown[] }
  | { kind: 'notReady'; ready: number; want: number }
  | { kind: 'analysisNotPassed'; status: string; message: string }
  | { kind: 'countdown'; promotesAt: string }
  | { kind: 'argoCD'; application: string | null; autoSync: boolean | null }
  | { kind: 'undoKeepsActive'; dropped: Version | null }
  /**
   * set-image to the images users get, in a template that differs from the active ReplicaSet's at these
   * paths (null: cannot be told): the controller makes a new ReplicaSet of it, not the active one.
   */
  | { kind: 'sameImagesNewTemplate'; paths: string[] | null; activeRevision: number | null }
  | { kind: 'undoFastRollback'; deadline: string }
  /** spec.rollbackWindow covers the target: no pause, no analysis, users switch once it is ready. */
  | { kind: 'undoRollbackWindow'; revisions: number }
  /** Within the window before v1.10: no pause and no switch; only promote --full switches users. */
  | { kind: 'undoRollbackWindowStuck'; release: string }
  /** The target is the stable ReplicaSet (not the active one): from v1.10 a fast rollback (null: release unknown). */
  | { kind: 'undoToStable'; release: string | null }
  /** The target's ReplicaSet is scaled down: it comes back as a new preview, renumbered. */
  | { kind: 'undoNewPreview' }
  /** Within its delay, but on Argo Rollouts v1.10+ not a rollback (not created before the stable ReplicaSet). */
  | { kind: 'undoNotRollback'; release: string; targetCreatedAt: string; stableCreatedAt: string }
  /** Whether a fast rollback happens depends on the controller's release, which could not be read. */
  | { kind: 'fastRollbackReleaseUnknown'; release: string | null }
  | { kind: 'replacesPreview'; replaced: Version }
  | { kind: 'fullSkipsAnalysis' }
  | { kind: 'clearsManualPause' }
  /** spec.paused: no switch while it holds (no fast rollback, no auto-promotion; seen on v1.10.2). */
  | { kind: 'manualPauseHolds' }
  /** scaleDownSeconds: abortScaleDownDelaySeconds (default 30); 0 leaves the preview up (GetAbortScaleDownDelaySecondsOrDefault). */
  | { kind: 'abortLeavesDegraded'; previewImages: string[]; scaleDownSeconds: number }
  /** The stable revision is not the active one: abort sends users to it (null: its ReplicaSet is gone). */
  | { kind: 'abortToStable'; stable: Version | null; hash: string }
  | { kind: 'abortedPromoteFull' }
  | { kind: 'ephemeralStripped'; keys: string[] }
  /** retry: the pre-promotion analysis runs again before the preview can be promoted. */
  | { kind: 'retryAnalysis' }
  /** workloadRef: the template is written to this Deployment; the record stays on the Rollout. */
  | { kind: 'viaWorkload'; workloadKind: string; workload: string }
  /**
   * workloadRef: the Deployment still runs pods of its own (scaleDown never, or not scaled down yet):
   * Kubernetes rolls them to the new template at once, outside blue-green and with no promote.
   */
  | { kind: 'workloadPodsRoll'; workload: string; replicas: number; scaleDown: ScaleDown; images: string[] };

export type Refusal =
  | { key: 'notBlueGreen'; strategy: string }
  /** workloadRef to a kind the plugin does not change (ReplicaSet, PodTemplate, another group). */
  | { key: 'workloadKind'; workloadKind: string; workload: string }
  /** workloadRef to a Deployment that does not exist. */
  | { key: 'workloadMissing'; workloadKind: string; workload: string }
  | { key: 'nothingToPromote' }
  | { key: 'nothingToAbort' }
  | { key: 'alreadyAborted' }
  | { key: 'abortedPromote' }
  | { key: 'notObserved' }
  | { key: 'notPausedYet' }
  | { key: 'nothingToUndo' }
  | { key: 'undoAlreadyCurrent'; revision: number }
  | { key: 'noActiveYet' }
  | { key: 'notAborted' };

export type Action = 'promote' | 'abort' | 'undo' | 'set-image' | 'retry';

export interface Plan {
  action: Action;
  name: string;
  namespace: string;
  /** Consequences that refuse the change unless --force (unready preview, analysis not passed). */
  needsForce: Consequence[];
  before: Version | null;
  after: Version | null;
  /** When users get `after`: now, once a promote happens, or automatically once the preview is ready. */
  switchesWhen: 'immediately' | 'afterPromote' | 'automatically' | 'never';
  /** With 'automatically': how long after the preview is ready (autoPromotionSeconds; 0 = at once). */
  autoPromotionSeconds: number;
  consequences: Consequence[];
  /** The change itself; the pipeline adds the record (annotation and Event) to these. */
  requests: PlannedRequest[];
  /** For undo: the revision it restores. */
  target: RevisionView | null;
}

export type SetImageInputError =
  | { kind: 'badPair'; arg: string }
  | { kind: 'badImage'; arg: string; image: string; reason: ImageError }
  | { kind: 'unknownContainer'; container: string; known: string[] }
  | { kind: 'duplicateContainer'; container: string };

export type InputError =
  | SetImageInputError
  /**
   * `now`: the revision that template has now, when Argo renumbered it (its revision-history holds the
   * number); `current`: it is the rollout's template now (nothing to undo to).
   */
  | { kind: 'unknownRevision'; revision: number; available: number[]; now: { revision: RevisionView; current: boolean } | null };

interface Subject {
  action: Action;
  name: string;
  namespace: string;
  before: Version | null;
}

/** Every planner answers with one of these. */
export type PlanResult =
  | { kind: 'plan'; plan: Plan }
  | (Subject & { kind: 'refused'; refusal: Refusal })
  /** Nothing would change: the images are already set, or are already what the preview runs. */
  | (Subject & { kind: 'noop'; why: 'sameImages' | 'alreadyPreview'; after: Version | null })
  | { kind: 'invalid'; error: InputError };

export function versionOf(r: RevisionView | null): Version | null {
  if (!r) return null;
  return { images: r.images.map(shortImage), revision: r.revision };
}

export function pointer(...parts: Array<string | number>): string {
  return '/' + parts.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

function subject(action: Action, v: RolloutView): Subject {
  return { action, name: v.name, namespace: v.namespace, before: versionOf(v.active) };
}

function emptyPlan(action: Action, v: RolloutView): Plan {
  return {
    ...subject(action, v),
    needsForce: [],
    after: null,
    switchesWhen: 'never',
    autoPromotionSeconds: 0,
    consequences: [],
    requests: [],
    target: null,
  };
}

function refused(action: Action, v: RolloutView, refusal: Refusal): PlanResult {
  return { kind: 'refused', ...subject(action, v), refusal };
}

function notBlueGreen(v: RolloutView): Refusal | null {
  return v.strategy !== 'blueGreen' ? { key: 'notBlueGreen', strategy: v.strategy } : null;
}

function argoCDConsequences(v: RolloutView, autoSync: boolean | null): Consequence[] {
  return v.argoCD ? [{ kind: 'argoCD', application: v.argoCD.application, autoSync }] : [];
}

/** Pins what the user saw: the spec (generation), the preview (desired hash) and the active hash. */
function pins(ro: Rollout): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [{ op: 'test', path: '/metadata/generation', value: ro.metadata.generation ?? 0 }];
  ops.push({ op: 'test', path: '/status/currentPodHash', value: ro.status?.currentPodHash ?? '' });
  const activeInStatus = ro.status?.blueGreen?.activeSelector;
  if (activeInStatus) ops.push({ op: 'test', path: '/status/blueGreen/activeSelector', value: activeInStatus });
  return ops;
}

function patch(v: RolloutView, sub: 'status' | null, body: JsonPatchOp[], purpose: PlannedRequest['purpose']): PlannedRequest {
  return {
    method: 'PATCH',
    resource: sub ? 'rollouts/status' : 'rollouts',
    namespace: v.namespace,
    name: v.name,
    contentType: 'application/json-patch+json',
    body,
    purpose,
  };
}

/**
 * Where a template change is written, pinned on that object's generation: the Rollout's spec.template,
 * or (workloadRef) the referenced Deployment's spec.template. The Deployment's template has the same
 * JSON Pointer as the Rollout's, so only the object and the pin differ. A refusal when the workloadRef
 * is of a kind the plugin does not change, or its Deployment is missing.
 */
interface TemplateHome {
  template: PodTemplateSpec | undefined;
  request(ops: JsonPatchOp[]): PlannedRequest;
  consequences(images: string[]): Consequence[];
}

function templateHome(v: RolloutView, ro: Rollout): TemplateHome | Refusal {
  const w = v.workload;
  if (!w) {
    return {
      template: ro.spec?.template,
      request: (ops) =>
        patch(v, null, [{ op: 'test', path: '/metadata/generation', value: ro.metadata.generation ?? 0 }, ...ops], 'template'),
      consequences: () => [],
    };
  }
  if (!w.supported) return { key: 'workloadKind', workloadKind: w.kind || '?', workload: w.name || '?' };
  if (w.found !== true) return { key: 'workloadMissing', workloadKind: w.kind, workload: w.name };
  return {
    template: w.template ?? undefined,
    request: (ops) => ({
      method: 'PATCH',
      resource: 'deployments',
      namespace: v.namespace,
      name: w.name,
      contentType: 'application/json-patch+json',
      body: [{ op: 'test', path: '/metadata/generation', value: w.generation ?? 0 }, ...ops],
      purpose: 'template',
    }),
    consequences: (images) => {
      const out: Consequence[] = [{ kind: 'viaWorkload', workloadKind: w.kind, workload: w.name }];
      // Its own pods follow its template at once (a rolling update), unless none run or it is paused.
      if ((w.replicas ?? 0) > 0 && !w.paused)
        out.push({ kind: 'workloadPodsRoll', workload: w.name, replicas: w.replicas!, scaleDown: w.scaleDown, images });
      return out;
    },
  };
}

/** What the guard says when users may get `next` instead of `active`: a downgrade, or that it cannot be told. */
function olderConsequences(next: RevisionView, active: RevisionView): Consequence[] {
  const o = olderThan(next, active);
  if (o.older) return [{ kind: 'downgrade', signals: o.signals, keepActive: [] }];
  if (o.older === null) return [{ kind: 'olderUnknown', unknown: o.unknown }];
  return [];
}

/** A new preview reaches users after a promote, or by itself when auto-promotion is on. */
function newPreviewSwitch(plan: Plan, v: RolloutView): void {
  plan.switchesWhen = v.autoPromotion.enabled ? 'automatically' : 'afterPromote';
  plan.autoPromotionSeconds = v.autoPromotion.enabled ? v.autoPromotion.seconds : 0;
}

/**
 * A rollout paused by hand (spec.paused) switches no one: on v1.10.2 an undo within the scale-down delay
 * left users where they were (the controller even dropped the delay's deadline), and no auto-promotion
 * runs. What would switch at once or by itself waits for a promote, which clears the pause.
 */
function holdForManualPause(plan: Plan, v: RolloutView): void {
  if (!v.paused.manual || (plan.switchesWhen !== 'immediately' && plan.switchesWhen !== 'automatically')) return;
  plan.switchesWhen = 'afterPromote';
  plan.autoPromotionSeconds = 0;
  plan.consequences.push({ kind: 'manualPauseHolds' });
}

export interface PlanOptions {
  full?: boolean;
  /** The clock, for a promote during an auto-promotion countdown and for undo's fast rollback. */
  now: Date;
  /** Argo CD auto-sync of the managing Application, when it could be read. */
  argoAutoSync?: boolean | null;
  /** The controller's release, when it could be read: some behaviour differs by release (controller.ts). */
  controller?: ControllerRelease | null;
}

/**
 * Argo's isRollbackWithinWindow: the target was created before the stable ReplicaSet, and fewer than
 * spec.rollbackWindow.revisions ReplicaSets were created between the two.
 */
function withinRollbackWindow(v: RolloutView, target: RevisionView, stable: RevisionView | null): boolean {
  if (v.spec.rollbackWindow <= 0 || !stable || createdBefore(target, stable) !== true) return false;
  const between = v.history.filter((h) => createdBefore(target, h) === true && createdBefore(h, stable) === true);
  return between.length < v.spec.rollbackWindow;
}

/**
 * What a rollback within the window does, measured on the real controllers: from v1.10 a fast rollback;
 * before, the controller clears the pause on each reconcile without switching (no pause to complete), so
 * the rollout sits Progressing ("active service cutover pending") until promote --full, unless
 * auto-promotion with no delay switches it as any update. 'none': not within a window.
 */
function rollbackWindowMode(
  v: RolloutView,
  target: RevisionView,
  stable: RevisionView | null,
  release: ControllerRelease | null | undefined,
): 'fast' | 'stuck' | 'none' {
  if (!withinRollbackWindow(v, target, stable)) return 'none';
  if (generation(release) !== 'before-1.10') return 'fast';
  return v.autoPromotion.enabled && v.autoPromotion.seconds === 0 ? 'none' : 'stuck';
}

/** Whether `a` was created in an earlier second than `b` (creationTimestamp has whole seconds); null if unknown. */
function createdBefore(a: RevisionView, b: RevisionView | null): boolean | null {
  const x = a.createdAt ? Date.parse(a.createdAt) : NaN;
  const y = b?.createdAt ? Date.parse(b.createdAt) : NaN;
  if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
  return Math.floor(x / 1000) < Math.floor(y / 1000);
}

export function planPromote(v: RolloutView, ro: Rollout, opts: PlanOptions): PlanResult {
  const refusal = notBlueGreen(v);
  if (refusal) return refused('promote', v, refusal);
  if (!v.preview) return refused('promote', v, v.active ? { key: 'nothingToPromote' } : { key: 'noActiveYet' });
  if (!v.observed) return refused('promote', v, { key: 'notObserved' });
  if (v.aborted && !opts.full) return refused('promote', v, { key: 'abortedPromote' });
  const plan = emptyPlan('promote', v);
  plan.after = versionOf(v.preview);
  plan.switchesWhen = 'immediately';

  if (v.previewIsOlder) {
    plan.consequences.push({ kind: 'downgrade', signals: v.olderSignals, keepActive: keepActiveCommands(v) });
  } else if (v.previewIsOlder === null) {
    plan.consequences.push({ kind: 'olderUnknown', unknown: v.olderUnknown });
  }
  const want = v.spec.previewReplicaCount ?? v.spec.replicas;
  if (!previewReady(v)) plan.needsForce.push({ kind: 'notReady', ready: v.preview.availableReplicas, want });
  const blocking = analysisBlocking(v);
  if (blocking && !opts.full) plan.needsForce.push({ kind: 'analysisNotPassed', ...blocking });
  if (opts.full) plan.consequences.push({ kind: 'fullSkipsAnalysis' });
  if (v.aborted && opts.full) plan.consequences.push({ kind: 'abortedPromoteFull' });
  if (v.autoPromotion.promotesAt && !opts.full) {
    plan.consequences.push({ kind: 'countdown', promotesAt: v.autoPromotion.promotesAt });
  }
  if (v.paused.manual) plan.consequences.push({ kind: 'clearsManualPause' });
  plan.consequences.push(...argoCDConsequences(v, opts.argoAutoSync ?? null));

  const statusOps: JsonPatchOp[] = [];
  const pauses = ro.status?.pauseConditions ?? [];
  if (opts.full) {
    if (!ro.status?.promoteFull) statusOps.push({ op: 'add', path: '/status/promoteFull', value: true });
  } else if (v.autoPromotion.promotesAt && pauses.length === 1 && pauses[0]!.reason === 'BlueGreenPause') {
    // Measured on v1.9.1: clearing the pause during an autoPromotionSeconds countdown does not switch
    // users; the controller pauses again with a new startTime and the countdown restarts. Moving the
    // pause's start back by autoPromotionSeconds ends the countdown now, with any post-promotion
    // analysis still run (unlike --full).
    const start = rfc3339(opts.now.getTime() - (v.autoPromotion.seconds + 1) * 1000);
    statusOps.push({ op: 'test', path: '/status/pauseConditions/0/reason', value: 'BlueGreenPause' });
    statusOps.push({ op: 'replace', path: '/status/pauseConditions/0/startTime', value: start });
  } else if (pauses.length > 0) {
    statusOps.push({ op: 'remove', path: '/status/pauseConditions' });
  }
  if (statusOps.length > 0) plan.requests.push(patch(v, 'status', [...pins(ro), ...statusOps], 'status'));
  if (v.paused.manual) plan.requests.push(patch(v, null, [...pins(ro), { op: 'replace', path: '/spec/paused', value: false }], 'spec'));
  // Paused by hand before the controller paused this preview for promotion (seen on v1.10.2): the promote
  // only clears spec.paused; the controller then pauses for promotion, and another promote switches users.
  if (v.paused.manual && pauses.length === 0 && !opts.full) {
    if (v.autoPromotion.enabled) newPreviewSwitch(plan, v);
    else plan.switchesWhen = 'afterPromote';
  }
  // Not paused yet (still scaling up or analysing): a plain promote would send nothing. Say so rather
  // than pretend; --full is the way to switch as soon as the preview is ready.
  if (plan.requests.length === 0) return refused('promote', v, { key: 'notPausedYet' });
  return { kind: 'plan', plan };
}

export function planAbort(v: RolloutView, ro: Rollout, opts: Omit<PlanOptions, 'full'>): PlanResult {
  const refusal = notBlueGreen(v);
  if (refusal) return refused('abort', v, refusal);
  if (!v.preview) return refused('abort', v, { key: 'nothingToAbort' });
  if (v.aborted) return refused('abort', v, { key: 'alreadyAborted' });
  if (!v.observed) return refused('abort', v, { key: 'notObserved' });
  const plan = emptyPlan('abort', v);
  plan.after = plan.before;
  // On an abort the controller points the active Service at status.stableRS (reconcileActiveService,
  // v1.7 to v1.10). That is the active ReplicaSet, except while the active one's post-promotion analysis
  // has not passed: then abort sends users back to the stable revision.
  const stable = abortTarget(v);
  if (stable !== undefined) {
    plan.after = versionOf(stable);
    plan.switchesWhen = 'immediately';
    plan.consequences.push({ kind: 'abortToStable', stable: plan.after, hash: v.stable!.podTemplateHash });
    if (stable && v.active) plan.consequences.push(...olderConsequences(stable, v.active));
  }
  // Its ReplicaSet not found (no images to name): named by its hash, never by a blank.
  const previewNames =
    v.preview.images.length > 0 ? v.preview.images.map(shortImage) : [`${POD_TEMPLATE_HASH}=${v.preview.podTemplateHash}`];
  plan.consequences.push({ kind: 'abortLeavesDegraded', previewImages: previewNames, scaleDownSeconds: v.spec.abortScaleDownDelaySeconds });
  plan.consequences.push(...argoCDConsequences(v, opts.argoAutoSync ?? null));
  plan.requests.push(patch(v, 'status', [...pins(ro), { op: 'add', path: '/status/abort', value: true }], 'status'));
  return { kind: 'plan', plan };
}

/**
 * Where an abort sends users when it is not the active revision: the stable ReplicaSet (null when it
 * is gone); undefined when stable is the active one (or not recorded), and users stay.
 */
function abortTarget(v: RolloutView): RevisionView | null | undefined {
  if (!v.stable || !v.active || v.stable.podTemplateHash === v.active.podTemplateHash) return undefined;
  return v.history.find((h) => h.podTemplateHash === v.stable!.podTemplateHash) ?? null;
}

/**
 * retry: after an abort, the aborted preview comes back (status.abort cleared, as upstream's `retry
 * rollout` does); users stay where they are until a promote (or, with auto-promotion, until it is ready).
 */
export function planRetry(v: RolloutView, ro: Rollout, opts: Omit<PlanOptions, 'full'>): PlanResult {
  const refusal = notBlueGreen(v);
  if (refusal) return refused('retry', v, refusal);
  if (!v.aborted || !v.preview) return refused('retry', v, { key: 'notAborted' });
  if (!v.observed) return refused('retry', v, { key: 'notObserved' });
  const plan = emptyPlan('retry', v);
  plan.after = versionOf(v.preview);
  newPreviewSwitch(plan, v);
  if (v.active) plan.consequences.push(...olderConsequences(v.preview, v.active));
  if (v.hasPrePromotionAnalysis) plan.consequences.push({ kind: 'retryAnalysis' });
  plan.consequences.push(...argoCDConsequences(v, opts.argoAutoSync ?? null));
  plan.requests.push(
    patch(
      v,
      'status',
      [...pins(ro), { op: 'test', path: '/status/abort', value: true }, { op: 'replace', path: '/status/abort', value: false }],
      'status',
    ),
  );
  return { kind: 'plan', plan };
}

/** The revisions undo can go to, newest first. */
/** The revision that once had number `n` (Argo renumbers a template that comes back), and whether it is the template now. */
function renumbered(v: RolloutView, n: number): { revision: RevisionView; current: boolean } | null {
  const r = revisions(v).find((h) => h.revisionHistory.includes(n));
  return r ? { revision: r, current: r.podTemplateHash === v.desiredHash } : null;
}

function revisions(v: RolloutView): RevisionView[] {
  return v.history.filter((h) => h.revision !== null);
}

/**
 * What `undo` would target: --to-revision N, else the second-highest revision, as upstream's undo (and
 * kubectl rollout undo) picks it. `isDefault` says whether the plain command reaches it.
 */
export function undoTarget(v: RolloutView, toRevision?: number): { target: RevisionView | null; isDefault: boolean } | 'unknownRevision' {
  const withRev = revisions(v);
  const byDefault = withRev[1] ?? null;
  if (toRevision === undefined) return { target: byDefault, isDefault: true };
  const found = withRev.find((h) => h.revision === toRevision);
  if (!found) return 'unknownRevision';
  return { target: found, isDefault: found === byDefault };
}

/** Labels and annotations the controller injected for activeMetadata/previewMetadata, as the guard lists them. */
export function ephemeralKeys(r: RevisionView): string[] {
  const e = r.ephemeralMetadata;
  if (!e) return [];
  return [...Object.keys(e.labels).map((k) => `label ${k}`), ...Object.keys(e.annotations).map((k) => `annotation ${k}`)];
}

export interface UndoOptions extends Omit<PlanOptions, 'full'> {
  toRevision?: number;
}

export function planUndo(v: RolloutView, ro: Rollout, opts: UndoOptions): PlanResult {
  const refusal = notBlueGreen(v);
  if (refusal) return refused('undo', v, refusal);
  const home = templateHome(v, ro);
  if ('key' in home) return refused('undo', v, home);
  const picked = undoTarget(v, opts.toRevision);
  if (picked === 'unknownRevision') {
    return {
      kind: 'invalid',
      error: {
        kind: 'unknownRevision',
        revision: opts.toRevision!,
        available: revisions(v).map((h) => h.revision!),
        now: renumbered(v, opts.toRevision!),
      },
    };
  }
  const target = picked.target;
  if (!target || !target.template) return refused('undo', v, { key: 'nothingToUndo' });
  // A status behind the spec: only back to what users get (which drops the change not taken up yet).
  // Any other target and what it does were read from the old state, and the write would replace a
  // template the controller has not seen, unsaid.
  const toActive = target.podTemplateHash === v.active?.podTemplateHash;
  if (!v.observed && !toActive) return refused('undo', v, { key: 'notObserved' });
  // With the status behind, "the current revision" is the old one: back to the active one is a write.
  if (target.podTemplateHash === v.desiredHash && v.observed)
    return refused('undo', v, { key: 'undoAlreadyCurrent', revision: target.revision ?? 0 });
  const plan = emptyPlan('undo', v);
  plan.target = target;
  plan.consequences.push(...home.consequences(target.images.map(shortImage)));
  const activeHash = v.active?.podTemplateHash;
  if (target.podTemplateHash === activeHash) {
    plan.after = plan.before;
    plan.switchesWhen = 'never';
    plan.consequences.push({ kind: 'undoKeepsActive', dropped: versionOf(v.preview) });
  } else {
    plan.after = versionOf(target);
    const deadline = target.scaleDownDeadline ? Date.parse(target.scaleDownDeadline) : NaN;
    const stillUp = target.replicas > 0 && target.availableReplicas > 0;
    const withinDelay = stillUp && Number.isFinite(deadline) && deadline > opts.now.getTime();
    const stableRS = v.history.find((h) => h.podTemplateHash === (v.stable?.podTemplateHash ?? activeHash)) ?? v.active;
    const fast = withinDelay ? fastRollback(opts.controller, createdBefore(target, stableRS)) : 'no';
    // From v1.10 a rollback to the stable ReplicaSet (while it is not the active one) is a fast rollback
    // whatever its delay (isFastRollback's rollbackToStable); unknown release: the least safe case.
    const toStable = v.stable?.podTemplateHash === target.podTemplateHash && generation(opts.controller) !== 'before-1.10';
    const window = rollbackWindowMode(v, target, stableRS, opts.controller);
    if (window === 'fast') {
      // spec.rollbackWindow, from v1.10: a fast rollback (isFastRollback), no pause, no analysis, users
      // switch once its pods are ready. An unknown release: the least safe case.
      plan.switchesWhen = 'immediately';
      plan.consequences.push({ kind: 'undoRollbackWindow', revisions: v.spec.rollbackWindow });
      if (v.preview) plan.consequences.push({ kind: 'replacesPreview', replaced: versionOf(v.preview)! });
    } else if (window === 'stuck') {
      plan.switchesWhen = 'afterPromote';
      plan.consequences.push({ kind: 'undoRollbackWindowStuck', release: opts.controller?.version ?? '' });
      if (v.preview) plan.consequences.push({ kind: 'replacesPreview', replaced: versionOf(v.preview)! });
    } else if (toStable) {
      plan.switchesWhen = 'immediately';
      plan.consequences.push({ kind: 'undoToStable', release: opts.controller?.version ?? null });
      if (v.preview) plan.consequences.push({ kind: 'replacesPreview', replaced: versionOf(v.preview)! });
    } else if (fast === 'yes' || fast === 'unknown') {
      // Unknown release: the least safe case is said and planned for, users switched at once.
      plan.switchesWhen = 'immediately';
      plan.consequences.push({ kind: 'undoFastRollback', deadline: target.scaleDownDeadline! });
      if (fast === 'unknown') plan.consequences.push({ kind: 'fastRollbackReleaseUnknown', release: opts.controller?.version ?? null });
    } else if (withinDelay) {
      // Argo Rollouts v1.10+: within its delay, but not created before the stable ReplicaSet, so not a rollback.
      newPreviewSwitch(plan, v);
      plan.consequences.push({
        kind: 'undoNotRollback',
        release: opts.controller?.version ?? '',
        targetCreatedAt: target.createdAt ?? '',
        stableCreatedAt: stableRS?.createdAt ?? '',
      });
      if (v.preview) plan.consequences.push({ kind: 'replacesPreview', replaced: versionOf(v.preview)! });
    } else {
      // When users get it is said once, by switchesWhen: after a promote, or by itself (auto-promotion).
      newPreviewSwitch(plan, v);
      plan.consequences.push({ kind: 'undoNewPreview' });
      if (v.preview) plan.consequences.push({ kind: 'replacesPreview', replaced: versionOf(v.preview)! });
    }
    if (v.active) plan.consequences.push(...olderConsequences(target, v.active));
    holdForManualPause(plan, v);
  }
  const stripped = ephemeralKeys(target);
  if (stripped.length > 0) plan.consequences.push({ kind: 'ephemeralStripped', keys: stripped });
  plan.consequences.push(...argoCDConsequences(v, opts.argoAutoSync ?? null));
  plan.requests.push(
    home.request([{ op: 'replace', path: '/spec/template', value: undoTemplate({ ...target, template: target.template }) }]),
  );
  return { kind: 'plan', plan };
}

export interface ImageChange {
  container: string;
  image: string;
}

/** Parses CONTAINER=IMAGE arguments. Pure; returns the first problem. */
export function parseImageArgs(args: string[]): ImageChange[] | SetImageInputError {
  const out: ImageChange[] = [];
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0 || eq === arg.length - 1 || arg.indexOf('=', eq + 1) !== -1) return { kind: 'badPair', arg };
    const container = arg.slice(0, eq);
    const image = arg.slice(eq + 1);
    if (container !== '*' && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(container)) return { kind: 'badPair', arg };
    const parsed = parseImage(image);
    if (!parsed.ok) return { kind: 'badImage', arg, image, reason: parsed.error };
    if (out.some((c) => c.container === container)) return { kind: 'duplicateContainer', container };
    out.push({ container, image });
  }
  return out;
}

export interface SetImageOptions extends Omit<PlanOptions, 'full'> {
  includeInit?: boolean;
}

/** The pod spec after the changes: JSON Patch ops, each regular container's image afterwards, the containers changed. */
function applyImageChanges(
  template: PodTemplateSpec | undefined,
  changes: ImageChange[],
  includeInit: boolean,
): { ops: JsonPatchOp[]; images: Map<string, string>; changed: number; targets: ImageTarget[] } | SetImageInputError {
  const podSpec = template?.spec;
  const lists: Array<['containers' | 'initContainers', Array<{ name?: string; image?: string }>]> = [
    ['containers', podSpec?.containers ?? []],
    ['initContainers', podSpec?.initContainers ?? []],
  ];
  const known = lists.flatMap(([, l]) => l.map((c) => String(c.name)));
  const ops: JsonPatchOp[] = [];
  const targets: ImageTarget[] = [];
  const images = new Map<string, string>((podSpec?.containers ?? []).map((c) => [String(c.name), String(c.image ?? '')]));
  // A container named on the command line gets its own image whatever the order; `*` the rest (init
  // containers only with includeInit). kubectl's `set image` leaves this to Go's map order.
  for (const change of changes) {
    if (change.container !== '*' && !known.includes(change.container)) {
      return { kind: 'unknownContainer', container: change.container, known };
    }
  }
  const named = new Map(changes.filter((c) => c.container !== '*').map((c) => [c.container, c.image]));
  const all = changes.find((c) => c.container === '*')?.image;
  let changed = 0;
  for (const [field, list] of lists) {
    list.forEach((c, i) => {
      const image = named.get(String(c.name)) ?? (field === 'containers' || includeInit ? all : undefined);
      if (image === undefined) return;
      if (field === 'containers') images.set(String(c.name), image);
      if (c.image === image) return;
      changed++;
      targets.push({ field, name: String(c.name), image });
      ops.push({ op: 'test', path: pointer('spec', 'template', 'spec', field, i, 'name'), value: c.name });
      ops.push({ op: 'replace', path: pointer('spec', 'template', 'spec', field, i, 'image'), value: image });
    });
  }
  return { ops, images, changed, targets };
}

/** Does this revision run exactly these images in its regular containers? */
function runs(r: RevisionView | null, images: Map<string, string>): boolean {
  return !!r && r.containers.length === images.size && r.containers.every((c) => images.get(c.name) === c.image);
}

export function planSetImage(v: RolloutView, ro: Rollout, changes: ImageChange[], opts: SetImageOptions): PlanResult {
  const refusal = notBlueGreen(v);
  if (refusal) return refused('set-image', v, refusal);
  const home = templateHome(v, ro);
  if ('key' in home) return refused('set-image', v, home);
  const applied = applyImageChanges(home.template, changes, opts.includeInit === true);
  if ('kind' in applied) return { kind: 'invalid', error: applied };
  const afterImages = [...new Set(applied.images.values())].map(shortImage);
  if (applied.changed === 0) {
    // Nothing to write. If a preview waits with these images, that is what the user needs to hear:
    // they are already the waiting preview, and users still get the active version.
    const waiting = v.preview !== null && runs(v.preview, applied.images);
    return {
      kind: 'noop',
      ...subject('set-image', v),
      why: waiting ? 'alreadyPreview' : 'sameImages',
      after: waiting ? versionOf(v.preview) : { images: afterImages, revision: v.active?.revision ?? null },
    };
  }
  const plan = emptyPlan('set-image', v);
  plan.after = { images: afterImages, revision: null };
  plan.consequences.push(...home.consequences(afterImages));
  const antiAffinity = ro.spec?.strategy?.blueGreen?.antiAffinity != null;
  const match = runs(v.active, applied.images) ? matchActive(v, home.template, applied.targets, antiAffinity) : null;
  if (match?.kind === 'same') {
    // Back to what users already get: the controller fast-tracks it and drops any waiting preview.
    plan.after = plan.before;
    plan.switchesWhen = 'never';
    plan.consequences.push({ kind: 'undoKeepsActive', dropped: versionOf(v.preview) });
  } else {
    newPreviewSwitch(plan, v);
    // The images users get, in another template: a new ReplicaSet, and users lose what differs.
    if (match)
      plan.consequences.push({
        kind: 'sameImagesNewTemplate',
        paths: match.kind === 'differs' ? match.paths : null,
        activeRevision: v.active?.revision ?? null,
      });
    if (v.preview) plan.consequences.push({ kind: 'replacesPreview', replaced: versionOf(v.preview)! });
    // The template of an earlier ReplicaSet is that ReplicaSet: its own age (created before, served
    // before) says whether it is older, not only its tags.
    const twin = switchLikeUndo(
      plan,
      v,
      ro,
      opts,
      (h) => runs(h, applied.images) && matchRevision(v, h, home.template, applied.targets, antiAffinity).kind === 'same',
    );
    if (v.active) {
      const candidate: RevisionView = twin ?? {
        ...v.active,
        containers: [...applied.images].map(([name, image]) => ({ name, image })),
        createdAt: null,
        revisionHistory: [],
      };
      plan.consequences.push(...olderConsequences(candidate, v.active));
    }
  }
  holdForManualPause(plan, v);
  plan.consequences.push(...argoCDConsequences(v, opts.argoAutoSync ?? null));
  plan.requests.push(home.request(applied.ops));
  return { kind: 'plan', plan };
}

/**
 * set-image to the very template of an earlier ReplicaSet is an undo to it: the controller takes that
 * ReplicaSet up again, and within its scale-down delay (or as the stable one, or within the rollback
 * window) switches users at once, with no promote (seen on v1.10.2; the guard had said "after a promote").
 * The switch and its reason are the undo's; the images and the request stay set-image's.
 */
function switchLikeUndo(
  plan: Plan,
  v: RolloutView,
  ro: Rollout,
  opts: SetImageOptions,
  same: (h: RevisionView) => boolean,
): RevisionView | null {
  const twin = v.history.find(
    (h) => h.revision !== null && h.podTemplateHash !== v.active?.podTemplateHash && h.podTemplateHash !== v.desiredHash && same(h),
  );
  if (!twin) return null;
  const undo = planUndo(v, ro, { ...opts, toRevision: twin.revision! });
  if (undo.kind !== 'plan' || undo.plan.switchesWhen !== 'immediately') return twin;
  const why = new Set<Consequence['kind']>(['undoFastRollback', 'fastRollbackReleaseUnknown', 'undoToStable', 'undoRollbackWindow']);
  plan.switchesWhen = 'immediately';
  plan.autoPromotionSeconds = 0;
  plan.consequences.push(...undo.plan.consequences.filter((c) => why.has(c.kind)));
  return twin;
}

/**
 * The commands that keep users on the active version instead of promoting an older preview. After an
 * abort, `abort` is no longer one of them (it would be refused).
 */
export function keepActiveCommands(v: RolloutView): Array<{ command: string; leadsTo: Version }> {
  const out: Array<{ command: string; leadsTo: Version }> = [];
  const active = versionOf(v.active);
  if (!active || !v.active) return out;
  const ns = `-n ${v.namespace}`;
  const picked = undoTarget(v);
  // A workloadRef the plugin cannot write (another kind, a missing Deployment): undo would be refused.
  const undoable = !v.workload || (v.workload.supported && v.workload.found !== false);
  if (undoable && picked !== 'unknownRevision' && picked.target?.podTemplateHash === v.active.podTemplateHash) {
    out.push({ command: `kubectl bluegreen undo ${v.name} ${ns}`, leadsTo: active });
  } else if (undoable && v.active.revision !== null) {
    out.push({ command: `kubectl bluegreen undo ${v.name} --to-revision ${v.active.revision} ${ns}`, leadsTo: active });
  }
  if (!v.aborted && abortTarget(v) === undefined) out.push({ command: `kubectl bluegreen abort ${v.name} ${ns}`, leadsTo: active });
  return out;
}
