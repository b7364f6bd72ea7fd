// The boundary between the cluster and the pure core: every field the plugin reads gets the type the
// core expects (a list that is not a list becomes empty, a number that is not a number goes away),
// and everything else passes through untouched, so a template written back by undo is the one read.
// The API server validates most of this, but not annotations, not every CRD field, and not what an
// older controller or a hand-edited object left behind. Found by the property tests.
import {
  ARGOCD_INSTANCE_LABEL,
  AUDIT_ANNOTATION,
  EPHEMERAL_METADATA,
  POD_TEMPLATE_HASH,
  REVISION,
  REVISION_HISTORY,
  SCALE_DOWN_DEADLINE,
  WORKLOAD_GENERATION,
  type Deployment,
  type ReplicaSet,
  type Rollout,
  type Service,
} from './types.js';

type Obj = Record<string, unknown>;

const isObj = (x: unknown): x is Obj => !!x && typeof x === 'object' && !Array.isArray(x);
const obj = (x: unknown): Obj => (isObj(x) ? x : {});
const asString = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
const asNumber = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
const asBoolean = (x: unknown): boolean | undefined => (typeof x === 'boolean' ? x : undefined);
const objects = (x: unknown): Obj[] => (Array.isArray(x) ? x.filter(isObj) : []);

