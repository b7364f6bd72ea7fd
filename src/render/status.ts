// The status picture: users → ACTIVE box, PREVIEW box below, what makes the preview older, and what each
// next step would do to users. The way the team already draws blue-green (see the seed documents).
import type { T } from '../i18n/index.js';
import type { NextAction } from '../rollout/actions.js';
import type { RevisionView, RolloutView } from '../rollout/view.js';
import { shortImage } from '../rollout/image.js';
import { signalText, unknownText } from './guard.js';
import { age, cleanDeep, duration, padEnd, paint, versionText, width, type Paint } from './text.js';

export interface StatusExtras {
  lastChange?: { by: string; action: string; at: string; reason: string } | null;
  now: Date;
  /** The terminal's width, when stdout is a terminal that knows it: the boxes are fitted into it. */
  columns?: number;
  /** The preview available while the rollout waits on it, and when the controller last recorded anything. */
  still?: { replicaSet: string; ready: string; since: string; goal: 'paused' | 'promoted' } | null;
}

/** A controller that has recorded nothing this long with the preview available is said to sit still. */
export const STILL_MS = 60_000;

/** Boxes are fitted to terminals at least this wide; a narrower one wraps them. */
const MIN_COLUMNS = 40;
/** The boxes are drawn two columns in. */
const BOX_INDENT = 2;

const ICONS: Record<string, string> = { Healthy: '✔', Paused: '॥', Progressing: '◌', Degraded: '✖' };

export function phaseIcon(phase: string): string {
  return ICONS[phase] ?? '?';
}

export function colorPhase(p: Paint, phase: string, text: string): string {
  if (phase === 'Healthy') return p.green(text);
  if (phase === 'Degraded') return p.red(text);
  if (phase === 'Progressing') return p.blue(text);
  return text;
}

/**
 * Shortens text to `max` columns by taking out its middle. The end gets more room, and an image keeps
 * its last path part whole when it can (name and tag: "registry…/frontend:v1.054-hotfix.2").
 */
function ellipsizeMiddle(s: string, max: number): string {
  if (width(s) <= max) return s;
  const room = max - 1;
  const last = s.slice(s.lastIndexOf('/') + 1);
  const minHead = 8;
  const tailRoom = Math.max(Math.ceil(room * 0.6), width(last) + 1 <= room - minHead ? width(last) + 1 : 0);
  const chars = [...s];
  let tail = '';
  let used = 0;
  for (let i = chars.length - 1; i >= 0 && used + width(chars[i]!) <= tailRoom; i--) {
    tail = chars[i]! + tail;
    used += width(chars[i]!);
  }
  let head = '';
  for (const ch of chars) {
    if (used + width(ch) > room) break;
    head += ch;
    used += width(ch);
  }
  return `${head}…${tail}`;
}

/** A line too wide for the box: broken where it says " · ", and a part still too wide shortened. */
function fitLine(line: string, max: number): string[] {
  if (width(line) <= max) return [line];
  const out: string[] = [];
  let cur = '';
  // " · "; escaped: the bundle stays ASCII (scripts/build.ts, assertAscii)
  for (const part of line.split(/\s+\u00b7\s+/)) {
    const joined = cur ? `${cur} · ${part}` : part;
    if (width(joined) <= max) {
      cur = joined;
      continue;
    }
    if (cur) out.push(cur);
    cur = ellipsizeMiddle(part, max);
  }
  if (cur) out.push(cur);
  return out;
}

/**
 * A box `inner + 2` columns wide. With `maxWidth` (the room the terminal leaves), a box that would be
 * wider keeps its shape at that width: its lines are fitted (fitLine), and a title too long for the
 * border keeps what comes before its " · " there and says the rest on the first line.
 */
function box(lines: string[], title: string, color: (s: string) => string, minWidth: number, maxWidth = Infinity): string[] {
  let inner = Math.max(minWidth, width(title) + 4, ...lines.map((l) => width(l) + 2));
  if (inner + 2 > maxWidth) {
    inner = maxWidth - 2;
    const room = inner - 2;
    if (width(title) + 4 > inner) {
      const cut = title.indexOf(' · ');
      if (cut > 0) lines = [title.slice(cut + 3), ...lines];
      title = ellipsizeMiddle(cut > 0 ? title.slice(0, cut) : title, inner - 4);
    }
    lines = lines.flatMap((l) => fitLine(l, room));
  }
  const top = `┌─ ${title} ${'─'.repeat(Math.max(0, inner - width(title) - 3))}┐`;
  const body = lines.map((l) => `│ ${padEnd(l, inner - 2)} │`);
  const bottom = `└${'─'.repeat(inner)}┘`;
  return [top, ...body, bottom].map((l) => color(l));
}

