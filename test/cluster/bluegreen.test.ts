// The plugin against the real Argo Rollouts controller (v1.9.1) on the local control plane. Every test
// drives `kubectl bluegreen` through kubectl's plugin discovery and then checks the cluster itself
// (Service selectors, ReplicaSet scale), not only what the plugin printed.
import { describe, expect, it } from 'vitest';
import {
  bluegreen,
  bluegreenOnTty,
  clusterEnv,
  clusterView,
  deploy,
  IMAGE,
  kubectl,
  kubectlOk,
  laterSecondThan,
  newNamespace,
  newPreview,
  printLogsOnFailure,
  promoteAndWait,
  rsOf,
  setImageRaw,
  statusJson,
  until,
} from './e2e.js';
import { record } from '../reliability.js';

printLogsOnFailure();

describe('first deploy and an ordinary update', () => {
  it('first deploy goes live with no preview; set-image makes a preview; promote switches users', async () => {
    const ns = await newNamespace('e2e-update');
    await deploy(ns);
    let s = await statusJson(ns);
    expect(s.active).toMatchObject({ revision: 1, images: [IMAGE('v1.052')], readyReplicas: 2 });
    expect(s.preview).toBeNull();
    const v0 = await clusterView(ns);
    expect(v0.activeHash).toBe(rsOf(v0, 'v1.052').hash);

    await newPreview(ns, 'v1.054');
    s = await statusJson(ns);
    expect(s).toMatchObject({ phase: 'Paused', message: 'BlueGreenPause', previewIsOlder: false });
    expect(s.preview).toMatchObject({ revision: 2, images: [IMAGE('v1.054')], readyReplicas: 2 });
    const v1 = await clusterView(ns);
    expect(v1.activeHash).toBe(rsOf(v1, 'v1.052').hash); // users still on v1.052
    expect(v1.previewHash).toBe(rsOf(v1, 'v1.054').hash);

    await promoteAndWait(ns);
    const v2 = await clusterView(ns);
    expect(v2.activeHash).toBe(rsOf(v2, 'v1.054').hash);
    // the old ReplicaSet goes to zero after scaleDownDelaySeconds (3 s)
    await until('v1.052 scaled down', async () => rsOf(await clusterView(ns), 'v1.052').replicas === 0);
    s = await statusJson(ns);
    expect(s).toMatchObject({ phase: 'Healthy', preview: null, active: { revision: 2, images: [IMAGE('v1.054')] } });
  });
});

describe('the Christmas incident, replayed', () => {
  it('an older preview is named a downgrade, promote is refused without --yes, and undo keeps users on v1.054', async () => {
    const ns = 'apc-fe-ns';
    await kubectl(['delete', 'rollout,service', '--all', '-n', ns, '--wait=true']);
    await deploy(ns);
    await newPreview(ns, 'v1.053');
    await promoteAndWait(ns);
    // creationTimestamp has one-second resolution, and the plugin says "created before" only when it
    // can know it: let v1.054's ReplicaSet be born in a later second than v1.053's, as it is in life.
    await laterSecondThan(ns, 'v1.053');
    await newPreview(ns, 'v1.054');
    await promoteAndWait(ns);
    await until('v1.053 scaled down', async () => rsOf(await clusterView(ns), 'v1.053').replicas === 0);

    // Someone sets the template back to v1.053 (a GitOps revert): it comes back as the newest revision.
    await setImageRaw(ns, 'v1.053');
    const w = await bluegreen(['wait', 'frontend', '-n', ns, '--for=paused', '--timeout', '90s']);
    expect(w.code, w.stderr).toBe(0);

    const before = await clusterView(ns);
    const rs053 = rsOf(before, 'v1.053');
    const rs054 = rsOf(before, 'v1.054');
    expect(rs053.revision).toBe('4'); // renumbered to the newest revision...
    // ...with its old number kept. The real controller (v1.9.1) appends it once per renumbering pass,
    // and may write it twice ("2,2"): the plugin de-duplicates.
    expect(new Set(rs053.history.split(','))).toEqual(new Set(['2']));
    expect(before.activeHash).toBe(rs054.hash);

    const s = await statusJson(ns);
    expect(s.active).toMatchObject({ revision: 3, images: [IMAGE('v1.054')] });
    expect(s.preview).toMatchObject({ revision: 4, images: [IMAGE('v1.053')] });
    expect(s.previewIsOlder).toBe(true);
    expect(s.olderBecause).toEqual(['created before the active ReplicaSet', 'served revisions 2 before', 'tag v1.053 < v1.054']);

    const human = await bluegreen(['status', 'frontend', '-n', ns]);
    expect(human.stdout).toContain('The preview is OLDER than what users get');
    expect(human.stdout).toContain('a DOWNGRADE (promote is not rollback)');

    // The mistaken promote: no terminal, no --yes -> the guard, exit 3, nothing changed.
    const p = await bluegreen(['promote', 'frontend', '-n', ns]);
    expect(p.code).toBe(3);
    expect(p.stderr).toContain(`Users now get frontend:v1.054 (revision 3).`);
    expect(p.stderr).toContain(`After promote they get frontend:v1.053 (revision 4).`);
    expect(p.stderr).toContain('This is a DOWNGRADE');
    expect(p.stderr).toContain('Promote is not rollback');
    expect(p.stderr).toContain(`kubectl bluegreen undo frontend -n ${ns}    (users stay on frontend:v1.054 (revision 3))`);
    const after = await clusterView(ns);
    expect(after.activeHash).toBe(rs054.hash);
    expect(after.status.pauseConditions?.[0]?.reason).toBe('BlueGreenPause');

    // What they meant: undo. Users never leave v1.054; the older preview is dropped.
    const u = await bluegreen(['undo', 'frontend', '-n', ns, '--yes', '--reason', 'keep the Christmas banner']);
    expect(u.code, u.stderr).toBe(0);
    expect(u.stderr).toContain('After undo they still get frontend:v1.054 (revision 3).');
    const h = await bluegreen(['wait', 'frontend', '-n', ns, '--for=healthy', '--timeout', '60s']);
    expect(h.code, h.stderr).toBe(0);
    const end = await clusterView(ns);
    expect(end.activeHash).toBe(rs054.hash);
    expect(rsOf(end, 'v1.054').available).toBe(2);
    await until('v1.053 scaled down again', async () => rsOf(await clusterView(ns), 'v1.053').replicas === 0);
    const final = await statusJson(ns);
    expect(final).toMatchObject({ phase: 'Healthy', preview: null, active: { images: [IMAGE('v1.054')] } });
    const events = await kubectlOk(['get', 'events', '-n', ns, '--field-selector', 'reason=BlueGreenUndone', '-o', 'json']);
    expect(JSON.parse(events).items[0].message).toContain('keep the Christmas banner');
  });
});

