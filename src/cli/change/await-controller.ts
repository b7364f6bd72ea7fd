// After a promote, abort or retry: watch the rollout briefly for the controller's reaction, so the
// command can say it is acting (or that it is not). Measured on Argo Rollouts v1.9.1: a promote that
// lands while the controller is finishing the reconcile that added the pause can be lost in its cache
// (it keeps a stale copy with the pause and waits, "pause incomplete", until some other event; 6 in 15
// promotes with the official plugin). An annotation change is an update event the controller cannot
// miss, so a silent controller gets at most NUDGE_AT_MS.length such nudges, paced, and only while the
// watch works: a write the user did not confirm is kept to the few the guard documents.
import type { Ctx, Kube } from '../../ctx.js';
import { CliError } from '../../errors.js';
import { translate } from '../../kube/errors.js';
import type { PlannedRequest } from '../../rollout/plan.js';
import { reacted } from '../../rollout/reaction.js';
import { NUDGE_ANNOTATION, type Rollout } from '../../rollout/types.js';
import { rfc3339 } from '../../rollout/time.js';
import { errorContext } from '../load.js';
import { RolloutWatch } from '../rollout-watch.js';

/** How long to watch for the controller's reaction. It normally reacts within ~300 ms. */
export const REACTION_BUDGET_MS = 6000;
/** When to nudge a controller that has not reacted: at most twice. */
export const NUDGE_AT_MS = [700, 2500] as const;

export type Reaction =
  | { kind: 'reacted'; nudges: number }
  | { kind: 'silent'; nudges: number }
  /** The watch cannot work (e.g. no `watch` permission): no reaction known, no nudge sent. */
  | { kind: 'cannotWatch'; error: CliError }
  /** Ctrl-C while waiting: the change stands. */
  | { kind: 'interrupted'; nudges: number };

export function nudgeRequest(ro: Rollout, at: Date): PlannedRequest {
  return {
    method: 'PATCH',
    resource: 'rollouts',
    namespace: ro.metadata.namespace ?? '',
    name: ro.metadata.name ?? '',
    contentType: 'application/merge-patch+json',
    body: { metadata: { annotations: { [NUDGE_ANNOTATION]: rfc3339(at) } } },
    purpose: 'nudge',
  };
}

export async function awaitController(
  ctx: Pick<Ctx, 'signal' | 'flags' | 'io'>,
  kube: Kube,
  before: Rollout,
  written: Rollout,
  opts: { budgetMs?: number; nudgeAtMs?: readonly number[] } = {},
): Promise<Reaction> {
  const budget = opts.budgetMs ?? REACTION_BUDGET_MS;
  const nudgeAt = opts.nudgeAtMs ?? NUDGE_AT_MS;
  const stop = new AbortController();
  const signal = AbortSignal.any([ctx.signal, stop.signal]);
  let done = false;
  let nudges = 0;
  let watchBroken = false;
  const ns = before.metadata.namespace ?? kube.namespace;
  const name = before.metadata.name ?? '';
  const settle = () => {
    done = true;
    stop.abort();
  };
  const watch = new RolloutWatch({
    kube,
    ns,
    name,
    signal,
    onChange: () => {
      const now = watch.rollout;
      if (now && reacted(before, now)) settle();
    },
  });
  // Start from the Rollout as our write left it: anything after it is the controller's.
  watch.seed(written);
  if (reacted(before, written)) return { kind: 'reacted', nudges: 0 };

  const timers = [
    setTimeout(settle, budget),
    ...nudgeAt.map((ms) =>
      setTimeout(() => {
        if (done || watchBroken || signal.aborted) return;
        nudges++;
        kube.client.send(nudgeRequest(before, ctx.io.now()), false, signal).then(
          (after) => {
            if (after && reacted(before, after)) settle();
          },
          () => undefined, // a failed nudge changes nothing; the result says the controller has not acted
        );
      }, ms),
    ),
  ];
  try {
    await watch.run();
  } catch (e) {
    watchBroken = true;
    const err = translate(e, errorContext(ctx, kube, name));
    if (err instanceof CliError) return { kind: 'cannotWatch', error: err };
    throw err;
  } finally {
    for (const t of timers) clearTimeout(t);
    stop.abort();
  }
  const now = watch.rollout;
  if (now && reacted(before, now)) return { kind: 'reacted', nudges };
  if (ctx.signal.aborted) return { kind: 'interrupted', nudges };
  return { kind: 'silent', nudges };
}
