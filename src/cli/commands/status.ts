// status [ROLLOUT]: the picture of one rollout, or the table of all blue-green rollouts.
import type { Ctx, Kube } from '../../ctx.js';
import { CliError, EXIT } from '../../errors.js';
import { translate } from '../../kube/errors.js';
import { Watcher, type WatcherState } from '../../kube/watcher.js';
import { nextActions } from '../../rollout/actions.js';
import { buildRolloutView, type RolloutView } from '../../rollout/view.js';
import { POD_TEMPLATE_HASH, type ReplicaSet, type Rollout, type Service } from '../../rollout/types.js';
import { labelSelector } from '../../kube/client.js';
import { compactRollout, normalizeReplicaSet } from '../../rollout/normalize.js';
import { listJson, serialize, statusJson } from '../../render/formats.js';
import { renderStatus } from '../../render/status.js';
import { renderList } from '../../render/tables.js';
import { paint } from '../../render/text.js';
import { errorContext, lastChange, loadRollout, oneRolloutSource, validateName, type Loaded } from '../load.js';

export interface StatusArgs {
  rollout?: string;
  watch?: boolean;
  output?: string;
  allNamespaces?: boolean;
}

function outputFormat(o: string | undefined): 'table' | 'wide' | 'json' | 'yaml' {
  const v = o ?? 'table';
  if (v === 'table' || v === 'wide' || v === 'json' || v === 'yaml') return v;
  throw new CliError(EXIT.USAGE, 'usage.badOutput', { value: v, allowed: 'table, wide, json, yaml' });
}

function renderOne(ctx: Ctx, l: Loaded, format: string): string {
  const now = ctx.io.now();
  const actions = nextActions(l.view, l.ro, now);
  if (format === 'json' || format === 'yaml') return serialize(statusJson(l.view, actions), format);
  return renderStatus(ctx.t, l.view, actions, ctx.color, { now, lastChange: lastChange(l.ro), columns: ctx.io.stdout.isTTY ? ctx.io.stdout.columns : undefined });
}

export async function status(ctx: Ctx, args: StatusArgs): Promise<number> {
  const format = outputFormat(args.output);
  if (args.rollout && args.allNamespaces) throw new CliError(EXIT.USAGE, 'usage.allNamespaces', {});
  if (args.rollout) validateName('rollout', args.rollout);
  if (args.watch && (format === 'json' || format === 'yaml')) throw new CliError(EXIT.USAGE, 'usage.watchOutput', {});
  const kube = await ctx.kube();
  if (!args.allNamespaces) validateName('namespace', kube.namespace);
  if (!args.rollout) return list(ctx, kube, format, args.allNamespaces === true);
  if (args.watch) return watch(ctx, kube, args.rollout);
  const loaded = await loadRollout(ctx, kube, args.rollout);
  if (loaded.view.strategy !== 'blueGreen') {
    throw new CliError(EXIT.STATE, 'state.notBlueGreen', { name: args.rollout, strategy: loaded.view.strategy });
  }
  ctx.out(renderOne(ctx, loaded, format));
  return EXIT.OK;
}

/** Above this many hashes, one list of every rollout-made ReplicaSet is cheaper than a long selector. */
const MAX_HASH_SELECTOR = 100;
const PAGE = 500;

async function list(ctx: Ctx, kube: Kube, format: string, all: boolean): Promise<number> {
  const ns = all ? null : kube.namespace;
  let rollouts: Rollout[];
  let replicaSets: ReplicaSet[] = [];
  try {
    // Requests do not grow with the number of rollouts: one list of Rollouts; then, only if some have
    // a preview waiting, one list of just the ReplicaSets those need (active and preview, to tell
    // which is older). A settled rollout is described from the Rollout itself.
    // In pages of 500, as kubectl does, each reduced to what the table shows before the next is read:
    // memory stays bounded however many rollouts there are.
    rollouts = [];
    let cont: string | undefined;
    do {
      const page = await kube.client.listRollouts(ns, ctx.signal, { limit: PAGE, continue: cont });
      for (const item of page.items) rollouts.push(compactRollout(item));
      cont = page.metadata?.continue || undefined;
    } while (cont);
    const hashes = new Set<string>();
    for (const ro of rollouts) {
      const st = ro.status;
      if (!ro.spec?.strategy?.blueGreen || !st?.currentPodHash) continue;
      const active = st.blueGreen?.activeSelector;
      if (active === st.currentPodHash) continue;
      hashes.add(st.currentPodHash);
      if (active) hashes.add(active);
    }
    if (hashes.size > 0) {
      const selector = hashes.size <= MAX_HASH_SELECTOR ? `${POD_TEMPLATE_HASH} in (${[...hashes].sort().join(',')})` : POD_TEMPLATE_HASH;
      replicaSets = (await kube.client.listReplicaSets(ns, selector, ctx.signal)).items.map(normalizeReplicaSet);
    }
  } catch (e) {
    throw translate(e, errorContext(ctx, kube));
  }
  const byOwner = new Map<string, ReplicaSet[]>();
  for (const rs of replicaSets) {
    for (const ref of rs.metadata.ownerReferences ?? []) {
      if (ref.kind !== 'Rollout') continue;
      const arr = byOwner.get(ref.uid) ?? [];
      arr.push(rs);
      byOwner.set(ref.uid, arr);
    }
  }
  const views: RolloutView[] = [];
  let others = 0;
  for (const ro of rollouts) {
    if (!ro.spec?.strategy?.blueGreen) {
      others++;
      continue;
    }
    views.push(buildRolloutView({ rollout: ro, replicaSets: byOwner.get(ro.metadata.uid ?? '') ?? [], desiredFromRollout: true }));
  }
  views.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  if (format === 'json' || format === 'yaml') {
    ctx.out(serialize(listJson(views.map((v) => statusJson(v, null))), format));
    return EXIT.OK;
  }
  if (views.length === 0) {
    ctx.err(`${ctx.t('list.empty', { ns: all ? ctx.t('list.allNamespaces') : ctx.t('list.namespace', { ns: kube.namespace }) })}\n`);
  } else {
    ctx.out(renderList(ctx.t, views, { allNamespaces: all, wide: format === 'wide', color: ctx.color, now: ctx.io.now() }));
  }
  if (others > 0) ctx.err(`${ctx.t('list.skippedCanary', { count: String(others) })}\n`);
  return EXIT.OK;
}

