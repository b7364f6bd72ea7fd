// What each next step would do to users, derived from the same planners the commands use, so the
// status screen and the guard prompt can never disagree. Pure.
import { planAbort, planPromote, planRetry, planUndo, versionOf, type Plan, type Version } from './plan.js';
import type { RolloutView } from './view.js';
import type { Rollout } from './types.js';

export type Effect =
  | 'promote'
  | 'promoteDowngrade'
  | 'promoteUnknown'
  | 'promoteNotReady'
  | 'promoteUnpausesOnly'
  | 'wait'
  | 'undoKeeps'
  | 'undoFast'
  | 'undoPreview'
  | 'undoAuto'
  | 'abort'
  | 'abortToStable'
  | 'full'
  | 'fullDowngrade'
  | 'retry'
  | 'retryDowngrade'
  | 'setImage'
  | 'preview';

export interface NextAction {
  action: 'preview' | 'promote' | 'promote --full' | 'retry' | 'undo' | 'abort' | 'set-image' | 'wait';
  effect: Effect;
  /** The version users would get (or keep). */
  version: Version | null;
  command: string;
}

const UNDO_EFFECT: Record<Plan['switchesWhen'], Effect> = {
  never: 'undoKeeps',
  immediately: 'undoFast',
  automatically: 'undoAuto',
  afterPromote: 'undoPreview',
};

export function nextActions(v: RolloutView, ro: Rollout, now: Date): NextAction[] {
  if (v.strategy !== 'blueGreen') return [];
  const out: NextAction[] = [];
  const ns = `-n ${v.namespace}`;
  const cmd = (verb: string, extra = '') => `kubectl bluegreen ${verb} ${v.name}${extra} ${ns}`;

  if (v.preview && !v.aborted && v.services.preview) {
    // Before anything reaches users: look at the preview through its Service on a local port.
    out.push({ action: 'preview', effect: 'preview', version: versionOf(v.preview), command: cmd('preview') });
  }
  if (v.preview && !v.aborted) {
    const p = planPromote(v, ro, { now });
    if (p.kind === 'refused' && p.refusal.key === 'notPausedYet') {
      out.push({ action: 'wait', effect: 'wait', version: versionOf(v.preview), command: cmd('wait', ' --for=paused') });
    } else if (p.kind === 'plan') {
      const effect =
        p.plan.needsForce.length > 0
          ? 'promoteNotReady'
          : p.plan.switchesWhen === 'afterPromote'
            ? 'promoteUnpausesOnly'
            : v.previewIsOlder
              ? 'promoteDowngrade'
              : v.previewIsOlder === null
                ? 'promoteUnknown'
                : 'promote';
      out.push({ action: 'promote', effect, version: p.plan.after, command: cmd('promote') });
    }
  }
  if (v.preview && v.aborted) {
    const r = planRetry(v, ro, { now });
    if (r.kind === 'plan') {
      const older = r.plan.consequences.some((c) => c.kind === 'downgrade');
      out.push({ action: 'retry', effect: older ? 'retryDowngrade' : 'retry', version: r.plan.after, command: cmd('retry') });
    }
    const effect = v.previewIsOlder ? 'fullDowngrade' : 'full';
    out.push({ action: 'promote --full', effect, version: versionOf(v.preview), command: cmd('promote', ' --full') });
  }
  const u = planUndo(v, ro, { now });
  if (u.kind === 'plan' && u.plan.target) {
    const effect = UNDO_EFFECT[u.plan.switchesWhen];
    out.push({ action: 'undo', effect, version: effect === 'undoKeeps' ? u.plan.before : u.plan.after, command: cmd('undo') });
  }
  const a = planAbort(v, ro, { now });
  if (a.kind === 'plan') {
    const toStable = a.plan.consequences.some((c) => c.kind === 'abortToStable');
    out.push({ action: 'abort', effect: toStable ? 'abortToStable' : 'abort', version: a.plan.after, command: cmd('abort') });
  }
  if (!v.preview) {
    out.push({
      action: 'set-image',
      effect: 'setImage',
      version: null,
      command: `kubectl bluegreen set-image ${v.name} CONTAINER=IMAGE ${ns}`,
    });
  }
  return out;
}
