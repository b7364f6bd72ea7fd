// wait ROLLOUT --for=healthy|paused|promoted [--timeout 5m]: for CI. Uses the watch API; fails fast when
// the rollout needs a person (aborted, analysis failed, progress deadline, an invalid spec), keeps
// waiting (and says for what) while the controller reports a referenced object missing, and says so
// when the controller stops reacting instead of waiting forever: a promote or spec it has not taken up,
// or a ReplicaSet it waits on that the API has available while its status stays put (Argo Rollouts v1.7.x's
// stale ReplicaSet cache: then it names the cause and the command that wakes it; `wait` itself only reads).
import type { Ctx, Kube } from '../../ctx.js';
import { CliError, EXIT, Interrupted, type ExitCode } from '../../errors.js';
import { translate } from '../../kube/errors.js';
import { keepsStaleReplicaSets, type ControllerRelease } from '../../rollout/controller.js';
import {
  availableText,
  awaitedReplicaSet,
  degraded,
  observedAll,
  pausesForPromotion,
  phaseText,
  reached,
  replicaSetAvailable,
  type WaitGoal,
} from '../../rollout/goals.js';
import { isUnpausing } from '../../rollout/phase.js';
import { POD_TEMPLATE_HASH, type Rollout } from '../../rollout/types.js';
import { ownedBy, strategyOf } from '../../rollout/view.js';
import type { Handler } from '../dispatch.js';
import { durationFlag, monotonicMs } from '../duration.js';
import { errorContext, readWorkload, requireBlueGreen, validateName } from '../load.js';
import { RolloutWatch } from '../rollout-watch.js';
import { startSpinner } from '../spinner.js';

/** A rollout waiting on the controller with an unchanged status this long means it is not running. */
const DEFAULT_STALL = '60s';
/** How often the stall is checked. */
const STALL_CHECK_MS = 500;
/** After the ReplicaSet is read available: how long the status must still not move (a controller that was about to act does). */
const STALE_GRACE_MS = 2_000;
/** At --timeout: how long the status must have stood still for the ReplicaSet to be read and named (at most the stall time). */
const STALE_AT_TIMEOUT_MS = 10_000;
/** The reads of a stale-cache check are cut off after this, so that a timeout is not held up by them. */
const STALE_READ_MS = 5_000;

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
  /** When the status last changed (or the wait began). */
  let sameStatusSince = monotonicMs();
  /** When the last stale-cache check began (at most one per stall time), and whether one runs now. */
  let checkedAt: number | null = null;
  let checking = false;
  /** That check's finding once it has one: the ReplicaSet available, for this status. */
  let lastFinding: { readFor: string; stale: Stale } | null = null;
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
    // A manual pause (spec.paused) holds the preview for a promote too: only without one does it never wait.
    if (o.goal === 'paused' && !pausesForPromotion(ro) && !ro.spec?.paused) {
      return finish({ code: EXIT.STATE, error: new CliError(EXIT.STATE, 'wait.neverPauses', { name, now: phaseText(ro, t) }) });
    }
    const d = degraded(ro, workloadGeneration);
    missing = d?.kind === 'missingObject' ? d.object : null;
    if (d?.kind === 'final') {
      return finish({ code: EXIT.STATE, error: new CliError(EXIT.STATE, 'wait.degraded', { name, for: goalText, now: phaseText(ro, t) }) });
    }
    spinner.text(
      missing
        ? t('wait.waitingForObject', { name, for: goalText, object: missing })
        : t('wait.waiting', { name, for: goalText, now: phaseText(ro, t) }),
    );
    // Stalled: the rollout waits on the controller (spec not observed, or a promote not acted on) and
    // its status has not changed since. Any status change means the controller is alive.
    const waitingOnController = !observedAll(ro, workloadGeneration) || isUnpausing(ro);
    const fingerprint = JSON.stringify(ro.status ?? {});
    if (fingerprint !== lastStatus) sameStatusSince = monotonicMs();
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
            const now = current ? phaseText(current, t) : '?';
            const plain = () =>
              missing
                ? new CliError(EXIT.TIMEOUT, 'wait.timeoutMissing', { name, for: goalText, timeout: o.timeoutText, object: missing })
                : new CliError(EXIT.TIMEOUT, 'wait.timeout', { name, for: goalText, timeout: o.timeoutText, now });
            // A rollout whose status has stood still while it waits on a ReplicaSet: if the API has that
            // ReplicaSet available, say so, and what wakes the controller.
            const still = stallMs > 0 && monotonicMs() - sameStatusSince >= Math.min(stallMs, STALE_AT_TIMEOUT_MS);
            const hash = current && !missing && still ? awaitedReplicaSet(current, workloadGeneration) : null;
            if (!current || !hash) return finish({ code: EXIT.TIMEOUT, error: plain() });
            // A stall check that found the ReplicaSet available for this same status within the last 10 s
            // (in its grace before it confirms) answers it: no second read. Otherwise one read, within its
            // own 5 s, whatever a check still running does.
            const fresh = lastFinding?.readFor === lastStatus && checkedAt !== null && monotonicMs() - checkedAt < STALE_AT_TIMEOUT_MS;
            void (fresh ? Promise.resolve(lastFinding!.stale) : staleReplicaSet(kube, current, hash, signal)).then(
              (stale) => {
                const seconds = String(Math.round((monotonicMs() - sameStatusSince) / 1000));
                const error = stale
                  ? staleError(
                      new CliError(EXIT.TIMEOUT, 'wait.timeoutStale', {
                        name,
                        for: goalText,
                        timeout: o.timeoutText,
                        now,
                        seconds,
                        ...stale.found,
                      }),
                      stale,
                    )
                  : plain();
                finish({ code: EXIT.TIMEOUT, error });
              },
              () => finish({ code: EXIT.TIMEOUT, error: plain() }),
            );
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
          // The status has not moved for the stall time while the rollout waits on a ReplicaSet: read it
          // (at most once per stall time); if the API has it available and the Rollout, read again a moment
          // later, still has the same status, the controller is not acting on it.
          const hash = current && stallMs > 0 ? awaitedReplicaSet(current, workloadGeneration) : null;
          const now = monotonicMs();
          if (
            !current ||
            !hash ||
            checking ||
            outcome ||
            now - sameStatusSince < stallMs ||
            (checkedAt !== null && now - checkedAt < stallMs)
          )
            return;
          const readFor = lastStatus;
          checkedAt = now;
          checking = true;
          void staleReplicaSet(kube, current, hash, signal)
            .then(async (stale) => {
              if (!stale) return;
              lastFinding = { readFor, stale };
              await new Promise((r) => setTimeout(r, STALE_GRACE_MS));
              if (outcome || lastStatus !== readFor) return;
              const again = await kube.client.getRollout(kube.namespace, name, signal).catch(() => null);
              if (!again || JSON.stringify(again.status ?? {}) !== readFor) return;
              const seconds = String(Math.round((monotonicMs() - sameStatusSince) / 1000));
              finish({
                code: EXIT.FAILURE,
                error: staleError(new CliError(EXIT.FAILURE, 'wait.staleReplicaSet', { name, seconds, ...stale.found }), stale),
              });
            })
            .catch(() => undefined)
            .finally(() => (checking = false));
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
  ctx.out(`${t('wait.reached', { name, for: goalText, now: current ? phaseText(current, t) : '' })}\n`);
  return EXIT.OK;
}

