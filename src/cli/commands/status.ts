// status [ROLLOUT]: the picture of one rollout (or, with --watch, redrawn on change), or the table of
// all blue-green rollouts. The single view and the listing are built by the same function from the
// same kinds of objects, so they cannot disagree about who gets users, what waits, or "older".
import type { Ctx } from '../../ctx.js';
import { CliError, EXIT } from '../../errors.js';
import { lastChange } from '../../rollout/audit.js';
import { availableText, awaitedReplicaSet, lastRecorded, lastStatusWrite, newest, replicaSetAvailable } from '../../rollout/goals.js';
import { hashOf, ownedBy } from '../../rollout/view.js';
import { nextActions } from '../../rollout/actions.js';
import { serialize, statusJson } from '../../render/formats.js';
import { renderStatus, type StatusExtras } from '../../render/status.js';
import type { Handler } from '../dispatch.js';
import { loadBlueGreen, validateName, type Loaded } from '../load.js';

export type StatusFormat = 'table' | 'wide' | 'json' | 'yaml';

/**
 * One rollout as text or as the JSON/YAML document, with the next steps from the planners. Its ages and
 * notes are as of ctx.io.now(): --watch draws it again as the clock moves them (status-watch.ts).
 * `current`: false while a watch reconnects (its objects may be behind): nothing is said then of a
 * controller that sits still, which only the watch may be.
 */
export function renderOne(ctx: Pick<Ctx, 'io' | 't' | 'color'>, l: Loaded, format: StatusFormat, current = true): string {
  const now = ctx.io.now();
  const actions = nextActions(l.view, l.ro, now);
  if (format === 'json' || format === 'yaml') return serialize(statusJson(l.view, actions), format);
  return renderStatus(ctx.t, l.view, actions, ctx.color, {
    now,
    lastChange: lastChange(l.ro),
    columns: ctx.io.stdout.isTTY ? ctx.io.stdout.columns : undefined,
    still: current ? stillOnPreview(l) : null,
  });
}

/**
 * The rollout waits on its preview alone (src/rollout/goals.ts awaitedReplicaSet), the ReplicaSets read
 * have it available, and the last time anything moved: the newest of the preview ReplicaSet's last status
 * write (so a preview that became available a moment ago is not blamed on a controller that has had no
 * time to act), the Rollout's last status write and its conditions' times. What the single view says of
 * a controller that sits still (Argo Rollouts v1.7.x's stale ReplicaSet cache, or one that is down) once
 * that is over a minute old. From what status reads anyway: no request more. Without the ReplicaSet's
 * status write recorded (managedFields), when it became available is unknown: nothing is said.
 */
export function stillOnPreview(l: Loaded): StatusExtras['still'] {
  const p = l.view.preview;
  if (!p?.replicaSet || awaitedReplicaSet(l.ro) !== p.podTemplateHash) return null;
  const rs = l.replicaSets.find((r) => hashOf(r) === p.podTemplateHash && ownedBy(r, l.ro));
  if (!rs || !replicaSetAvailable(rs)) return null;
  const available = lastStatusWrite(rs.metadata);
  const since = available && newest([available, lastStatusWrite(l.ro.metadata), lastRecorded(l.ro)]);
  if (!since) return null;
  const auto = l.view.autoPromotion;
  const goal = auto.enabled && auto.seconds === 0 ? 'promoted' : 'paused';
  return { replicaSet: p.replicaSet, ready: availableText(rs), since, goal };
}

export const status: Handler<'status'> = async (ctx, args) => {
  const format = args.output ?? 'table';
  if (args.rollout && args.allNamespaces) throw new CliError(EXIT.USAGE, 'usage.allNamespaces');
  if (args.watch && !args.rollout) throw new CliError(EXIT.USAGE, 'usage.watchNeedsName');
  if (args.watch && (format === 'json' || format === 'yaml')) throw new CliError(EXIT.USAGE, 'usage.watchOutput');
  // kubectl's --chunk-size: a whole number; 0 reads the listing in one request.
  if (!/^\d{1,9}$/.test(args.chunkSize)) throw new CliError(EXIT.USAGE, 'usage.badChunkSize', { value: args.chunkSize });
  if (!args.rollout) {
    const kube = await ctx.kube();
    if (!args.allNamespaces) validateName('namespace', kube.namespace);
    const { list } = await import('./status-list.js');
    return list(ctx, kube, format, args.allNamespaces, Number(args.chunkSize));
  }
  const { kube, loaded } = await loadBlueGreen(ctx, args.rollout);
  if (args.watch) {
    const { watch } = await import('./status-watch.js');
    return watch(ctx, kube, loaded);
  }
  ctx.out(renderOne(ctx, loaded, format));
  return EXIT.OK;
};