/** label and annotation maps: string values only. */
function stringMap(x: unknown): Record<string, string> | undefined {
  if (!isObj(x)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(x)) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * Overrides the typed fields of a shallow copy; a field whose value does not have the expected type is
 * left out (so `x ?? default` works downstream). Built without `delete`, which would put V8's objects
 * in dictionary mode: this runs for every object of a listing.
 */
function defined<T extends Obj>(o: T): T {
  let clean = true;
  for (const k in o) if (o[k] === undefined) clean = false;
  if (clean) return o;
  const out: Obj = {};
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out as T;
}

function metadata(x: unknown): Obj {
  const m = obj(x);
  return defined({
    ...m,
    name: asString(m.name),
    namespace: asString(m.namespace),
    uid: asString(m.uid),
    generation: asNumber(m.generation),
    resourceVersion: asString(m.resourceVersion),
    creationTimestamp: asString(m.creationTimestamp),
    deletionTimestamp: asString(m.deletionTimestamp),
    labels: stringMap(m.labels),
    annotations: stringMap(m.annotations),
    ownerReferences:
      m.ownerReferences === undefined
        ? undefined
        : objects(m.ownerReferences).map((r) => defined({ ...r, kind: asString(r.kind), name: asString(r.name), uid: asString(r.uid) })),
  });
}

function containers(x: unknown): Obj[] | undefined {
  if (x === undefined) return undefined;
  return objects(x).map((c) => defined({ ...c, name: asString(c.name), image: asString(c.image) }));
}

function template(x: unknown): Obj | undefined {
  if (!isObj(x)) return undefined;
  const spec = obj(x.spec);
  const meta = obj(x.metadata);
  return defined({
    ...x,
    metadata: defined({ ...meta, labels: stringMap(meta.labels), annotations: stringMap(meta.annotations) }),
    spec: defined({ ...spec, containers: containers(spec.containers) ?? [], initContainers: containers(spec.initContainers) }),
  });
}

function analysis(x: unknown): Obj | undefined {
  if (!isObj(x)) return undefined;
  return defined({ name: asString(x.name), status: asString(x.status), message: asString(x.message) });
}

/**
 * The typed fields of a Rollout's blue-green strategy and status: one list, used whole by the listing's
 * compact form and spread over the raw object by the single view's normalizer, so the two cannot drift
 * (test/unit/agreement.test.ts holds what they show equal).
 */
function blueGreenStrategy(bg: Obj) {
  return {
    activeService: asString(bg.activeService),
    previewService: asString(bg.previewService),
    autoPromotionEnabled: asBoolean(bg.autoPromotionEnabled),
    autoPromotionSeconds: asNumber(bg.autoPromotionSeconds),
    scaleDownDelaySeconds: asNumber(bg.scaleDownDelaySeconds),
    scaleDownDelayRevisionLimit: asNumber(bg.scaleDownDelayRevisionLimit),
    abortScaleDownDelaySeconds: asNumber(bg.abortScaleDownDelaySeconds),
    previewReplicaCount: asNumber(bg.previewReplicaCount),
    prePromotionAnalysis: bg.prePromotionAnalysis,
    postPromotionAnalysis: bg.postPromotionAnalysis,
    activeMetadata: isObj(bg.activeMetadata) ? bg.activeMetadata : undefined,
    previewMetadata: isObj(bg.previewMetadata) ? bg.previewMetadata : undefined,
  };
}

function rolloutStatus(st: Obj) {
  return {
    phase: asString(st.phase),
    message: asString(st.message),
    observedGeneration: asString(st.observedGeneration),
    currentPodHash: asString(st.currentPodHash),
    stableRS: asString(st.stableRS),
    replicas: asNumber(st.replicas),
    updatedReplicas: asNumber(st.updatedReplicas),
    readyReplicas: asNumber(st.readyReplicas),
    availableReplicas: asNumber(st.availableReplicas),
    abort: asBoolean(st.abort),
    abortedAt: asString(st.abortedAt),
    promoteFull: asBoolean(st.promoteFull),
    controllerPause: asBoolean(st.controllerPause),
    restartedAt: asString(st.restartedAt),
    workloadObservedGeneration: asString(st.workloadObservedGeneration),
    pauseConditions:
      st.pauseConditions === undefined || st.pauseConditions === null
        ? undefined
        : objects(st.pauseConditions).map((p) => ({ reason: asString(p.reason) ?? 'Unknown', startTime: asString(p.startTime) })),
    conditions: objects(st.conditions).map(condition),
    blueGreen: blueGreenStatus(obj(st.blueGreen)),
  };
}

function condition(c: Obj) {
  return {
    type: asString(c.type) ?? '',
    status: asString(c.status) ?? '',
    reason: asString(c.reason),
    message: asString(c.message),
    lastUpdateTime: asString(c.lastUpdateTime),
    lastTransitionTime: asString(c.lastTransitionTime),
  };
}

function blueGreenStatus(sbg: Obj) {
  return {
    activeSelector: asString(sbg.activeSelector),
    previewSelector: asString(sbg.previewSelector),
    scaleUpPreviewCheckPoint: asBoolean(sbg.scaleUpPreviewCheckPoint),
    prePromotionAnalysisRunStatus: analysis(sbg.prePromotionAnalysisRunStatus),
    postPromotionAnalysisRunStatus: analysis(sbg.postPromotionAnalysisRunStatus),
  };
}

export function normalizeRollout(raw: unknown): Rollout {
  const r = obj(raw);
  const spec = obj(r.spec);
  const strategy = obj(spec.strategy);
  const bg = isObj(strategy.blueGreen) ? strategy.blueGreen : undefined;
  const st = obj(r.status);
  return {
    ...r,
    metadata: metadata(r.metadata),
    spec: defined({
      ...spec,
      replicas: asNumber(spec.replicas),
      paused: asBoolean(spec.paused),
      restartAt: asString(spec.restartAt),
      workloadRef: isObj(spec.workloadRef)
        ? defined({
            ...spec.workloadRef,
            apiVersion: asString(spec.workloadRef.apiVersion),
            kind: asString(spec.workloadRef.kind),
            name: asString(spec.workloadRef.name),
            scaleDown: asString(spec.workloadRef.scaleDown),
          })
        : undefined,
      selector: isObj(spec.selector) ? spec.selector : undefined,
      template: template(spec.template),
      rollbackWindow: isObj(spec.rollbackWindow) ? defined({ revisions: asNumber(spec.rollbackWindow.revisions) }) : undefined,
      strategy: defined({
        ...strategy,
        blueGreen: bg ? defined({ ...bg, ...blueGreenStrategy(bg) }) : undefined,
      }),
    }),
    status: defined({
      ...st,
      // conditions and blueGreen keep only their typed fields (a status is never written back)
      ...rolloutStatus(st),
    }),
  } as Rollout;
}

export function normalizeReplicaSet(raw: unknown): ReplicaSet {
  const r = obj(raw);
  const spec = obj(r.spec);
  const st = obj(r.status);
  return {
    ...r,
    metadata: metadata(r.metadata),
    spec: defined({ ...spec, replicas: asNumber(spec.replicas), template: template(spec.template) }),
    status: defined({
      ...st,
      replicas: asNumber(st.replicas),
      readyReplicas: asNumber(st.readyReplicas),
      availableReplicas: asNumber(st.availableReplicas),
    }),
  } as ReplicaSet;
}

export function normalizeDeployment(raw: unknown): Deployment {
  const r = obj(raw);
  const spec = obj(r.spec);
  const st = obj(r.status);
  return {
    ...r,
    metadata: metadata(r.metadata),
    spec: defined({
      ...spec,
      replicas: asNumber(spec.replicas),
      paused: asBoolean(spec.paused),
      selector: isObj(spec.selector) ? spec.selector : undefined,
      template: template(spec.template),
    }),
    status: defined({
      ...st,
      replicas: asNumber(st.replicas),
      readyReplicas: asNumber(st.readyReplicas),
      availableReplicas: asNumber(st.availableReplicas),
      updatedReplicas: asNumber(st.updatedReplicas),
      observedGeneration: asNumber(st.observedGeneration),
    }),
  } as Deployment;
}

/** A Deployment reduced to what a listing's view reads: identity, generation, replicas, counts (no template). */
export function compactDeployment(raw: unknown): Deployment {
  const r = obj(raw);
  const md = obj(r.metadata);
  const spec = obj(r.spec);
  return normalizeDeployment({
    metadata: { name: md.name, namespace: md.namespace, uid: md.uid, generation: md.generation },
    spec: { replicas: spec.replicas, paused: spec.paused },
    status: r.status,
  });
}

export function normalizeService(raw: unknown): Service {
  const r = obj(raw);
  const spec = obj(r.spec);
  return { ...r, metadata: metadata(r.metadata), spec: defined({ ...spec, selector: stringMap(spec.selector) }) } as Service;
}

/** Only the named keys (and those under a prefix) of a string map: what a listing reads of labels and annotations. */
function pickStrings(x: unknown, keys: readonly string[], prefix?: string): Record<string, string> | undefined {
  if (!isObj(x)) return undefined;
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = x[k];
    if (typeof v === 'string') out[k] = v;
  }
  if (prefix)
    for (const k in x) {
      const v = x[k];
      if (k.startsWith(prefix) && typeof v === 'string') out[k] = v;
    }
  return out;
}

