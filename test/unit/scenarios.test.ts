// Table-driven: every YAML scenario in test/fixtures/rollouts states what the view, the planners and
// the next-step list must say. The same scenarios run against the real controller in test/cluster.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIXTURES, loadFixture, type Fixture } from '../fixtures/load.js';
import { buildRolloutView, type RolloutView } from '../../src/rollout/view.js';
import { olderBecauseText, workloadJson } from '../../src/render/formats.js';
import { normalizeDeployment, normalizeReplicaSet, normalizeRollout, normalizeService } from '../../src/rollout/normalize.js';
import {
  keepActiveCommands,
  parseImageArgs,
  planAbort,
  planPromote,
  planSetImage,
  planUndo,
  type JsonPatchOp,
  type PlanResult,
} from '../../src/rollout/plan.js';
import { nextActions } from '../../src/rollout/actions.js';

// As the commands read them: every object through the normalizing boundary.
function viewOf(f: Fixture): RolloutView {
  const bg = f.rollout.spec?.strategy?.blueGreen;
  const svc = (s: unknown) => (s ? normalizeService(s) : null);
  return buildRolloutView({
    rollout: normalizeRollout(f.rollout),
    replicaSets: f.replicaSets.map(normalizeReplicaSet),
    activeService: bg?.activeService ? svc(f.services.active) : undefined,
    previewService: bg?.previewService ? svc(f.services.preview) : undefined,
    // A workloadRef's Deployment: undefined when the fixture has none (not read), null when not found.
    workload: f.workload ? normalizeDeployment(f.workload) : f.workload,
  });
}

/** A JSON Patch op as "op path value" (objects shown as {…}): paths and values, not only op names. */
function opText(o: JsonPatchOp): string {
  if (o.op === 'remove') return `remove ${o.path}`;
  const v = o.value !== null && typeof o.value === 'object' ? '{…}' : JSON.stringify(o.value);
  return `${o.op} ${o.path} ${v}`;
}

function summarize(r: PlanResult) {
  if (r.kind !== 'plan') return { refusal: r.kind === 'refused' ? r.refusal.key : r.kind };
  const p = r.plan;
  return {
    refusal: null,
    needsForce: p.needsForce.map((c) => c.kind),
    consequences: p.consequences.map((c) => c.kind),
    after: p.after?.revision ?? null,
    switchesWhen: p.switchesWhen,
    target: p.target?.revision ?? null,
    // Every request: where it goes and what it writes.
    requests: p.requests.map(
      (q) =>
        `${q.method} ${q.resource}: ${Array.isArray(q.body) ? (q.body as JsonPatchOp[]).map(opText).join('; ') : JSON.stringify(q.body)}`,
    ),
  };
}

function pick(actual: Record<string, unknown>, expected: Record<string, unknown>) {
  return Object.fromEntries(Object.keys(expected).map((k) => [k, actual[k]]));
}

const files = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe.each(files)('scenario %s', (file) => {
  const f = loadFixture(file);
  const e = f.expect;
  const v = viewOf(f);

  it('has the phase and message the official plugin computes', () => {
    expect({ phase: v.phase, message: v.message }).toEqual({ phase: e.phase, message: e.message });
  });

  it('says who gets users and what waits', () => {
    expect(v.active && { revision: v.active.revision, images: v.active.images }).toEqual(e.active);
    expect(v.preview && { revision: v.preview.revision, images: v.preview.images }).toEqual(e.preview);
    if (e.services) expect(v.services).toEqual(e.services);
    if (e.promotesAt) expect(v.autoPromotion.promotesAt).toBe(e.promotesAt);
  });

  if (e.workload)
    it('names the workloadRef and its Deployment', () => {
      const w = workloadJson(v.workload) as Record<string, unknown>;
      expect(pick(w, e.workload)).toEqual(e.workload);
    });

  it('says whether the preview is older, and why', () => {
    expect(v.previewIsOlder).toBe(e.previewIsOlder);
    expect(v.olderSignals.map(olderBecauseText)).toEqual(e.olderBecause);
  });

  const now = f.now;
  it('plans promote', () => {
    expect(pick(summarize(planPromote(v, f.rollout, { now })), e.promote)).toEqual(e.promote);
    if (e.promoteFull) expect(pick(summarize(planPromote(v, f.rollout, { now, full: true })), e.promoteFull)).toEqual(e.promoteFull);
  });

  if (e.keepActive)
    it('offers only commands that would be allowed to keep users on the active version', () => {
      expect(keepActiveCommands(v).map((c) => c.command)).toEqual(e.keepActive);
    });

  it('plans undo', () => {
    expect(pick(summarize(planUndo(v, f.rollout, { now })), e.undo)).toEqual(e.undo);
  });

  if (e.undoOnV193)
    it('plans undo on a controller before v1.10', () => {
      expect(pick(summarize(planUndo(v, f.rollout, { now, controller: { version: 'v1.9.3' } })), e.undoOnV193)).toEqual(e.undoOnV193);
    });

  if (e.undoToStable)
    it('plans undo to the stable revision (v1.10: a fast rollback)', () => {
      const stable = v.history.find((h) => h.podTemplateHash === v.stable?.podTemplateHash)!;
      const controller = { version: 'v1.10.2' };
      expect(pick(summarize(planUndo(v, f.rollout, { now, toRevision: stable.revision!, controller })), e.undoToStable)).toEqual(
        e.undoToStable,
      );
      // Before v1.10 it waits for a promote.
      const older = planUndo(v, f.rollout, { now, toRevision: stable.revision!, controller: { version: 'v1.9.3' } });
      expect(older.kind === 'plan' && older.plan.switchesWhen).toBe('afterPromote');
    });

  it('plans abort', () => {
    expect(pick(summarize(planAbort(v, f.rollout, { now })), e.abort)).toEqual(e.abort);
  });

  if (e.setImage)
    it('plans set-image', () => {
      const changes = parseImageArgs(e.setImage.images);
      if (!Array.isArray(changes)) throw new Error(JSON.stringify(changes));
      const { images: _i, ...want } = e.setImage;
      expect(pick(summarize(planSetImage(v, f.rollout, changes, { now })), want)).toEqual(want);
    });

  it('lists the next steps with what each does to users', () => {
    expect(nextActions(v, f.rollout, f.now).map((a) => `${a.action}:${a.effect}`)).toEqual(e.next);
  });

  if (e.history)
    it('gives every revision its role', () => {
      expect(v.history.map((h) => `${h.revision}:${h.roles.join('+')}`)).toEqual(e.history);
    });
});
