// abort ROLLOUT: users stay on the active version; the preview is scaled down.
import type { Handler } from '../dispatch.js';
import { planAbort } from '../../rollout/plan.js';
import { runChange } from '../change/run.js';
import { noInvalidInput } from './change-inputs.js';

export const abort: Handler<'abort'> = (ctx, args) =>
  runChange(ctx, args, (loaded, extras) => planAbort(loaded.view, loaded.ro, extras), noInvalidInput);
