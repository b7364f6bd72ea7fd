// The one path every change takes, as a pipeline: validate, read and plan, refuse, guard, dry-run,
// confirm, apply (with its conflict and lost-answer recovery), record, await the controller, report.
// What the user confirmed is what happens, or nothing happens (exit 4); every request a run sends is
// one the guard showed (plus, documented there, at most two nudges of a silent controller).
import type { Ctx, Kube } from '../../ctx.js';
import { CliError, EXIT, type ExitCode } from '../../errors.js';
import { render } from '../../i18n/index.js';
import { isConflict, translate } from '../../kube/errors.js';
import { requestPath } from '../../kube/paths.js';
import { auditValue, recordedRequests, workloadOf, type Audit } from '../../rollout/audit.js';
import type { InputError, Plan, PlanResult, PlannedRequest } from '../../rollout/plan.js';
import { rfc3339 } from '../../rollout/time.js';
import { shortImage } from '../../rollout/image.js';
import { mayLosePromote, type ControllerRelease } from '../../rollout/controller.js';
import { changePlanJson, changeResultJson, noopJson, serialize } from '../../render/formats.js';
import { consequenceLines, renderGuard, renderRequests, type WireRequest } from '../../render/guard.js';
import { noopLine, resultLine } from '../../render/result.js';
import { errorContext, loadRollout, validateName, type Loaded } from '../load.js';
import { ask, confirm } from '../prompt.js';
import { applyPlan, type Applied } from './apply.js';
import { awaitController, NUDGE_AT_MS, type Reaction } from './await-controller.js';
import { conflict, refuse, workloadPin } from './refuse.js';

export const REASON_MAX = 512;

export interface ChangeArgs {
  rollout: string;
  yes: boolean;
  dryRun?: string;
  reason?: string;
  output?: 'json' | 'yaml';
  force?: boolean;
}

export type Planner = (
  loaded: Loaded,
  extras: { argoAutoSync: boolean | null; now: Date; controller: ControllerRelease | null },
) => PlanResult;

/** How an invalid input (exit 2) is said; each command knows its own. */
export type DescribeInvalid = (e: InputError, rollout: string, t: Ctx['t']) => CliError;

type DryRun = 'none' | 'client' | 'server';

/** --dry-run, --dry-run=client|true: the client-side dry run; =server: the API server validates; =none|false: a real run. */
function dryRunMode(v: string | undefined): DryRun {
  if (v === undefined || v === 'none' || v === 'false') return 'none';
  return v === 'server' ? 'server' : 'client';
}

/** The actions that the controller must take up for users to see them (it may lose a promote). */
const AWAITS_CONTROLLER = new Set<Plan['action']>(['promote', 'abort', 'retry']);

function wire(req: PlannedRequest): WireRequest {
  return { method: req.method, path: requestPath(req), contentType: req.contentType, body: req.body };
}

// ---- 1. validate (before anything is read from the cluster) -----------------------------------------

function validate(args: ChangeArgs): DryRun {
  validateName('rollout', args.rollout);
  if (args.reason !== undefined && args.reason.length > REASON_MAX)
    throw new CliError(EXIT.USAGE, 'usage.reasonTooLong', { max: String(REASON_MAX) });
  // Stored in the annotation and the Event, which kubectl describe prints raw: no terminal controls
  // (ESC, C1, bidi overrides); tabs and newlines are text (found by a hostile review).
  if (args.reason !== undefined && /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(args.reason))
    throw new CliError(EXIT.USAGE, 'usage.reasonControl');
  return dryRunMode(args.dryRun);
}

// ---- 2. read and plan ---------------------------------------------------------------------------------

interface Read {
  loaded: Loaded;
  result: PlanResult;
  now: Date;
  /** The controller's release (null: not visible): whether a promote can be lost depends on it. */
  controller: ControllerRelease | null;
}

/**
 * The controller's release, read alongside the Rollout (one request, in parallel). Not visible (no
 * permission, no Deployment) or not readable: null, and the plan assumes the least safe behaviour.
 */
function readController(kube: Kube, signal: AbortSignal): Promise<ControllerRelease | null> {
  return kube.client.controllerVersion(signal).then(
    (c) => c,
    () => null,
  );
}

