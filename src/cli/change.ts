// The one path every change takes: read, plan, show the guard, confirm, send pinned requests, record
// who did it. What the user confirmed is what happens, or nothing happens (exit 4).
import type { Ctx, Kube } from '../ctx.js';
import { CliError, EXIT } from '../errors.js';
import { ApiError, NetworkError } from '../kube/http.js';
import { isConflict, translate } from '../kube/errors.js';
import {
  AUDIT_ANNOTATION,
  ROLLOUTS_API,
  auditMergePatch,
  auditOps,
  auditValue,
  type Audit,
  type JsonPatchOp,
  type Plan,
  type PlannedRequest,
} from '../rollout/plan.js';
import type { Rollout } from '../rollout/types.js';
import type { RevisionView, RolloutView } from '../rollout/view.js';
import { renderGuard, renderRequests } from '../render/guard.js';
import { serialize } from '../render/formats.js';
import { versionText } from '../render/status.js';
import { clean } from '../render/text.js';
import { errorContext, lastChange, loadRollout, validateName, type Loaded } from './load.js';
import { confirm } from './prompt.js';
import { normalizeRollout } from '../rollout/normalize.js';
import { isUnpausing } from '../rollout/phase.js';

export const REASON_MAX = 512;

export interface ChangeArgs {
  rollout: string;
  yes?: boolean;
  dryRun?: string;
  reason?: string;
  force?: boolean;
  output?: string;
}

export type Planner = (loaded: Loaded, extras: { argoAutoSync: boolean | null; now: Date }) => Plan & { target?: RevisionView | null };

export function parseDryRun(v: string | undefined): 'none' | 'client' | 'server' {
  if (v === undefined || v === 'none' || v === 'false') return 'none';
  if (v === '' || v === 'client' || v === 'true') return 'client';
  if (v === 'server') return 'server';
  throw new CliError(EXIT.USAGE, 'usage.badOutput', { value: `--dry-run=${v}`, allowed: '--dry-run, --dry-run=client, --dry-run=server' });
}

function refusalError(ctx: Ctx, plan: Plan, view: RolloutView): CliError {
  const r = plan.refusal!;
  const name = plan.name;
  const v = versionText(ctx.t, plan.before);
  switch (r.key) {
    case 'notBlueGreen':
      return new CliError(EXIT.STATE, 'state.notBlueGreen', { name, strategy: r.strategy });
    case 'workloadRef':
      return new CliError(EXIT.STATE, 'state.workloadRef', { name });
    case 'nothingToPromote':
      return new CliError(EXIT.STATE, 'state.nothingToPromote', { name, v });
    case 'noActiveYet':
      return new CliError(EXIT.STATE, 'state.noActiveYet', { name });
    case 'nothingToAbort':
      return new CliError(EXIT.STATE, 'state.nothingToAbort', { name, v });
    case 'alreadyAborted':
      return new CliError(EXIT.STATE, 'state.alreadyAborted', { name, v });
    case 'abortedPromote':
      return new CliError(EXIT.STATE, 'state.abortedPromote', { name });
    case 'notObserved':
      return new CliError(EXIT.STATE, 'state.notObserved', { name });
    case 'notPausedYet':
      return new CliError(EXIT.STATE, 'state.notPausedYet', { name, phase: `${view.phase}${view.message ? ` - ${view.message}` : ''}` });
    case 'nothingToUndo':
      return new CliError(EXIT.STATE, 'state.nothingToUndo', { name });
    case 'undoAlreadyCurrent':
      return new CliError(EXIT.STATE, 'state.undoAlreadyCurrent', { name, revision: String(r.revision) });
  }
}

/** Puts the audit annotation into a spec patch, so the change and its record are one write. */
function withAudit(req: PlannedRequest, ro: Rollout, value: string): PlannedRequest {
  if (req.purpose === 'status' || !Array.isArray(req.body)) return req;
  return { ...req, body: [...(req.body as JsonPatchOp[]), ...auditOps(ro, value)] };
}

