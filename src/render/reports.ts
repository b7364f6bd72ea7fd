// The listing, the revision history and the template diff, as tables for people. Pure: returns text.
import type { T } from '../i18n/index.js';
import type { Change } from '../rollout/diff.js';
import { shortImage } from '../rollout/image.js';
import type { HistoryEntry, RolloutView } from '../rollout/view.js';
import { age, clean, cleanDeep, paint } from './text.js';
import { columns, table } from './table.js';
import { colorPhase, phaseIcon } from './status.js';

export interface ListOpts {
  allNamespaces: boolean;
  wide: boolean;
  color: boolean;
  now: Date;
}

export function renderList(t: T, views: RolloutView[], opts: ListOpts): string {
  return columns([listHead(t, opts), ...views.map((v) => listRow(t, v, opts))]);
}

/** The listing's header row. */
export function listHead(t: T, opts: ListOpts): string[] {
  return [
    ...(opts.allNamespaces ? [t('list.h.namespace')] : []),
    t('list.h.name'),
    t('list.h.phase'),
    t('list.h.active'),
    t('list.h.rev'),
    t('list.h.preview'),
    t('list.h.rev'),
    t('list.h.older'),
    t('list.h.ready'),
    t('list.h.age'),
    ...(opts.wide ? [t('list.h.services'), t('list.h.message')] : []),
  ];
}

/** One rollout's row: its cells, small enough to keep for thousands of rollouts once the objects are dropped. */
export function listRow(t: T, v: RolloutView, opts: ListOpts): string[] {
  // Every cell that comes from the cluster goes through clean() (not cleanDeep: the views carry whole
  // pod templates, and copying them for thousands of rollouts is the listing's largest cost).
  const p = paint(opts.color);
  const images = (r: RolloutView['active']) => (r ? clean((opts.wide ? r.images : r.images.map(shortImage)).join(',')) || '?' : '-');
  const rev = (r: RolloutView['active']) => (r?.revision != null ? String(r.revision) : '-');
  const ready = v.active ? `${v.active.availableReplicas}/${v.spec.replicas}` : `0/${v.spec.replicas}`;
  return [
    ...(opts.allNamespaces ? [clean(v.namespace)] : []),
    clean(v.name),
    colorPhase(p, v.phase, `${phaseIcon(v.phase)} ${clean(v.phase)}`),
    images(v.active),
    rev(v.active),
    images(v.preview),
    rev(v.preview),
    !v.preview ? '-' : v.previewIsOlder ? p.yellow(t('list.yes')) : v.previewIsOlder === null ? p.yellow(t('list.unknown')) : t('list.no'),
    ready,
    age(t, v.createdAt, opts.now),
    ...(opts.wide
      ? [
          clean(`${v.services.active ?? '-'}/${v.services.preview ?? '-'}`),
          clean(v.message ? t('phase.message', { message: v.message }) : '') || '-',
        ]
      : []),
  ];
}

export function renderHistory(t: T, rawEntries: HistoryEntry[], opts: { color: boolean; now: Date; wide: boolean }): string {
  const entries = cleanDeep(rawEntries);
  const p = paint(opts.color);
  const head = [
    t('history.h.revision'),
    t('history.h.role'),
    t('history.h.images'),
    t('history.h.created'),
    t('history.h.earlier'),
    t('history.h.pods'),
    ...(opts.wide ? [t('history.h.replicaSet')] : []),
  ];
  const rows = entries.map((e) => {
    const role = e.roles.map((r) => t(`role.${r}`)).join(', ');
    const colored = e.roles.includes('active') ? p.green(role) : e.roles.includes('preview') ? p.blue(role) : role;
    return [
      e.revision != null ? String(e.revision) : '?',
      colored,
      (opts.wide ? e.images : e.images.map(shortImage)).join(', ') || '?',
      `${age(t, e.createdAt, opts.now)}`,
      e.revisionHistory.length ? e.revisionHistory.join(',') : '-',
      `${e.availableReplicas}/${e.replicas}`,
      ...(opts.wide ? [e.replicaSet ?? '-'] : []),
    ];
  });
  return table([head, ...rows]);
}

function show(x: unknown): string {
  return clean(typeof x === 'string' ? x : JSON.stringify(x));
}

/** `source`: where the templates come from, when not the Rollout (a workloadRef's Deployment). */
export function renderDiff(t: T, header: { active: string; preview: string }, changes: Change[], color: boolean, source?: string): string {
  const p = paint(color);
  if (changes.length === 0) return `${t('diff.same')}${source ? ` ${clean(source)}` : ''}\n`;
  const out = [p.bold(t('diff.header', cleanDeep(header)))];
  if (source) out.push(p.dim(clean(source)));
  for (const c of changes) {
    const path = clean(c.path);
    if (c.kind === 'changed') out.push(p.yellow(`~ ${path}: ${show(c.from)} → ${show(c.to)}`));
    else if (c.kind === 'removed') out.push(p.red(`- ${path}: ${show(c.from)}`));
    else out.push(p.green(`+ ${path}: ${show(c.to)}`));
  }
  return out.join('\n') + '\n';
}
