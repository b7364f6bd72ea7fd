// promote ROLLOUT [--full] [--wait]: makes the preview serve users. Not a rollback: the guard says so in
// versions when the preview is older.
import { EXIT, Interrupted } from '../../errors.js';
import { planPromote } from '../../rollout/plan.js';
import { runChange } from '../change/run.js';
import type { Handler } from '../dispatch.js';
import { durationFlag, monotonicMs } from '../duration.js';
import { noInvalidInput } from './change-inputs.js';

export const promote: Handler<'promote'> = async (ctx, args) => {
  // One deadline for the whole command: --timeout covers the wait for the controller's reaction too.
  const timeoutMs = args.wait ? durationFlag('timeout', args.timeout) : 0;
  // Every flag of the wait is checked before the write: a usage error (exit 2) means nothing was done.
  if (args.wait && args.stallTimeout !== undefined) durationFlag('stall-timeout', args.stallTimeout);
  const started = monotonicMs();
  const code = await runChange(
    ctx,
    args,
    (loaded, extras) => planPromote(loaded.view, loaded.ro, { ...extras, full: args.full }),
    noInvalidInput,
  );
  const dryRun = args.dryRun !== undefined && args.dryRun !== 'none' && args.dryRun !== 'false';
  if (code !== EXIT.OK || !args.wait || dryRun || ctx.signal.aborted) return code;
  const { waitForGoal } = await import('./wait.js');
  const left = timeoutMs > 0 ? Math.max(1, timeoutMs - (monotonicMs() - started)) : 0;
  try {
    return await waitForGoal(ctx, {
      rollout: args.rollout,
      goal: 'promoted',
      timeoutMs: left,
      timeoutText: args.timeout,
      stallTimeout: args.stallTimeout,
    });
  } catch (e) {
    // The promote was sent: Ctrl-C or a failure now ends the wait, not the change, and says so.
    if (e instanceof Interrupted || ctx.signal.aborted) {
      ctx.err(`${ctx.t('result.stoppedWaiting')}\n`);
      return EXIT.INTERRUPTED;
    }
    ctx.err(`${ctx.t('result.madeWaitFailed')}\n`);
    throw e;
  }
};
