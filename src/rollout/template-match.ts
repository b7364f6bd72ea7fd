// Whether the pod template set-image would write is the one users get now. The controller finds the
// ReplicaSet of spec.template by its hash, then by comparing it with each ReplicaSet's template after
// Kubernetes' pod defaults (utils/replicaset FindNewReplicaSet, v1.7 to v1.10): a template with the
// active images that differs in anything else (an env, an init container) is a NEW ReplicaSet, a new
// preview, and users lose what differs once it is promoted. The Rollout holds its template as written
// (a custom resource gets no pod defaults); a ReplicaSet holds it defaulted. So the comparison starts from
// the desired ReplicaSet (spec.template as the API server defaulted it), changes there what set-image
// changes, and compares that with the active ReplicaSet's template. Pure.
import { diffTemplates } from './diff.js';
import { parseImage, pulledTag } from './image.js';
import { POD_TEMPLATE_HASH, type PodTemplateSpec } from './types.js';
import type { RevisionView, RolloutView } from './view.js';

/** A container set-image changes: which list it is in, its name, its image afterwards. */
export interface ImageTarget {
  field: 'containers' | 'initContainers';
  name: string;
  image: string;
}

export type TemplateMatch =
  | { kind: 'same' }
  /** The template differs from the active ReplicaSet's at these paths (diff's notation). */
  | { kind: 'differs'; paths: string[] }
  /** Cannot be told: the desired ReplicaSet was not read, or the controller has not caught up. */
  | { kind: 'unknown' };

type Container = { name?: string; image?: string; imagePullPolicy?: string };

/** Kubernetes' default imagePullPolicy (SetDefaults_Container): Always for `latest` or no tag, else IfNotPresent. */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  const parsed = parseImage(image);
  return parsed.ok && pulledTag(parsed.image) === 'latest' ? 'Always' : 'IfNotPresent';
}

function list(t: PodTemplateSpec | null | undefined, field: ImageTarget['field']): Container[] {
  return ((t?.spec as Record<string, unknown> | undefined)?.[field] as Container[] | undefined) ?? [];
}

/** The same images, container by container, in both lists. */
function sameImages(a: PodTemplateSpec | null | undefined, b: PodTemplateSpec | null | undefined): boolean {
  return (['containers', 'initContainers'] as const).every((field) => {
    const x = list(a, field);
    const y = list(b, field);
    return x.length === y.length && x.every((c, i) => c.name === y[i]!.name && c.image === y[i]!.image);
  });
}

/**
 * The template the controller would hold after the change, as a ReplicaSet holds it: `base` (defaulted)
 * with the targets' images, and the new image's default imagePullPolicy where the written template leaves
 * it to the default.
 */
function changed(base: PodTemplateSpec, written: PodTemplateSpec | undefined, targets: ImageTarget[]): PodTemplateSpec {
  const out = JSON.parse(JSON.stringify(base)) as PodTemplateSpec;
  for (const target of targets) {
    const c = list(out, target.field).find((x) => x.name === target.name);
    if (!c) continue;
    c.image = target.image;
    const asWritten = list(written, target.field).find((x) => x.name === target.name);
    // Left to the default as written, and defaulted in the base (the API server stores it so): the new image's.
    if (c.imagePullPolicy && !asWritten?.imagePullPolicy) c.imagePullPolicy = defaultPullPolicy(target.image);
  }
  return out;
}

/**
 * A ReplicaSet's template as a Rollout holds it (what undo writes): no pod-template-hash label, no metadata
 * the controller injected for activeMetadata/previewMetadata.
 */
export function undoTemplate(r: RevisionView & { template: PodTemplateSpec }): PodTemplateSpec {
  const copy = JSON.parse(JSON.stringify(r.template)) as PodTemplateSpec;
  const meta = (copy.metadata ??= {});
  if (meta.labels) delete meta.labels[POD_TEMPLATE_HASH];
  const eph = r.ephemeralMetadata;
  if (eph) {
    for (const [k, val] of Object.entries(eph.labels)) if (meta.labels?.[k] === val) delete meta.labels[k];
    for (const [k, val] of Object.entries(eph.annotations)) if (meta.annotations?.[k] === val) delete meta.annotations[k];
  }
  if (meta.labels && Object.keys(meta.labels).length === 0) delete meta.labels;
  if (meta.annotations && Object.keys(meta.annotations).length === 0) delete meta.annotations;
  // The API server drops creationTimestamp: null on write; keep the template as the RS has it otherwise.
  delete (meta as Record<string, unknown>).creationTimestamp;
  return copy;
}

/**
 * Paths as people read them: an item of a named list that only one side has is named once
 * (spec.containers[frontend].env[BANNER], not its .name and its .value).
 */
function elements(paths: string[]): string[] {
  const whole = paths.filter((p) => p.endsWith('].name')).map((p) => p.slice(0, -'.name'.length));
  const item = (p: string) => whole.find((w) => p.startsWith(`${w}.`));
  return [...new Set(paths.map((p) => item(p) ?? p))];
}

function withTemplate(r: RevisionView | null | undefined): (RevisionView & { template: PodTemplateSpec }) | null {
  return r?.template ? (r as RevisionView & { template: PodTemplateSpec }) : null;
}

/**
 * Compares what set-image would write with the active ReplicaSet's template. `written` is the template
 * the change is made to (spec.template, or a workloadRef Deployment's); `antiAffinity`: the strategy
 * injects an anti-affinity rule into each ReplicaSet, which the controller leaves out of its compare.
 */
export function matchActive(
  v: RolloutView,
  written: PodTemplateSpec | undefined,
  targets: ImageTarget[],
  antiAffinity: boolean,
): TemplateMatch {
  return matchRevision(v, v.active, written, targets, antiAffinity);
}

/** The same compare with any revision's ReplicaSet (set-image back to a template a ReplicaSet still has). */
export function matchRevision(
  v: RolloutView,
  revision: RevisionView | null,
  written: PodTemplateSpec | undefined,
  targets: ImageTarget[],
  antiAffinity: boolean,
): TemplateMatch {
  const rev = withTemplate(revision);
  if (!rev) return { kind: 'unknown' };
  let base: PodTemplateSpec;
  if (v.workload) {
    // A Deployment's template is stored defaulted: it is its own base.
    if (!written) return { kind: 'unknown' };
    base = written;
  } else {
    const desired = withTemplate(v.history.find((h) => h.podTemplateHash === v.desiredHash));
    if (!desired || !v.observed || !sameImages(desired.template, written)) return { kind: 'unknown' };
    base = undoTemplate(desired);
  }
  const paths = elements(diffTemplates(undoTemplate(rev), changed(base, written, targets)).map((c) => c.path));
  if (paths.length === 0) return { kind: 'same' };
  if (antiAffinity && paths.every((p) => p.startsWith('spec.affinity'))) return { kind: 'unknown' };
  return { kind: 'differs', paths };
}