describe('abort', () => {
  it('keeps users on the active version and scales the preview down', async () => {
    const ns = await newNamespace('e2e-abort');
    await deploy(ns);
    await newPreview(ns, 'v1.055');
    const a = await bluegreen(['abort', 'frontend', '-n', ns, '--yes']);
    expect(a.code, a.stderr).toBe(0);
    await until('preview scaled down', async () => rsOf(await clusterView(ns), 'v1.055').replicas === 0);
    const v = await clusterView(ns);
    expect(v.activeHash).toBe(rsOf(v, 'v1.052').hash);
    expect(v.status.abort).toBe(true);
    const s = await statusJson(ns);
    expect(s).toMatchObject({ phase: 'Degraded', aborted: true, active: { images: [IMAGE('v1.052')] } });
    // A second abort is refused: the state does not allow it.
    const again = await bluegreen(['abort', 'frontend', '-n', ns, '--yes']);
    expect(again.code).toBe(4);
  });
});

describe('retry', () => {
  it('after an abort: the preview comes back and waits for a promote; users never leave the active version', async () => {
    const ns = await newNamespace('e2e-retry');
    await deploy(ns);
    await newPreview(ns, 'v1.055');
    const a = await bluegreen(['abort', 'frontend', '-n', ns, '--yes']);
    expect(a.code, a.stderr).toBe(0);
    await until('preview scaled down', async () => rsOf(await clusterView(ns), 'v1.055').replicas === 0);
    const s = await bluegreen(['status', 'frontend', '-n', ns]);
    expect(s.stdout).toMatch(/^\s+retry\s+frontend:v1\.055 \(revision 2\) comes back as the preview/m);
    const r = await bluegreen(['retry', 'frontend', '-n', ns, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('frontend:v1.055 (revision 2) becomes the new preview, and users get it only after a promote');
    const w = await bluegreen(['wait', 'frontend', '-n', ns, '--for=paused', '--timeout', '60s']);
    expect(w.code, w.stderr).toBe(0);
    const v = await clusterView(ns);
    expect(v.activeHash).toBe(rsOf(v, 'v1.052').hash);
    expect(rsOf(v, 'v1.055').available).toBe(2);
    expect(v.status.abort ?? false).toBe(false);
    expect((await bluegreen(['retry', 'frontend', '-n', ns, '--yes'])).code).toBe(4); // not aborted any more
    await promoteAndWait(ns);
    expect((await clusterView(ns)).activeHash).toBe(rsOf(await clusterView(ns), 'v1.055').hash);
  });
});

describe('a downgrade must be typed', () => {
  it('on a terminal, "y" does not promote an older preview; typing its version does', async () => {
    const ns = await newNamespace('e2e-typed');
    await deploy(ns, { image: IMAGE('v1.054') });
    await newPreview(ns, 'v1.053');
    const refused = await bluegreenOnTty(['promote', 'frontend', '-n', ns], async () => 'y\n', /type the version they would get/);
    expect(refused.code, refused.transcript).toBe(3);
    expect(refused.transcript).toContain('needs the version typed (v1.053), not y');
    let v = await clusterView(ns);
    expect(v.activeHash).toBe(rsOf(v, 'v1.054').hash);
    const typed = await bluegreenOnTty(['promote', 'frontend', '-n', ns], async () => 'v1.053\n', /type the version they would get/);
    expect(typed.code, typed.transcript).toBe(0);
    await until('users on v1.053', async () => {
      v = await clusterView(ns);
      return v.activeHash === rsOf(v, 'v1.053').hash;
    });
  });
});

describe('undo', () => {
  it('within the scale-down delay: users switch back at once, no promote (fast rollback)', async () => {
    const ns = await newNamespace('e2e-fast');
    await deploy(ns, { scaleDownDelaySeconds: 300 });
    // From Argo Rollouts v1.10 a fast rollback needs the ReplicaSet created in an earlier second than the
    // stable one (controller.ts): between real deploys it is; here it is made certain.
    await laterSecondThan(ns, 'v1.052');
    await newPreview(ns, 'v1.054');
    await promoteAndWait(ns);
    const v = await clusterView(ns);
    const old = rsOf(v, 'v1.052');
    expect(old.replicas).toBe(2); // still up within its delay
    const u = await bluegreen(['undo', 'frontend', '-n', ns, '--yes']);
    expect(u.code, u.stderr).toBe(0);
    expect(u.stderr).toContain('users are switched to it at once, with no promote (fast rollback)');
    await until('active back on v1.052', async () => (await clusterView(ns)).activeHash === old.hash, 30_000);
    const s = await statusJson(ns);
    expect(s.active.images).toEqual([IMAGE('v1.052')]);
    expect(s.preview).toBeNull();
    expect(rsOf(await clusterView(ns), 'v1.052').hash).toBe(old.hash); // the same ReplicaSet, not a new one
  });

  it('undoing an undo within the delay: the guard says what this release does, and it does it', async () => {
    const ns = await newNamespace('e2e-undo2');
    await deploy(ns, { scaleDownDelaySeconds: 300 });
    await laterSecondThan(ns, 'v1.052');
    await newPreview(ns, 'v1.054');
    await promoteAndWait(ns);
    const first = await bluegreen(['undo', 'frontend', '-n', ns, '--yes']);
    expect(first.code, first.stderr).toBe(0);
    await until('active back on v1.052', async () => {
      const v = await clusterView(ns);
      return v.activeHash === rsOf(v, 'v1.052').hash && !v.status.pauseConditions;
    });
    await until('v1.054 within its delay', async () => rsOf(await clusterView(ns), 'v1.054').replicas === 2);
    // v1.054's ReplicaSet still runs within its delay, but it is newer than the stable v1.052's.
    const release = clusterEnv().CLUSTER_ARGO_ROLLOUTS_VERSION ?? '';
    const v110 = /^v1\.(1\d|[2-9]\d)\./.test(release);
    const u = await bluegreen(['undo', 'frontend', '-n', ns, '--yes']);
    expect(u.code, u.stderr).toBe(0);
    const v = await clusterView(ns);
    if (v110) {
      expect(u.stderr).toContain(`does not treat this as a rollback: it comes back as a NEW preview`);
      expect(u.stderr).toContain(`Argo Rollouts ${release}`);
      const w = await bluegreen(['wait', 'frontend', '-n', ns, '--for=paused', '--timeout', '60s']);
      expect(w.code, w.stderr).toBe(0);
      const after = await clusterView(ns);
      expect(after.activeHash).toBe(rsOf(after, 'v1.052').hash); // users did not move
      expect(after.previewHash).toBe(rsOf(after, 'v1.054').hash);
    } else {
      expect(u.stderr).toContain('users are switched to it at once, with no promote (fast rollback)');
      await until('active on v1.054 again', async () => (await clusterView(ns)).activeHash === rsOf(v, 'v1.054').hash, 30_000);
    }
  });

  it('after the scale-down delay: it comes back as a new preview that needs a promote', async () => {
    const ns = await newNamespace('e2e-undo');
    await deploy(ns, { scaleDownDelaySeconds: 2 });
    await newPreview(ns, 'v1.054');
    await promoteAndWait(ns);
    await until('v1.052 scaled down', async () => rsOf(await clusterView(ns), 'v1.052').replicas === 0);
    const u = await bluegreen(['undo', 'frontend', '-n', ns, '--yes']);
    expect(u.code, u.stderr).toBe(0);
    expect(u.stderr).toContain('it comes back as a NEW preview');
    const w = await bluegreen(['wait', 'frontend', '-n', ns, '--for=paused', '--timeout', '60s']);
    expect(w.code, w.stderr).toBe(0);
    const v = await clusterView(ns);
    expect(v.activeHash).toBe(rsOf(v, 'v1.054').hash); // users did not move
    expect(v.previewHash).toBe(rsOf(v, 'v1.052').hash);
    const s = await statusJson(ns);
    expect(s.previewIsOlder).toBe(true);
    expect(s.preview.revision).toBe(3);
  });
});

describe('what the user confirmed is what happens', () => {
  it('a preview that changes while the prompt is open is not promoted (exit 4)', async () => {
    const ns = await newNamespace('e2e-changed');
    await deploy(ns);
    await newPreview(ns, 'v1.054');
    const seen = await clusterView(ns);
    const r = await bluegreenOnTty(['promote', 'frontend', '-n', ns], async () => {
      // While the operator reads the guard, someone else starts another version.
      await setImageRaw(ns, 'v1.056');
      return 'y\n';
    });
    expect(r.code, r.transcript).toBe(4);
    expect(r.transcript).toContain('nothing was changed');
    const v = await clusterView(ns);
    expect(v.activeHash).toBe(seen.activeHash);
    expect(v.activeHash).toBe(rsOf(v, 'v1.052').hash);
  });

  it('two promotes racing: exactly one wins, the other exits 4 and says who did it', async () => {
    const ns = await newNamespace('e2e-race');
    await deploy(ns);
    await newPreview(ns, 'v1.054');
    const [a, b] = await Promise.all([
      bluegreen(['promote', 'frontend', '-n', ns, '--yes', '--reason', 'racer']),
      bluegreen(['promote', 'frontend', '-n', ns, '--yes', '--reason', 'racer']),
    ]);
    const codes = [a.code, b.code].sort();
    expect(codes, `${a.stderr}\n${b.stderr}`).toEqual([0, 4]);
    const loser = a.code === 4 ? a : b;
    expect(loser.stderr).toMatch(/e2e-admin ran promote at \d{4}-\d\d-\d\dT/);
    const w = await bluegreen(['wait', 'frontend', '-n', ns, '--for=promoted', '--timeout', '60s']);
    expect(w.code, w.stderr).toBe(0);
    const v = await clusterView(ns);
    expect(v.activeHash).toBe(rsOf(v, 'v1.054').hash);
    const events = JSON.parse(await kubectlOk(['get', 'events', '-n', ns, '--field-selector', 'reason=BlueGreenPromoted', '-o', 'json']));
    expect(events.items).toHaveLength(1);
    record({
      kind: 'fault',
      area: 'two operators promote at once',
      case: 'two promote --yes started together',
      outcome: 'exactly one exit 0; the other exit 4 naming who promoted and when; one Event',
    });
  });
});

describe('RBAC', () => {
  it('a read-only user gets a clear forbidden error on promote, and nothing changes', async () => {
    const ns = await newNamespace('e2e-rbac');
    await deploy(ns);
    await newPreview(ns, 'v1.054');
    await kubectlOk([
      'create',
      'role',
      'rollouts-viewer',
      '-n',
      ns,
      '--verb=get,list,watch',
      '--resource=rollouts.argoproj.io,replicasets.apps,services',
    ]);
    await kubectlOk(['create', 'rolebinding', 'viewer', '-n', ns, '--role=rollouts-viewer', '--user=e2e-viewer']);
    const s = await bluegreen(['status', 'frontend', '-n', ns, '--context', 'e2e-viewer']);
    expect(s.code, s.stderr).toBe(0);
    const p = await bluegreen(['promote', 'frontend', '-n', ns, '--context', 'e2e-viewer', '--yes']);
    expect(p.code).toBe(1);
    expect(p.stderr).toContain(`forbidden: user "e2e-viewer" may not patch rollouts/status.argoproj.io in namespace "${ns}"`);
    expect(p.stderr).toContain('resources: ["rollouts/status"], verbs: ["patch"]');
    const v = await clusterView(ns);
    expect(v.activeHash).toBe(rsOf(v, 'v1.052').hash);
    expect(v.status.pauseConditions?.[0]?.reason).toBe('BlueGreenPause');
  });
});
