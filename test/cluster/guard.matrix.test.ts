// Matrix only (npm run test:matrix): what the guard says promote, undo, abort and set-image will do on a
// healthy and on an aborted rollout, checked against what the controller of each release then does.
// The plan comes from `--dry-run -o json` (the same planner as the real run); the outcome is read with
// kubectl from the Services and ReplicaSets.
import { describe, expect, it } from 'vitest';
import {
  bluegreen,
  clusterView,
  deploy,
  getJson,
  IMAGE,
  newNamespace,
  newPreview,
  planOf,
  printLogsOnFailure,
  promoteAndWait,
  rsOf,
  statusJson,
  until,
} from './e2e.js';

printLogsOnFailure();

/** A refused command changes nothing: same generation, same status (apart from heartbeat fields). */
async function refusedAndUnchanged(ns: string, args: string[], message: RegExp): Promise<void> {
  const before = await getJson('rollout', 'frontend', ns);
  const r = await bluegreen([...args, '-n', ns, '--yes']);
  expect(r.code, r.stderr).toBe(4);
  expect(r.stderr).toMatch(message);
  const after = await getJson('rollout', 'frontend', ns);
  expect(after.metadata.generation).toBe(before.metadata.generation);
  expect(after.status.blueGreen?.activeSelector).toBe(before.status.blueGreen?.activeSelector);
  expect(after.status.abort ?? false).toBe(before.status.abort ?? false);
}

const short = (tag: string) => `frontend:${tag}`;

describe('a healthy rollout (v1.054 serves users, v1.052 scaled down)', () => {
  async function healthy(prefix: string): Promise<string> {
    const ns = await newNamespace(prefix);
    await deploy(ns, { scaleDownDelaySeconds: 2 });
    await newPreview(ns, 'v1.054');
    await promoteAndWait(ns);
    await until('v1.052 scaled down', async () => rsOf(await clusterView(ns), 'v1.052').replicas === 0);
    return ns;
  }

  it('promote and abort are refused (exit 4) and change nothing', async () => {
    const ns = await healthy('guard-healthy');
    await refusedAndUnchanged(ns, ['promote', 'frontend'], /nothing to promote: rollout "frontend" has no preview waiting/);
    await refusedAndUnchanged(ns, ['abort', 'frontend'], /nothing to abort: rollout "frontend" has no preview waiting/);
  });

  it('undo: the guard says v1.052 comes back as a new preview that needs a promote; the controller does that', async () => {
    const ns = await healthy('guard-healthy-undo');
    const plan = await planOf(ns, ['undo', 'frontend']);
    expect(plan.after?.images).toEqual([short('v1.052')]);
    expect(plan.switchesWhen).toBe('afterPromote');
    expect(plan.consequences.map((c) => c.kind)).toContain('undoNewPreview');
    const u = await bluegreen(['undo', 'frontend', '-n', ns, '--yes']);
    expect(u.code, u.stderr).toBe(0);
    const w = await bluegreen(['wait', 'frontend', '-n', ns, '--for=paused', '--timeout', '60s']);
    expect(w.code, w.stderr).toBe(0);
    const v = await clusterView(ns);
    expect(v.activeHash).toBe(rsOf(v, 'v1.054').hash);
    expect(v.previewHash).toBe(rsOf(v, 'v1.052').hash);
  });
});

describe('an aborted rollout (v1.052 serves users, the v1.054 preview aborted and scaled down)', () => {
  async function aborted(prefix: string): Promise<string> {
    const ns = await newNamespace(prefix);
    await deploy(ns, { abortScaleDownDelaySeconds: 1 });
    await newPreview(ns, 'v1.054');
    const a = await bluegreen(['abort', 'frontend', '-n', ns, '--yes']);
    expect(a.code, a.stderr).toBe(0);
    await until('preview scaled down after the abort', async () => rsOf(await clusterView(ns), 'v1.054').replicas === 0);
    const s = await statusJson(ns);
    expect(s).toMatchObject({ phase: 'Degraded', aborted: true, active: { images: [IMAGE('v1.052')] } });
    return ns;
  }

  it('plain promote and a second abort are refused (exit 4) and change nothing', async () => {
    const ns = await aborted('guard-aborted');
    await refusedAndUnchanged(ns, ['promote', 'frontend'], /was aborted, and a plain promote does nothing then/);
    await refusedAndUnchanged(ns, ['abort', 'frontend'], /is already aborted/);
  });

  it('undo: the guard says users stay on v1.052 and the preview is dropped; the controller ends Healthy there', async () => {
    const ns = await aborted('guard-aborted-undo');
    const plan = await planOf(ns, ['undo', 'frontend']);
    expect(plan.after?.images).toEqual([short('v1.052')]);
    expect(plan.switchesWhen).toBe('never');
    expect(plan.consequences.map((c) => c.kind)).toContain('undoKeepsActive');
    const u = await bluegreen(['undo', 'frontend', '-n', ns, '--yes']);
    expect(u.code, u.stderr).toBe(0);
    const h = await bluegreen(['wait', 'frontend', '-n', ns, '--for=healthy', '--timeout', '60s']);
    expect(h.code, h.stderr).toBe(0);
    const v = await clusterView(ns);
    expect(v.activeHash).toBe(rsOf(v, 'v1.052').hash);
    expect(rsOf(v, 'v1.054').replicas).toBe(0);
    const s = await statusJson(ns);
    expect(s).toMatchObject({ phase: 'Healthy', aborted: false, preview: null });
  });

  it('set-image: the guard says a new preview that needs a promote; the controller clears the abort and pauses', async () => {
    const ns = await aborted('guard-aborted-set');
    const plan = await planOf(ns, ['set-image', 'frontend', `frontend=${IMAGE('v1.056')}`]);
    expect(plan.after?.images).toEqual([short('v1.056')]);
    expect(plan.switchesWhen).toBe('afterPromote');
    const s = await bluegreen(['set-image', 'frontend', `frontend=${IMAGE('v1.056')}`, '-n', ns, '--yes']);
    expect(s.code, s.stderr).toBe(0);
    const w = await bluegreen(['wait', 'frontend', '-n', ns, '--for=paused', '--timeout', '60s']);
    expect(w.code, w.stderr).toBe(0);
    const v = await clusterView(ns);
    expect(v.activeHash).toBe(rsOf(v, 'v1.052').hash);
    expect(v.previewHash).toBe(rsOf(v, 'v1.056').hash);
    const st = await statusJson(ns);
    expect(st).toMatchObject({ phase: 'Paused', aborted: false });
  });
});
