// wait ROLLOUT --for=healthy|paused|promoted [--timeout 5m]: for CI. Uses the watch API; fails fast
// when the rollout degrades, and says so when the controller stops reacting instead of waiting forever.
import type { Ctx } from '../../ctx.js';
import { parseDuration } from '../../ctx.js';
import { CliError, EXIT, Interrupted } from '../../errors.js';
import { translate } from '../../kube/errors.js';
import { Watcher } from '../../kube/watcher.js';
import { getRolloutPhase, isGenerationObserved, isUnpausing } from '../../rollout/phase.js';
import type { Rollout } from '../../rollout/types.js';
import { errorContext, oneRolloutSource, validateName } from '../load.js';
import { startSpinner } from '../spinner.js';

export type WaitFor = 'healthy' | 'paused' | 'promoted';

export interface WaitArgs {
  rollout: string;
  for: WaitFor;
  timeout?: string;
  stallTimeout?: string;
}

export function reached(ro: Rollout, goal: WaitFor): boolean {
  const st = ro.status ?? {};
  const observed = isGenerationObserved(ro);
  switch (goal) {
    case 'healthy':
      return observed && getRolloutPhase(ro).phase === 'Healthy';
    case 'paused':
      return (
        observed &&
        !st.abort &&
        !!st.currentPodHash &&
        st.currentPodHash !== st.blueGreen?.activeSelector &&
        (st.pauseConditions ?? []).some((p) => p.reason === 'BlueGreenPause')
      );
    case 'promoted':
      return (
        observed &&
        !st.abort &&
        !!st.currentPodHash &&
        st.blueGreen?.activeSelector === st.currentPodHash &&
        st.stableRS === st.currentPodHash
      );
  }
}

function describe(ro: Rollout): string {
  const { phase, message } = getRolloutPhase(ro);
  return message ? `${phase} - ${message}` : phase;
}

export async function waitFor(ctx: Ctx, args: WaitArgs): Promise<number> {
  validateName('rollout', args.rollout);
  const timeoutText = args.timeout ?? '5m';
  const timeoutMs = parseDuration(timeoutText);
  if (timeoutMs === null) throw new CliError(EXIT.USAGE, 'usage.badDuration', { flag: 'timeout', value: timeoutText });
  const stallMs = parseDuration(args.stallTimeout ?? '60s');
  if (stallMs === null) throw new CliError(EXIT.USAGE, 'usage.badDuration', { flag: 'stall-timeout', value: args.stallTimeout ?? '' });
  const kube = await ctx.kube();
  const ns = kube.namespace;
  const name = args.rollout;
  const t = ctx.t;
  const goalText = t(`wait.for.${args.for}`);

  const stop = new AbortController();
  const onOuterAbort = () => stop.abort();
  ctx.signal.addEventListener('abort', onOuterAbort, { once: true });
  let outcome: { code: number; error?: unknown } | null = null;
  let current: Rollout | null = null;
  let stalledSince: number | null = null;
  let lastStatus = '';
  const spinner = await startSpinner(ctx, '');

  const finish = (o: { code: number; error?: unknown }) => {
    if (outcome) return;
    outcome = o;
    stop.abort();
  };

  const evaluate = () => {
    const ro = [...watcher.items.values()][0];
    if (!ro) return;
    current = ro;
    spinner.text(t('wait.waiting', { name, for: goalText, now: describe(ro) }));
    if (reached(ro, args.for)) return finish({ code: EXIT.OK });
    const phase = getRolloutPhase(ro);
    if (phase.phase === 'Degraded') {
      return finish({ code: EXIT.STATE, error: new CliError(EXIT.STATE, 'wait.degraded', { name, for: goalText, now: describe(ro) }) });
    }
    // Stalled: the rollout waits on the controller (spec not observed, or a promote not acted on) and
    // its status has not changed since. Any status change means the controller is alive.
    const waitingOnController = !isGenerationObserved(ro) || isUnpausing(ro);
    const fingerprint = JSON.stringify(ro.status ?? {});
    if (!waitingOnController) stalledSince = null;
    else if (fingerprint !== lastStatus || stalledSince === null) stalledSince = Date.now();
    lastStatus = fingerprint;
  };

  const watcher = new Watcher<Rollout>({
    ...oneRolloutSource(kube, ns, name),
    onChange: evaluate,
    signal: stop.signal,
  });

  const timers: NodeJS.Timeout[] = [];
  try {
    await watcher.start();
    evaluate();
    if (!outcome) {
      if (timeoutMs > 0) {
        timers.push(
          setTimeout(() => {
            finish({
              code: EXIT.TIMEOUT,
              error: new CliError(EXIT.TIMEOUT, 'wait.timeout', { name, for: goalText, timeout: timeoutText, now: current ? describe(current) : '?' }),
            });
          }, timeoutMs),
        );
      }
      // The controller reacts within seconds; a status that stays behind means it is not running.
      timers.push(
        setInterval(() => {
          if (stalledSince !== null && stallMs > 0 && Date.now() - stalledSince >= stallMs) {
            finish({ code: EXIT.FAILURE, error: new CliError(EXIT.FAILURE, 'wait.controllerStalled', { name, seconds: String(Math.round(stallMs / 1000)) }) });
          }
        }, 500),
      );
      await watcher.run();
    }
  } catch (e) {
    if (!outcome) throw translate(e, errorContext(ctx, kube, name));
  } finally {
    for (const tm of timers) clearTimeout(tm);
    ctx.signal.removeEventListener('abort', onOuterAbort);
    spinner.stop();
  }
  if (!outcome) {
    if (ctx.signal.aborted) throw new Interrupted();
    return EXIT.FAILURE;
  }
  const o = outcome as { code: number; error?: unknown };
  if (o.error) throw o.error;
  ctx.out(`${t('wait.reached', { name, for: goalText, now: current ? describe(current) : '' })}\n`);
  return EXIT.OK;
}
