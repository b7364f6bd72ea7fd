// history ROLLOUT and diff ROLLOUT: read-only views of the revisions.
import type { Ctx } from '../../ctx.js';
import { CliError, EXIT } from '../../errors.js';
import { diffTemplates } from '../../rollout/diff.js';
import { versionOf } from '../../rollout/plan.js';
import { historyJson, serialize, API_VERSION } from '../../render/formats.js';
import { versionText } from '../../render/status.js';
import { renderDiff, renderHistory } from '../../render/tables.js';
import { paint } from '../../render/text.js';
import { loadRollout, validateName } from '../load.js';

function format(o: string | undefined): 'table' | 'wide' | 'json' | 'yaml' {
  const v = o ?? 'table';
  if (v === 'table' || v === 'wide' || v === 'json' || v === 'yaml') return v;
  throw new CliError(EXIT.USAGE, 'usage.badOutput', { value: v, allowed: 'table, wide, json, yaml' });
}

export async function history(ctx: Ctx, args: { rollout: string; output?: string }): Promise<number> {
  validateName('rollout', args.rollout);
  const fmt = format(args.output);
  const kube = await ctx.kube();
  const { view } = await loadRollout(ctx, kube, args.rollout);
  if (view.strategy !== 'blueGreen') throw new CliError(EXIT.STATE, 'state.notBlueGreen', { name: view.name, strategy: view.strategy });
  if (fmt === 'json' || fmt === 'yaml') {
    ctx.out(serialize(historyJson(view, view.history), fmt));
    return EXIT.OK;
  }
  ctx.out(renderHistory(ctx.t, view.history, { color: ctx.color, now: ctx.io.now(), wide: fmt === 'wide' }));
  ctx.err(`${paint(ctx.colorErr).dim(ctx.t('history.note'))}\n`);
  return EXIT.OK;
}

export async function diff(ctx: Ctx, args: { rollout: string; output?: string }): Promise<number> {
  validateName('rollout', args.rollout);
  const fmt = format(args.output);
  const kube = await ctx.kube();
  const { view } = await loadRollout(ctx, kube, args.rollout);
  if (view.strategy !== 'blueGreen') throw new CliError(EXIT.STATE, 'state.notBlueGreen', { name: view.name, strategy: view.strategy });
  if (!view.preview || !view.active) throw new CliError(EXIT.STATE, 'diff.none', { name: view.name });
  const changes = diffTemplates(view.active.template, view.preview.template);
  if (fmt === 'json' || fmt === 'yaml') {
    ctx.out(
      serialize(
        {
          apiVersion: API_VERSION,
          kind: 'RolloutDiff',
          name: view.name,
          namespace: view.namespace,
          active: versionOf(view.active),
          preview: versionOf(view.preview),
          changes,
        },
        fmt,
      ),
    );
    return EXIT.OK;
  }
  const header = { active: versionText(ctx.t, versionOf(view.active)), preview: versionText(ctx.t, versionOf(view.preview)) };
  ctx.out(renderDiff(ctx.t, header, changes, ctx.color));
  return EXIT.OK;
}
