// Planning of the changes: what each command would send, what users would see before and after, and
// every consequence the guard must state. Pure: takes the view (and the raw Rollout for patch paths),
// returns data. Nothing here talks to the cluster.
import { parseImage, shortImage } from './image.js';
import { analysisBlocking, previewReady, type RevisionView, type RolloutView, type OlderSignal, olderSignals } from './view.js';
import { POD_TEMPLATE_HASH, type PodTemplateSpec, type Rollout } from './types.js';

export const ROLLOUTS_API = '/apis/argoproj.io/v1alpha1';
export const AUDIT_ANNOTATION = 'bluegreen.kubectl.io/last-change';

export type JsonPatchOp =
  | { op: 'test' | 'replace' | 'add'; path: string; value: unknown }
  | { op: 'remove'; path: string };

export interface PlannedRequest {
  method: 'PATCH';
  path: string;
  contentType: 'application/json-patch+json' | 'application/merge-patch+json';
  body: JsonPatchOp[] | Record<string, unknown>;
  /** What the request does, for --dry-run and --verbose. */
  purpose: 'status' | 'spec' | 'template' | 'audit';
}

/** A version as people say it: the images (short form) and the revision number. */
export interface Version {
  images: string[];
  revision: number | null;
}

export type Consequence =
  | { kind: 'downgrade'; signals: OlderSignal[]; keepActive: Array<{ command: string; leadsTo: Version }> }
  | { kind: 'notReady'; ready: number; want: number }
  | { kind: 'analysisNotPassed'; status: string; message: string }
  | { kind: 'autoPromotion'; seconds: number }
  | { kind: 'countdown'; promotesAt: string }
  | { kind: 'argoCD'; application: string | null; autoSync: boolean | null }
  | { kind: 'undoKeepsActive'; dropped: Version | null }
  | { kind: 'undoFastRollback'; deadline: string }
  | { kind: 'undoNewPreview' }
  | { kind: 'replacesPreview'; replaced: Version }
  | { kind: 'fullSkipsAnalysis' }
  | { kind: 'clearsManualPause' }
  | { kind: 'abortLeavesDegraded'; previewImages: string[] }
  | { kind: 'abortedPromoteFull' }
  | { kind: 'ephemeralStripped'; keys: string[] };

export type Refusal =
  | { key: 'notBlueGreen'; strategy: string }
  | { key: 'workloadRef' }
  | { key: 'nothingToPromote' }
  | { key: 'nothingToAbort' }
  | { key: 'alreadyAborted' }
  | { key: 'abortedPromote' }
  | { key: 'notObserved' }
  | { key: 'notPausedYet' }
  | { key: 'nothingToUndo' }
  | { key: 'undoAlreadyCurrent'; revision: number }
  | { key: 'noActiveYet' };

export type Action = 'promote' | 'abort' | 'undo' | 'set-image';

export interface Plan {
  action: Action;
  name: string;
  namespace: string;
  /** Set when the state does not allow the change (exit 4). */
  refusal: Refusal | null;
  /** Consequences that refuse the change unless --force (unready preview, analysis not passed). */
  needsForce: Consequence[];
  before: Version | null;
  after: Version | null;
  /** When users get `after`: now, once a promote happens, or automatically once the preview is ready. */
  switchesWhen: 'immediately' | 'afterPromote' | 'automatically' | 'never';
  consequences: Consequence[];
  requests: PlannedRequest[];
  /** Nothing would change (same image already set). */
  noop: boolean;
}

export function versionOf(r: RevisionView | null): Version | null {
  if (!r) return null;
  return { images: r.images.map(shortImage), revision: r.revision };
}

export function pointer(...parts: Array<string | number>): string {
  return '/' + parts.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

function rolloutPath(v: { namespace: string; name: string }, sub?: 'status'): string {
  const base = `${ROLLOUTS_API}/namespaces/${encodeURIComponent(v.namespace)}/rollouts/${encodeURIComponent(v.name)}`;
  return sub ? `${base}/${sub}` : base;
}

export interface Audit {
  by: string;
  at: string;
  action: Action;
  from: Version | null;
  to: Version | null;
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
  });
}