interface Stale {
  found: { replicaSet: string; ready: string };
  namespace: string;
  release: ControllerRelease | null;
}

/**
 * The rollout's ReplicaSet of `hash` when the API has it available (with the controller's release, for
 * what to say), else null. Two reads (the ReplicaSet by its hash label, the controller's Deployments), made
 * only while the status has not moved for the stall time (at most once per stall time) and at a timeout
 * after 10 s of it; a read that fails or takes over 5 s is no finding (the wait goes on as before), and
 * is aborted then. Never rejects.
 */
async function staleReplicaSet(kube: Kube, rollout: Rollout, hash: string, signal: AbortSignal): Promise<Stale | null> {
  const ns = kube.namespace;
  // A timer of our own, not AbortSignal.timeout(): inside AbortSignal.any() on Node 20 nothing holds that
  // signal, and a garbage collection can drop it before it fires (nodejs/node#57736): the cut never came.
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), STALE_READ_MS);
  const cut = AbortSignal.any([signal, ac.signal]);
  const cutOff = new Promise<null>((r) => (cut.aborted ? r(null) : cut.addEventListener('abort', () => r(null), { once: true })));
  const within = <T>(p: Promise<T>): Promise<T | null> => Promise.race([p.catch(() => null), cutOff]);
  const [list, release] = await Promise.all([
    within(kube.client.listReplicaSets(ns, `${POD_TEMPLATE_HASH}=${hash}`, cut)),
    within(kube.client.controllerVersion(cut)),
  ]).finally(() => clearTimeout(timer));
  const rs = list?.items.find((r) => ownedBy(r, rollout));
  if (!rs || !replicaSetAvailable(rs)) return null;
  return { found: { replicaSet: rs.metadata.name ?? '', ready: availableText(rs) }, namespace: ns, release };
}

/** The error, with what is known of the cause on the controller's release and the command that wakes it. */
function staleError(e: CliError, s: Stale): CliError {
  const wake = { replicaSet: s.found.replicaSet, namespace: s.namespace };
  switch (keepsStaleReplicaSets(s.release)) {
    case 'yes':
      return e.with('wait.staleCacheKnown', { release: s.release?.version ?? '', ...wake });
    case 'unknown':
      return e.with('wait.staleCacheMaybe', wake);
    case 'no':
      return e.with('wait.controllerCheck', { where: s.release?.where ?? '' });
  }
}
