// What happened to a rollout between two reads: did the controller react to a change, is a change whose
// answer was lost visible, what moved under a refused write. Pure; the change pipeline
// (src/cli/change/) asks these questions, the table tests in test/unit/reaction.test.ts answer them.
import type { Action, JsonPatchOp } from './plan.js';
import { AUDIT_ANNOTATION, type Rollout } from './types.js';

/** The controller reacted when the phase it computes changed, the active selector moved, or it took up an abort. */
export function reacted(before: Rollout, now: Rollout): boolean {
  const b = before.status ?? {};
  const n = now.status ?? {};
  return (
    n.phase !== b.phase ||
    n.message !== b.message ||
    n.blueGreen?.activeSelector !== b.blueGreen?.activeSelector ||
    (n.abort !== b.abort && !!n.abortedAt)
  );
}

/**
 * After a write whose answer was lost: is the change visible in `after`? null when that cannot be told:
 * the rollout moved to another preview meanwhile (someone else's change), so a cleared pause is not
 * proof of this one (found by a hostile review: a lost promote was reported made).
 */
export function changeVisible(action: Action, before: Rollout, after: Rollout, auditValue: string): boolean | null {
  const st = after.status ?? {};
  const pinned = before.status?.currentPodHash;
  const moved = st.currentPodHash !== pinned;
  switch (action) {
    case 'promote':
      if (pinned && st.blueGreen?.activeSelector === pinned) return true;
      if (moved) return null;
      return (st.pauseConditions ?? []).length === 0 || st.promoteFull === true;
    case 'abort':
      return st.abort === true ? true : moved ? null : false;
    case 'retry':
      return st.abort !== true ? true : moved ? null : false;
    default:
      // Template changes carry their audit annotation in the same patch: it is there iff the patch was.
      return after.metadata.annotations?.[AUDIT_ANNOTATION] === auditValue;
  }
}

/** JSON Pointer lookup; undefined when the path is not there. */
function at(doc: unknown, pointer: string): unknown {
  let node = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Equal as JSON, with null and absent the same and a template's creationTimestamp ignored (the API server's noise). */
function sameJson(a: unknown, b: unknown): boolean {
  const clean = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(clean);
    if (x === null || typeof x !== 'object') return x;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(x).sort()) {
      const v = (x as Record<string, unknown>)[k];
      if (v === null || v === undefined || k === 'creationTimestamp') continue;
      out[k] = clean(v);
    }
    return out;
  };
  return JSON.stringify(clean(a)) === JSON.stringify(clean(b));
}

/**
 * After a write to another object (a workloadRef's Deployment) whose answer was lost: does the object
 * now hold every value the JSON Patch wrote? (Its record, a separate patch, was not sent yet.)
 */
export function changeReflected(ops: JsonPatchOp[], obj: unknown): boolean {
  return ops.every((o) => o.op === 'test' || (o.op === 'remove' ? at(obj, o.path) === undefined : sameJson(at(obj, o.path), o.value)));
}

export type WhatChanged = 'preview' | 'active' | 'spec' | 'paused' | 'unknown';

/** The first thing that differs between what the user saw and what is there now. */
export function whatChanged(before: Rollout, now: Rollout): WhatChanged {
  if (now.status?.currentPodHash !== before.status?.currentPodHash) return 'preview';
  if (now.status?.blueGreen?.activeSelector !== before.status?.blueGreen?.activeSelector) return 'active';
  if (now.metadata.generation !== before.metadata.generation) return 'spec';
  if ((now.status?.pauseConditions ?? []).length !== (before.status?.pauseConditions ?? []).length) return 'paused';
  return 'unknown';
}

/** Did anyone (controller or person) write the Rollout in the last `ms`? From managedFields times. */
export function changedWithin(ro: Rollout, now: Date, ms: number): boolean {
  return (ro.metadata.managedFields ?? []).some((f) => {
    const t = f.time ? Date.parse(String(f.time)) : NaN;
    return Number.isFinite(t) && now.getTime() - t < ms;
  });
}