/** JSON Patch ops that set the audit annotation, whether or not the Rollout has annotations yet. */
export function auditOps(ro: Rollout, value: string): JsonPatchOp[] {
  if (!ro.metadata.annotations) return [{ op: 'add', path: '/metadata/annotations', value: { [AUDIT_ANNOTATION]: value } }];
  return [{ op: 'add', path: pointer('metadata', 'annotations', AUDIT_ANNOTATION), value }];
}

export function auditMergePatch(value: string): Record<string, unknown> {
  return { metadata: { annotations: { [AUDIT_ANNOTATION]: value } } };
}

function base(action: Action, v: RolloutView): Plan {
  return {
    action,
    name: v.name,
    namespace: v.namespace,
    refusal: null,
    needsForce: [],
    before: versionOf(v.active),
    after: null,
    switchesWhen: 'never',
    consequences: [],
    requests: [],
    noop: false,
  };
}

function commonRefusal(v: RolloutView): Refusal | null {
  if (v.strategy !== 'blueGreen') return { key: 'notBlueGreen', strategy: v.strategy };
  return null;
}

function argoCD(v: RolloutView, autoSync: boolean | null): Consequence[] {
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

export interface PlanOptions {
  full?: boolean;
  /** The clock, for a promote during an auto-promotion countdown. */
  now?: Date;
  /** Argo CD auto-sync of the managing Application, when it could be read. */
  argoAutoSync?: boolean | null;
}

export function planPromote(v: RolloutView, ro: Rollout, opts: PlanOptions = {}): Plan {
  const plan = base('promote', v);
  plan.refusal = commonRefusal(v);
  if (plan.refusal) return plan;
  if (!v.preview) {
    plan.refusal = v.active ? { key: 'nothingToPromote' } : { key: 'noActiveYet' };
    return plan;
  }
  if (!v.observed) {
    plan.refusal = { key: 'notObserved' };
    return plan;
  }
  if (v.aborted && !opts.full) {
    plan.refusal = { key: 'abortedPromote' };
    return plan;
  }
  plan.after = versionOf(v.preview);
  plan.switchesWhen = 'immediately';

  if (v.previewIsOlder) {
    plan.consequences.push({ kind: 'downgrade', signals: v.olderSignals, keepActive: keepActiveCommands(v) });
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
  plan.consequences.push(...argoCD(v, opts.argoAutoSync ?? null));

  const statusOps: JsonPatchOp[] = [];
  const pauses = ro.status?.pauseConditions ?? [];
  if (opts.full) {
    if (!ro.status?.promoteFull) statusOps.push({ op: 'add', path: '/status/promoteFull', value: true });
  } else if (v.autoPromotion.promotesAt && pauses.length === 1 && pauses[0]!.reason === 'BlueGreenPause') {
    // Measured on v1.9.1: clearing the pause during an autoPromotionSeconds countdown does not switch
    // users; the controller pauses again with a new startTime and the countdown restarts. Moving the
    // pause's start back by autoPromotionSeconds ends the countdown now, with any post-promotion
    // analysis still run (unlike --full).
    const now = (opts.now ?? new Date()).getTime();
    const start = new Date(now - (v.autoPromotion.seconds + 1) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    statusOps.push({ op: 'test', path: '/status/pauseConditions/0/reason', value: 'BlueGreenPause' });
    statusOps.push({ op: 'replace', path: '/status/pauseConditions/0/startTime', value: start });
  } else if (pauses.length > 0) {
    statusOps.push({ op: 'remove', path: '/status/pauseConditions' });
  }
  if (statusOps.length > 0) {
    plan.requests.push({
      method: 'PATCH',
      path: rolloutPath(v, 'status'),
      contentType: 'application/json-patch+json',
      body: [...pins(ro), ...statusOps],
      purpose: 'status',
    });
  }
  if (v.paused.manual) {
    plan.requests.push({
      method: 'PATCH',
      path: rolloutPath(v),
      contentType: 'application/json-patch+json',
      body: [...pins(ro), { op: 'replace', path: '/spec/paused', value: false }],
      purpose: 'spec',
    });
  }
  if (plan.requests.length === 0) {
    // Not paused yet (still scaling up or analysing): a plain promote would send nothing. Say so rather
    // than pretend; --full is the way to switch as soon as the preview is ready.
    plan.refusal = { key: 'notPausedYet' };
  }
  return plan;
}

export function planAbort(v: RolloutView, ro: Rollout, opts: PlanOptions = {}): Plan {
  const plan = base('abort', v);
  plan.refusal = commonRefusal(v);
  if (plan.refusal) return plan;
  if (!v.preview) {
    plan.refusal = { key: 'nothingToAbort' };
    return plan;
  }
  if (v.aborted) {
    plan.refusal = { key: 'alreadyAborted' };
    return plan;
  }
  if (!v.observed) {
    plan.refusal = { key: 'notObserved' };
    return plan;
  }
  // Abort keeps users on the stable revision (which is the active one while a preview waits).
  plan.after = plan.before;
  plan.switchesWhen = 'never';
  plan.consequences.push({ kind: 'abortLeavesDegraded', previewImages: v.preview.images.map(shortImage) });
  plan.consequences.push(...argoCD(v, opts.argoAutoSync ?? null));
  plan.requests.push({
    method: 'PATCH',
    path: rolloutPath(v, 'status'),
    contentType: 'application/json-patch+json',
    body: [...pins(ro), { op: 'add', path: '/status/abort', value: true }],
    purpose: 'status',
  });
  return plan;
}

/** What `undo` would target: --to-revision N, else the second-highest revision (as upstream). */
export function undoTarget(v: RolloutView, toRevision?: number): RevisionView | null | 'unknownRevision' {
  const withRev = v.history.filter((h) => h.revision !== null);
  if (toRevision !== undefined && toRevision > 0) {
    return withRev.find((h) => h.revision === toRevision) ?? 'unknownRevision';
  }
  return withRev[1] ?? null;
}

/** Labels and annotations the controller injected for activeMetadata/previewMetadata. */
export function ephemeralKeys(template: PodTemplateSpec | null, annotation: string | undefined): string[] {
  if (!template || !annotation) return [];
  try {
    const parsed = JSON.parse(annotation) as { labels?: Record<string, string>; annotations?: Record<string, string> };
    const keys = [
      ...Object.keys(parsed.labels ?? {}).map((k) => `label ${k}`),
      ...Object.keys(parsed.annotations ?? {}).map((k) => `annotation ${k}`),
    ];
    return keys;
  } catch {
    return [];
  }
}

/** The target ReplicaSet's pod template as undo writes it: no pod-template-hash, no injected metadata. */
export function undoTemplate(template: PodTemplateSpec, ephemeralAnnotation?: string): PodTemplateSpec {
  const copy = JSON.parse(JSON.stringify(template)) as PodTemplateSpec;
  const meta = (copy.metadata ??= {});
  if (meta.labels) delete meta.labels[POD_TEMPLATE_HASH];
  if (ephemeralAnnotation) {
    try {
      const eph = JSON.parse(ephemeralAnnotation) as {
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
      };
      for (const [k, val] of Object.entries(eph.labels ?? {})) if (meta.labels?.[k] === val) delete meta.labels[k];
      for (const [k, val] of Object.entries(eph.annotations ?? {})) {
        if (meta.annotations?.[k] === val) delete meta.annotations[k];
      }
    } catch {
      /* an unreadable annotation strips nothing */
    }
  }
  if (meta.labels && Object.keys(meta.labels).length === 0) delete meta.labels;
  if (meta.annotations && Object.keys(meta.annotations).length === 0) delete meta.annotations;
  // The API server drops creationTimestamp: null on write; keep the template as the RS has it otherwise.
  delete (meta as Record<string, unknown>).creationTimestamp;
  return copy;
}

export interface UndoOptions extends PlanOptions {
  toRevision?: number;
  now: Date;
  /** Ephemeral-metadata annotation of the target ReplicaSet, if any. */
  ephemeralAnnotation?: string;
}

export function planUndo(v: RolloutView, ro: Rollout, opts: UndoOptions): Plan & { target: RevisionView | null } {
  const plan = { ...base('undo', v), target: null as RevisionView | null };
  plan.refusal = commonRefusal(v) ?? (v.spec.workloadRef ? { key: 'workloadRef' } : null);
  if (plan.refusal) return plan;
  const target = undoTarget(v, opts.toRevision);
  if (target === 'unknownRevision') throw new UnknownRevisionError(opts.toRevision!, v.history);
  if (!target || !target.template) {
    plan.refusal = { key: 'nothingToUndo' };
    return plan;
  }
  plan.target = target;
  if (target.podTemplateHash === v.desiredHash) {
    plan.refusal = { key: 'undoAlreadyCurrent', revision: target.revision ?? 0 };
    return plan;
  }
  const activeHash = v.active?.podTemplateHash;
  const targetVersion = versionOf(target);
  if (target.podTemplateHash === activeHash) {
    plan.after = plan.before;
    plan.switchesWhen = 'never';
    plan.consequences.push({ kind: 'undoKeepsActive', dropped: versionOf(v.preview) });
  } else {
    plan.after = targetVersion;
    const deadline = target.scaleDownDeadline ? Date.parse(target.scaleDownDeadline) : NaN;
    const stillUp = target.replicas > 0 && target.availableReplicas > 0;
    if (stillUp && Number.isFinite(deadline) && deadline > opts.now.getTime()) {
      plan.switchesWhen = 'immediately';
      plan.consequences.push({ kind: 'undoFastRollback', deadline: target.scaleDownDeadline! });
    } else {
      plan.switchesWhen = v.autoPromotion.enabled ? 'automatically' : 'afterPromote';
      plan.consequences.push({ kind: 'undoNewPreview' });
      if (v.autoPromotion.enabled) plan.consequences.push({ kind: 'autoPromotion', seconds: v.autoPromotion.seconds });
      if (v.preview) plan.consequences.push({ kind: 'replacesPreview', replaced: versionOf(v.preview)! });
    }
    if (v.active) {
      const older = olderSignals(target, v.active);
      if (older.length > 0) plan.consequences.push({ kind: 'downgrade', signals: older, keepActive: [] });
    }
  }
  const stripped = ephemeralKeys(target.template, opts.ephemeralAnnotation);
  if (stripped.length > 0) plan.consequences.push({ kind: 'ephemeralStripped', keys: stripped });
  plan.consequences.push(...argoCD(v, opts.argoAutoSync ?? null));
  plan.requests.push({
    method: 'PATCH',
    path: rolloutPath(v),
    contentType: 'application/json-patch+json',
    body: [
      { op: 'test', path: '/metadata/generation', value: ro.metadata.generation ?? 0 },
      { op: 'replace', path: '/spec/template', value: undoTemplate(target.template, opts.ephemeralAnnotation) },
    ],
    purpose: 'template',
  });
  return plan;
}

export class UnknownRevisionError extends Error {
  constructor(
    readonly revision: number,
    readonly history: RevisionView[],
  ) {
    super(`revision ${revision} not found`);
  }
}

export interface ImageChange {
  container: string;
  image: string;
}

export type SetImageInputError =
  | { kind: 'badPair'; arg: string }
  | { kind: 'badImage'; arg: string; image: string; reason: string }
  | { kind: 'unknownContainer'; container: string; known: string[] }
  | { kind: 'duplicateContainer'; container: string };

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

export interface SetImageOptions extends PlanOptions {
  includeInit?: boolean;
}

export function planSetImage(
  v: RolloutView,
  ro: Rollout,
  changes: ImageChange[],
  opts: SetImageOptions = {},
): Plan | SetImageInputError {
  const plan = base('set-image', v);
  plan.refusal = commonRefusal(v) ?? (v.spec.workloadRef ? { key: 'workloadRef' } : null);
  if (plan.refusal) return plan;
  const podSpec = ro.spec?.template?.spec;
  const lists: Array<['containers' | 'initContainers', Array<{ name?: string; image?: string }>]> = [
    ['containers', podSpec?.containers ?? []],
    ['initContainers', podSpec?.initContainers ?? []],
  ];
  const known = lists.flatMap(([, l]) => l.map((c) => String(c.name)));
  const ops: JsonPatchOp[] = [];
  const newImages = new Map<string, string>(); // container name -> image (regular containers)
  let changed = 0;
  for (const change of changes) {
    let matched = 0;
    for (const [field, list] of lists) {
      list.forEach((c, i) => {
        const all = change.container === '*';
        if (all && field === 'initContainers' && !opts.includeInit) return;
        if (!all && c.name !== change.container) return;
        matched++;
        if (field === 'containers') newImages.set(String(c.name), change.image);
        if (c.image === change.image) return;
        changed++;
        ops.push({ op: 'test', path: pointer('spec', 'template', 'spec', field, i, 'name'), value: c.name });
        ops.push({ op: 'replace', path: pointer('spec', 'template', 'spec', field, i, 'image'), value: change.image });
      });
    }
    if (matched === 0 && change.container !== '*') {
      return { kind: 'unknownContainer', container: change.container, known };
    }
  }
  const current = (podSpec?.containers ?? []).map((c) => newImages.get(String(c.name)) ?? String(c.image ?? ''));
  const afterImages = [...new Set(current)].map(shortImage);
  if (changed === 0) {
    plan.noop = true;
    plan.after = { images: afterImages, revision: v.preview?.revision ?? v.active?.revision ?? null };
    return plan;
  }
  plan.after = { images: afterImages, revision: null };
  const activeImages = v.active?.containers ?? [];
  const sameAsActive =
    v.active !== null &&
    (podSpec?.containers ?? []).every((c) => {
      const want = newImages.get(String(c.name)) ?? c.image;
      return activeImages.find((a) => a.name === c.name)?.image === want;
    });
  if (sameAsActive) {
    // Back to what users already get: the controller fast-tracks it and drops any waiting preview.
    plan.after = plan.before;
    plan.switchesWhen = 'never';
    plan.consequences.push({ kind: 'undoKeepsActive', dropped: versionOf(v.preview) });
  } else {
    plan.switchesWhen = v.autoPromotion.enabled ? 'automatically' : 'afterPromote';
    if (v.autoPromotion.enabled) plan.consequences.push({ kind: 'autoPromotion', seconds: v.autoPromotion.seconds });
    if (v.preview) plan.consequences.push({ kind: 'replacesPreview', replaced: versionOf(v.preview)! });
    if (v.active) {
      const candidate: RevisionView = {
        ...v.active,
        containers: (podSpec?.containers ?? []).map((c) => ({
          name: String(c.name),
          image: newImages.get(String(c.name)) ?? String(c.image ?? ''),
        })),
        createdAt: null,
        revisionHistory: [],
      };
      const older = olderSignals(candidate, v.active);
      if (older.length > 0) plan.consequences.push({ kind: 'downgrade', signals: older, keepActive: [] });
    }
  }
  plan.consequences.push(...argoCD(v, opts.argoAutoSync ?? null));
  plan.requests.push({
    method: 'PATCH',
    path: rolloutPath(v),
    contentType: 'application/json-patch+json',
    body: [{ op: 'test', path: '/metadata/generation', value: ro.metadata.generation ?? 0 }, ...ops],
    purpose: 'template',
  });
  return plan;
}

/** The commands that keep users on the active version instead of promoting an older preview. */
export function keepActiveCommands(v: RolloutView): Array<{ command: string; leadsTo: Version }> {
  const out: Array<{ command: string; leadsTo: Version }> = [];
  const active = versionOf(v.active);
  if (!active || !v.active) return out;
  const ns = `-n ${v.namespace}`;
  const target = undoTarget(v);
  if (target && target !== 'unknownRevision' && target.podTemplateHash === v.active.podTemplateHash) {
    out.push({ command: `kubectl bluegreen undo ${v.name} ${ns}`, leadsTo: active });
  } else if (v.active.revision !== null) {
    out.push({ command: `kubectl bluegreen undo ${v.name} --to-revision ${v.active.revision} ${ns}`, leadsTo: active });
  }
  out.push({ command: `kubectl bluegreen abort ${v.name} ${ns}`, leadsTo: active });
  return out;
}
