// When the state does not allow a change (exit 4), or moved under it: the sentence, and who changed it if
// someone did moments ago (two operators at once).
import type { Ctx, Kube } from '../../ctx.js';
import { CliError, EXIT } from '../../errors.js';
import { lastChange, type LastChange } from '../../rollout/audit.js';
import { phaseText } from '../../rollout/goals.js';
import { isUnpausing } from '../../rollout/phase.js';
import type { JsonPatchOp, PlannedRequest, PlanResult } from '../../rollout/plan.js';
import { changedWithin, whatChanged } from '../../rollout/reaction.js';
import type { Rollout } from '../../rollout/types.js';
import { versionText } from '../../render/text.js';
import { loadRollout, type Loaded } from '../load.js';

/** How long a recorded change counts as "moments ago" for naming who made it. */
const RECENT_CHANGE_MS = 120_000;
/** A Rollout written this recently may be mid-change by someone else: wait for their record. */
const IN_FLIGHT_MS = 5_000;
/** The winner of a race records itself right after its write: re-read for up to 8 × 250 ms. */
const REREAD_TRIES = 8;
const REREAD_PAUSE_MS = 250;

/** The refusal as one sentence, by lookup: every `state.<key>` message takes these parameters. */
export function refusalError(t: Ctx['t'], result: Extract<PlanResult, { kind: 'refused' }>, ro: Rollout): CliError {
  const r = result.refusal;
  const params = {
    name: result.name,
    v: versionText(t, result.before),
    phase: phaseText(ro, t),
    strategy: 'strategy' in r ? r.strategy : '',
    revision: 'revision' in r ? String(r.revision) : '',
    kind: 'workloadKind' in r ? r.workloadKind : '',
    workload: 'workload' in r ? r.workload : '',
  };
  return new CliError(EXIT.STATE, `state.${r.key}` as const, params);
}

/** Re-reads the rollout until its audit annotation satisfies `accept` (about 2 s at most). */
async function rereadForRecord(
  ctx: Pick<Ctx, 'signal' | 'flags'>,
  kube: Kube,
  name: string,
  accept: (lc: LastChange | null) => boolean,
): Promise<Loaded | null> {
  let now: Loaded | null = null;
  for (let i = 0; i < REREAD_TRIES && !ctx.signal.aborted; i++) {
    try {
      now = await loadRollout(ctx, kube, name);
    } catch {
      break;
    }
    if (accept(lastChange(now.ro))) break;
    await new Promise((r) => setTimeout(r, REREAD_PAUSE_MS));
  }
  return now;
}

/** A refusal, naming who changed the rollout if that was moments ago. */
export async function refuse(
  ctx: Pick<Ctx, 't' | 'signal' | 'flags'>,
  kube: Kube,
  loaded: Loaded,
  result: Extract<PlanResult, { kind: 'refused' }>,
  now: Date,
): Promise<CliError> {
  const err = refusalError(ctx.t, result, loaded.ro);
  // A promote still in flight (the pause cleared, the controller not done) may not have recorded itself
  // yet: wait for it.
  const seen = lastChange(loaded.ro);
  const moving = isUnpausing(loaded.ro) || changedWithin(loaded.ro, now, IN_FLIGHT_MS);
  const fresh = moving ? await rereadForRecord(ctx, kube, loaded.view.name, (lc) => !!lc && lc.at !== seen?.at) : loaded;
  const lc = lastChange((fresh ?? loaded).ro);
  if (lc && now.getTime() - Date.parse(lc.at) < RECENT_CHANGE_MS) err.with('state.changedBy', { by: lc.by, action: lc.action, at: lc.at });
  return err;
}

/** A write to a workloadRef's Deployment, and the generation it was pinned on; undefined for a write to the Rollout. */
export interface WorkloadPin {
  name: string;
  generation: number;
}

export function workloadPin(req: PlannedRequest): WorkloadPin | undefined {
  if (req.resource !== 'deployments' || !Array.isArray(req.body)) return undefined;
  const test = (req.body as JsonPatchOp[]).find((o) => o.op === 'test' && o.path === '/metadata/generation');
  return { name: req.name ?? '', generation: test && 'value' in test ? Number(test.value) : 0 };
}

/** What moved on the Deployment: its generation now (or that it is gone). */
async function workloadMoved(ctx: Pick<Ctx, 't' | 'signal'>, kube: Kube, ns: string, pin: WorkloadPin): Promise<string> {
  try {
    const now = await kube.client.getDeployment(ns, pin.name, ctx.signal);
    if (now === null) return ctx.t('state.changed.workloadGone');
    return ctx.t('state.changed.workloadGeneration', { from: String(pin.generation), to: String(now.metadata.generation ?? '?') });
  } catch {
    return ctx.t('state.changed.unknown');
  }
}

/**
 * A write refused because the rollout (or, with `workload`, the Deployment its template comes from)
 * moved after it was read (a failed `test`): what moved, and who.
 */
export async function conflict(
  ctx: Pick<Ctx, 't' | 'signal' | 'flags'>,
  kube: Kube,
  before: Loaded,
  since: Date,
  partial: boolean,
  workload?: WorkloadPin,
): Promise<CliError> {
  const name = before.view.name;
  // The record of the change that beat us: not the one that was there when we read (a set-image a
  // moment before is not who promoted), and not older than our read. Its time is taken just before its
  // write, which came after our read of the rollout; `since` is taken after our other reads. Allowed: a
  // second because a record's time is in whole seconds (a write at 12:00:01.9 records 12:00:01), and one
  // more for our reads after the rollout's and clock skew between machines.
  const seen = lastChange(before.ro);
  const same = (a: LastChange, b: LastChange | null) => !!b && a.at === b.at && a.action === b.action && a.by === b.by;
  const recent = (lc: LastChange | null) => !!lc && !same(lc, seen) && Date.parse(lc.at) >= since.getTime() - 2000;
  const [now, moved] = await Promise.all([
    rereadForRecord(ctx, kube, name, recent),
    workload ? workloadMoved(ctx, kube, before.view.namespace, workload) : null,
  ]);
  const err =
    workload && moved !== null
      ? new CliError(EXIT.STATE, 'state.changedWorkload', { name, workload: workload.name, what: moved })
      : new CliError(EXIT.STATE, partial ? 'state.changedPartial' : 'state.changed', {
          name,
          what: ctx.t(`state.changed.${now ? whatChanged(before.ro, now.ro) : 'unknown'}`),
        });
  const lc = now ? lastChange(now.ro) : null;
  if (lc && recent(lc)) err.with('state.changedBy', { by: lc.by, action: lc.action, at: lc.at });
  return err;
}
