// set-image ROLLOUT CONTAINER=IMAGE...: a new pod template, which makes a new preview.
import { parseImageArgs, planSetImage } from '../../rollout/plan.js';
import { runChange } from '../change/run.js';
import type { Handler } from '../dispatch.js';
import { describeInputError } from './change-inputs.js';

export const setImage: Handler<'set-image'> = (ctx, args) => {
  // Bad input is refused before anything is read from the cluster.
  const changes = parseImageArgs(args.images);
  if (!Array.isArray(changes)) throw describeInputError(changes, args.rollout, ctx.t);
  return runChange(
    ctx,
    args,
    (loaded, extras) => planSetImage(loaded.view, loaded.ro, changes, { ...extras, includeInit: args.includeInit }),
    describeInputError,
    // The same plan on every release: the controller's release is not read.
    { byRelease: false },
  );
};