/** --watch: two watches (the Rollout, its ReplicaSets); redraw only when the picture changes. */
async function watch(ctx: Ctx, kube: Kube, name: string): Promise<number> {
  const first = await loadRollout(ctx, kube, name);
  if (first.view.strategy !== 'blueGreen') {
    throw new CliError(EXIT.STATE, 'state.notBlueGreen', { name, strategy: first.view.strategy });
  }
  const ns = kube.namespace;
  const selector = labelSelector(first.ro.spec?.selector);
  const p = paint(ctx.colorErr);
  let services: { active: Service | null | undefined; preview: Service | null | undefined } = {
    active: first.activeService,
    preview: first.previewService,
  };
  let banner = '';
  let lastFrame = '';
  const tty = ctx.io.stdout.isTTY === true && ctx.io.env.TERM !== 'dumb'; // a dumb terminal cannot clear: frames follow each other
  let scheduled: NodeJS.Timeout | null = null;

  const rollouts = new Watcher<Rollout>({
    ...oneRolloutSource(kube, ns, name),
    onChange: () => {
      refreshServices();
      schedule();
    },
    onState: state,
    signal: ctx.signal,
  });
  const replicaSets = new Watcher<ReplicaSet>({
    list: async (signal) => {
      const l = await kube.client.listReplicaSets(ns, selector, signal);
      return { items: l.items.map(normalizeReplicaSet), resourceVersion: l.metadata?.resourceVersion ?? '' };
    },
    watch: (rv, onEvent, signal) => kube.client.watchReplicaSets(ns, selector, rv, (ev) => onEvent({ ...ev, object: normalizeReplicaSet(ev.object) }), signal),
    onChange: schedule,
    onState: state,
    signal: ctx.signal,
  });

  function state(s: WatcherState) {
    banner = s.kind === 'reconnecting' ? p.yellow(`⟳ ${ctx.t('status.reconnecting', { detail: s.detail })}`) : '';
    if (s.kind === 'synced') ctx.err(`${p.green(ctx.t('status.reconnected'))}\n`);
    else ctx.err(`${banner}\n`);
    if (tty) draw(true);
  }

  function refreshServices() {
    const ro = [...rollouts.items.values()][0];
    const bg = ro?.spec?.strategy?.blueGreen;
    if (!bg) return;
    Promise.all([
      bg.activeService ? kube.client.getService(ns, bg.activeService) : undefined,
      bg.previewService ? kube.client.getService(ns, bg.previewService) : undefined,
    ]).then(
      ([active, preview]) => {
        services = { active, preview };
        schedule();
      },
      () => undefined, // the watchers report connection trouble
    );
  }

  function schedule() {
    if (scheduled) return;
    scheduled = setTimeout(() => {
      scheduled = null;
      draw(false);
    }, 30);
  }

  function draw(force: boolean) {
    const ro = [...rollouts.items.values()][0];
    if (!ro) return;
    const view = buildRolloutView({ rollout: ro, replicaSets: [...replicaSets.items.values()], activeService: services.active, previewService: services.preview });
    const loaded: Loaded = { ro, replicaSets: [...replicaSets.items.values()], activeService: services.active, previewService: services.preview, view };
    const frame = renderOne(ctx, loaded, 'table');
    if (frame === lastFrame && !force) return;
    lastFrame = frame;
    if (tty) ctx.out(`\u001b[H\u001b[2J${banner ? `${banner}\n\n` : ''}${frame}`);
    else ctx.out(`${frame}\n`);
  }

  // Start from what was just read: the Rollout's watch resumes at its resourceVersion; the
  // ReplicaSets are listed once more to get a collection resourceVersion to watch from.
  rollouts.seed([first.ro], first.ro.metadata.resourceVersion ?? null);
  replicaSets.seed(first.replicaSets, null);
  draw(true);
  ctx.err(`${p.dim(ctx.t('status.watching'))}\n`);
  try {
    await Promise.all([rollouts.run(), replicaSets.run()]);
  } catch (e) {
    throw translate(e, errorContext(ctx, kube, name));
  } finally {
    if (scheduled) clearTimeout(scheduled);
  }
  return EXIT.INTERRUPTED;
}
