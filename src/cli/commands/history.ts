// history ROLLOUT: every revision with its images, creation time, earlier numbers and role now.
import { EXIT } from '../../errors.js';
import { historyJson, serialize } from '../../render/formats.js';
import { renderHistory } from '../../render/reports.js';
import { clean, paint } from '../../render/text.js';
import type { Handler } from '../dispatch.js';
import { loadBlueGreen } from '../load.js';

export const history: Handler<'history'> = async (ctx, args) => {
  const { view } = (await loadBlueGreen(ctx, args.rollout)).loaded;
  const fmt = args.output ?? 'table';
  if (fmt === 'json' || fmt === 'yaml') {
    ctx.out(serialize(historyJson(view, view.history), fmt));
    return EXIT.OK;
  }
  ctx.out(renderHistory(ctx.t, view.history, { color: ctx.color, now: ctx.io.now(), wide: fmt === 'wide' }));
  if (view.workload)
    ctx.err(`${ctx.t('history.workload', { kind: clean(view.workload.kind) || '?', workload: clean(view.workload.name) || '?' })}\n`);
  ctx.err(`${paint(ctx.colorErr).dim(ctx.t('history.note'))}\n`);
  return EXIT.OK;
};
