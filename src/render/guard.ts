// The guard: before any change, what users get now and after, in versions, and every consequence
// that applies. Then the exact requests. Pure: returns text.
import type { T } from '../i18n/index.js';
import type { Consequence, Plan } from '../rollout/plan.js';
import type { OlderSignal, OlderUnknown } from '../rollout/view.js';
import { cleanDeep, paint, versionText } from './text.js';
import { escapeHidden } from '../sanitize.js';

/** One reason the preview is older, in words. */
export function signalText(t: T, s: OlderSignal): string {
  switch (s.signal) {
    case 'createdBefore':
      return t('status.signal.createdBefore');
    case 'servedBefore':
      return t('status.signal.servedBefore', { revisions: s.revisions.join(',') });
    case 'tagLower':
      return t('status.signal.tagLower', { preview: s.previewTag, active: s.activeTag });
  }
}

export function signalsText(t: T, signals: OlderSignal[]): string {
  return signals.map((s) => signalText(t, s)).join('; ');
}

/** Why two tags cannot be ordered, in words. */
export function unknownText(t: T, u: OlderUnknown): string {
  const reason = u.comparison.reason;
  // Whole references where the tags alone would read the same (or there are none to name).
  if (reason === 'differentRepository' || reason === 'nothingToCompare' || reason === 'sameTagOtherDigest')
    return t('older.unknownImages', { preview: u.previewImage, active: u.activeImage, why: t(`older.why.${reason}`) });
  return t('older.unknown', {
    preview: u.previewTag ?? u.previewImage,
    active: u.activeTag ?? u.activeImage,
    why: t(`older.why.${u.comparison.reason}`),
  });
}

/** How many of a template's differing paths the guard names. */
const MAX_PATHS = 5;

export function consequenceLines(t: T, plan: Plan, c: Consequence): string[] {
  const before = versionText(t, plan.before);
  const after = versionText(t, plan.after);
  switch (c.kind) {
    case 'downgrade': {
      const lines = [t('guard.downgrade', { after, before, signals: signalsText(t, c.signals) })];
      if (plan.action === 'promote') {
        lines.push(t('guard.notRollback'));
        if (c.keepActive.length) {
          lines.push(t('guard.keepActive', { v: before }));
          for (const k of c.keepActive)
            lines.push(`    ${t('guard.keepActiveCommand', { command: k.command, v: versionText(t, k.leadsTo) })}`);
        }
      }
      return lines;
    }
    case 'olderUnknown':
      return [t('guard.olderUnknown', { after, before, why: c.unknown.map((u) => unknownText(t, u)).join('; ') })];
    case 'notReady':
      return [t('guard.notReady', { ready: String(c.ready), want: String(c.want) })];
    case 'analysisNotPassed':
      return [t('guard.analysisNotPassed', { status: c.status, message: c.message })];
    case 'countdown':
      return [t('guard.countdown', { at: c.promotesAt })];
    case 'argoCD': {
      const app = c.application ?? '?';
      if (c.autoSync === true) return [t('guard.argoCD.auto', { app })];
      if (c.autoSync === false) return [t('guard.argoCD.manual', { app })];
      return [t('guard.argoCD.unknown', { app })];
    }
    case 'undoKeepsActive':
      return [t('guard.undoKeepsActive', { dropped: c.dropped ? versionText(t, c.dropped) : '' })];
    case 'sameImagesNewTemplate': {
      const shown = c.paths?.slice(0, MAX_PATHS).join(', ') ?? '';
      const more = c.paths && c.paths.length > MAX_PATHS ? t('guard.morePaths', { count: String(c.paths.length - MAX_PATHS) }) : '';
      const lines = [
        c.paths ? t('guard.sameImagesNewTemplate', { before, paths: shown + more }) : t('guard.sameImagesTemplateUnknown', { before }),
      ];
      if (c.activeRevision !== null) lines.push(t('guard.sameImagesUndo', { revision: String(c.activeRevision), before }));
      return lines;
    }
    case 'undoFastRollback':
      return [t('guard.undoFastRollback', { deadline: c.deadline })];
    case 'undoRollbackWindow':
      return [t('guard.undoRollbackWindow', { revisions: String(c.revisions) })];
    case 'undoRollbackWindowStuck':
      return [t('guard.undoRollbackWindowStuck', { release: c.release || '?' })];
    case 'undoToStable':
      return [t('guard.undoToStable', { release: c.release ?? '?' })];
    case 'undoNewPreview':
      return [t('guard.undoNewPreview')];
    case 'undoNotRollback':
      return [t('guard.undoNotRollback', { release: c.release, target: c.targetCreatedAt, stable: c.stableCreatedAt })];
    case 'fastRollbackReleaseUnknown':
      return [t('guard.fastRollbackReleaseUnknown', { release: c.release ?? '' })];
    case 'replacesPreview':
      return [t('guard.replacesPreview', { v: versionText(t, c.replaced) })];
    case 'fullSkipsAnalysis':
      return [t('guard.fullSkipsAnalysis')];
    case 'clearsManualPause':
      return [t('guard.clearsManualPause')];
    case 'manualPauseHolds':
      return [t('guard.manualPauseHolds', { before })];
    case 'abortLeavesDegraded':
      return [
        c.scaleDownSeconds > 0
          ? t('guard.abortLeavesDegraded', { preview: c.previewImages.join(', '), seconds: String(c.scaleDownSeconds) })
          : t('guard.abortKeepsPreviewUp', { preview: c.previewImages.join(', ') }),
      ];
    case 'abortToStable':
      return [
        c.stable
          ? t('guard.abortToStable', { before, stable: versionText(t, c.stable) })
          : t('guard.abortToStableGone', { before, hash: c.hash }),
      ];
    case 'abortedPromoteFull':
      return [t('guard.abortedPromoteFull')];
    case 'retryAnalysis':
      return [t('guard.retryAnalysis')];
    case 'ephemeralStripped':
      return [t('guard.ephemeralStripped', { keys: c.keys.join(', ') })];
    case 'viaWorkload':
      return [t('guard.viaWorkload', { kind: c.workloadKind, workload: c.workload, name: plan.name })];
    case 'workloadPodsRoll':
      return [
        t('guard.workloadPodsRoll', {
          workload: c.workload,
          replicas: String(c.replicas),
          v: c.images.join(', '),
          scaleDown: t(`guard.scaleDown.${c.scaleDown}`),
        }),
      ];
  }
}

