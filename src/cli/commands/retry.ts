// retry ROLLOUT: after an abort, the aborted preview comes back; users stay where they are until a
// promote. The guard says what comes back (in versions, and whether it is older) and what runs again.
import { planRetry } from '../../rollout/plan.js';
import { runChange } from '../change/run.js';
import type { Handler } from '../dispatch.js';
import { noInvalidInput } from './change-inputs.js';

export const retry: Handler<'retry'> = (ctx, args) =>
  runChange(ctx, args, (loaded, extras) => planRetry(loaded.view, loaded.ro, extras), noInvalidInput);