function revisionLines(t: T, r: RevisionView, want: number, service: string | null, serviceFound: boolean | null, now: Date): string[] {
  const lines: string[] = [];
  const rev = r.revision !== null ? t('status.revision', { n: String(r.revision) }) : '';
  const imgs = r.containers.length > 1 ? r.containers.map((c) => `${c.name}: ${c.image}`) : r.images.length ? r.images : ['?'];
  imgs.forEach((img, i) => lines.push(i === 0 && rev ? `${img}  ·  ${rev}` : img));
  if (r.replicaSet) {
    lines.push(
      [t('status.pods', { ready: String(r.availableReplicas), want: String(want) }), t('status.replicaSet', { name: r.replicaSet })].join(
        ' · ',
      ),
    );
    lines.push(t('status.created', { age: age(t, r.createdAt, now) }));
  } else {
    lines.push(t('status.replicaSetGone', { hash: r.podTemplateHash }));
  }
  if (service) {
    lines.push(serviceFound === false ? t('status.serviceMissing', { name: service }) : t('status.service', { name: service }));
  }
  return lines;
}

export function renderStatus(t: T, rawView: RolloutView, actions: NextAction[], color: boolean, extras: StatusExtras): string {
  // Templates are not shown; leave them out of the copy.
  const v = cleanDeep({
    ...rawView,
    history: rawView.history.map((h) => ({ ...h, template: null })),
    active: rawView.active && { ...rawView.active, template: null },
    preview: rawView.preview && { ...rawView.preview, template: null },
  });
  const acts = cleanDeep(actions);
  const p = paint(color);
  const now = extras.now;
  const out: string[] = [];
  out.push(p.bold(t('status.title', { name: v.name, ns: v.namespace })));
  const phaseLine = `${phaseIcon(v.phase)} ${v.phase}${v.message ? ` · ${t('phase.message', { message: v.message })}` : ''}`;
  out.push(`${t('status.phase')}: ${colorPhase(p, v.phase, phaseLine)}`);
  const w = v.workload;
  if (w) {
    const ids = { kind: w.kind || '?', workload: w.name || '?' };
    out.push(w.supported ? t('status.workload', { ...ids, scaleDown: w.scaleDown }) : t('status.workloadUnsupported', ids));
  }
  out.push('');

  const want = v.spec.replicas;
  const previewWant = v.spec.previewReplicaCount ?? want;
  const activeLines = v.active
    ? revisionLines(t, v.active, want, v.services.active, v.serviceState.activeServiceFound, now)
    : [t('guard.usersNowNone')];
  const previewLines = v.preview
    ? revisionLines(t, v.preview, v.aborted ? 0 : previewWant, v.services.preview, v.serviceState.previewServiceFound, now)
    : null;
  if (previewLines && !v.services.preview) previewLines.push(t('status.noPreviewService'));
  const minWidth = Math.max(52, ...activeLines.map(width), ...(previewLines ?? []).map(width)) + 2;
  const maxWidth = extras.columns && extras.columns > 0 ? Math.max(MIN_COLUMNS, extras.columns) - BOX_INDENT : undefined;

  const indent = (ls: string[]) => ls.map((l) => `  ${l}`);
  const users = t('status.users');
  out.push(`    ${p.bold(users)}`);
  out.push(`      │`);
  out.push(`      ▼`);
  out.push(...indent(box(activeLines, t('status.active'), p.green, minWidth, maxWidth)));
  if (previewLines) {
    const title = !v.active ? t('status.previewFirst') : v.aborted ? t('status.previewAborted') : t('status.preview');
    out.push(...indent(box(previewLines, title, v.aborted ? p.dim : p.blue, minWidth, maxWidth)));
  } else {
    out.push(`  ${p.dim(t('status.noPreview'))}`);
  }

  if (v.previewIsOlder) {
    out.push(`  ${p.yellow(`⚠ ${t('status.older')}`)}`);
    for (const s of v.olderSignals) out.push(`    · ${signalText(t, s)}`);
  } else if (v.previewIsOlder === null && v.preview) {
    out.push(`  ${p.yellow(`? ${t('status.olderUnknown')}`)}`);
    for (const u of v.olderUnknown) out.push(`    · ${unknownText(t, u)}`);
  }

  const notes: string[] = [];
  if (!v.observed) notes.push(w && !w.observed ? t('status.workloadNotObserved', { workload: w.name }) : t('status.notObserved'));
  if (w?.supported && w.found === false) notes.push(p.yellow(t('status.workloadMissing', { kind: w.kind, workload: w.name })));
  if (w?.supported && w.found === null) notes.push(t('status.workloadUnread', { kind: w.kind, workload: w.name }));
  if (w?.found && (w.replicas ?? 0) > 0) {
    notes.push(t('status.workloadPods', { workload: w.name, ready: String(w.readyReplicas ?? 0), want: String(w.replicas) }));
  }
  const still = extras.still;
  const stillMs = still ? now.getTime() - Date.parse(still.since) : NaN;
  if (still && stillMs >= STILL_MS) {
    // Its age as the boxes' (seconds, then whole minutes): a watch's picture does not change each second for it.
    notes.push(p.yellow(t('status.controllerStill', { ...still, ago: age(t, still.since, now), name: v.name, ns: v.namespace })));
  }
  if (v.paused.controllerPause && v.paused.reasons.length === 0 && !v.paused.manual) {
    notes.push(t('status.unpausing', { since: extras.lastChange?.action === 'promote' ? extras.lastChange.at : '' }));
  }
  const ss = v.serviceState;
  if (ss.activeSelectorInService && ss.activeSelectorInStatus && ss.activeSelectorInService !== ss.activeSelectorInStatus) {
    notes.push(t('status.selectorMismatch', { service: ss.activeSelectorInService, status: ss.activeSelectorInStatus }));
  }
  if (v.paused.manual) notes.push(t('status.manualPause'));
  if (v.aborted) notes.push(t('status.aborted', { at: v.abortedAt ?? '' }));
  if (v.autoPromotion.enabled && v.preview && !v.aborted) {
    if (v.autoPromotion.promotesAt) {
      const ms = Date.parse(v.autoPromotion.promotesAt) - now.getTime();
      notes.push(t('status.autoPromotionAt', { at: v.autoPromotion.promotesAt, in: duration(t, ms) }));
    } else {
      notes.push(t('status.autoPromotion'));
    }
  }
  if (v.hasPrePromotionAnalysis && v.analysis.prePromotion?.status) {
    notes.push(
      t('status.analysis', {
        which: t('status.analysis.pre'),
        status: v.analysis.prePromotion.status,
        message: v.analysis.prePromotion.message ?? '',
      }),
    );
  }
  if (v.hasPostPromotionAnalysis && v.analysis.postPromotion?.status) {
    notes.push(
      t('status.analysis', {
        which: t('status.analysis.post'),
        status: v.analysis.postPromotion.status,
        message: v.analysis.postPromotion.message ?? '',
      }),
    );
  }
  if (v.stable && v.active && v.stable.podTemplateHash !== v.active.podTemplateHash && !v.aborted) {
    const st = v.history.find((h) => h.podTemplateHash === v.stable!.podTemplateHash);
    notes.push(t('status.stableDiffers', { v: st ? st.images.map(shortImage).join(', ') : v.stable.podTemplateHash }));
  }
  if (v.argoCD) notes.push(t('status.argoCD', { app: v.argoCD.application ?? '?' }));
  const lc = extras.lastChange ? cleanDeep(extras.lastChange) : null;
  if (lc) notes.push(t('status.lastChange', lc));
  if (notes.length) {
    out.push('');
    for (const n of notes) out.push(`  ${n}`);
  }

  if (acts.length) {
    out.push('');
    out.push(p.bold(t('status.next')));
    const col = Math.max(...acts.map((a) => width(a.action))) + 3;
    for (const a of acts) {
      const vt = versionText(t, a.version);
      const effect =
        a.effect === 'setImage'
          ? t('status.next.setImage')
          : a.effect === 'wait'
            ? t('status.next.wait')
            : a.effect === 'promoteDowngrade' || a.effect === 'fullDowngrade' || a.effect === 'abortToStable'
              ? p.yellow(t(`status.next.${a.effect}`, { v: vt }))
              : t(`status.next.${a.effect}`, { v: vt });
      out.push(`  ${padEnd(a.action, col)}${effect}`);
      if (a.effect !== 'setImage') out.push(`  ${' '.repeat(col)}${p.dim(a.command)}`);
    }
  }
  return out.join('\n') + '\n';
}
