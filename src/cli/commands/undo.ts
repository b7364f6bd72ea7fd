// undo ROLLOUT [--to-revision N]: puts an earlier revision's pod template back (default: the previous
// one, as upstream's undo picks it); the guard says whether users switch now, after a promote, or stay.
import { CliError, EXIT } from '../../errors.js';
import { planUndo } from '../../rollout/plan.js';
import { runChange } from '../change/run.js';
import type { Handler } from '../dispatch.js';
import { describeInputError } from './change-inputs.js';

/** --to-revision: a whole number from 1. */
export function revisionFlag(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const s = v.trim();
  if (!/^\d{1,9}$/.test(s) || Number(s) < 1) throw new CliError(EXIT.USAGE, 'usage.badRevision', { value: s });
  return Number(s);
}

export const undo: Handler<'undo'> = (ctx, args) => {
  const toRevision = revisionFlag(args.toRevision);
  return runChange(ctx, args, (loaded, extras) => planUndo(loaded.view, loaded.ro, { ...extras, toRevision }), describeInputError);
};
