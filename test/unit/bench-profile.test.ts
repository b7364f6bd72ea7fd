// The benchmark's "where the time goes" buckets, on a small hand-made CPU profile.
import { describe, expect, it } from 'vitest';
import { summarizeProfile, summarizeStartup, type CpuProfile } from '../../scripts/bench-profile.js';

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

describe('summarizeStartup', () => {
  // (root) -> main -> [wrapSafe], [bin -> [readFileSync], [readFileUtf8], [vm.Script], [loadBundle(bundle) -> compileForInternalLoader, createSecureContext, plan]]
  const start: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 10, 11, 12] },
      { id: 2, callFrame: frame('', 'node:internal/main/run_main_module'), children: [3, 14] },
      { id: 3, callFrame: frame('', 'file:///x/bin/kubectl-bluegreen'), children: [4, 5, 6, 13] },
      { id: 4, callFrame: frame('readFileSync', 'node:fs') },
      { id: 5, callFrame: frame('Script', 'node:vm') },
      { id: 6, callFrame: frame('loadBundle', 'file:///x/dist/kubectl-bluegreen.cjs'), children: [7, 8, 9] },
      { id: 7, callFrame: frame('compileForInternalLoader', 'node:internal/bootstrap/realm') },
      { id: 8, callFrame: frame('configSecureContext', 'node:internal/tls/secure-context') },
      { id: 9, callFrame: frame('plan', 'file:///x/dist/kubectl-bluegreen.cjs') },
      { id: 10, callFrame: frame('(idle)') },
      { id: 11, callFrame: frame('(garbage collector)') },
      { id: 12, callFrame: frame('(program)') },
      { id: 13, callFrame: frame('readFileUtf8', '') },
      { id: 14, callFrame: frame('wrapSafe', 'node:internal/modules/cjs/loader') },
    ],
    startTime: 0,
    endTime: 100_000,
    // the GC, program and read samples after the first idle one are not start-up
    samples: [12, 4, 4, 13, 14, 5, 7, 8, 8, 8, 9, 11, 10, 11, 12, 4],
    timeDeltas: [1000, 2000, 2000, 1000, 1000, 3000, 4000, 5000, 5000, 5000, 6000, 7000, 1000, 9000, 9000, 9000],
  };

  it('puts each sample up to the first idle one in one part, the first matching rule first', () => {
    expect(summarizeStartup(start, ['kubectl-bluegreen.cjs', 'bin/kubectl-bluegreen'])).toEqual({
      ms: 42,
      parts: {
        'reading files (the code, its cache, the kubeconfig, the certificates)': 5,
        "restoring the tool's code (V8's cached data, or compiling it)": 4,
        "Node's built-in modules (each compiled on first use)": 4,
        'the first TLS context (Node parses its bundled root certificates)': 15,
        'its code, and the Node APIs it calls': 6,
        'garbage collection': 7,
        "Node's own start and the rest": 1,
      },
    });
  });

  it("another tool's files leave its own code to Node's part", () => {
    const s = summarizeStartup(start, ['bench-floor.cjs'])!;
    expect(s.parts['its code, and the Node APIs it calls']).toBe(0);
    expect(s.parts["Node's own start and the rest"]).toBe(7);
  });

  it('a profile that never waits for the network has no start-up', () => {
    expect(summarizeStartup({ ...start, samples: start.samples.map((id) => (id === 10 ? 12 : id)) }, [])).toBeNull();
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
