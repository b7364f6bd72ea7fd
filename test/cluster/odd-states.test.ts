// Odd but real states a review found the guard wrong in, each first seen on the real controller
// (v1.10.2): what the guard plans is checked against what the controller then does to the Services.
import { describe, expect, it } from 'vitest';
import {
  bluegreen,
  clusterView,
  deploy,
  getJson,
  IMAGE,
  laterSecondThan,
  newNamespace,
  newPreview,
  patchRollout,
  planOf,
  printLogsOnFailure,
  promoteAndWait,
  rsOf,
  statusJson,
  until,
} from './e2e.js';

printLogsOnFailure();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** v1.052 deployed, v1.054 promoted over it; v1.052's ReplicaSet made in an earlier second, still up within its delay. */
async function promotedWithinDelay(ns: string): Promise<void> {
  await deploy(ns, { scaleDownDelaySeconds: 300 });
  await laterSecondThan(ns, 'v1.052');
  await newPreview(ns, 'v1.054');
  await promoteAndWait(ns);
}

describe('odd states', () => {
  it('a version rolled forward again after an undo is not called older (it was a DOWNGRADE to be typed)', async () => {
    const ns = await newNamespace('e2e-forward-again');
    await deploy(ns, { scaleDownDelaySeconds: 2 });
    await newPreview(ns, 'v1.054');
    await promoteAndWait(ns);
    await until('v1.052 scaled down', async () => rsOf(await clusterView(ns), 'v1.052').replicas === 0);
    // Back to v1.052 (a new preview, renumbered), promoted; then v1.054 again.
    const back = await bluegreen(['undo', 'frontend', '-n', ns, '--yes']);
    expect(back.code, back.stderr).toBe(0);
    expect((await bluegreen(['wait', 'frontend', '-n', ns, '--for=paused', '--timeout', '90s'])).code).toBe(0);
    await promoteAndWait(ns);
    await until('v1.054 scaled down', async () => rsOf(await clusterView(ns), 'v1.054').replicas === 0);
    const again = await bluegreen(['undo', 'frontend', '-n', ns, '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect((await bluegreen(['wait', 'frontend', '-n', ns, '--for=paused', '--timeout', '90s'])).code).toBe(0);
    const s = await statusJson(ns);
    expect(s.active.images).toEqual([IMAGE('v1.052')]);
    expect(s.preview.images).toEqual([IMAGE('v1.054')]);
    expect(s.preview.revisionHistory.length).toBeGreaterThan(0); // it served an earlier number
    expect(s.previewIsOlder).toBe(false);
    const plan = await planOf(ns, ['promote', 'frontend']);
    expect(plan.consequences.map((c) => c.kind)).not.toContain('downgrade');
  });

  it('set-image back to a version still within its scale-down delay switches users at once, as the guard now says', async () => {
    const ns = await newNamespace('e2e-setimage-fast');
    await promotedWithinDelay(ns);
    const old = rsOf(await clusterView(ns), 'v1.052');
    expect(old.replicas).toBe(2); // still up within its delay
    const args = ['set-image', 'frontend', `frontend=${IMAGE('v1.052')}`];
    const plan = await planOf(ns, args);
    expect(plan.switchesWhen).toBe('immediately');
    expect(plan.consequences.map((c) => c.kind)).toContain('undoFastRollback');
    const r = await bluegreen([...args, '-n', ns, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    await until('active back on v1.052, the same ReplicaSet', async () => (await clusterView(ns)).activeHash === old.hash, 30_000);
  });

  it('paused by hand: undo within the delay does not switch users, and the guard says it waits for a promote', async () => {
    const ns = await newNamespace('e2e-manual-pause');
    await promotedWithinDelay(ns);
    const active = (await clusterView(ns)).activeHash;
    await patchRollout(ns, 'merge', { spec: { paused: true } });
    await until('the pause observed', async () => {
      const ro = await getJson('rollout', 'frontend', ns);
      return String(ro.status?.observedGeneration) === String(ro.metadata.generation);
    });
    const plan = await planOf(ns, ['undo', 'frontend']);
    expect(plan.switchesWhen).toBe('afterPromote');
    expect(plan.consequences.map((c) => c.kind)).toContain('manualPauseHolds');
    const u = await bluegreen(['undo', 'frontend', '-n', ns, '--yes']);
    expect(u.code, u.stderr).toBe(0);
    // The controller holds everything while paused by hand: users stay on v1.054.
    await sleep(8000);
    expect((await clusterView(ns)).activeHash).toBe(active);
  });
});