/** Containers as a listing reads them: name and image. */
function nameImages(x: unknown): Array<{ name?: string; image?: string }> | undefined {
  if (x === undefined) return undefined;
  return objects(x).map((c) => ({ name: asString(c.name), image: asString(c.image) }));
}

// The compact forms below are built as fixed object literals, field by field, with the same types as the
// normalize functions give (a Rollout's status and blue-green strategy by the builders above, which the
// normalizer shares): no spread of a parsed object, no pass-through. Measured in a fresh process (how a listing runs),
// normalizeRollout's spreads of a whole status took ~140 us per Rollout (V8 adds each typed field to a
// copy of a parsed object, one map transition at a time); these take a fraction of it. What a listing
// row shows is proven equal to the single view's by test/unit/agreement.test.ts.

/**
 * A Rollout reduced to what a listing shows: identity, the annotations and labels the view reads, the
 * strategy and replicas, the containers' names and images, and the status the view reads.
 */
export function compactRollout(raw: unknown): Rollout {
  const r = obj(raw);
  const md = obj(r.metadata);
  const spec = obj(r.spec);
  const strategy = obj(spec.strategy);
  const bg = isObj(strategy.blueGreen) ? strategy.blueGreen : undefined;
  const ref = isObj(spec.workloadRef) ? spec.workloadRef : undefined;
  const tspec = isObj(spec.template) ? obj(spec.template.spec) : undefined;
  const st = obj(r.status);
  return {
    apiVersion: asString(r.apiVersion),
    kind: asString(r.kind),
    metadata: {
      name: asString(md.name),
      namespace: asString(md.namespace),
      uid: asString(md.uid),
      generation: asNumber(md.generation),
      resourceVersion: asString(md.resourceVersion),
      creationTimestamp: asString(md.creationTimestamp),
      annotations: pickStrings(md.annotations, [REVISION, AUDIT_ANNOTATION, WORKLOAD_GENERATION], 'argocd.argoproj.io/'),
      labels: pickStrings(md.labels, [ARGOCD_INSTANCE_LABEL]),
    },
    spec: {
      replicas: asNumber(spec.replicas),
      paused: asBoolean(spec.paused),
      restartAt: asString(spec.restartAt),
      revisionHistoryLimit: asNumber(spec.revisionHistoryLimit),
      selector: isObj(spec.selector) ? spec.selector : undefined,
      workloadRef: ref
        ? { apiVersion: asString(ref.apiVersion), kind: asString(ref.kind), name: asString(ref.name), scaleDown: asString(ref.scaleDown) }
        : undefined,
      template: tspec
        ? { metadata: {}, spec: { containers: nameImages(tspec.containers) ?? [], initContainers: nameImages(tspec.initContainers) } }
        : undefined,
      strategy: {
        blueGreen: bg ? blueGreenStrategy(bg) : undefined,
        canary: strategy.canary,
      },
    },
    status: rolloutStatus(st),
  } as Rollout;
}

