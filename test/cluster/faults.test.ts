// Faults injected into the real control plane: the API server stopped and restarted under a watch and
// under a confirmed change, the Argo Rollouts controller stopped under a promote, output cut short.
// Each outcome is recorded for docs/RELIABILITY.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startComponent, stopComponent } from '../../tools/cluster/harness.js';
import { record } from '../reliability.js';
import {
  bluegreen,
  bluegreenOnTty,
  clusterEnv,
  clusterView,
  deploy,
  getJson,
  newNamespace,
  newPreview,
  pluginEnv,
  printLogsOnFailure,
  rsOf,
  setImageRaw,
  until,
} from './e2e.js';

printLogsOnFailure();

describe('API server restarts', () => {
  it('status --watch says it is reconnecting, re-lists, and shows the change made while it was away', async () => {
    const ns = await newNamespace('fault-watch');
    await deploy(ns);
    const e = clusterEnv();
    const child = spawn(e.KUBECTL_BIN!, ['bluegreen', 'status', 'frontend', '-n', ns, '--watch'], {
      env: { ...process.env, ...pluginEnv() },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      await until('first frame', async () => out.includes('ACTIVE'));
      await stopComponent('kube-apiserver');
      await until('reconnecting message', async () => err.includes('reconnecting'), 30_000);
      await startComponent('kube-apiserver');
      await until('reconnected message', async () => err.includes('reconnected'), 60_000);
      // A change made after the restart must appear: the watch resumed (or re-listed), not stale.
      await setImageRaw(ns, 'v1.060');
      await until('the new preview in the watch output', async () => out.includes('frontend:v1.060'), 60_000);
    } finally {
      child.kill('SIGINT');
    }
    record({
      kind: 'fault',
      area: 'kube-apiserver stopped and restarted during status --watch',
      case: 'watch over a restart',
      outcome: 'said "reconnecting", re-listed after reconnecting, then showed a change made after the restart',
    });
  });

  it('unreachable after the prompt was confirmed: says the change was not made; running it again is safe', async () => {
    const ns = await newNamespace('fault-write');
    await deploy(ns);
    await newPreview(ns, 'v1.054');
    const before = await clusterView(ns);
    const r = await bluegreenOnTty(['promote', 'frontend', '-n', ns], async () => {
      await stopComponent('kube-apiserver');
      setTimeout(() => void startComponent('kube-apiserver'), 3000); // comes back while the command checks
      return 'y\n';
    });
    await until('API server back', async () => (await bluegreen(['status', 'frontend', '-n', ns])).code === 0, 60_000);
    expect(r.code, r.transcript).toBe(1);
    // Refused at connect: certainly not made. A request that may have left: made, or not seen (the API
    // server may still apply it), never "not made".
    expect(r.transcript).toMatch(
      /The change was NOT made; running the command again is safe\.|The change was made|The change is not visible/,
    );
    const mid = await clusterView(ns);
    const made = r.transcript.includes('The change was made');
    if (r.transcript.includes('NOT made')) expect(mid.status.pauseConditions?.[0]?.reason).toBe('BlueGreenPause');
    expect(mid.activeHash === before.activeHash || made).toBe(true);
    const again = await bluegreen(['promote', 'frontend', '-n', ns, '--yes']);
    expect([0, 4]).toContain(again.code); // 4 only if the first one did get through
    const w = await bluegreen(['wait', 'frontend', '-n', ns, '--for=promoted', '--timeout', '60s']);
    expect(w.code, w.stderr).toBe(0);
    const after = await clusterView(ns);
    expect(after.activeHash).toBe(rsOf(after, 'v1.054').hash);
    record({
      kind: 'fault',
      area: 'kube-apiserver stopped after the prompt was confirmed',
      case: 'promote, answer y while the API server is down',
      outcome: `exit 1, "${made ? 'the change was made' : r.transcript.includes('NOT made') ? 'the change was NOT made; running the command again is safe' : 'the change is not visible; check before running it again'}"; the second run promoted; users switched once`,
    });
  });
});

describe('Argo Rollouts controller stopped', () => {
  it('promote writes, the switch never comes: status and promote --wait say the controller is not reconciling', async () => {
    const ns = await newNamespace('fault-ctrl');
    await deploy(ns);
    await newPreview(ns, 'v1.054');
    await stopComponent('rollouts-controller');
    try {
      const p = await bluegreen(['promote', 'frontend', '-n', ns, '--yes', '--wait', '--stall-timeout', '8s', '--timeout', '60s']);
      expect(p.code).toBe(1);
      expect(p.stderr).toContain('the Argo Rollouts controller has not reacted to rollout "frontend" for 8s');
      const s = await bluegreen(['status', 'frontend', '-n', ns]);
      expect(s.stdout).toContain('the controller has not acted on it yet');
      expect(s.stdout).toContain('Progressing · waiting for rollout to unpause');
      const v = await clusterView(ns);
      expect(v.activeHash).toBe(rsOf(v, 'v1.052').hash); // nothing switched without the controller
    } finally {
      await startComponent('rollouts-controller');
    }
    const w = await bluegreen(['wait', 'frontend', '-n', ns, '--for=promoted', '--timeout', '60s']);
    expect(w.code, w.stderr).toBe(0);
    record({
      kind: 'fault',
      area: 'rollouts-controller stopped',
      case: 'promote --wait while the controller is down',
      outcome:
        'exit 1 after the stall timeout: "the controller has not reacted"; status said the promote was not acted on; users switched once the controller was back',
    });
  });
});

describe('a controller that does not act on an available preview', () => {
  // What Argo Rollouts v1.7.x's stale ReplicaSet cache looks like from outside (docs/ARGO-BEHAVIOUR.md), made
  // on every release: the controller made the preview's ReplicaSet and is stopped before its pods are ready
  // (kwok stopped meanwhile), then kwok makes them ready. The status stays short of the pause with the
  // ReplicaSet available in the API.
  it('wait names the available ReplicaSet, says what is known of the cause on this release and what wakes it, status and status --watch say it too, and nothing is written', async () => {
    const ns = await newNamespace('fault-stale');
    await deploy(ns);
    const release = clusterEnv().CLUSTER_ARGO_ROLLOUTS_VERSION ?? '';
    let stopped: Array<'kwok' | 'rollouts-controller'> = [];
    let hash = '';
    let watcher: ChildProcess | undefined;
    try {
      await stopComponent('kwok');
      stopped.push('kwok');
      await setImageRaw(ns, 'v1.054');
      hash = await until('the preview ReplicaSet scaled up', async () => {
        const v = await clusterView(ns);
        const h = v.status?.currentPodHash;
        const rs = v.rs.find((r) => r.hash === h);
        return h && rs && rs.image.endsWith(':v1.054') && rs.replicas > 0 && rs.available === 0 ? (h as string) : undefined;
      });
      await new Promise((r) => setTimeout(r, 1000)); // the controller's status write after the scale-up
      await stopComponent('rollouts-controller');
      stopped.push('rollouts-controller');
      await startComponent('kwok');
      stopped = stopped.filter((c) => c !== 'kwok');
      await until('the preview available', async () => {
        const rs = (await clusterView(ns)).rs.find((r) => r.hash === hash);
        return rs && rs.available >= rs.replicas;
      });
      const before = await getJson('rollout', 'frontend', ns);
      const rsBefore = await getJson('replicaset', `frontend-${hash}`, ns);
      // status --watch, from before the minute is over: no event comes, and it says it when the minute is.
      watcher = spawn(clusterEnv().KUBECTL_BIN!, ['bluegreen', 'status', 'frontend', '-n', ns, '--watch'], {
        env: { ...process.env, ...pluginEnv() },
      });
      const watched = { out: '', code: null as number | null };
      watcher.stdout!.on('data', (d: Buffer) => (watched.out += d.toString()));
      const watchEnded = new Promise<void>((res) => watcher!.on('close', (code) => ((watched.code = code), res())));
      const w = await bluegreen(['wait', 'frontend', '-n', ns, '--for=paused', '--stall-timeout', '5s', '--timeout', '60s']);
      expect(w.code, w.stderr).toBe(1);
      expect(w.stderr).toMatch(
        new RegExp(`has not acted on rollout "frontend" for \\d+s although its ReplicaSet frontend-${hash} is available \\(2/2\\)`),
      );
      if (/^v1\.7\./.test(release)) {
        expect(w.stderr).toContain(
          `Check that the controller is running. If it is: Argo Rollouts ${release} can keep a stale copy of a ReplicaSet`,
        );
        expect(w.stderr).toContain(`kubectl annotate replicaset frontend-${hash} -n ${ns} bluegreen.kubectl.io/touched-at=`);
      } else {
        expect(w.stderr).toContain('Check that the controller (deployment argo-rollouts/argo-rollouts) is running');
        expect(w.stderr).not.toContain('#4044');
      }
      // status says it too, once nothing has moved for a minute (the preview's status, the Rollout's).
      const s = await until(
        'status to say the controller sits still',
        async () => {
          const r = await bluegreen(['status', 'frontend', '-n', ns]);
          return r.stdout.includes('the controller has not moved the rollout on') ? r.stdout : undefined;
        },
        120_000,
      );
      expect(s).toContain(`The preview (ReplicaSet frontend-${hash}) is available (2/2)`);
      expect(s).toContain(`kubectl bluegreen wait frontend -n ${ns} --for=paused watches it for a minute`);
      await until(
        'status --watch to say it too',
        async () => watched.out.includes('the controller has not moved the rollout on') || undefined,
        15_000,
      );
      const frames = watched.out.split(/(?=Rollout frontend)/);
      expect(frames[0]).not.toContain('the controller has not moved the rollout on');
      expect(frames.at(-1)).toContain(`The preview (ReplicaSet frontend-${hash}) is available (2/2)`);
      watcher.kill('SIGINT');
      await watchEnded;
      expect(watched.code).toBe(130);
      const after = await getJson('rollout', 'frontend', ns);
      expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
      expect((await getJson('replicaset', `frontend-${hash}`, ns)).metadata.resourceVersion).toBe(rsBefore.metadata.resourceVersion);
    } finally {
      if (watcher && watcher.exitCode === null) watcher.kill('SIGKILL');
      for (const c of stopped) await startComponent(c);
    }
    // Back, the controller takes the available preview up and pauses for promotion.
    const w = await bluegreen(['wait', 'frontend', '-n', ns, '--for=paused', '--timeout', '60s']);
    expect(w.code, w.stderr).toBe(0);
    expect((await clusterView(ns)).status.currentPodHash).toBe(hash);
    record({
      kind: 'fault',
      area: `a controller that does not act on an available preview (as Argo Rollouts v1.7.x's stale ReplicaSet cache; this is ${release})`,
      case: 'wait --for=paused with the controller stopped after making the preview, the preview then ready',
      outcome: `wait: exit 1 after the stall time, naming frontend-${hash} available 2/2 and ${/^v1\.7\./.test(release) ? 'argoproj/argo-rollouts#4044 with the annotate command' : 'to check the controller'}; status and status --watch (with no event): the same, once nothing had moved for a minute; nothing written; the controller, back, paused for promotion`,
    });
  });
});

describe('output cut short', () => {
  it('stdout closed before the plugin writes (as with | head): no error, exit 0', async () => {
    const ns = await newNamespace('fault-pipe');
    await deploy(ns);
    const e = clusterEnv();
    const r = await new Promise<{ code: number; stderr: string }>((res) => {
      const child = spawn(e.KUBECTL_BIN!, ['bluegreen', 'status', 'frontend', '-n', ns], { env: { ...process.env, ...pluginEnv() } });
      child.stdout.destroy(); // the reader is gone before the first write: that write gets EPIPE
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => res({ code: code ?? 1, stderr }));
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    record({
      kind: 'fault',
      area: 'stdout closed early',
      case: 'the reader of stdout exits before the plugin writes (| head)',
      outcome: 'exit 0, nothing on stderr',
    });
  });
});
