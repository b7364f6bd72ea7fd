// The benchmark's "where the time goes" buckets, on a small hand-made CPU profile.
import { describe, expect, it } from 'vitest';
import { summarizeProfile, type CpuProfile } from '../../scripts/bench-profile.js';

const frame = (functionName: string, url = '') => ({ functionName, url });
// (root) -> main -> [bin -> vm.Script], [bin -> runProcess(bundle) -> createSecureContext, -> JSON.parse], (idle), (gc), (program)
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 8, 9, 10] },
    { id: 2, callFrame: frame('', 'node:internal/main/run_main_module'), children: [3] },
    { id: 3, callFrame: frame('', 'file:///x/bin/kubectl-bluegreen'), children: [4, 5] },
    { id: 4, callFrame: frame('Script', 'node:vm') },
    { id: 5, callFrame: frame('runProcess', 'file:///x/dist/kubectl-bluegreen.cjs'), children: [6, 7] },
    { id: 6, callFrame: frame('createSecureContext', 'node:internal/tls/secure-context') },
    { id: 7, callFrame: frame('parse', '') },
    { id: 8, callFrame: frame('(idle)') },
    { id: 9, callFrame: frame('(garbage collector)') },
    { id: 10, callFrame: frame('(program)') },
  ],
  startTime: 0,
  endTime: 100_000,
  samples: [4, 4, 6, 7, 7, 7, 8, 9, 10, 2],
  timeDeltas: [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000],
};

describe('summarizeProfile', () => {
  it('puts each sample in one bucket by its frame and the frames above it', () => {
    expect(summarizeProfile(profile, 'kubectl-bluegreen.cjs')).toEqual({
      'waiting (the API server, connecting, the handshake)': 7,
      'compiling the bundle': 3,
      TLS: 3,
      'the plugin (its code, and the Node APIs it calls)': 15,
      'garbage collection': 8,
      "Node's own start and the rest": 19,
    });
  });

  it('a bundle name that matches nothing leaves the plugin bucket empty', () => {
    const s = summarizeProfile(profile, 'other.cjs');
    expect(s['the plugin (its code, and the Node APIs it calls)']).toBe(0);
    expect(s["Node's own start and the rest"]).toBe(34);
  });
});

describe("the benchmark's floor makes the plugin's requests", () => {
  it('the single view and promote ask for the same page of Services and ReplicaSets beside the Rollout as src/cli/load.ts', async () => {
    const { readFileSync } = await import('node:fs');
    const { EARLY_PAGE } = await import('../../src/cli/load.js');
    const floor = readFileSync(new URL('../../scripts/bench-floor.cjs', import.meta.url), 'utf8');
    expect(floor).toContain(`/services?limit=${EARLY_PAGE}\``);
    expect(floor).toContain(`/replicasets?labelSelector=rollouts-pod-template-hash&limit=${EARLY_PAGE}\``);
  });
});
