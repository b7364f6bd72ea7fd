// Matrix only (npm run test:matrix): how often each release loses a promote sent right after the pause
// appears (measured on v1.9.1: the controller, still finishing the reconcile that added the pause, keeps a
// stale copy and waits for another event). Per release, 15 rounds of: a new template, `wait --for=paused`,
// then promote, then up to 10 s for the active Service to switch. A round that does not switch counts as
// lost; an annotation change (an update event) must then unstick it.
//
// Ways to promote: the official plugin (merge patch `pauseConditions: null` on /status); the requests
// kubectl bluegreen sends, without its nudge (the pinned JSON Patch on /status, then the audit annotation
// on the Rollout), sent with kubectl; the official plugin's request sent the moment the pause appears (the
// tightest timing, which is what hits the race on a quiet cluster); and kubectl bluegreen itself (which
// nudges a silent controller).
//
// Why a promote can be lost (read in the controller source, v1.7.2 to v1.9.3): after each reconcile that
// wrote the Rollout, the controller puts the object its write returned back into its informer cache
// (writeBackToInformer). When the promote's watch event reaches the cache first, that older copy, still
// with the pause, replaces it; the reconcile the promote triggered then sees "pause incomplete", changes
// nothing, and nothing else wakes the controller until the next event. v1.10.0 replaced the write-back by
// a resource-version tracker (a stale cache is requeued), so there the loss cannot happen.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readState } from '../../tools/cluster/harness.js';
import { KubeApi } from '../../tools/cluster/http.js';
import { bluegreen, clusterEnv, deploy, getJson, IMAGE, kubectlOk, newNamespace, printLogsOnFailure, setImageRaw } from './e2e.js';
import { measure } from './matrix-record.js';

printLogsOnFailure();

const ROUNDS = 15;
/** The tight timing loses few enough that more rounds are needed to see it. */
const AT_ONCE_ROUNDS = 30;
const LOST_AFTER_MS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function official(args: string[]): Promise<void> {
  const e = clusterEnv();
  await promisify(execFile)(e.KUBECTL_ARGO_ROLLOUTS_BIN!, args, { env: { ...process.env, KUBECONFIG: e.KUBECONFIG } });
}

/** kubectl bluegreen's promote requests (see src/rollout/plan.ts planPromote), without the nudge. */
async function pluginRequestsWithoutNudge(ns: string): Promise<void> {
  const ro = await getJson('rollout', 'frontend', ns);
  const ops = [
    { op: 'test', path: '/metadata/generation', value: ro.metadata.generation },
    { op: 'test', path: '/status/currentPodHash', value: ro.status.currentPodHash },
    { op: 'test', path: '/status/blueGreen/activeSelector', value: ro.status.blueGreen.activeSelector },
    { op: 'remove', path: '/status/pauseConditions' },
  ];
  await kubectlOk(['patch', 'rollout', 'frontend', '-n', ns, '--subresource=status', '--type=json', '-p', JSON.stringify(ops)]);
  const audit = JSON.stringify({ by: 'e2e-admin', at: new Date().toISOString(), action: 'promote', reason: 'matrix' });
  await kubectlOk(['annotate', 'rollout', 'frontend', '-n', ns, '--overwrite', `bluegreen.kubectl.io/last-change=${audit}`]);
}

async function switched(ns: string, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const ro = await getJson('rollout', 'frontend', ns);
    const svc = await getJson('service', 'frontend-active', ns);
    if (ro.status.currentPodHash && svc.spec.selector['rollouts-pod-template-hash'] === ro.status.currentPodHash) return true;
    if (Date.now() > deadline) return false;
    await sleep(200);
  }
}

type Way = 'official plugin' | 'kubectl bluegreen requests, no nudge' | 'kubectl bluegreen' | 'official request at once';

function api(): KubeApi {
  const st = readState()!;
  return new KubeApi(st.apiServerUrl, { ca: readFileSync(st.tls.ca), cert: readFileSync(st.tls.cert), key: readFileSync(st.tls.key) });
}

/**
 * The official plugin's request (merge patch `pauseConditions: null` on /status), sent the moment the
 * pause appears (polled every 20 ms, in this process): the tightest timing a client can have, while the
 * controller is still in the reconciles that follow the one that added the pause.
 */
async function officialRequestAtOnce(ns: string, tag: string): Promise<void> {
  const a = api();
  const path = `/apis/argoproj.io/v1alpha1/namespaces/${ns}/rollouts/frontend`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ro = await a.get<{
      spec: { template: { spec: { containers: Array<{ image: string }> } } };
      status?: { pauseConditions?: unknown[]; currentPodHash?: string; observedGeneration?: string };
      metadata: { generation: number };
    }>(path);
    const ready = ro.status?.observedGeneration === String(ro.metadata.generation) && (ro.status?.pauseConditions?.length ?? 0) > 0;
    if (ready && ro.spec.template.spec.containers[0]!.image === IMAGE(tag)) break;
    if (Date.now() > deadline) throw new Error('the pause did not appear within 60 s');
    await sleep(20);
  }
  await a.call('PATCH', `${path}/status`, { status: { pauseConditions: null } }, 'application/merge-patch+json');
}