/**
 * A ReplicaSet reduced to what a listing's view reads: its identity, owner, revision annotations,
 * creation time, counts, and the containers' names and images.
 */
export function compactReplicaSet(raw: unknown): ReplicaSet {
  const r = obj(raw);
  const md = obj(r.metadata);
  const spec = obj(r.spec);
  const tspec = obj(obj(spec.template).spec);
  const st = obj(r.status);
  return {
    metadata: {
      name: asString(md.name),
      namespace: asString(md.namespace),
      uid: asString(md.uid),
      creationTimestamp: asString(md.creationTimestamp),
      deletionTimestamp: asString(md.deletionTimestamp),
      labels: stringMap(md.labels),
      annotations: pickStrings(isObj(md.annotations) ? md.annotations : {}, [
        REVISION,
        REVISION_HISTORY,
        SCALE_DOWN_DEADLINE,
        EPHEMERAL_METADATA,
      ]),
      ownerReferences:
        md.ownerReferences === undefined
          ? undefined
          : objects(md.ownerReferences).map((o) => ({
              apiVersion: asString(o.apiVersion) ?? '',
              kind: asString(o.kind) ?? '',
              name: asString(o.name) ?? '',
              uid: asString(o.uid) ?? '',
              controller: asBoolean(o.controller),
            })),
    },
    spec: {
      replicas: asNumber(spec.replicas),
      template: {
        metadata: {},
        spec: { containers: nameImages(tspec.containers) ?? [], initContainers: nameImages(tspec.initContainers) },
      },
    },
    status: {
      replicas: asNumber(st.replicas),
      readyReplicas: asNumber(st.readyReplicas),
      availableReplicas: asNumber(st.availableReplicas),
      observedGeneration: asNumber(st.observedGeneration),
    },
  } as ReplicaSet;
}

/**
 * A Service as a listing reads it: name, namespace, and of its selector only the pod-template hash (all a
 * view reads of it). A table holds every Service of the namespaces its rows have not reached yet (the
 * Services list arrives well ahead of the Rollouts): 10,000 Services of two labels each held 2.6 MB of
 * live heap with the whole selector, 2.0 MB with the hash alone (a synthetic measurement, Node 26).
 */
export function compactService(raw: unknown): Service {
  const r = obj(raw);
  const md = obj(r.metadata);
  return {
    metadata: { name: asString(md.name), namespace: asString(md.namespace) },
    spec: { selector: pickStrings(obj(r.spec).selector, [POD_TEMPLATE_HASH]) },
  };
}