/** What moved between our read and the failed write, in words, and who did it if recorded. */
/** Did anyone (controller or person) write the Rollout in the last `ms`? From managedFields times. */
function changedWithin(ro: Rollout, now: Date, ms: number): boolean {
  return (ro.metadata.managedFields ?? []).some((f) => {
    const t = f.time ? Date.parse(String(f.time)) : NaN;
    return Number.isFinite(t) && now.getTime() - t < ms;
  });
}

/** Re-reads the rollout until its audit annotation satisfies `accept` (~2 s at most). */
async function rereadForRecord(ctx: Ctx, kube: Kube, name: string, accept: (lc: ReturnType<typeof lastChange>) => boolean): Promise<Loaded | null> {
  let now: Loaded | null = null;
  // The winner of a race records itself right after its write; give it a moment.
  for (let i = 0; i < 8; i++) {
    try {
      now = await loadRollout(ctx, kube, name);
    } catch {
      break;
    }
    if (accept(lastChange(now.ro))) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return now;
}

async function describeConflict(ctx: Ctx, kube: Kube, before: Loaded, since: Date, partial = false): Promise<CliError> {
  const name = before.view.name;
  const now = await rereadForRecord(ctx, kube, name, (lc) => !!lc && Date.parse(lc.at) >= since.getTime() - 1000);
  const what = !now
    ? ctx.t('state.changed.unknown')
    : now.ro.status?.currentPodHash !== before.ro.status?.currentPodHash
      ? ctx.t('state.changed.preview')
      : now.ro.status?.blueGreen?.activeSelector !== before.ro.status?.blueGreen?.activeSelector
        ? ctx.t('state.changed.active')
        : now.ro.metadata.generation !== before.ro.metadata.generation
          ? ctx.t('state.changed.spec')
          : (now.ro.status?.pauseConditions ?? []).length !== (before.ro.status?.pauseConditions ?? []).length
            ? ctx.t('state.changed.paused')
            : ctx.t('state.changed.unknown');
  const err = new CliError(EXIT.STATE, partial ? 'state.changedPartial' : 'state.changed', { name, what });
  const lc = now ? lastChange(now.ro) : null;
  if (lc && Date.parse(lc.at) >= since.getTime() - 1000) err.with('state.changedBy', { by: lc.by, action: lc.action, at: lc.at });
  return err;
}

/** After a write whose answer was lost: is the change visible now? */
function changeVisible(action: Plan['action'], before: Loaded, after: Rollout, audit: string): boolean {
  const st = after.status ?? {};
  switch (action) {
    case 'promote':
      return (
        (st.pauseConditions ?? []).length === 0 ||
        st.promoteFull === true ||
        st.blueGreen?.activeSelector === before.ro.status?.currentPodHash
      );
    case 'abort':
      return st.abort === true;
    default:
      // Template changes carry their audit annotation in the same patch: it is there iff the patch was.
      return after.metadata.annotations?.[AUDIT_ANNOTATION] === audit;
  }
}

export async function runChange(ctx: Ctx, args: ChangeArgs, planner: Planner): Promise<number> {
  validateName('rollout', args.rollout);
  const dryRun = parseDryRun(args.dryRun);
  if (args.reason !== undefined && args.reason.length > REASON_MAX) {
    throw new CliError(EXIT.USAGE, 'usage.reasonTooLong', { max: String(REASON_MAX) });
  }
  const output = args.output && args.output !== 'table' && args.output !== 'wide' ? args.output : null;
  if (output && output !== 'json' && output !== 'yaml') {
    throw new CliError(EXIT.USAGE, 'usage.badOutput', { value: output, allowed: 'json, yaml' });
  }
  const kube = await ctx.kube();
  validateName('namespace', kube.namespace);
  const who = dryRun === 'none' ? kube.client.whoAmI(ctx.signal) : Promise.resolve(null);
  const loaded = await loadRollout(ctx, kube, args.rollout);
  const view = loaded.view;
  const argoAutoSync = view.argoCD?.application
    ? await kube.client.argoCDAutoSync(view.argoCD.application, ['argocd', view.namespace])
    : null;
  const now = ctx.io.now();
  const plan = planner(loaded, { argoAutoSync, now });
  const t = ctx.t;

  if (plan.refusal) {
    // If someone changed it moments ago (two operators at once), say who. A promote still in flight
    // (the pause cleared, the controller not done) may not have recorded itself yet: wait for it.
    const err = refusalError(ctx, plan, view);
    const seen = lastChange(loaded.ro);
    const moving = isUnpausing(loaded.ro) || changedWithin(loaded.ro, now, 5000);
    const fresh = moving ? await rereadForRecord(ctx, kube, view.name, (lc) => !!lc && lc.at !== seen?.at) : loaded;
    const lc = lastChange((fresh ?? loaded).ro);
    if (lc && now.getTime() - Date.parse(lc.at) < 120_000) err.with('state.changedBy', { by: lc.by, action: lc.action, at: lc.at });
    throw err;
  }
  if (plan.noop) {
    ctx.err(`${t('guard.noop', { name: plan.name, v: clean((plan.after?.images ?? []).join(', ')) })}\n`);
    return EXIT.OK;
  }

  ctx.err(renderGuard(t, { plan, target: plan.target ? { revision: plan.target.revision, images: plan.target.images } : null }, ctx.colorErr));

  if (plan.needsForce.length > 0 && !args.force) {
    const reasons = plan.needsForce
      .map((c) =>
        c.kind === 'notReady'
          ? t('guard.notReady', { ready: String(c.ready), want: String(c.want) })
          : c.kind === 'analysisNotPassed'
            ? t('guard.analysisNotPassed', { status: c.status, message: c.message })
            : '',
      )
      .join(' ');
    throw new CliError(EXIT.STATE, 'state.needsForce', { reasons });
  }
  if (plan.needsForce.length > 0) ctx.err(`  ${t('guard.forced')}\n`);

  if (dryRun !== 'none') {
    if (output) {
      ctx.out(
        serialize(
          {
            apiVersion: 'bluegreen/v1',
            kind: 'ChangePlan',
            action: plan.action,
            name: plan.name,
            namespace: plan.namespace,
            before: plan.before,
            after: plan.after,
            switchesWhen: plan.switchesWhen,
            consequences: [...plan.needsForce, ...plan.consequences],
            requests: plan.requests,
          },
          output as 'json' | 'yaml',
        ),
      );
    } else {
      ctx.err(`\n${t('guard.requestsDryRun')}\n`);
      ctx.out(renderRequests(plan.requests));
    }
    if (dryRun === 'server') {
      for (const req of plan.requests) {
        try {
          await kube.client.send(req, view.namespace, view.name, true);
        } catch (e) {
          if (isConflict(e)) throw await describeConflict(ctx, kube, loaded, now);
          throw translate(e, errorContext(ctx, kube, view.name));
        }
      }
      ctx.err(`${t('guard.dryRunServer')}\n`);
    } else {
      ctx.err(`${t('guard.dryRunDone')}\n`);
    }
    return EXIT.OK;
  }

  if (!args.yes) {
    if (!ctx.interactive) throw new CliError(EXIT.NOT_CONFIRMED, 'confirm.noTty', {});
    const ok = await confirm(ctx, t('confirm.prompt'));
    if (!ok) throw new CliError(EXIT.NOT_CONFIRMED, 'confirm.declined', {});
  }

  const by = (await who.catch(() => null)) ?? kube.user;
  const at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const audit: Audit = { by, at, action: plan.action, from: plan.before, to: plan.after, reason: args.reason ?? '' };
  const value = auditValue(audit);
  let last: Rollout | null = null;
  let sent = 0;
  for (const planned of plan.requests) {
    const req = withAudit(planned, loaded.ro, value);
    try {
      last = await kube.client.send<Rollout>(req, view.namespace, view.name);
      sent++;
    } catch (e) {
      if (isConflict(e)) {
        // Only promote of a manually paused rollout sends two requests: the first may stand.
        throw await describeConflict(ctx, kube, loaded, now, sent > 0);
      }
      if (e instanceof NetworkError && !e.maybeSent && sent === 0) {
        // The request never left (connection refused): nothing changed, and saying so is certain.
        throw (translate(e, errorContext(ctx, kube, view.name)) as CliError).with('result.writeNotDone', {});
      }
      if (e instanceof NetworkError) {
        // The answer was lost: the change may or may not have been made. Read the rollout again
        // (for up to ~20 s, in case the API server is restarting) and say which.
        ctx.err(`${t('result.writeUnknown', { name: view.name })}\n`);
        let after: Rollout | null = null;
        for (let i = 0; i < 10 && !after && !ctx.signal.aborted; i++) {
          try {
            after = await kube.client.getRollout(view.namespace, view.name);
          } catch {
            await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** i, 4000)));
          }
        }
        if (!after) throw new CliError(EXIT.FAILURE, 'result.writeStillUnknown', {});
        if (!changeVisible(plan.action, loaded, after, value)) {
          throw new CliError(EXIT.FAILURE, 'result.writeNotDone', {});
        }
        ctx.err(`${t('result.writeDone')}\n`);
        last = after;
        sent++;
        continue;
      }
      const err = translate(e, errorContext(ctx, kube, view.name));
      throw sent > 0 && err instanceof CliError ? err.with('state.partial', {}) : err;
    }
  }

  // Record who, when, what, from and to: the annotation (status writes cannot carry metadata) and an
  // Event, both at once.
  const recordErrors: string[] = [];
  const describe = (e: unknown) => (e instanceof ApiError && e.status === 403 ? `forbidden to ${e.target.verb} ${e.target.resource}` : e instanceof Error ? e.message : String(e));
  await Promise.all([
    plan.requests.every((r) => r.purpose === 'status')
      ? kube.client
          .send(
            { method: 'PATCH', path: plan.requests[0]!.path.replace(/\/status$/, ''), contentType: 'application/merge-patch+json', body: auditMergePatch(value), purpose: 'audit' },
            view.namespace,
            view.name,
          )
          .catch((e: unknown) => recordErrors.push(describe(e)))
      : undefined,
    kube.client.createEvent(view.namespace, eventFor(loaded.ro, last, audit)).catch((e: unknown) => recordErrors.push(describe(e))),
  ]);

  // Measured on Argo Rollouts v1.9.1: a promote that lands while the controller is finishing the
  // reconcile that added the pause can be lost in its cache (it keeps a stale copy with the pause and
  // waits, "pause incomplete", until some other event; 1 in 10 runs here, 6 in 15 with the official
  // plugin). So for promote and abort, wait briefly for the controller to react, and nudge it with an
  // annotation change (an update event) if it does not.
  if ((plan.action === 'promote' || plan.action === 'abort') && last) {
    const acked = await confirmReaction(ctx, kube, loaded.ro, last);
    if (!acked) ctx.err(`${t('result.notActedYet', { name: view.name, ns: view.namespace })}\n`);
  }

  const vAfter = versionText(t, plan.after);
  const vBefore = versionText(t, plan.before);
  const line =
    plan.action === 'promote'
      ? t('result.promoted', { name: view.name, v: vAfter })
      : plan.action === 'abort'
        ? t('result.aborted', { name: view.name, v: vBefore })
        : plan.action === 'undo'
          ? t('result.undone', { name: view.name, revision: String(plan.target?.revision ?? '?'), v: clean((plan.target?.images ?? []).join(', ')) })
          : plan.switchesWhen === 'never'
            ? t('result.imageSetActive', { name: view.name, v: vBefore })
            : t('result.imageSet', { name: view.name, v: vAfter });
  ctx.out(`${line}\n`);
  if (recordErrors.length) ctx.err(`${t('result.recordFailed', { detail: clean(recordErrors.join('; ')).slice(0, 300) })}\n`);
  else ctx.err(`${t('result.recorded', { by: clean(by) })}\n`);
  ctx.err(`${t('result.follow', { name: view.name, ns: view.namespace })}\n`);
  return EXIT.OK;
}

