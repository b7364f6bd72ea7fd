// Sends a confirmed change, request by request, and knows what happened when a request fails: refused
// because the rollout moved (nothing happened, or the first of two requests stands), never sent (nothing
// happened), or sent with the answer lost (read the rollout again and say whether it was made). Then
// the record (annotation and Event); a failed record is a warning, the change stands.
import type { Ctx, Kube } from '../../ctx.js';
import { CliError, EXIT } from '../../errors.js';
import { ApiError, NetworkError } from '../../kube/http.js';
import { isConflict, translate } from '../../kube/errors.js';
import { abortableSleep } from '../../kube/watcher.js';
import type { JsonPatchOp, Plan, PlannedRequest } from '../../rollout/plan.js';
import { changeReflected, changeVisible } from '../../rollout/reaction.js';
import type { Rollout } from '../../rollout/types.js';
import { errorContext, type Loaded } from '../load.js';
import { conflict, workloadPin } from './refuse.js';

/** After a lost answer, re-read for ~20 s (the API server may be restarting): 10 tries, 0.5 s doubling to 4 s. */
const LOST_ANSWER_TRIES = 10;
const LOST_ANSWER_MS = 20_000;
const lostAnswerPause = (i: number) => Math.min(500 * 2 ** i, 4000);

export interface Applied {
  /** The Rollout as the last change request left it (or as re-read after a lost answer). */
  rollout: Rollout;
  /** Requests sent, the record included. */
  sent: number;
  /** Why recording the change failed, if it did. */
  recordFailed: string | null;
  /** Every failed record request may have been written (it left, its answer was lost). */
  recordLost: boolean;
}

/** A record request that left and whose answer was lost: the API server may have written it. */
const answerLost = (e: unknown) => e instanceof NetworkError && e.maybeSent;

function describeRecordError(e: unknown): string {
  if (e instanceof ApiError && e.status === 403) return `forbidden to ${e.target.verb} ${e.target.resource}`;
  return e instanceof Error ? e.message : String(e);
}

/** The change requests first (stop at the first failure), then the record, both at once. */
export async function applyPlan(
  ctx: Pick<Ctx, 't' | 'err' | 'signal' | 'flags'>,
  kube: Kube,
  loaded: Loaded,
  plan: Plan,
  requests: PlannedRequest[],
  auditValue: string,
  readAt: Date,
): Promise<Applied> {
  const changes = requests.filter((r) => r.purpose !== 'audit' && r.purpose !== 'event');
  const record = requests.filter((r) => r.purpose === 'audit' || r.purpose === 'event');
  const name = loaded.view.name;
  let last: Rollout = loaded.ro;
  let sent = 0;
  for (const req of changes) {
    try {
      last = (await kube.client.send(req)) ?? last;
      sent++;
    } catch (e) {
      // Only a promote of a manually paused rollout sends two requests: the first may stand.
      if (isConflict(e)) throw await conflict(ctx, kube, loaded, readAt, sent > 0, workloadPin(req));
      if (e instanceof NetworkError && !e.maybeSent && sent === 0) {
        // The request never left (connection refused): nothing changed, and saying so is certain.
        const err = translate(e, errorContext(ctx, kube, name));
        throw err instanceof CliError ? err.with('result.writeNotDone') : err;
      }
      if (e instanceof NetworkError) {
        last = await recoverLostAnswer(ctx, kube, loaded, plan, req, auditValue);
        sent++;
        continue;
      }
      const err = translate(e, errorContext(ctx, kube, name));
      throw sent > 0 && err instanceof CliError ? err.with('state.partial') : err;
    }
  }
  const failures: unknown[] = [];
  await Promise.all(
    record.map((req) =>
      kube.client.send(req).then(
        () => void sent++,
        (e: unknown) => void failures.push(e),
      ),
    ),
  );
  return {
    rollout: last,
    sent,
    recordFailed: failures.length ? failures.map(describeRecordError).join('; ') : null,
    recordLost: failures.length > 0 && failures.every(answerLost),
  };
}

/**
 * Reads until an answer comes (the API server may be restarting), for LOST_ANSWER_MS at most in all (each
 * read retries on its own: without the bound, 10 tries took ~65 s against 503s); null when none came.
 */
async function rereadPatiently<T>(outer: AbortSignal, read: (signal: AbortSignal) => Promise<T>): Promise<T | null> {
  // A timer of its own (not AbortSignal.timeout inside any(), which Node 20 can collect: nodejs/node#57736).
  const bound = new AbortController();
  const timer = setTimeout(() => bound.abort(), LOST_ANSWER_MS);
  const stop = () => bound.abort();
  outer.addEventListener('abort', stop, { once: true });
  try {
    for (let i = 0; i < LOST_ANSWER_TRIES && !bound.signal.aborted; i++) {
      try {
        return await read(bound.signal);
      } catch {
        await abortableSleep(lostAnswerPause(i), bound.signal);
      }
    }
    return null;
  } finally {
    clearTimeout(timer);
    outer.removeEventListener('abort', stop);
  }
}

/**
 * The answer to a change was lost: read what it wrote to again (the rollout, or the workloadRef's
 * Deployment) and tell whether the change was made. Answers the Rollout as it is now.
 */
async function recoverLostAnswer(
  ctx: Pick<Ctx, 't' | 'err' | 'signal'>,
  kube: Kube,
  loaded: Loaded,
  plan: Plan,
  req: PlannedRequest,
  auditValue: string,
): Promise<Rollout> {
  if (req.resource === 'deployments') {
    const workload = req.name ?? '';
    ctx.err(`${ctx.t('result.writeUnknownWorkload', { workload })}\n`);
    const read = await rereadPatiently(ctx.signal, async (signal) => ({
      dep: await kube.client.getDeployment(plan.namespace, workload, signal),
    }));
    if (read === null) throw new CliError(EXIT.FAILURE, 'result.writeStillUnknown');
    if (!read.dep || !changeReflected(req.body as JsonPatchOp[], read.dep)) throw new CliError(EXIT.FAILURE, 'result.writeNotSeen');
    ctx.err(`${ctx.t('result.writeDoneWorkload', { workload })}\n`);
    return loaded.ro;
  }
  ctx.err(`${ctx.t('result.writeUnknown', { name: plan.name })}\n`);
  const after = await rereadPatiently(ctx.signal, (signal) => kube.client.getRollout(plan.namespace, plan.name, signal));
  if (!after) throw new CliError(EXIT.FAILURE, 'result.writeStillUnknown');
  // Not seen is not "not made": the API server may still apply a request whose answer was lost (a
  // --request-timeout on our side; a proxy that dropped it). Only a request that never left is certain.
  const visible = changeVisible(plan.action, loaded.ro, after, auditValue);
  if (visible === null) throw new CliError(EXIT.FAILURE, 'result.writeMoved');
  if (!visible) throw new CliError(EXIT.FAILURE, 'result.writeNotSeen');
  ctx.err(`${ctx.t('result.writeDone')}\n`);
  return after;
}
