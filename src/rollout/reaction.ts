// What happened to a rollout between two reads: did the controller react to a change, is a change whose
// answer was lost visible, what moved under a refused write. Pure; the change pipeline
// (src/cli/change/) asks these questions, the table tests in test/unit/reaction.test.ts answer them.
import type { Action } from './plan.js';
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

/** After a write whose answer was lost: is the change visible in `after`? */
export function changeVisible(action: Action, before: Rollout, after: Rollout, auditValue: string): boolean {
  const st = after.status ?? {};
  switch (action) {
    case 'promote':
      return (
        (st.pauseConditions ?? []).length === 0 ||
        st.promoteFull === true ||
        st.blueGreen?.activeSelector === before.status?.currentPodHash
      );
    case 'abort':
      return st.abort === true;
    case 'retry':
      return st.abort !== true;
    default:
      // Template changes carry their audit annotation in the same patch: it is there iff the patch was.
      return after.metadata.annotations?.[AUDIT_ANNOTATION] === auditValue;
  }
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
