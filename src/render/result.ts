// The one line a change prints on stdout when it is done, and the line for nothing to do. Pure.
import type { T } from '../i18n/index.js';
import type { Plan, PlanResult } from '../rollout/plan.js';
import { versionText } from './text.js';

export function resultLine(t: T, plan: Plan): string {
  const name = plan.name;
  // workloadRef: the template change went to the Deployment.
  const via = plan.consequences.find((c) => c.kind === 'viaWorkload');
  const where = via ? t('result.where', { kind: via.workloadKind, workload: via.workload }) : '';
  switch (plan.action) {
    case 'promote':
      return plan.switchesWhen === 'afterPromote'
        ? t('result.unpausedOnly', { name, v: versionText(t, plan.after), users: versionText(t, plan.before) })
        : t('result.promoted', { name, v: versionText(t, plan.after) });
    case 'abort': {
      const left = plan.consequences.find((c) => c.kind === 'abortLeavesDegraded');
      const preview = t(left && left.scaleDownSeconds === 0 ? 'result.previewStaysUp' : 'result.previewScalesDown');
      return plan.consequences.some((c) => c.kind === 'abortToStable')
        ? t('result.abortedToStable', { name, v: versionText(t, plan.after), preview })
        : t('result.aborted', { name, v: versionText(t, plan.before), preview });
    }
    case 'retry':
      return t('result.retried', { name, v: versionText(t, plan.after), users: versionText(t, plan.before) });
    case 'undo':
      return t('result.undone', { name, revision: String(plan.target?.revision ?? '?'), v: (plan.target?.images ?? []).join(', '), where });
    case 'set-image':
      return plan.switchesWhen === 'never'
        ? t('result.imageSetActive', { name, v: versionText(t, plan.before), where })
        : t('result.imageSet', { name, v: versionText(t, plan.after), where });
  }
}

export function noopLine(t: T, r: Extract<PlanResult, { kind: 'noop' }>): string {
  return r.why === 'alreadyPreview'
    ? t('guard.noopPreview', { name: r.name, v: versionText(t, r.after), users: versionText(t, r.before) })
    : t('guard.noop', { name: r.name, v: (r.after?.images ?? []).join(', ') });
}
