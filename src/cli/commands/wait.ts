// wait ROLLOUT --for=healthy|paused|promoted [--timeout 5m]: for CI. Uses the watch API; fails fast when
// the rollout needs a person (aborted, analysis failed, progress deadline, an invalid spec), keeps
// waiting (and says for what) while the controller reports a referenced object missing, and says so
// when the controller stops reacting instead of waiting forever.
import type { Ctx } from '../../ctx.js';
import { CliError, EXIT, Interrupted, type ExitCode } from '../../errors.js';
import { translate } from '../../kube/errors.js';
import { degraded, observedAll, phaseText, reached, type WaitGoal } from '../../rollout/goals.js';
import { isUnpausing } from '../../rollout/phase.js';
import type { Rollout } from '../../rollout/types.js';
import { strategyOf } from '../../rollout/view.js';
import type { Handler } from '../dispatch.js';
import { durationFlag, monotonicMs } from '../duration.js';
import { errorContext, readWorkload, requireBlueGreen, validateName } from '../load.js';
import { RolloutWatch } from '../rollout-watch.js';
import { startSpinner } from '../spinner.js';

/** A rollout waiting on the controller with an unchanged status this long means it is not running. */
const DEFAULT_STALL = '60s';
/** How often the stall is checked. */
const STALL_CHECK_MS = 500;

export const wait: Handler<'wait'> = (ctx, args) =>
  waitForGoal(ctx, {
    rollout: args.rollout,
    goal: args.for,
    timeoutMs: durationFlag('timeout', args.timeout),
    timeoutText: args.timeout,
    stallTimeout: args.stallTimeout,
  });

export interface WaitOptions {
  rollout: string;
  goal: WaitGoal;
  /** 0 = no limit. */
  timeoutMs: number;
  timeoutText: string;
  stallTimeout?: string;
}

type Outcome = { code: ExitCode; error?: CliError };

export async function waitForGoal(ctx: Ctx, o: WaitOptions): Promise<ExitCode> {
  validateName('rollout', o.rollout);
  const stallMs = durationFlag('stall-timeout', o.stallTimeout ?? DEFAULT_STALL);
  const kube = await ctx.kube();
  validateName('namespace', kube.namespace);
  const { t } = ctx;
  const name = o.rollout;
  const goalText = t(`wait.for.${o.goal}`);

  const stop = new AbortController();
  const signal = AbortSignal.any([ctx.signal, stop.signal]);
  let outcome: Outcome | null = null;
  let current: Rollout | null = null;
  let missing: string | null = null;
  let stalledSince: number | null = null;
  let lastStatus = '';
  /** workloadRef: the Deployment's generation when the wait began; the controller must reach it. */
  let workloadGeneration: number | null = null;
  const spinner = await startSpinner(ctx, '');

  const finish = (x: Outcome) => {
    outcome ??= x;
    stop.abort();
  };

  const evaluate = () => {
    const ro = watch.rollout;
    if (!ro || outcome) return;
    current = ro;
    if (reached(ro, o.goal, workloadGeneration)) return finish({ code: EXIT.OK });
    const d = degraded(ro, workloadGeneration);
    missing = d?.kind === 'missingObject' ? d.object : null;
    if (d?.kind === 'final') {
      return finish({ code: EXIT.STATE, error: new CliError(EXIT.STATE, 'wait.degraded', { name, for: goalText, now: phaseText(ro) }) });
    }
    spinner.text(
      missing
        ? t('wait.waitingForObject', { name, for: goalText, object: missing })
        : t('wait.waiting', { name, for: goalText, now: phaseText(ro) }),
    );
    // Stalled: the rollout waits on the controller (spec not observed, or a promote not acted on) and
    // its status has not changed since. Any status change means the controller is alive.
    const waitingOnController = !observedAll(ro, workloadGeneration) || isUnpausing(ro);
    const fingerprint = JSON.stringify(ro.status ?? {});
    if (!waitingOnController) stalledSince = null;
    else if (fingerprint !== lastStatus || stalledSince === null) stalledSince = monotonicMs();
    lastStatus = fingerprint;
  };

  const watch = new RolloutWatch({ kube, ns: kube.namespace, name, signal, onChange: evaluate });
  const timers: NodeJS.Timeout[] = [];
  try {
    await watch.start();
    if (watch.rollout) requireBlueGreen({ name, strategy: strategyOf(watch.rollout) });
    // A template just written to a workloadRef's Deployment (set-image, undo) is not on the Rollout yet:
    // wait for the controller to take up at least the generation the Deployment has now.
    if (watch.rollout?.spec?.workloadRef)
      workloadGeneration = (await readWorkload(kube, watch.rollout, signal))?.metadata.generation ?? null;
    evaluate();
    if (!outcome) {
      if (o.timeoutMs > 0) {
        timers.push(
          setTimeout(() => {
            const now = current ? phaseText(current) : '?';
            const error = missing
              ? new CliError(EXIT.TIMEOUT, 'wait.timeoutMissing', { name, for: goalText, timeout: o.timeoutText, object: missing })
              : new CliError(EXIT.TIMEOUT, 'wait.timeout', { name, for: goalText, timeout: o.timeoutText, now });
            finish({ code: EXIT.TIMEOUT, error });
          }, o.timeoutMs),
        );
      }
      // The controller reacts within seconds; a status that stays behind means it is not running.
      timers.push(
        setInterval(() => {
          if (stalledSince !== null && stallMs > 0 && monotonicMs() - stalledSince >= stallMs) {
            finish({
              code: EXIT.FAILURE,
              error: new CliError(EXIT.FAILURE, 'wait.controllerStalled', { name, seconds: String(Math.round(stallMs / 1000)) }),
            });
          }
        }, STALL_CHECK_MS),
      );
      await watch.run();
    }
  } catch (e) {
    if (!outcome) throw translate(e, errorContext(ctx, kube, name));
  } finally {
    for (const tm of timers) clearTimeout(tm);
    stop.abort();
    spinner.stop();
  }
  const end = outcome as Outcome | null;
  if (!end) {
    if (ctx.signal.aborted) throw new Interrupted();
    return EXIT.FAILURE;
  }
  if (end.error) throw end.error;
  ctx.out(`${t('wait.reached', { name, for: goalText, now: current ? phaseText(current) : '' })}\n`);
  return EXIT.OK;
}