async function readAndPlan(ctx: Ctx, kube: Kube, name: string, planner: Planner, byRelease: boolean): Promise<Read> {
  // Only a plan that differs by release reads it (undo, promote, abort, retry; not set-image).
  const release = byRelease ? readController(kube, ctx.signal) : Promise.resolve(null);
  // A workloadRef's Deployment holds the template a change writes: it must be read (or the command fails).
  const loaded = await loadRollout(ctx, kube, name, { requireWorkload: true });
  const app = loaded.view.argoCD?.application;
  const argoAutoSync = app ? await kube.client.argoCDAutoSync(app, ['argocd', loaded.view.namespace]) : null;
  const controller = await release;
  const now = ctx.io.now();
  return { loaded, result: planner(loaded, { argoAutoSync, now, controller }), now, controller };
}

/** Whether the run waits for the controller's reaction (and may nudge it): only where a promote can be lost. */
function awaitsController(plan: Plan, controller: ControllerRelease | null): boolean {
  return AWAITS_CONTROLLER.has(plan.action) && mayLosePromote(controller);
}

// ---- 4. guard -------------------------------------------------------------------------------------------

function guard(ctx: Ctx, plan: Plan, force: boolean): void {
  ctx.err(
    renderGuard(ctx.t, { plan, target: plan.target ? { revision: plan.target.revision, images: plan.target.images } : null }, ctx.colorErr),
  );
  if (plan.needsForce.length > 0 && !force) {
    const reasons = plan.needsForce.flatMap((c) => consequenceLines(ctx.t, plan, c)).join(' ');
    throw new CliError(EXIT.STATE, 'state.needsForce', { reasons });
  }
  if (plan.needsForce.length > 0) ctx.err(`  ${ctx.t('guard.forced')}\n`);
}

// ---- 5. dry run -----------------------------------------------------------------------------------------

async function dryRun(
  ctx: Ctx,
  kube: Kube,
  read: Read,
  plan: Plan,
  requests: PlannedRequest[],
  mode: DryRun,
  output: ChangeArgs['output'],
): Promise<ExitCode> {
  const nudges = awaitsController(plan, read.controller) ? NUDGE_AT_MS.length : 0;
  if (output) {
    ctx.out(serialize(changePlanJson(plan, requests.map(wire), nudges), output));
  } else {
    ctx.err(`\n${ctx.t('guard.requestsDryRun')}\n`);
    ctx.out(renderRequests(requests.map(wire)));
    if (nudges) ctx.err(`${ctx.t('guard.nudgeNote', { count: String(nudges), seconds: String(NUDGE_AT_MS[0] / 1000) })}\n`);
  }
  if (mode === 'server') {
    for (const req of requests) {
      try {
        await kube.client.send(req, true, ctx.signal);
      } catch (e) {
        if (isConflict(e)) throw await conflict(ctx, kube, read.loaded, read.now, false, workloadPin(req));
        throw translate(e, errorContext(ctx, kube, plan.name));
      }
    }
    ctx.err(`${ctx.t('guard.dryRunServer')}\n`);
  } else {
    ctx.err(`${ctx.t('guard.dryRunDone')}\n`);
  }
  return EXIT.OK;
}

// ---- 6. confirm -----------------------------------------------------------------------------------------

/**
 * A change that gives users an OLDER version than they get now (the incident: one "yes" too many) is
 * confirmed by typing that version, not with y: its tag, its short reference (frontend:v1.053), or the
 * whole image reference. null when y/N is enough.
 */
export function typedConfirmation(plan: Plan): { expected: string; accepts(answer: string): boolean } | null {
  const down = plan.consequences.find((c) => c.kind === 'downgrade');
  if (plan.switchesWhen === 'never' || !plan.after || !down) return null;
  const tag = (short: string) => /:([^:/@]+)$/.exec(short)?.[1] ?? short;
  // When tags went down, the version to type is one of those (only a sidecar may go back: typing the
  // main image's tag, which users keep, confirmed nothing). Otherwise the whole template is older.
  const lowered = new Set(down.signals.flatMap((s) => (s.signal === 'tagLower' ? [s.previewTag] : [])));
  const shorts = lowered.size > 0 ? plan.after.images.filter((short) => lowered.has(tag(short))) : plan.after.images;
  if (shorts.length === 0) shorts.push(...plan.after.images);
  return {
    expected: tag(shorts[0] ?? '?'),
    // The whole reference as written, a digest after the tag included (found by a hostile review: refused).
    accepts: (answer) =>
      shorts.some((short) => answer === short || answer === tag(short) || (answer.includes('/') && shortImage(answer) === short)),
  };
}

