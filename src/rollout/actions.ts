// What each next step would do to users, derived from the same planners the commands use, so the
// status screen and the guard prompt can never disagree. Pure.
import { planAbort, planPromote, planUndo, versionOf, type Version } from './plan.js';
import type { RolloutView } from './view.js';
import type { Rollout } from './types.js';

export type Effect =
  | 'promote'
  | 'promoteDowngrade'
  | 'promoteNotReady'
  | 'wait'
  | 'undoKeeps'
  | 'undoFast'
  | 'undoPreview'
  | 'undoAuto'
  | 'abort'
  | 'full'
  | 'setImage';

export interface NextAction {
  action: 'promote' | 'promote --full' | 'undo' | 'abort' | 'set-image' | 'wait';
  effect: Effect;
  /** The version users would get (or keep). */
  version: Version | null;
  command: string;
}

export function nextActions(v: RolloutView, ro: Rollout, now: Date): NextAction[] {
  if (v.strategy !== 'blueGreen') return [];
  const out: NextAction[] = [];
  const ns = `-n ${v.namespace}`;
  const cmd = (verb: string, extra = '') => `kubectl bluegreen ${verb} ${v.name}${extra} ${ns}`;

  if (v.preview && !v.aborted) {
    const p = planPromote(v, ro);
    if (p.refusal?.key === 'notPausedYet') {
      out.push({ action: 'wait', effect: 'wait', version: versionOf(v.preview), command: cmd('wait', ' --for=paused') });
    } else if (!p.refusal) {
      const effect = p.needsForce.length > 0 ? 'promoteNotReady' : v.previewIsOlder ? 'promoteDowngrade' : 'promote';
      out.push({ action: 'promote', effect, version: p.after, command: cmd('promote') });
    }
  }
  if (v.preview && v.aborted) {
    out.push({ action: 'promote --full', effect: 'full', version: versionOf(v.preview), command: cmd('promote', ' --full') });
  }
  const u = planUndo(v, ro, { now });
  if (!u.refusal && u.target) {
    const effect =
      u.switchesWhen === 'never'
        ? 'undoKeeps'
        : u.switchesWhen === 'immediately'
          ? 'undoFast'
          : u.switchesWhen === 'automatically'
            ? 'undoAuto'
            : 'undoPreview';
    const isDefault = u.target === v.history.filter((h) => h.revision !== null)[1];
    const extra = isDefault ? '' : ` --to-revision ${u.target.revision}`;
    out.push({ action: 'undo', effect, version: effect === 'undoKeeps' ? u.before : u.after, command: cmd('undo', extra) });
  }
  const a = planAbort(v, ro);
  if (!a.refusal) out.push({ action: 'abort', effect: 'abort', version: a.before, command: cmd('abort') });
  if (!v.preview) {
    out.push({ action: 'set-image', effect: 'setImage', version: null, command: `kubectl bluegreen set-image ${v.name} CONTAINER=IMAGE ${ns}` });
  }
  return out;
}