export const NUDGE_ANNOTATION = 'bluegreen.kubectl.io/nudged-at';

/** The controller reacted when the phase it computes changed, or the active selector moved. */
function reacted(before: Rollout, now: Rollout): boolean {
  const b = before.status ?? {};
  const n = now.status ?? {};
  return n.phase !== b.phase || n.message !== b.message || n.blueGreen?.activeSelector !== b.blueGreen?.activeSelector || n.abort !== b.abort && !!n.abortedAt;
}

async function confirmReaction(ctx: Ctx, kube: Kube, before: Rollout, written: Rollout, budgetMs = 6000, nudgeEveryMs = 700): Promise<boolean> {
  const ns = before.metadata.namespace ?? kube.namespace;
  const name = before.metadata.name ?? '';
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let ok = false;
  const deadline = Date.now() + budgetMs;
  let rv = written.metadata.resourceVersion ?? '';
  try {
    while (!ok && Date.now() < deadline && !ctx.signal.aborted) {
      const slice = new AbortController();
      const timer = setTimeout(() => slice.abort(), Math.min(nudgeEveryMs, deadline - Date.now()));
      const onStop = () => slice.abort();
      stop.signal.addEventListener('abort', onStop, { once: true });
      try {
        await kube.client.watchRollouts(ns, `metadata.name=${name}`, rv, (ev) => {
          const ro = ev.object as Rollout;
          if (ro?.metadata?.resourceVersion) rv = ro.metadata.resourceVersion;
          if ((ev.type === 'MODIFIED' || ev.type === 'ADDED') && reacted(before, normalizeRollout(ro))) {
            ok = true;
            slice.abort();
          }
        }, slice.signal);
      } catch {
        /* the slice ended (timer or reaction) or the watch failed: decide below */
      } finally {
        clearTimeout(timer);
        stop.signal.removeEventListener('abort', onStop);
      }
      if (ok || Date.now() >= deadline) break;
      // No reaction yet: an annotation change is an update event the controller cannot miss.
      try {
        const after = await kube.client.send<Rollout>(
          { method: 'PATCH', path: `${ROLLOUTS_API}/namespaces/${encodeURIComponent(ns)}/rollouts/${encodeURIComponent(name)}`, contentType: 'application/merge-patch+json', body: { metadata: { annotations: { [NUDGE_ANNOTATION]: new Date().toISOString() } } }, purpose: 'audit' },
          ns,
          name,
        );
        if (reacted(before, normalizeRollout(after))) ok = true;
      } catch {
        /* a failed nudge changes nothing; the warning below says to look */
      }
    }
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
  return ok;
}

const EVENT_REASONS: Record<Plan['action'], string> = {
  promote: 'BlueGreenPromoted',
  abort: 'BlueGreenAborted',
  undo: 'BlueGreenUndone',
  'set-image': 'BlueGreenImageSet',
};

function eventFor(ro: Rollout, after: Rollout | null, a: Audit): Record<string, unknown> {
  const v = (x: Audit['from']) => (x ? `${x.images.join(', ')}${x.revision !== null ? ` (revision ${x.revision})` : ''}` : 'none');
  const message = `${a.action} by ${a.by}: users ${v(a.from)} -> ${v(a.to)}${a.reason ? `; reason: ${a.reason}` : ''}`.slice(0, 1024);
  const name = ro.metadata.name ?? 'rollout';
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { generateName: `${name}.`, namespace: ro.metadata.namespace },
    involvedObject: {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      name,
      namespace: ro.metadata.namespace,
      uid: ro.metadata.uid,
      resourceVersion: after?.metadata.resourceVersion ?? ro.metadata.resourceVersion,
    },
    reason: EVENT_REASONS[a.action],
    message,
    type: 'Normal',
    source: { component: 'kubectl-bluegreen' },
    reportingComponent: 'kubectl-bluegreen',
    reportingInstance: 'kubectl-bluegreen',
    firstTimestamp: a.at,
    lastTimestamp: a.at,
    count: 1,
  };
}

