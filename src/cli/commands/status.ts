// status [ROLLOUT]: the picture of one rollout (or, with --watch, redrawn on change), or the table of
// all blue-green rollouts. The single view and the listing are built by the same function from the
// same kinds of objects, so they cannot disagree about who gets users, what waits, or "older".
import type { Ctx } from '../../ctx.js';
import { CliError, EXIT } from '../../errors.js';
import { lastChange } from '../../rollout/audit.js';
import { nextActions } from '../../rollout/actions.js';
import { serialize, statusJson } from '../../render/formats.js';
import { renderStatus } from '../../render/status.js';
import type { Handler } from '../dispatch.js';
import { loadBlueGreen, validateName, type Loaded } from '../load.js';

export type StatusFormat = 'table' | 'wide' | 'json' | 'yaml';

/** One rollout as text or as the JSON/YAML document, with the next steps from the planners. */
export function renderOne(ctx: Pick<Ctx, 'io' | 't' | 'color'>, l: Loaded, format: StatusFormat): string {
  const now = ctx.io.now();
  const actions = nextActions(l.view, l.ro, now);
  if (format === 'json' || format === 'yaml') return serialize(statusJson(l.view, actions), format);
  return renderStatus(ctx.t, l.view, actions, ctx.color, {
    now,
    lastChange: lastChange(l.ro),
    columns: ctx.io.stdout.isTTY ? ctx.io.stdout.columns : undefined,
  });
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