async function confirmed(ctx: Ctx, plan: Plan, yes: boolean): Promise<void> {
  if (yes) return;
  if (!ctx.interactive) throw new CliError(EXIT.NOT_CONFIRMED, 'confirm.noTty');
  const typed = typedConfirmation(plan);
  if (!typed) {
    if (!(await confirm(ctx, ctx.t('confirm.prompt')))) throw new CliError(EXIT.NOT_CONFIRMED, 'confirm.declined');
    return;
  }
  const answer = await ask(ctx, ctx.t('confirm.typeVersion', { v: typed.expected }));
  if (answer === null || !typed.accepts(answer)) throw new CliError(EXIT.NOT_CONFIRMED, 'confirm.typedWrong', { v: typed.expected });
}

// ---- 9. report ------------------------------------------------------------------------------------------

function report(ctx: Ctx, plan: Plan, applied: Applied, audit: Audit, reaction: Reaction | null, output: ChangeArgs['output']): ExitCode {
  const t = ctx.t;
  const controller = reaction && {
    reacted: reaction.kind === 'reacted',
    nudges: 'nudges' in reaction ? reaction.nudges : 0,
    watched: reaction.kind !== 'cannotWatch',
  };
  if (output) ctx.out(serialize(changeResultJson(plan, applied, audit, controller), output));
  else ctx.out(`${resultLine(t, plan)}\n`);
  if (reaction?.kind === 'silent') ctx.err(`${t('result.notActedYet', { name: plan.name, ns: plan.namespace })}\n`);
  if (reaction?.kind === 'cannotWatch') {
    ctx.err(`${t('result.cannotConfirm')} ${reaction.error.sentences.map((x) => render(t, x.key, x.params)).join(' ')}\n`);
  }
  if (reaction?.kind === 'interrupted') ctx.err(`${t('result.stoppedWaiting')}\n`);
  if (applied.recordFailed) {
    const key = applied.recordLost ? 'result.recordLost' : 'result.recordFailed';
    ctx.err(`${t(key, { detail: applied.recordFailed.slice(0, 300) })}\n`);
  } else ctx.err(`${t('result.recorded', { by: audit.by })}\n`);
  ctx.err(`${t('result.follow', { name: plan.name, ns: plan.namespace })}\n`);
  return EXIT.OK;
}

// ---- the pipeline ---------------------------------------------------------------------------------------

/**
 * byRelease: the plan (or the wait for the controller) depends on the controller's release, which is then
 * read in parallel with the Rollout; false for a change whose plan is the same on every release.
 */
export async function runChange(
  ctx: Ctx,
  args: ChangeArgs,
  planner: Planner,
  describeInvalid: DescribeInvalid,
  { byRelease }: { byRelease: boolean } = { byRelease: true },
): Promise<ExitCode> {
  const mode = validate(args);
  const kube = await ctx.kube();
  validateName('namespace', kube.namespace);
  // Who: started now, needed for the record (the dry run shows the record exactly as it would be sent).
  const who = kube.client.whoAmI(ctx.signal);
  const read = await readAndPlan(ctx, kube, args.rollout, planner, byRelease);
  const { loaded, result } = read;

  switch (result.kind) {
    case 'invalid':
      throw describeInvalid(result.error, loaded.view.name, ctx.t);
    case 'refused':
      throw await refuse(ctx, kube, loaded, result, read.now);
    case 'noop':
      ctx.err(`${noopLine(ctx.t, result)}\n`);
      if (args.output) ctx.out(serialize(noopJson(result, mode !== 'none'), args.output));
      return EXIT.OK;
  }
  const plan = result.plan;
  guard(ctx, plan, args.force === true);

  const audit: Audit = {
    by: (await who.catch(() => null)) ?? kube.user,
    at: rfc3339(ctx.io.now()),
    action: plan.action,
    from: plan.before,
    to: plan.after,
    reason: args.reason ?? '',
    workload: workloadOf(plan.requests),
  };
  const requests = recordedRequests(plan.requests, loaded.ro, audit);
  if (mode !== 'none') return dryRun(ctx, kube, read, plan, requests, mode, args.output);

  await confirmed(ctx, plan, args.yes);
  // The record's time is the write's, not the plan's (a prompt may stay open for minutes): whoever loses
  // a race to this write names it only if its record is not older than their own read (refuse.ts).
  audit.at = rfc3339(ctx.io.now());
  const applied = await applyPlan(ctx, kube, loaded, plan, recordedRequests(plan.requests, loaded.ro, audit), auditValue(audit), read.now);
  const reaction = awaitsController(plan, read.controller) ? await awaitController(ctx, kube, loaded.ro, applied.rollout) : null;
  return report(ctx, plan, applied, audit, reaction, args.output);
}
