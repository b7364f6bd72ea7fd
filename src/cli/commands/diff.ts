// diff ROLLOUT: what differs between the active and the preview pod templates.
import { CliError, EXIT } from '../../errors.js';
import { diffTemplates } from '../../rollout/diff.js';
import { versionOf } from '../../rollout/plan.js';
import { API_VERSION, serialize, workloadJson } from '../../render/formats.js';
import { renderDiff } from '../../render/reports.js';
import { versionText } from '../../render/text.js';
import type { Handler } from '../dispatch.js';
import { loadBlueGreen } from '../load.js';

export const diff: Handler<'diff'> = async (ctx, args) => {
  const { view } = (await loadBlueGreen(ctx, args.rollout)).loaded;
  if (!view.preview || !view.active) throw new CliError(EXIT.STATE, 'diff.none', { name: view.name });
  const changes = diffTemplates(view.active.template, view.preview.template);
  if (args.output === 'json' || args.output === 'yaml') {
    const doc = {
      apiVersion: API_VERSION,
      kind: 'RolloutDiff',
      name: view.name,
      namespace: view.namespace,
      workload: workloadJson(view.workload),
      active: versionOf(view.active),
      preview: versionOf(view.preview),
      changes,
    };
    ctx.out(serialize(doc, args.output));
    return EXIT.OK;
  }
  const header = { active: versionText(ctx.t, versionOf(view.active)), preview: versionText(ctx.t, versionOf(view.preview)) };
  const w = view.workload;
  ctx.out(
    renderDiff(ctx.t, header, changes, ctx.color, w ? ctx.t('diff.workload', { kind: w.kind || '?', workload: w.name || '?' }) : undefined),
  );
  return EXIT.OK;
};