async function rounds(way: Way, prefix: string, n = ROUNDS): Promise<{ lost: number; nudged: number; lostRounds: number[] }> {
  const ns = await newNamespace(prefix);
  await deploy(ns, { replicas: 1, scaleDownDelaySeconds: 1 });
  let lost = 0;
  let nudged = 0;
  const lostRounds: number[] = [];
  for (let i = 0; i < n; i++) {
    await setImageRaw(ns, `v8.${i}`);
    // Read before the wait: nothing may stand between the pause appearing and the promote.
    const nudgeBefore = (await getJson('rollout', 'frontend', ns)).metadata.annotations?.['bluegreen.kubectl.io/nudged-at'];
    if (way === 'official request at once') {
      await officialRequestAtOnce(ns, `v8.${i}`);
    } else {
      const w = await bluegreen(['wait', 'frontend', '-n', ns, '--for=paused', '--timeout', '60s']);
      expect(w.code, `round ${i}: ${w.stderr}`).toBe(0);
    }
    if (way === 'official request at once') {
      /* sent above */
    } else if (way === 'official plugin') await official(['promote', 'frontend', '-n', ns]);
    else if (way === 'kubectl bluegreen requests, no nudge') await pluginRequestsWithoutNudge(ns);
    else {
      const p = await bluegreen(['promote', 'frontend', '-n', ns, '--yes']);
      expect(p.code, `round ${i}: ${p.stderr}`).toBe(0);
    }
    const nudgeAfter = (await getJson('rollout', 'frontend', ns)).metadata.annotations?.['bluegreen.kubectl.io/nudged-at'];
    if (nudgeAfter && nudgeAfter !== nudgeBefore) nudged++;
    if (!(await switched(ns, LOST_AFTER_MS))) {
      lost++;
      lostRounds.push(i);
      const ro = await getJson('rollout', 'frontend', ns);
      // Lost: the pause is gone, users were not switched. Any update event must unstick the controller.
      expect(ro.status.pauseConditions ?? [], `round ${i}`).toEqual([]);
      await kubectlOk(['annotate', 'rollout', 'frontend', '-n', ns, '--overwrite', `matrix.bluegreen.kubectl.io/nudge=${Date.now()}`]);
      expect(await switched(ns, 30_000), `round ${i}: still not switched 30 s after the nudge`).toBe(true);
    }
  }
  return { lost, nudged, lostRounds };
}

describe(`promote right after the pause appears, ${ROUNDS} rounds per way`, () => {
  it('the official plugin after wait --for=paused: lost promotes counted; an update event unsticks each', async () => {
    const r = await rounds('official plugin', 'loss-official');
    measure({
      key: 'promote-lost/official-plugin',
      what: 'official plugin after wait --for=paused: promotes lost',
      value: r.lost,
      of: ROUNDS,
      detail: `rounds ${r.lostRounds.join(',') || '-'}`,
    });
  }, 900_000);

  it("kubectl bluegreen's requests without its nudge, after wait --for=paused: lost promotes counted; an update event unsticks each", async () => {
    const r = await rounds('kubectl bluegreen requests, no nudge', 'loss-requests');
    measure({
      key: 'promote-lost/plugin-requests-no-nudge',
      what: "kubectl bluegreen's requests without the nudge: promotes lost",
      value: r.lost,
      of: ROUNDS,
      detail: `rounds ${r.lostRounds.join(',') || '-'}`,
    });
  }, 900_000);

  it("the official plugin's request, sent the moment the pause appears: lost promotes counted; an update event unsticks each", async () => {
    const r = await rounds('official request at once', 'loss-atonce', AT_ONCE_ROUNDS);
    measure({
      key: 'promote-lost/official-request-at-once',
      what: "official plugin's request the moment the pause appears: promotes lost",
      value: r.lost,
      of: AT_ONCE_ROUNDS,
      detail: `rounds ${r.lostRounds.join(',') || '-'}`,
    });
  }, 900_000);

  it('kubectl bluegreen after wait --for=paused: every promote switches users within 10 s (it nudges a silent controller)', async () => {
    const r = await rounds('kubectl bluegreen', 'loss-ours');
    measure({
      key: 'promote-nudged/kubectl-bluegreen',
      what: 'kubectl bluegreen: promotes that needed its nudge',
      value: r.nudged,
      of: ROUNDS,
    });
    measure({
      key: 'promote-lost/kubectl-bluegreen',
      what: 'kubectl bluegreen: promotes lost',
      value: r.lost,
      of: ROUNDS,
      detail: `rounds ${r.lostRounds.join(',') || '-'}`,
    });
    expect(r.lost, `lost in rounds ${r.lostRounds.join(',')}`).toBe(0);
  }, 900_000);
});