const WARN: ReadonlySet<Consequence['kind']> = new Set([
  'downgrade',
  'olderUnknown',
  'notReady',
  'analysisNotPassed',
  'argoCD',
  'countdown',
  'workloadPodsRoll',
  'sameImagesNewTemplate',
  'manualPauseHolds',
  'abortToStable',
]);

export interface GuardInput {
  plan: Plan;
  /** For undo: the revision it restores. */
  target?: { revision: number | null; images: string[] } | null;
}

export function renderGuard(t: T, input: GuardInput, color: boolean): string {
  const { plan, target } = cleanDeep(input);
  const p = paint(color);
  const out: string[] = [];
  out.push(p.bold(t('guard.title', { action: plan.action, name: plan.name, ns: plan.namespace })));
  out.push('');
  if (target) out.push(`  ${t('guard.target', { revision: String(target.revision ?? '?'), v: target.images.join(', ') })}`);
  out.push(`  ${plan.before ? t('guard.usersNow', { v: versionText(t, plan.before) }) : t('guard.usersNowNone')}`);
  const action = plan.action;
  if (plan.after) {
    const vt = versionText(t, plan.after);
    const line =
      plan.switchesWhen === 'never'
        ? t('guard.after.same', { action, v: versionText(t, plan.before) })
        : plan.switchesWhen === 'afterPromote'
          ? plan.action === 'promote'
            ? t('guard.after.unpausesOnly', { v: vt, before: versionText(t, plan.before) })
            : t('guard.after.afterPromote', { action, v: vt })
          : plan.switchesWhen === 'automatically'
            ? plan.action === 'promote'
              ? t('guard.after.unpausesThenAuto', { v: vt, before: versionText(t, plan.before) })
              : plan.autoPromotionSeconds > 0
                ? t('guard.after.automaticallyAfter', { action, v: vt, seconds: String(plan.autoPromotionSeconds) })
                : t('guard.after.automatically', { action, v: vt })
            : plan.action === 'undo'
              ? t('guard.after.fast', { action, v: vt })
              : t('guard.after.immediately', { action, v: vt });
    out.push(`  ${p.bold(line)}`);
  }
  const all = [...plan.needsForce, ...plan.consequences];
  if (all.length) out.push('');
  for (const c of all) {
    const lines = consequenceLines(t, plan, c);
    if (!lines.length) continue;
    const mark = WARN.has(c.kind) ? p.yellow('⚠') : '•';
    out.push(`  ${mark} ${WARN.has(c.kind) && c.kind === 'downgrade' ? p.yellow(lines[0]!) : lines[0]}`);
    for (const l of lines.slice(1)) out.push(`    ${l}`);
  }
  return out.join('\n') + '\n';
}

/** A request as it goes on the wire. */
export interface WireRequest {
  method: string;
  path: string;
  contentType: string;
  body: unknown;
}

/** The requests, exactly as they would be sent. */
export function renderRequests(requests: WireRequest[]): string {
  return (
    requests
      .map((r) => `${r.method} ${r.path}\nContent-Type: ${r.contentType}\n${escapeHidden(JSON.stringify(r.body, null, 2))}`)
      .join('\n\n') + '\n'
  );
}
