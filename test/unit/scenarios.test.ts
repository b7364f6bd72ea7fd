// Table-driven: every YAML scenario in test/fixtures/rollouts states what the view, the planners and
// the next-step list must say. The same scenarios run against the real controller in test/cluster.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIXTURES, loadFixture, type Fixture } from '../fixtures/load.js';
import { buildRolloutView, olderBecauseText, type RolloutView } from '../../src/rollout/view.js';
import { parseImageArgs, planAbort, planPromote, planSetImage, planUndo, type JsonPatchOp, type Plan } from '../../src/rollout/plan.js';
import { nextActions } from '../../src/rollout/actions.js';

function viewOf(f: Fixture): RolloutView {
  const bg = f.rollout.spec?.strategy?.blueGreen;
  return buildRolloutView({
    rollout: f.rollout,
    replicaSets: f.replicaSets,
    activeService: bg?.activeService ? (f.services.active ?? null) : undefined,
    previewService: bg?.previewService ? (f.services.preview ?? null) : undefined,
  });
}

function summarize(p: Plan) {
  return {
    refusal: p.refusal?.key ?? null,
    needsForce: p.needsForce.map((c) => c.kind),
    consequences: p.consequences.map((c) => c.kind),
    after: p.after?.revision ?? null,
    switchesWhen: p.switchesWhen,
    ops: Array.isArray(p.requests[0]?.body) ? (p.requests[0]!.body as JsonPatchOp[]).map((o) => o.op) : [],
  };
}

function pick(actual: Record<string, unknown>, expected: Record<string, unknown>) {
  return Object.fromEntries(Object.keys(expected).map((k) => [k, actual[k]]));
}

const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).sort();

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

  it('says whether the preview is older, and why', () => {
    expect(v.previewIsOlder).toBe(e.previewIsOlder);
    expect(v.olderSignals.map(olderBecauseText)).toEqual(e.olderBecause);
  });

  it('plans promote', () => {
    expect(pick(summarize(planPromote(v, f.rollout)), e.promote)).toEqual(e.promote);
    if (e.promoteFull) expect(pick(summarize(planPromote(v, f.rollout, { full: true })), e.promoteFull)).toEqual(e.promoteFull);
  });

  it('plans undo', () => {
    const p = planUndo(v, f.rollout, { now: f.now });
    const s = { ...summarize(p), target: p.target?.revision ?? null };
    expect(pick(s, e.undo)).toEqual(e.undo);
  });

  it('plans abort', () => {
    expect(pick(summarize(planAbort(v, f.rollout)), e.abort)).toEqual(e.abort);
  });

  if (e.setImage) it('plans set-image', () => {
    const changes = parseImageArgs(e.setImage.images);
    if (!Array.isArray(changes)) throw new Error(JSON.stringify(changes));
    const p = planSetImage(v, f.rollout, changes);
    if ('kind' in p) throw new Error(JSON.stringify(p));
    const { images: _i, ...want } = e.setImage;
    expect(pick(summarize(p), want)).toEqual(want);
  });

  it('lists the next steps with what each does to users', () => {
    expect(nextActions(v, f.rollout, f.now).map((a) => `${a.action}:${a.effect}`)).toEqual(e.next);
  });

  if (e.history) it('gives every revision its role', () => {
    expect(v.history.map((h) => `${h.revision}:${h.roles.join('+')}`)).toEqual(e.history);
  });
});
