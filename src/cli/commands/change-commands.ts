// set-image, promote, undo, abort: planners plugged into the one change path (../change.ts).
import type { Ctx } from '../../ctx.js';
import { CliError, EXIT } from '../../errors.js';
import { EPHEMERAL_METADATA } from '../../rollout/types.js';
import {
  parseImageArgs,
  planAbort,
  planPromote,
  planSetImage,
  planUndo,
  UnknownRevisionError,
  type SetImageInputError,
} from '../../rollout/plan.js';
import { runChange, type ChangeArgs } from '../change.js';

export interface PromoteArgs extends ChangeArgs {
  full?: boolean;
  wait?: boolean;
  timeout?: string;
  stallTimeout?: string;
}

export async function promote(ctx: Ctx, args: PromoteArgs): Promise<number> {
  const code = await runChange(ctx, args, (l, x) => planPromote(l.view, l.ro, { full: args.full, argoAutoSync: x.argoAutoSync, now: x.now }));
  if (code !== EXIT.OK || !args.wait || args.dryRun !== undefined) return code;
  const { waitFor } = await import('./wait.js');
  return waitFor(ctx, { rollout: args.rollout, for: 'promoted', timeout: args.timeout ?? '5m', stallTimeout: args.stallTimeout });
}

export function abort(ctx: Ctx, args: ChangeArgs): Promise<number> {
  return runChange(ctx, args, (l, x) => planAbort(l.view, l.ro, { argoAutoSync: x.argoAutoSync }));
}

export interface UndoArgs extends ChangeArgs {
  toRevision?: string | number;
}

export function parseRevision(v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  const s = String(v).trim();
  if (!/^\d{1,9}$/.test(s) || Number(s) < 1) throw new CliError(EXIT.USAGE, 'usage.badRevision', { value: s });
  return Number(s);
}

export function undo(ctx: Ctx, args: UndoArgs): Promise<number> {
  const toRevision = parseRevision(args.toRevision);
  return runChange(ctx, args, (l, x) => {
    try {
      const target = (toRevision !== undefined ? l.view.history.find((h) => h.revision === toRevision) : l.view.history.filter((h) => h.revision !== null)[1]) ?? null;
      const rs = target ? l.replicaSets.find((r) => r.metadata.name === target.replicaSet) : undefined;
      return planUndo(l.view, l.ro, { toRevision, now: x.now, argoAutoSync: x.argoAutoSync, ephemeralAnnotation: rs?.metadata.annotations?.[EPHEMERAL_METADATA] });
    } catch (e) {
      if (e instanceof UnknownRevisionError) {
        const available = e.history.map((h) => h.revision).filter((r) => r !== null).join(', ');
        throw new CliError(EXIT.USAGE, 'usage.unknownRevision', { revision: String(e.revision), name: l.view.name, available });
      }
      throw e;
    }
  });
}

export interface SetImageArgs extends ChangeArgs {
  images: string[];
  includeInit?: boolean;
}

function inputError(ctx: Ctx, e: SetImageInputError, rollout: string): CliError {
  switch (e.kind) {
    case 'badPair':
      return new CliError(EXIT.USAGE, 'usage.badPair', { arg: e.arg });
    case 'badImage':
      return new CliError(EXIT.USAGE, 'usage.badImage', { image: e.image, reason: ctx.t(`image.${e.reason}` as 'image.invalid') });
    case 'unknownContainer':
      return new CliError(EXIT.USAGE, 'usage.unknownContainer', { container: e.container, name: rollout, known: e.known.join(', ') });
    case 'duplicateContainer':
      return new CliError(EXIT.USAGE, 'usage.duplicateContainer', { container: e.container });
  }
}

export function setImage(ctx: Ctx, args: SetImageArgs): Promise<number> {
  // Bad input is refused before anything is read from the cluster.
  const changes = parseImageArgs(args.images);
  if (!Array.isArray(changes)) throw inputError(ctx, changes, args.rollout);
  return runChange(ctx, args, (l, x) => {
    const plan = planSetImage(l.view, l.ro, changes, { includeInit: args.includeInit, argoAutoSync: x.argoAutoSync });
    if ('kind' in plan) throw inputError(ctx, plan, args.rollout);
    return plan;
  });
}
