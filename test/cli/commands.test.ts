// The command line end to end against an HTTPS API server on 127.0.0.1: real parser, real HTTP, real
// kubeconfig; checks stdout, stderr, exit codes, and what reached the server.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeApiServer, type FakeOptions } from './fake-apiserver.js';
import { runCli } from './run.js';
import { READ_AHEAD } from '../../src/cli/commands/status-list.js';
import { LISTING_READS, v8Flags } from '../../src/cli/listing-heap.js';
import { EARLY_PAGE } from '../../src/cli/load.js';
import { loadFixture } from '../fixtures/load.js';
import { record } from '../reliability.js';

const TOKEN = 'sekret-token-0123456789abcdef';
const NOW = new Date('2026-11-23T12:00:00Z');
const ESC = '\u001b';

let fake: FakeApiServer;
let dir: string;
let env: Record<string, string>;

async function startWith(fixture: string, opts: Partial<FakeOptions> = {}): Promise<void> {
  fake = await FakeApiServer.start({ token: TOKEN, ...opts });
  const f = loadFixture(fixture);
  fake.load({ rollout: f.rollout, replicaSets: f.replicaSets, services: f.services });
  dir = mkdtempSync(join(tmpdir(), 'bluegreen-cli-'));
  env = { KUBECONFIG: fake.kubeconfig(dir), LANG: 'en_US.UTF-8' };
}

/**
 * The i-th ReplicaSet of another rollout ("backend") in apc-fe-ns, with frontend's pod-template hashes
 * (alternately the active's and the preview's) and the pod label `app`.
 */
const otherRolloutsSet = (i: number, app: string) => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: {
    name: `backend-${i}`,
    namespace: 'apc-fe-ns',
    labels: { app, 'rollouts-pod-template-hash': i % 2 ? '5f6d8c9b77' : '6c8d7f5b9d' },
    annotations: { 'rollout.argoproj.io/revision': String(100 + i) },
    ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'backend', uid: 'backend-uid', controller: true }],
  },
  spec: { replicas: 1, template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'app', image: `backend:v${i}` }] } } },
  status: { replicas: 1, readyReplicas: 1, availableReplicas: 1 },
});

const run = (argv: string[], o: Parameters<typeof runCli>[1] = {}) => runCli(argv, { now: NOW, ...o, env: { ...env, ...o.env } });

afterEach(async () => {
  await fake?.stop();
});

describe('status', () => {
  beforeEach(() => startWith('christmas.yaml'));

  it('draws who gets users and what waits, and says the preview is older (golden)', async () => {
    const r = await run(['status', 'frontend']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain(ESC);
    await expect(r.stdout).toMatchFileSnapshot('__golden__/status-christmas.en.txt');
  });

  it('speaks Korean with LANG=ko_KR.UTF-8 (golden)', async () => {
    const r = await run(['status', 'frontend'], { env: { LANG: 'ko_KR.UTF-8' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('사용자 트래픽');
    await expect(r.stdout).toMatchFileSnapshot('__golden__/status-christmas.ko.txt');
  });

  it('prints the documented JSON', async () => {
    const r = await run(['status', 'frontend', '-o', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      apiVersion: 'bluegreen/v1',
      kind: 'RolloutStatus',
      name: 'frontend',
      namespace: 'apc-fe-ns',
      phase: 'Paused',
      message: 'BlueGreenPause',
      active: {
        revision: 8,
        podTemplateHash: '5f6d8c9b77',
        replicaSet: 'frontend-5f6d8c9b77',
        images: ['registry.example.com/apc/frontend:v1.054'],
        replicas: 3,
        readyReplicas: 3,
        createdAt: '2026-11-20T09:00:00Z',
      },
      preview: { revision: 9, podTemplateHash: '6c8d7f5b9d' },
      stable: { podTemplateHash: '5f6d8c9b77' },
      previewIsOlder: true,
      olderBecause: ['created before the active ReplicaSet', 'served revisions 5,7 before', 'tag v1.053 < v1.054'],
      services: { active: 'frontend-active', preview: 'frontend-preview' },
      autoPromotion: { enabled: false, seconds: 0 },
    });
    expect(typeof j.active.revision).toBe('number');
  });

  it("reads one rollout in one round trip: the Rollout, and beside it a page of the namespace's ReplicaSets and Services", async () => {
    await fake.stop();
    const arrivals: Array<{ path: string; at: number }> = [];
    await startWith('christmas.yaml', {
      fault: (q) => {
        arrivals.push({ path: q.path, at: performance.now() });
        return q.resource === 'rollouts' ? { kind: 'delay', ms: 400 } : undefined;
      },
    });
    const r = await run(['status', 'frontend']);
    expect(r.code).toBe(0);
    await expect(r.stdout).toMatchFileSnapshot('__golden__/status-christmas.en.txt');
    expect(
      fake.requests
        .map((q) => [q.path, new URLSearchParams(q.query as Record<string, string>).toString()].filter(Boolean).join('?'))
        .sort(),
    ).toEqual([
      `/api/v1/namespaces/apc-fe-ns/services?limit=${EARLY_PAGE}`,
      `/apis/apps/v1/namespaces/apc-fe-ns/replicasets?labelSelector=rollouts-pod-template-hash&limit=${EARLY_PAGE}`,
      '/apis/argoproj.io/v1alpha1/namespaces/apc-fe-ns/rollouts/frontend',
    ]);
    const rollout = arrivals.find((a) => a.path.endsWith('/rollouts/frontend'))!;
    for (const a of arrivals) expect(a.at).toBeLessThan(rollout.at + 400);
  });

  it('a namespace with more than a page of ReplicaSets and Services: they are read by selector and by name, the same picture', async () => {
    // Another rollout's 60 ReplicaSets (with the same pod-template hashes) and 60 Services beside frontend's,
    // listed first (reverse storage order): frontend's are not on the first page.
    await fake.stop();
    await startWith('christmas.yaml', { unorderedLists: ['replicasets', 'services'] });
    for (let i = 0; i < 60; i++) {
      fake.put('replicasets', otherRolloutsSet(i, 'backend'));
      fake.put('services', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: `svc-${i}`, namespace: 'apc-fe-ns' },
        spec: { selector: { app: 'backend' } },
      });
    }
    const r = await run(['status', 'frontend']);
    expect(r.code).toBe(0);
    await expect(r.stdout).toMatchFileSnapshot('__golden__/status-christmas.en.txt');
    const paths = fake.requests.map((q) => `${q.path}${q.query.labelSelector ? `?labelSelector=${q.query.labelSelector}` : ''}`);
    expect(paths).toContain('/apis/apps/v1/namespaces/apc-fe-ns/replicasets?labelSelector=app=frontend');
    expect(paths).toContain('/api/v1/namespaces/apc-fe-ns/services/frontend-active');
    expect(paths).toContain('/api/v1/namespaces/apc-fe-ns/services/frontend-preview');
    // Under a page, the other rollout's ReplicaSets are read beside the Rollout and left out of its picture.
    await fake.stop();
    await startWith('christmas.yaml');
    for (let i = 0; i < 10; i++) fake.put('replicasets', otherRolloutsSet(i, 'frontend'));
    const mixed = await run(['status', 'frontend']);
    expect(fake.requests).toHaveLength(3);
    await expect(mixed.stdout).toMatchFileSnapshot('__golden__/status-christmas.en.txt');
  });

  it('what changed between the early reads and the Rollout is read again after it (a new ReplicaSet, a switched Service)', async () => {
    // The early reads are answered at once; the Rollout 300 ms later. In between, the controller makes a
    // new ReplicaSet and names it in the status, and switches the active Service and records it.
    const changeWhileTheRolloutWaits = (change: (f: FakeApiServer) => void) => async () => {
      await fake.stop();
      let changed = false;
      await startWith('christmas.yaml', {
        fault: (q) => {
          if (q.resource === 'rollouts' && q.verb === 'get') return { kind: 'delay', ms: 300 };
          if (q.query.limit && !changed) {
            changed = true;
            setTimeout(() => change(fake), 100);
          }
          return undefined;
        },
      });
      const r = await run(['status', 'frontend', '-o', 'json']);
      expect(r.code).toBe(0);
      return { json: JSON.parse(r.stdout), paths: fake.requests.map((q) => [q.path, q.query.labelSelector].filter(Boolean).join('?')) };
    };
    const ro = () => fake.rollout('apc-fe-ns', 'frontend')!;
    const newSet = await changeWhileTheRolloutWaits((f) => {
      const preview = f.replicaSets.get('apc-fe-ns/frontend-6c8d7f5b9d')!;
      f.put('replicasets', {
        ...preview,
        metadata: {
          ...preview.metadata,
          name: 'frontend-7a8b9c0d1e',
          labels: { ...preview.metadata.labels, 'rollouts-pod-template-hash': '7a8b9c0d1e' },
          annotations: { ...preview.metadata.annotations, 'rollout.argoproj.io/revision': '10' },
        },
      });
      f.put('rollouts', { ...ro(), status: { ...ro().status, currentPodHash: '7a8b9c0d1e' } });
    })();
    expect(newSet.paths).toContain('/apis/apps/v1/namespaces/apc-fe-ns/replicasets?app=frontend');
    expect(JSON.stringify(newSet.json)).toContain('frontend-7a8b9c0d1e');
    const switched = await changeWhileTheRolloutWaits((f) => {
      const active = f.services.get('apc-fe-ns/frontend-active')!;
      f.put('services', {
        ...active,
        spec: { ...active.spec, selector: { ...active.spec.selector, 'rollouts-pod-template-hash': '6c8d7f5b9d' } },
      });
      f.put('rollouts', { ...ro(), status: { ...ro().status, blueGreen: { ...ro().status.blueGreen, activeSelector: '6c8d7f5b9d' } } });
    })();
    expect(switched.paths).toContain('/api/v1/namespaces/apc-fe-ns/services/frontend-active');
    expect(switched.json.active.podTemplateHash).toBe('6c8d7f5b9d');
    // Nothing changed: nothing is read again.
    const still = await changeWhileTheRolloutWaits(() => {})();
    expect(still.paths).toHaveLength(3);
  });

  it('a role that may get Services but not list them: read by name after the Rollout, the same picture, no error', async () => {
    await fake.stop();
    await startWith('christmas.yaml', { deny: ['list services'] });
    const r = await run(['status', 'frontend']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    await expect(r.stdout).toMatchFileSnapshot('__golden__/status-christmas.en.txt');
    expect(fake.requests.map((q) => q.path)).toContain('/api/v1/namespaces/apc-fe-ns/services/frontend-active');
    // A Service that does not exist reads as missing either way.
    await fake.stop();
    await startWith('christmas.yaml');
    fake.services.delete('apc-fe-ns/frontend-preview');
    const early = await run(['status', 'frontend', '-o', 'json']);
    await fake.stop();
    await startWith('christmas.yaml', { deny: ['list services'] });
    fake.services.delete('apc-fe-ns/frontend-preview');
    const byName = await run(['status', 'frontend', '-o', 'json']);
    expect(early.code).toBe(0);
    expect(early.stdout).toBe(byName.stdout);
  });

  it('a settled rollout is listed with its active ReplicaSet read, like the single view', async () => {
    await fake.stop();
    await startWith('settled.yaml');
    const r = await run(['status', '-A']);
    expect(r.stdout).toMatch(/apc-fe-ns\s+frontend\s+✔ Healthy\s+frontend:v1\.054\s+8\s+-\s+-\s+-\s+3\/3\s+22d/);
    const list = JSON.parse((await run(['status', '-A', '-o', 'json'])).stdout);
    const one = JSON.parse((await run(['status', 'frontend', '-o', 'json'])).stdout);
    const { nextActions: _n, ...single } = one;
    expect(list.items[0]).toEqual(single);
  });

  it('lists blue-green rollouts in three requests whatever their number, with -A across namespaces', async () => {
    const r = await run(['status', '-A']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/NAMESPACE\s+NAME\s+PHASE/);
    expect(r.stdout).toMatch(/apc-fe-ns\s+frontend\s+॥ Paused\s+frontend:v1\.054\s+8\s+frontend:v1\.053\s+9\s+YES/);
    expect(fake.requests.map((q) => q.path).sort()).toEqual([
      '/api/v1/services',
      '/apis/apps/v1/replicasets',
      '/apis/argoproj.io/v1alpha1/rollouts',
    ]);
    // the table: every rollout-made ReplicaSet, asked for beside the Rollouts (not after them)
    expect(fake.requests.find((q) => q.path === '/apis/apps/v1/replicasets')!.query.labelSelector).toBe('rollouts-pod-template-hash');
    // a document built whole: only the ReplicaSets the rows show, the active and the preview
    fake.requests.length = 0;
    expect((await run(['status', '-A', '-o', 'json'])).code).toBe(0);
    expect(fake.requests.find((q) => q.path === '/apis/apps/v1/replicasets')!.query.labelSelector).toBe(
      'rollouts-pod-template-hash in (5f6d8c9b77,6c8d7f5b9d)',
    );
  });

  it('tells the listing heap of each rollout it reads (Maglev comes back after a listing’s first 1,000)', async () => {
    for (const argv of [
      ['status', '-A'],
      ['status', '-A', '-o', 'json'],
      ['status', '-n', 'apc-fe-ns'],
    ]) {
      const before = LISTING_READS.rollouts;
      expect((await run(argv)).code).toBe(0);
      expect(LISTING_READS.rollouts - before, argv.join(' ')).toBe(1);
    }
  });

  it('the table asks for the ReplicaSets before the Rollouts are answered, not after', async () => {
    await fake.stop();
    const arrivals: Array<{ resource: string; at: number }> = [];
    fake = await FakeApiServer.start({
      token: TOKEN,
      fault: (q) => {
        arrivals.push({ resource: q.resource, at: performance.now() });
        return q.resource === 'rollouts' ? { kind: 'delay', ms: 400 } : undefined;
      },
    });
    fake.load(loadFixture('christmas.yaml'));
    env = { KUBECONFIG: fake.kubeconfig(dir), LANG: 'en_US.UTF-8' };
    const r = await run(['status', '-A']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/frontend:v1\.054\s+8\s+frontend:v1\.053\s+9\s+YES/);
    const rollouts = arrivals.find((a) => a.resource === 'rollouts')!;
    const rs = arrivals.filter((a) => a.resource === 'replicasets');
    expect(rs).toHaveLength(1);
    expect(rs[0]!.at).toBeLessThan(rollouts.at + 400);
  });

  // That they wait for the request to be out is test/unit/listing-heap-flags.test.ts's and startup-modules'
  // (here the server runs in this process: it reads the request after the client's next turn).
  it('the listing sets its V8 flags while the Rollouts are awaited: before the answer, before any is read', async () => {
    await fake.stop();
    let answered = Infinity;
    fake = await FakeApiServer.start({
      token: TOKEN,
      fault: (q) => {
        if (q.resource !== 'rollouts') return undefined;
        answered = performance.now() + 300;
        return { kind: 'delay', ms: 300 };
      },
    });
    fake.load(loadFixture('christmas.yaml'));
    env = { KUBECONFIG: fake.kubeconfig(dir), LANG: 'en_US.UTF-8' };
    const sets: Array<{ flag: string; at: number; reads: number }> = [];
    // Recorded, not set: this process's V8 is left alone.
    const spy = vi
      .spyOn(v8Flags, 'set')
      .mockImplementation((flag) => void sets.push({ flag, at: performance.now(), reads: LISTING_READS.rollouts }));
    try {
      const before = LISTING_READS.rollouts;
      const r = await run(['status', '-A']);
      expect(r.code).toBe(0);
      expect(sets[0]).toMatchObject({ flag: '--semi-space-growth-factor=1', reads: before });
      expect(sets[0]!.at).toBeLessThan(answered);
      expect(sets.at(-1)!.reads).toBe(before + 1); // put back at the end
    } finally {
      spy.mockRestore();
    }
  });

  it('a role that may not list ReplicaSets still sees a namespace of canary rollouts (none shown, one skipped)', async () => {
    await fake.stop();
    fake = await FakeApiServer.start({
      token: TOKEN,
      fault: (q) => (q.resource === 'replicasets' ? { kind: 'status', status: 403 } : undefined),
    });
    const f = loadFixture('christmas.yaml') as any;
    fake.load({ ...f, rollout: { ...f.rollout, spec: { ...f.rollout.spec, strategy: { canary: { steps: [] } } } } });
    env = { KUBECONFIG: fake.kubeconfig(dir), LANG: 'en_US.UTF-8' };
    const r = await run(['status', '-n', 'apc-fe-ns']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('1 rollout with another strategy not shown');
    expect(r.stderr).not.toMatch(/forbidden|403/i);
    // a blue-green rollout's row needs them: the same clear error as before
    fake.load(loadFixture('christmas.yaml'));
    const denied = await run(['status', '-n', 'apc-fe-ns']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/forbidden/i);
  });

  it('an empty namespace is said to be empty, also to a role that may not list ReplicaSets', async () => {
    await fake.stop();
    fake = await FakeApiServer.start({
      token: TOKEN,
      fault: (q) => (q.resource === 'replicasets' ? { kind: 'status', status: 403 } : undefined),
    });
    env = { KUBECONFIG: fake.kubeconfig(dir), LANG: 'en_US.UTF-8' };
    const r = await run(['status', '-n', 'nothing-here']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('nothing-here');
    expect(r.stderr).not.toMatch(/forbidden|403/i);
  });

  it('--chunk-size pages the listing as kubectl does; 0, the default, reads it in one request; junk is exit 2 before any request', async () => {
    expect((await run(['status', '-A', '--chunk-size', '500'])).code).toBe(0);
    expect(fake.requests.find((q) => q.path.endsWith('/rollouts'))!.query.limit).toBe('500');
    fake.requests.length = 0;
    expect((await run(['status', '-A'])).code).toBe(0);
    expect(fake.requests.find((q) => q.path.endsWith('/rollouts'))!.query.limit).toBeUndefined();
    fake.requests.length = 0;
    for (const junk of ['-1', 'ten', '1e3']) {
      const r = await run(['status', '-A', `--chunk-size=${junk}`]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--chunk-size "${junk}" is not a whole number`);
    }
    expect(fake.requests).toHaveLength(0);
  });

  it('many rollouts: every rollout-made ReplicaSet is read alongside the remaining pages, not after them', async () => {
    await fake.stop();
    const arrivals: Array<{ path: string; cont?: string; at: number }> = [];
    fake = await FakeApiServer.start({
      token: TOKEN,
      fault: (q) => {
        arrivals.push({ path: q.path, cont: q.query.continue, at: performance.now() });
        // the last page of Rollouts is slow: the ReplicaSets must be asked for before it is answered
        return q.resource === 'rollouts' && q.query.continue === '200' ? { kind: 'delay', ms: 400 } : undefined;
      },
    });
    const f = loadFixture('christmas.yaml');
    for (let i = 0; i < 250; i++) {
      const ro = structuredClone(f.rollout) as any;
      ro.metadata.name = `app-${String(i).padStart(3, '0')}`;
      ro.metadata.uid = `uid-${i}`;
      ro.status.currentPodHash = `h${i}a`;
      ro.status.blueGreen.activeSelector = `h${i}b`;
      fake.load({ rollout: ro, replicaSets: [], services: {} });
    }
    env = { KUBECONFIG: fake.kubeconfig(dir), LANG: 'en_US.UTF-8' };
    const r = await run(['status', '-A', '--chunk-size', '100']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('app-249');
    const lastPage = arrivals.find((a) => a.path.endsWith('/rollouts') && a.cont === '200')!;
    const rs = arrivals.filter((a) => a.path.endsWith('/replicasets'));
    expect(rs).toHaveLength(1);
    expect(fake.requests.find((q) => q.path.endsWith('/replicasets'))!.query.labelSelector).toBe('rollouts-pod-template-hash');
    expect(rs[0]!.at).toBeLessThan(lastPage.at + 400);
    // In one request (the default), drawn as it streams: the same table, one list of each kind.
    fake.requests.length = 0;
    const one = await run(['status', '-A']);
    expect(one.code).toBe(0);
    expect(one.stdout).toBe(r.stdout);
    expect(fake.requests.filter((q) => q.path.endsWith('/rollouts')).map((q) => q.query.limit)).toEqual([undefined]);
    expect(fake.requests.filter((q) => q.path.endsWith('/replicasets')).map((q) => q.query.labelSelector)).toEqual([
      'rollouts-pod-template-hash',
    ]);
  });

  it('a listing of many pages under faults: a 429 on a ReplicaSet page is waited out; a failed Rollout page is one clear error, no rows', async () => {
    await fake.stop();
    let mode: 'throttle' | 'fail' = 'throttle';
    let throttled = 0;
    fake = await FakeApiServer.start({
      token: TOKEN,
      fault: (q) => {
        if (mode === 'throttle' && q.resource === 'replicasets' && q.query.continue && throttled++ === 0)
          return { kind: 'status', status: 429, retryAfter: 0 };
        if (mode === 'fail' && q.resource === 'rollouts' && q.query.continue === '4') return { kind: 'status', status: 500 };
        return undefined;
      },
    });
    const f = loadFixture('christmas.yaml') as any;
    for (let i = 0; i < 10; i++) {
      const ro = structuredClone(f.rollout);
      ro.metadata = { ...ro.metadata, name: `app-${i}`, uid: `uid-${i}` };
      const rss = structuredClone(f.replicaSets).map((rs: any) => ({
        ...rs,
        metadata: {
          ...rs.metadata,
          name: `app-${i}-${rs.metadata.name.split('-').pop()}`,
          ownerReferences: [{ ...rs.metadata.ownerReferences[0], uid: `uid-${i}` }],
        },
      }));
      fake.load({ rollout: ro, replicaSets: rss, services: f.services });
    }
    env = { KUBECONFIG: fake.kubeconfig(dir), LANG: 'en_US.UTF-8' };
    const ok = await run(['status', '-A', '--chunk-size=2']);
    expect(ok.code).toBe(0);
    expect(throttled).toBeGreaterThan(1);
    expect(ok.stdout).toContain('app-9');
    mode = 'fail';
    const bad = await run(['status', '-A', '--chunk-size=2']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    expect(fake.writes()).toHaveLength(0);
  });

  it('a listing of many pages is drawn namespace by namespace: the same table as one request, even from lists out of order', async () => {
    const fixtures = ['christmas.yaml', 'settled.yaml', 'aborted.yaml', 'progressing.yaml', 'workloadref.yaml', 'no-preview-service.yaml'];
    const fill = (f: FakeApiServer) => {
      // namespaces with 1 or several rollouts each; the names sort differently by bytes and by locale, and
      // "team-a/..." comes before "team/..." in the API server's storage order ("-" sorts before "/")
      const spaces = ['apc-fe-ns', 'b-2', 'b10', 'zz', 'team', 'team-a'];
      let n = 0;
      for (const [i, ns] of spaces.entries()) {
        for (let k = 0; k < (i === 2 ? 1 : 5); k++, n++) {
          const fx = loadFixture(fixtures[n % fixtures.length]!) as any;
          const uid = `uid-${n}`;
          const name = k % 2 ? `app-${k}` : `App${k}x`.toLowerCase();
          fx.rollout.metadata = { ...fx.rollout.metadata, name, namespace: ns, uid };
          for (const rs of fx.replicaSets) {
            rs.metadata = { ...rs.metadata, name: `${name}-${rs.metadata.name.split('-').pop()}`, namespace: ns };
            rs.metadata.ownerReferences = [{ ...rs.metadata.ownerReferences[0], name, uid }];
          }
          for (const svc of [fx.services?.active, fx.services?.preview]) if (svc) svc.metadata = { ...svc.metadata, namespace: ns };
          f.load({ rollout: fx.rollout, replicaSets: fx.replicaSets, services: fx.services ?? {}, workload: fx.workload ?? null });
        }
      }
      // An active Service that selects pods no ReplicaSet of its rollouts made (switched by hand): the rows
      // follow the Service, the ground truth, so they depend on the Services list being read.
      const svc = structuredClone(loadFixture('christmas.yaml').services!.active) as any;
      svc.metadata.namespace = 'zz';
      svc.spec.selector['rollouts-pod-template-hash'] = 'switched-by-hand';
      f.put('services', svc);
    };
    const outputs = async (opts: Partial<FakeOptions>) => {
      await fake.stop();
      fake = await FakeApiServer.start({ token: TOKEN, ...opts });
      fill(fake);
      env = { KUBECONFIG: fake.kubeconfig(dir), LANG: 'en_US.UTF-8' };
      const out: Record<string, string> = {};
      for (const chunk of ['0', '3']) {
        for (const o of ['table', 'wide']) {
          const r = await run(['status', '-A', '-o', o, `--chunk-size=${chunk}`]);
          expect(r.code).toBe(0);
          out[`${chunk}/${o}`] = r.stdout + r.stderr;
        }
      }
      return out;
    };
    const ordered = await outputs({});
    // Read once each: the lists were found in storage order (no second reading of everything).
    expect(fake.requests.filter((q) => q.path.endsWith('/rollouts') && !q.query.continue)).toHaveLength(4);
    // paged by 3: Rollouts and the ReplicaSets read a page at a time, side by side
    expect(fake.requests.filter((q) => q.path.endsWith('/replicasets') && q.query.limit === '3').length).toBeGreaterThan(1);
    expect(ordered['3/table']).toBe(ordered['0/table']);
    expect(ordered['3/wide']).toBe(ordered['0/wide']);
    expect(ordered['0/table']!.split('\n').length).toBeGreaterThan(16);
    const scrambled = await outputs({ unorderedLists: true });
    expect(scrambled).toEqual(ordered);
    // The Services alone out of order: found out, and everything read again at once, to the same table.
    const services = await outputs({ unorderedLists: ['services'] });
    expect(fake.requests.filter((q) => q.path.endsWith('/rollouts') && !q.query.continue)).toHaveLength(8);
    expect(services).toEqual(ordered);
    // Services that may not be listed: the streamed table (one reading of each list) is the one read at
    // once (its rows say what the controller recorded instead).
    const noServices = await outputs({ deny: ['list services'] });
    expect(fake.requests.filter((q) => q.path.endsWith('/rollouts') && !q.query.continue)).toHaveLength(4);
    expect(await outputs({ deny: ['list services'], unorderedLists: true })).toEqual(noServices);
    expect(noServices).not.toEqual(ordered);
    // A read-ahead of 2 items: the lists are paused and resumed over and over, to the same tables, and
    // to the same JSON (read at once).
    const json = async () => {
      const r = await run(['status', '-A', '-o', 'json', '--chunk-size=3']);
      expect(r.code).toBe(0);
      return r.stdout;
    };
    try {
      READ_AHEAD.items = 2;
      READ_AHEAD.pauses = 0;
      expect(await outputs({})).toEqual(ordered);
      expect(READ_AHEAD.pauses).toBeGreaterThan(4);
      const pausedJson = await json();
      READ_AHEAD.items = 1000;
      expect(pausedJson).toBe(await json());
    } finally {
      READ_AHEAD.items = 1000;
    }
  });

  it('a listing read again at once (a list found out of order) lays out only the rows of the second reading', async () => {
    const longName = 'a-rollout-whose-name-is-much-longer-than-any-other';
    const fill = (f: FakeApiServer, withLong: boolean) => {
      for (const [ns, name] of [
        ['a', longName],
        ['a', 'web'],
        ['b', 'api'],
      ] as const) {
        if (name === longName && !withLong) continue;
        const fx = loadFixture('christmas.yaml') as any;
        const uid = `uid-${name}`;
        fx.rollout.metadata = { ...fx.rollout.metadata, name, namespace: ns, uid };
        for (const rs of fx.replicaSets) {
          rs.metadata = { ...rs.metadata, name: `${name}-${rs.metadata.name.split('-').pop()}`, namespace: ns };
          rs.metadata.ownerReferences = [{ ...rs.metadata.ownerReferences[0], name, uid }];
        }
        f.load({ rollout: fx.rollout, replicaSets: fx.replicaSets, services: name === 'web' ? {} : fx.services });
      }
    };
    const listing = async (withLong: boolean, onRolloutsList?: (n: number) => void) => {
      await fake.stop();
      let lists = 0;
      fake = await FakeApiServer.start({
        token: TOKEN,
        // The Services out of order: found out once namespace a's rows are made, and everything read again.
        unorderedLists: ['services'],
        fault: (r) => {
          if (r.verb === 'list' && r.resource === 'rollouts') onRolloutsList?.(++lists);
          return undefined;
        },
      });
      fill(fake, withLong);
      env = { KUBECONFIG: fake.kubeconfig(dir), LANG: 'en_US.UTF-8' };
      const r = await run(['status', '-A']);
      expect(r.code).toBe(0);
      return r;
    };
    // The long-named rollout is deleted between the first reading and the second.
    const changed = await listing(true, (n) => {
      if (n === 2) fake.rollouts.delete(`a/${longName}`);
    });
    expect(fake.requests.filter((q) => q.path.endsWith('/rollouts'))).toHaveLength(2);
    expect(changed.stdout).not.toContain(longName);
    // The same table as a cluster that never had it: its name does not widen the NAME column.
    expect(changed.stdout).toBe((await listing(false)).stdout);
  });

  it('a Services list that fails otherwise than by a 403 fails the listing: one line, nothing on stdout, no write', async () => {
    await startWith('christmas.yaml', {
      fault: (r) => (r.verb === 'list' && r.resource === 'services' ? { kind: 'status', status: 401, reason: 'Unauthorized' } : undefined),
    });
    for (const o of ['table', 'json']) {
      const r = await run(['status', '-A', '-o', o]);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(fake.writes()).toHaveLength(0);
  });

  it('colours only on a terminal, and never with --no-color or NO_COLOR', async () => {
    expect((await run(['status', 'frontend'], { stdoutTTY: true })).stdout).toContain(ESC);
    expect((await run(['status', 'frontend', '--no-color'], { stdoutTTY: true })).stdout).not.toContain(ESC);
    expect((await run(['status', 'frontend'], { stdoutTTY: true, env: { NO_COLOR: '1' } })).stdout).not.toContain(ESC);
  });

  it('completes rollout names from the cluster (kubectl plugin completion protocol)', async () => {
    const r = await run(['__complete', 'promote', 'fr']);
    expect(r.stdout).toBe('frontend\n:4\n');
  });

  it('refuses -A with a name (exit 2, no request)', async () => {
    const r = await run(['status', 'frontend', '-A']);
    expect(r.code).toBe(2);
    expect(fake.requests).toHaveLength(0);
  });

  it('names the rollout and the way out when it does not exist', async () => {
    const r = await run(['status', 'backend']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: rollout "backend" not found in namespace "apc-fe-ns". List the blue-green rollouts with: kubectl bluegreen status -n apc-fe-ns (or -A for all namespaces).\n',
    );
  });
});

describe('promote of an older preview (the Christmas incident)', () => {
  beforeEach(() => startWith('christmas.yaml'));

  it('without a terminal: explains the downgrade, changes nothing, exits 3', async () => {
    const r = await run(['promote', 'frontend']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('Users now get frontend:v1.054 (revision 8).');
    expect(r.stderr).toContain('After promote they get frontend:v1.053 (revision 9).');
    expect(r.stderr).toContain('DOWNGRADE');
    expect(r.stderr).toContain('Promote is not rollback');
    expect(r.stderr).toContain('kubectl bluegreen undo frontend -n apc-fe-ns    (users stay on frontend:v1.054 (revision 8))');
    expect(fake.writes()).toHaveLength(0);
  });

  it('with CI=true it never asks, even on a terminal', async () => {
    const r = await run(['promote', 'frontend'], { tty: true, env: { CI: 'true' } });
    expect(r.code).toBe(3);
    expect(fake.writes()).toHaveLength(0);
  });

  it('asks on a terminal for the version to be typed (a downgrade); "n" changes nothing (exit 3)', async () => {
    const r = await run(['promote', 'frontend'], { tty: true, input: 'n\n' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('To proceed, type the version they would get (v1.053)');
    expect(fake.writes()).toHaveLength(0);
  });

  it('Ctrl-C at the prompt exits 130 and changes nothing', async () => {
    const r = await run(['promote', 'frontend'], { tty: true, interruptAfterMs: 300 });
    expect(r.code).toBe(130);
    expect(fake.writes()).toHaveLength(0);
    record({ kind: 'fault', area: 'Ctrl-C', case: 'at the Proceed? prompt', outcome: 'exit 130, no write sent' });
  });

  it('--dry-run prints the exact request, sends nothing, exits 0', async () => {
    const r = await run(['promote', 'frontend', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('PATCH /apis/argoproj.io/v1alpha1/namespaces/apc-fe-ns/rollouts/frontend/status');
    expect(r.stdout).toContain('Content-Type: application/json-patch+json');
    expect(fake.writes()).toHaveLength(0);
  });

  it('--dry-run=server asks the server to validate and changes nothing', async () => {
    const r = await run(['promote', 'frontend', '--dry-run=server']);
    expect(r.code).toBe(0);
    expect(fake.writes().every((w) => w.query.dryRun === 'All')).toBe(true);
    expect(fake.rollout('apc-fe-ns', 'frontend')!.status.pauseConditions).toHaveLength(1);
  });

  it('--yes: one pinned JSON Patch on /status, then the record (annotation and Event)', async () => {
    const r = await run(['promote', 'frontend', '--yes', '--reason', 'ticket 42']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('rollout "frontend" promoted: the controller is switching users to frontend:v1.053 (revision 9).\n');
    const [patch, audit, event] = fake.writes();
    expect(patch!.path).toBe('/apis/argoproj.io/v1alpha1/namespaces/apc-fe-ns/rollouts/frontend/status');
    expect(patch!.body).toEqual([
      { op: 'test', path: '/metadata/generation', value: 5 },
      { op: 'test', path: '/status/currentPodHash', value: '6c8d7f5b9d' },
      { op: 'test', path: '/status/blueGreen/activeSelector', value: '5f6d8c9b77' },
      { op: 'remove', path: '/status/pauseConditions' },
    ]);
    const ro = fake.rollout('apc-fe-ns', 'frontend')!;
    expect(ro.status.pauseConditions).toBeUndefined();
    const recorded = JSON.parse(ro.metadata.annotations['bluegreen.kubectl.io/last-change']);
    expect(recorded).toMatchObject({
      by: 'alice@example.com',
      action: 'promote',
      reason: 'ticket 42',
      from: { images: ['frontend:v1.054'], revision: 8 },
      to: { images: ['frontend:v1.053'], revision: 9 },
    });
    expect(audit!.contentType).toBe('application/merge-patch+json');
    expect(event!.path).toBe('/api/v1/namespaces/apc-fe-ns/events');
    expect(fake.events[0]).toMatchObject({ reason: 'BlueGreenPromoted', involvedObject: { kind: 'Rollout', name: 'frontend' } });
  });

  it('--yes: every read the guard needs is sent before the Rollout is answered (one round trip), then the write', async () => {
    await fake.stop();
    const arrivals: Array<{ method: string; path: string; at: number }> = [];
    await startWith('christmas.yaml', {
      fault: (q) => {
        arrivals.push({ method: q.method, path: q.path, at: performance.now() });
        return q.resource === 'rollouts' && q.verb === 'get' ? { kind: 'delay', ms: 400 } : undefined;
      },
    });
    const r = await run(['promote', 'frontend', '--yes']);
    expect(r.code).toBe(0);
    const rollout = arrivals.find((a) => a.path.endsWith('/rollouts/frontend'))!;
    const patch = arrivals.findIndex((a) => a.method === 'PATCH');
    const reads = arrivals.slice(0, patch);
    // (with no controller Deployment found cluster-wide, the controller's namespace is also asked)
    expect(reads.map((a) => a.path)).toEqual(
      expect.arrayContaining([
        '/api/v1/namespaces/apc-fe-ns/services',
        '/apis/apps/v1/deployments',
        '/apis/apps/v1/namespaces/apc-fe-ns/replicasets',
        '/apis/argoproj.io/v1alpha1/namespaces/apc-fe-ns/rollouts/frontend',
        '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      ]),
    );
    // the Services come from the namespace's list: none is asked for by name
    expect(reads.filter((a) => /\/services\//.test(a.path))).toHaveLength(0);
    for (const a of reads) expect(a.at).toBeLessThan(rollout.at + 400);
  });

  it('a terminal "y" is not enough for a downgrade; the typed version promotes', async () => {
    expect((await run(['promote', 'frontend'], { tty: true, input: 'y\n' })).code).toBe(3);
    const r = await run(['promote', 'frontend'], { tty: true, input: 'v1.053\n' });
    expect(r.code).toBe(0);
    expect(fake.rollout('apc-fe-ns', 'frontend')!.status.pauseConditions).toBeUndefined();
  });
});
record({
  kind: 'fault',
  area: 'connection dropped after the write was applied (HTTPS test server)',
  case: 'promote --yes, answer lost',
  outcome: 'the rollout re-read; "the change was made"; exit 0',
});

describe('what the user confirmed is what happens', () => {
  it('a preview that changed after reading is not promoted (exit 4)', async () => {
    let changed = false;
    await startWith('christmas.yaml', {
      afterRolloutGet: (ro, f) => {
        if (changed) return;
        changed = true;
        f.put('rollouts', { ...ro, status: { ...ro.status, currentPodHash: '8a7b6c5d4e' } });
      },
    });
    const r = await run(['promote', 'frontend', '--yes']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('nothing was changed');
    expect(r.stderr).toContain('the preview is a different revision now');
    expect(fake.rollout('apc-fe-ns', 'frontend')!.status.pauseConditions).toHaveLength(1);
  });

  it('the loser of a race names the change that beat it, not the record that was there when it read', async () => {
    // A set-image recorded a moment ago; then, after our read, someone else promotes.
    const setImage = JSON.stringify({ by: 'alice', at: new Date().toISOString(), action: 'set-image', reason: '' });
    // The winner's two requests: its status patch lands before our write, its record only after our
    // first re-read.
    let gets = 0;
    await startWith('christmas.yaml', {
      afterRolloutGet: (ro, f) => {
        gets++;
        if (gets === 1) f.put('rollouts', { ...ro, status: { ...ro.status, pauseConditions: undefined, currentPodHash: '8a7b6c5d4e' } });
        if (gets === 3) {
          const promoted = JSON.stringify({ by: 'bob', at: new Date().toISOString(), action: 'promote', reason: '' });
          f.put('rollouts', {
            ...ro,
            metadata: { ...ro.metadata, annotations: { ...ro.metadata.annotations, 'bluegreen.kubectl.io/last-change': promoted } },
          });
        }
      },
    });
    const ro = fake.rollout('apc-fe-ns', 'frontend')!;
    fake.put('rollouts', {
      ...ro,
      metadata: { ...ro.metadata, annotations: { ...ro.metadata.annotations, 'bluegreen.kubectl.io/last-change': setImage } },
    });
    const r = await run(['promote', 'frontend', '--yes']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/bob ran promote at/);
    expect(r.stderr).not.toContain('alice');
  });

  it("names the race's winner whose record's time, in whole seconds, is up to 2 s before its read; not an older one", async () => {
    // Seen on a loaded CI run: the winner recorded a time cut to the second, 1.x s before the loser's
    // read ended, and went unnamed.
    for (const [beforeMs, named] of [
      [1500, true],
      [1999, true],
      [5000, false],
    ] as const) {
      let gets = 0;
      await fake?.stop();
      await startWith('christmas.yaml', {
        afterRolloutGet: (ro, f) => {
          gets++;
          if (gets === 1) f.put('rollouts', { ...ro, status: { ...ro.status, pauseConditions: undefined, currentPodHash: '8a7b6c5d4e' } });
          if (gets === 2) {
            const at = new Date(Math.floor((NOW.getTime() - beforeMs) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
            const promoted = JSON.stringify({ by: 'bob', at, action: 'promote', reason: '' });
            f.put('rollouts', {
              ...ro,
              metadata: { ...ro.metadata, annotations: { ...ro.metadata.annotations, 'bluegreen.kubectl.io/last-change': promoted } },
            });
          }
        },
      });
      const r = await run(['promote', 'frontend', '--yes']);
      expect(r.code).toBe(4);
      if (named) expect(r.stderr, `${beforeMs} ms`).toMatch(/bob ran promote at/);
      else expect(r.stderr, `${beforeMs} ms`).not.toContain('bob');
    }
  });

  it('undo does not write over a spec changed after reading (exit 4)', async () => {
    let changed = false;
    await startWith('christmas.yaml', {
      afterRolloutGet: (ro, f) => {
        if (changed) return;
        changed = true;
        f.put('rollouts', { ...ro, metadata: { ...ro.metadata, generation: 6 } });
      },
    });
    const r = await run(['undo', 'frontend', '--yes']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('its spec was changed');
    expect(fake.rollout('apc-fe-ns', 'frontend')!.spec.template.spec.containers[0].image).toBe('registry.example.com/apc/frontend:v1.053');
  });
});

describe('undo', () => {
  beforeEach(() => startWith('christmas.yaml'));

  it('restores the active revision: users stay on v1.054, the preview is dropped', async () => {
    const r = await run(['undo', 'frontend', '--yes']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('undo restores revision 8');
    expect(r.stderr).toContain('After undo they still get frontend:v1.054 (revision 8).');
    const ro = fake.rollout('apc-fe-ns', 'frontend')!;
    expect(ro.spec.template.spec.containers[0].image).toBe('registry.example.com/apc/frontend:v1.054');
    expect(ro.spec.template.metadata.labels).toEqual({ app: 'frontend' });
    expect(JSON.parse(ro.metadata.annotations['bluegreen.kubectl.io/last-change']).action).toBe('undo');
  });

  it('--to-revision that does not exist: exit 2, lists the revisions, writes nothing', async () => {
    const r = await run(['undo', 'frontend', '--to-revision', '99', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has no revision 99. Its revisions: 9, 8, 6');
    expect(fake.writes()).toHaveLength(0);
  });

  it('--to-revision that is not a number: exit 2 before any request', async () => {
    const r = await run(['undo', 'frontend', '--to-revision', 'abc']);
    expect(r.code).toBe(2);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('set-image', () => {
  beforeEach(() => startWith('settled.yaml'));

  it('an invalid image reference: exit 2, no request at all', async () => {
    const r = await run(['set-image', 'frontend', 'frontend=Registry.Example.com/APC/Frontend:v1', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a valid image reference');
    expect(fake.requests).toHaveLength(0);
  });

  it('an unknown container: exit 2, names the containers, writes nothing', async () => {
    const r = await run(['set-image', 'frontend', 'backend=registry.example.com/apc/backend:v2', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('rollout "frontend" has no container "backend". Its containers: frontend.');
    expect(fake.writes()).toHaveLength(0);
  });

  it('says users switch only after a promote (auto-promotion off), and pins the spec', async () => {
    const r = await run(['set-image', 'frontend', 'frontend=registry.example.com/apc/frontend:v1.055', '--yes']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('frontend:v1.055 becomes the new preview, and users get it only after a promote');
    const [w] = fake.writes();
    expect((w!.body as Array<{ op: string; path: string }>)[0]).toEqual({ op: 'test', path: '/metadata/generation', value: 5 });
    expect(fake.rollout('apc-fe-ns', 'frontend')!.spec.template.spec.containers[0].image).toBe('registry.example.com/apc/frontend:v1.055');
  });

  it("does not read the controller's release, which its plan never uses (undo does)", async () => {
    const controllerReads = () => fake.requests.filter((q) => q.path.endsWith('/deployments')).length;
    const r = await run(['set-image', 'frontend', 'frontend=registry.example.com/apc/frontend:v1.055', '--dry-run']);
    expect(r.code).toBe(0);
    expect(controllerReads()).toBe(0);
    const u = await run(['undo', 'frontend', '--dry-run']);
    expect(u.code).toBe(0);
    expect(controllerReads()).toBeGreaterThan(0);
  });
});

describe("the controller's release (read beside the Rollout, before a promote's write)", () => {
  const reads = () => fake.requests.filter((q) => q.path.endsWith('/deployments')).map((q) => q.path);
  const promotePlan = async () => {
    const r = await run(['promote', 'frontend', '--dry-run', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { nudgesAtMost: number };
  };
  const controller = (ns: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'argo-rollouts', namespace: ns, labels: { 'app.kubernetes.io/name': 'argo-rollouts' } },
    spec: { template: { spec: { containers: [{ name: 'argo-rollouts', image: 'quay.io/argoproj/argo-rollouts:v1.10.2' }] } } },
  });
  const refuseClusterWide: FakeOptions['fault'] = (r) =>
    r.verb === 'list' && r.resource === 'deployments' && !r.path.includes('/namespaces/')
      ? { kind: 'status', status: 403, reason: 'Forbidden' }
      : undefined;

  it('is one request where every namespace may be listed, even when no Deployment is the controller', async () => {
    await startWith('christmas.yaml');
    // No release known: the plan assumes one that may lose a promote (and may nudge it).
    expect((await promotePlan()).nudgesAtMost).toBeGreaterThan(0);
    expect(reads()).toEqual(['/apis/apps/v1/deployments']);
  });

  it('is found in any namespace by the one request', async () => {
    await startWith('christmas.yaml');
    fake.put('deployments', controller('platform-ops'));
    expect((await promotePlan()).nudgesAtMost).toBe(0);
    expect(reads()).toEqual(['/apis/apps/v1/deployments']);
  });

  it("is asked of the argo-rollouts namespace when the list of every namespace's is refused", async () => {
    await startWith('christmas.yaml', { fault: refuseClusterWide });
    fake.put('deployments', controller('argo-rollouts'));
    expect((await promotePlan()).nudgesAtMost).toBe(0);
    expect(reads()).toEqual(['/apis/apps/v1/deployments', '/apis/apps/v1/namespaces/argo-rollouts/deployments']);
  });
});

describe('state does not allow it (exit 4)', () => {
  it('promote with nothing waiting', async () => {
    await startWith('settled.yaml');
    const r = await run(['promote', 'frontend', '--yes']);
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(
      'error: nothing to promote: rollout "frontend" has no preview waiting; users already get frontend:v1.054 (revision 8).\n',
    );
    expect(fake.writes()).toHaveLength(0);
  });

  it('promote of a preview that is not ready yet', async () => {
    await startWith('progressing.yaml');
    const r = await run(['promote', 'frontend', '--yes']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('kubectl bluegreen wait frontend --for=paused');
    expect(fake.writes()).toHaveLength(0);
  });

  it('a canary rollout', async () => {
    await startWith('christmas.yaml');
    const ro = fake.rollout('apc-fe-ns', 'frontend')!;
    fake.put('rollouts', { ...ro, spec: { ...ro.spec, strategy: { canary: { steps: [] } } } });
    const r = await run(['promote', 'frontend', '--yes']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('uses the canary strategy, not blue-green');
  });
});

describe('cluster errors (exit 1), never a credential', () => {
  it('forbidden: names the verb, the resource and the rule; nothing half-done', async () => {
    await startWith('christmas.yaml', { deny: ['patch rollouts/status'] });
    const r = await run(['promote', 'frontend', '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('forbidden: user "bob" may not patch rollouts/status.argoproj.io in namespace "apc-fe-ns"');
    expect(r.stderr).toContain('resources: ["rollouts/status"], verbs: ["patch"]');
    expect(fake.rollout('apc-fe-ns', 'frontend')!.metadata.annotations).toBeUndefined();
  });

  it('an expired token: 401 says to log in again; the token is never printed, even with -vv', async () => {
    await startWith('christmas.yaml');
    env.KUBECONFIG = fake.kubeconfig(dir, { token: 'expired-token-should-not-appear' });
    const r = await run(['status', 'frontend', '-vv']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('rejected the credentials of user "fake-user" (401 Unauthorized)');
    expect(r.stderr + r.stdout).not.toContain('expired-token-should-not-appear');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('the good token is not printed at any verbosity either', async () => {
    await startWith('christmas.yaml');
    const r = await run(['promote', 'frontend', '--yes', '-vvv']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('PATCH /apis/argoproj.io');
    expect(r.stderr + r.stdout).not.toContain(TOKEN);
  });

  it('an unreachable server', async () => {
    await startWith('christmas.yaml');
    const url = fake.url;
    await fake.stop();
    const r = await run(['status', 'frontend']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error: cannot reach the Kubernetes API server at ${url} (connection refused). Check that the cluster is running and that --context or --kubeconfig point at it.\n`,
    );
    fake = await FakeApiServer.start({ token: TOKEN });
  });

  it('a server certificate from an unknown CA is refused', async () => {
    await startWith('christmas.yaml');
    env.KUBECONFIG = fake.kubeconfig(dir, { withCa: false });
    const r = await run(['status', 'frontend']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('TLS verification of');
    expect(r.stderr).toContain('certificate signed by an unknown authority');
  });

  it('reads are retried on 503 with backoff', async () => {
    // The rollout's first two answers are 503 (the reads beside it are not held up by it).
    let failed = 0;
    await startWith('christmas.yaml', {
      fault: (q) => (q.path.endsWith('/rollouts/frontend') && failed++ < 2 ? { kind: 'status', status: 503 } : undefined),
    });
    const r = await run(['status', 'frontend']);
    expect(r.code).toBe(0);
    expect(fake.requests.filter((q) => q.path.endsWith('/rollouts/frontend')).length).toBe(3);
    record({
      kind: 'fault',
      area: 'API answers 503 to reads (HTTPS test server)',
      case: 'two 503s, then success',
      outcome: 'retried with backoff; status shown, exit 0',
    });
  });
});

describe('kubeconfig as kubectl resolves it', () => {
  it('KUBECONFIG with several files: first file wins per name; namespace from the context', async () => {
    await startWith('christmas.yaml');
    const second = join(dir, 'second');
    writeFileSync(
      second,
      `apiVersion: v1\nkind: Config\ncurrent-context: other\nclusters: [{name: fake, cluster: {server: "https://127.0.0.1:1"}}]\ncontexts: [{name: other, context: {cluster: fake, user: fake-user, namespace: elsewhere}}]\nusers: [{name: fake-user, user: {token: wrong}}]\n`,
    );
    const r = await run(['status', 'frontend'], { env: { KUBECONFIG: `${env.KUBECONFIG}:${second}` } });
    expect(r.code).toBe(0);
  });

  it('--context that does not exist: lists the contexts', async () => {
    await startWith('christmas.yaml');
    const r = await run(['status', 'frontend', '--context', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: context "nope" is not in the kubeconfig. Available contexts: fake.\n');
  });

  it('-n overrides the context namespace', async () => {
    await startWith('christmas.yaml');
    const r = await run(['status', 'frontend', '-n', 'other-ns']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not found in namespace "other-ns"');
  });
});

describe('usage', () => {
  beforeEach(() => startWith('christmas.yaml'));

  it('--help exits 0 with examples', async () => {
    const r = await run(['promote', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('kubectl bluegreen promote frontend -n apc-fe-ns');
  });

  // Found by a hostile review: yargs wrapped examples at the terminal's width, so a command or a comment's
  // tail landed on a line of its own (pasted, `Rollout` ran as a command); the comments stayed English in ko.
  it.each([40, 80, 100])('examples are never wrapped (%i columns), each line a command or a comment', async (columns) => {
    const r = await runCli(['set-image', '--help'], { env, columns });
    const examples = r.stdout.slice(r.stdout.indexOf('Examples:')).trim().split('\n').slice(1);
    expect(examples).toContain('  kubectl bluegreen set-image frontend frontend=registry.example.com/apc/frontend:v1.055 -n apc-fe-ns');
    for (const line of examples) expect(line).toMatch(/^ {2}(kubectl bluegreen |# )/);
  });

  it("example comments are in the help's language", async () => {
    const r = await runCli(['preview', '--help', '--lang', 'ko'], { env });
    expect(r.stdout).toContain('예시:');
    expect(r.stdout).toContain('# 다른 사람도 접속할 수 있습니다');
    expect(r.stdout).not.toContain('others can reach it');
  });

  it('an unknown flag exits 2 with one line', async () => {
    const r = await run(['status', 'frontend', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: unknown flag --bogus for status. See kubectl bluegreen status --help.\n');
  });

  it('Korean errors with --lang ko', async () => {
    const r = await run(['promote', 'frontend', '--lang', 'ko']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('다운그레이드');
    expect(r.stderr).toContain('Promote는 롤백이 아닙니다');
    expect(r.stderr).toContain('확인되지 않음');
  });
});

describe('history, diff, wait', () => {
  beforeEach(() => startWith('christmas.yaml'));

  it('history shows earlier revision numbers and roles', async () => {
    const r = await run(['history', 'frontend']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/9\s+preview\s+frontend:v1\.053\s+\S+\s+5,7/);
    expect(r.stdout).toMatch(/8\s+active \(users\), stable\s+frontend:v1\.054/);
  });

  it('diff shows image and env differences', async () => {
    const r = await run(['diff', 'frontend']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      '~ spec.containers[frontend].image: registry.example.com/apc/frontend:v1.054 → registry.example.com/apc/frontend:v1.053',
    );
    expect(r.stdout).toContain('- spec.containers[frontend].env[BANNER].value: christmas');
  });

  it('wait --for=paused returns at once when already paused', async () => {
    const r = await run(['wait', 'frontend', '--for=paused']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('is paused for promotion');
  });

  it('wait --for=promoted times out with exit 5', async () => {
    const r = await run(['wait', 'frontend', '--for=promoted', '--timeout', '1s']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('timed out after 1s');
  });

  it('wait sees a change through the watch API', async () => {
    setTimeout(() => {
      const ro = fake.rollout('apc-fe-ns', 'frontend')!;
      fake.put('rollouts', {
        ...ro,
        status: {
          ...ro.status,
          phase: 'Healthy',
          message: '',
          pauseConditions: undefined,
          controllerPause: false,
          stableRS: '6c8d7f5b9d',
          blueGreen: { activeSelector: '6c8d7f5b9d', previewSelector: '6c8d7f5b9d' },
        },
      });
    }, 300);
    const r = await run(['wait', 'frontend', '--for=promoted', '--timeout', '10s']);
    expect(r.code).toBe(0);
    expect(fake.requests.some((q) => q.query.watch === '1')).toBe(true);
  });
});

// A controller whose status stays put while the API has the ReplicaSet it waits on available: Argo Rollouts
// v1.7.x's stale ReplicaSet cache (docs/ARGO-BEHAVIOUR.md), or a controller that is down. `wait` says which
// ReplicaSet, what is known of the cause on the release it reads, and the command that wakes it; it writes nothing.
describe('durations past what Node can time (2^31 - 1 ms, ~24.8 days)', () => {
  // Node fires a longer timer at once, with a warning: `wait --timeout 1000h` timed out in 0.2 s.
  it.each([
    [['wait', 'frontend', '--for=paused', '--timeout', '1000h'], 'timeout', '1000h'],
    [['wait', 'frontend', '--for=paused', '--stall-timeout', '600h'], 'stall-timeout', '600h'],
    [['promote', 'frontend', '--yes', '--wait', '--timeout', '2147484s'], 'timeout', '2147484s'],
    [['promote', 'frontend', '--yes', '--wait', '--stall-timeout', '600h'], 'stall-timeout', '600h'],
    [['status', 'frontend', '--request-timeout', '9999h'], 'request-timeout', '9999h'],
  ])('%j: a usage error (exit 2) that names the flag and the longest, nothing read or written', async (argv, flag, value) => {
    await startWith('christmas.yaml');
    const r = await run(argv);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(
      `--${flag} "${value}" is longer than this tool can time (at most 596h31m, about 25 days); give 596h31m or less.`,
    );
    expect(r.stderr).not.toContain('TimeoutOverflowWarning');
    expect(fake.requests.filter((q) => q.path.includes('/rollouts'))).toEqual([]);
    expect(fake.writes()).toEqual([]);
    const ko = await run([...argv, '--lang', 'ko']);
    expect(ko.stderr).toContain(`--${flag} "${value}"`);
    expect(ko.stderr).toContain('596h31m');
  });

  it('the longest itself is taken', async () => {
    await startWith('christmas.yaml');
    const r = await run(['wait', 'frontend', '--for=paused', '--timeout', '596h31m']);
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('wait on a controller that does not act on an available ReplicaSet', () => {
  /** The christmas rollout short of the pause: the preview (6c8d7f5b9d, 3/3 available) made, no pause yet. */
  const cutoverPending = () => {
    const ro = fake.rollout('apc-fe-ns', 'frontend')!;
    fake.put('rollouts', {
      ...ro,
      status: {
        ...ro.status,
        phase: 'Progressing',
        message: 'active service cutover pending',
        pauseConditions: undefined,
        controllerPause: false,
      },
    });
  };
  const controller = (tag: string) =>
    fake.put('deployments', {
      metadata: { namespace: 'argo-rollouts', name: 'argo-rollouts', labels: { 'app.kubernetes.io/name': 'argo-rollouts' } },
      spec: { template: { spec: { containers: [{ image: `quay.io/argoproj/argo-rollouts:${tag}` }] } } },
    });
  const rsReads = () => fake.requests.filter((q) => q.method === 'GET' && q.path.endsWith('/replicasets') && q.query.watch !== '1');

  it('v1.7.x: exit 1 after the stall time, naming the ReplicaSet, argoproj/argo-rollouts#4044 and the annotate command; nothing written', async () => {
    await startWith('christmas.yaml', { noController: true });
    cutoverPending();
    controller('v1.7.2');
    const r = await run(['wait', 'frontend', '--for=paused', '--stall-timeout', '1s', '--timeout', '30s']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /has not acted on rollout "frontend" for [1-4]s although its ReplicaSet frontend-6c8d7f5b9d is available \(3\/3\)/,
    );
    expect(r.stderr).toContain('If it is: Argo Rollouts v1.7.2 can keep a stale copy of a ReplicaSet');
    expect(r.stderr).toContain('argoproj/argo-rollouts#4044');
    expect(r.stderr).toContain('kubectl annotate replicaset frontend-6c8d7f5b9d -n apc-fe-ns bluegreen.kubectl.io/touched-at=');
    expect(fake.writes()).toEqual([]);
    expect(rsReads().length).toBe(1);
  });

  it('a later release: the same finding, and to check the controller; in Korean too', async () => {
    await startWith('christmas.yaml', { noController: true });
    cutoverPending();
    controller('v1.10.2');
    const r = await run(['wait', 'frontend', '--for=promoted', '--stall-timeout', '1s', '--timeout', '30s', '--lang', 'ko']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('ReplicaSet frontend-6c8d7f5b9d이(가) 이미 사용 가능(3/3)한데도');
    expect(r.stderr).toContain('컨트롤러(deployment argo-rollouts/argo-rollouts)가 실행 중인지 확인하고');
    expect(r.stderr).not.toContain('#4044');
  });

  it('the release not visible: check the controller, and if it is v1.7.x the command', async () => {
    await startWith('christmas.yaml', { noController: true });
    cutoverPending();
    const r = await run(['wait', 'frontend', '--for=paused', '--stall-timeout', '1s', '--timeout', '30s']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('Check that the controller is running. If it is v1.7.x');
  });

  it('a timeout before the stall check ends says the same of the ReplicaSet, with exit 5', async () => {
    await startWith('christmas.yaml', { noController: true });
    cutoverPending();
    controller('v1.7.2');
    // The check reads at 1.5-2 s and would end 2 s later; the timeout at 2.5 s reads and names it first.
    const r = await run(['wait', 'frontend', '--for=paused', '--stall-timeout', '1.5s', '--timeout', '2.5s']);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toContain(
      'timed out after 2.5s waiting for rollout "frontend" to be paused for promotion; it is Progressing - active service cutover pending, unchanged for',
    );
    expect(r.stderr).toContain('although its ReplicaSet frontend-6c8d7f5b9d is available (3/3)');
    expect(r.stderr).toContain('kubectl annotate replicaset frontend-6c8d7f5b9d');
    // The timeout takes the check's finding (same status): the ReplicaSet is read once.
    expect(rsReads().length).toBe(1);
  });

  it('a controller-version read that hangs: given up with the check, not left open; the wait still names the ReplicaSet', async () => {
    await startWith('christmas.yaml', {
      noController: true,
      fault: (q) => (q.resource === 'deployments' ? { kind: 'delay', ms: 30_000 } : undefined),
    });
    cutoverPending();
    controller('v1.7.2');
    const r = await run(['wait', 'frontend', '--for=paused', '--stall-timeout', '1s', '--timeout', '30s']);
    const ended = Date.now();
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('although its ReplicaSet frontend-6c8d7f5b9d is available (3/3)');
    // The release unknown: both causes are named.
    expect(r.stderr).toContain('kubectl annotate replicaset frontend-6c8d7f5b9d');
    // Aborted when the check gave up on it (5 s), not left open until the command ended (2 s later).
    const gaveUp = fake.abandoned.find((q) => q.path.endsWith('/deployments'));
    expect(gaveUp).toBeDefined();
    expect(ended - gaveUp!.at).toBeGreaterThan(1000);
  }, 45_000);

  it('a timeout with the status moved lately (under 10 s, or the stall time) reads nothing more and names no ReplicaSet', async () => {
    await startWith('christmas.yaml', { noController: true });
    cutoverPending();
    controller('v1.7.2');
    const r = await run(['wait', 'frontend', '--for=paused', '--timeout', '1s']);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toContain('timed out after 1s');
    expect(r.stderr).not.toContain('although its ReplicaSet');
    expect(rsReads().length).toBe(0);
  });

  it('a status that moves while the finding is confirmed is no finding: the stall time starts again', async () => {
    await startWith('christmas.yaml', { noController: true });
    cutoverPending();
    controller('v1.7.2');
    // The first check reads at 1-1.5 s and confirms 2 s later; the status moves at 2 s, in between. The next
    // check cannot end before 4 s, when the wait times out (and names the ReplicaSet, still available).
    setTimeout(() => {
      const ro = fake.rollout('apc-fe-ns', 'frontend')!;
      fake.put('rollouts', { ...ro, status: { ...ro.status, readyReplicas: 4 } });
    }, 2000);
    const r = await run(['wait', 'frontend', '--for=paused', '--stall-timeout', '1s', '--timeout', '4s']);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toContain('although its ReplicaSet frontend-6c8d7f5b9d is available (3/3)');
  });

  it('a ReplicaSet still coming up is no finding: the wait goes on, reading it at most once per stall time', async () => {
    await startWith('christmas.yaml', { noController: true });
    cutoverPending();
    const rs = loadFixture('christmas.yaml').replicaSets.find((x: any) => x.metadata.name === 'frontend-6c8d7f5b9d')!;
    fake.put('replicasets', {
      ...rs,
      metadata: { ...rs.metadata, namespace: 'apc-fe-ns' },
      status: { replicas: 3, readyReplicas: 1, availableReplicas: 1 },
    });
    const r = await run(['wait', 'frontend', '--for=paused', '--stall-timeout', '2s', '--timeout', '3s']);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).not.toContain('although its ReplicaSet');
    // One read after 2 s of the same status, one more at the timeout (it says what it found then).
    expect(rsReads().length).toBe(2);
  });

  // status reads the ReplicaSets anyway: it says the same from the times the API server recorded (the
  // preview's last status write, the Rollout's, its conditions'), with no request more.
  const iso = (ago: number) => new Date(NOW.getTime() - ago).toISOString().replace(/\.\d+Z$/, 'Z');
  /** The rollout's conditions last moved `ago` ms before NOW; the preview's status last written `rsAgo` before (undefined: not recorded). */
  const stillSince = (ago: number, o: { available?: number; rsAgo?: number | undefined; createdAgo?: number } = { rsAgo: ago }) => {
    const ro = fake.rollout('apc-fe-ns', 'frontend')!;
    const at = iso(ago);
    fake.put('rollouts', {
      ...ro,
      status: {
        ...ro.status,
        conditions: [
          { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', lastUpdateTime: at, lastTransitionTime: at },
          {
            type: 'Available',
            status: 'True',
            reason: 'AvailableReason',
            lastUpdateTime: iso(86_400_000),
            lastTransitionTime: iso(86_400_000),
          },
        ],
      },
    });
    const rs = loadFixture('christmas.yaml').replicaSets.find((x: any) => x.metadata.name === 'frontend-6c8d7f5b9d')!;
    const available = o.available ?? 3;
    const managedFields =
      o.rsAgo === undefined
        ? undefined
        : [
            { manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'apps/v1', time: iso(o.rsAgo), subresource: 'status' },
            { manager: 'rollouts-controller', operation: 'Update', apiVersion: 'apps/v1', time: iso(1_000) },
          ];
    fake.put('replicasets', {
      ...rs,
      metadata: {
        ...rs.metadata,
        namespace: 'apc-fe-ns',
        managedFields,
        ...(o.createdAgo === undefined ? {} : { creationTimestamp: iso(o.createdAgo) }),
      },
      status: { replicas: 3, readyReplicas: available, availableReplicas: available },
    });
    return at;
  };
  const NOTE = 'the controller has not moved the rollout on';

  it('status: a preview available and nothing moved for over a minute is said, with what to run; no request more', async () => {
    await startWith('christmas.yaml', { noController: true });
    cutoverPending();
    stillSince(30_000);
    const before = fake.requests.length;
    const quiet = await run(['status', 'frontend']);
    expect(quiet.stdout).not.toContain(NOTE);
    const between = fake.requests.length;
    const at = stillSince(5 * 60_000);
    const r = await run(['status', 'frontend']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `The preview (ReplicaSet frontend-6c8d7f5b9d) is available (3/3), and neither it nor the rollout's status has changed since ${at} (5m ago): ${NOTE}.`,
    );
    expect(r.stdout).toContain('kubectl bluegreen wait frontend -n apc-fe-ns --for=paused watches it for a minute');
    expect(fake.requests.length - between).toBe(between - before);
    const ko = await run(['status', 'frontend', '--lang', 'ko']);
    expect(ko.stdout).toContain(
      `preview(ReplicaSet frontend-6c8d7f5b9d)는 사용 가능한 상태(3/3)인데, 그것도 rollout의 status도 ${at}(5분 전) 이후로`,
    );
    expect(fake.writes()).toEqual([]);
  });

  it('status: a rollout that promotes itself is pointed to --for=promoted', async () => {
    await startWith('christmas.yaml', { noController: true });
    cutoverPending();
    const ro = fake.rollout('apc-fe-ns', 'frontend')!;
    const bg = ro.spec.strategy.blueGreen;
    fake.put('rollouts', { ...ro, spec: { ...ro.spec, strategy: { blueGreen: { ...bg, autoPromotionEnabled: true } } } });
    stillSince(5 * 60_000);
    const r = await run(['status', 'frontend']);
    expect(r.stdout).toContain('kubectl bluegreen wait frontend -n apc-fe-ns --for=promoted watches it');
  });

  it.each([
    ["paused for promotion (a person's turn)", false, 5 * 60_000, { rsAgo: 5 * 60_000 }],
    ['within the first minute', true, 30_000, { rsAgo: 30_000 }],
    ['a preview still coming up', true, 5 * 60_000, { rsAgo: 5 * 60_000, available: 2 }],
    ['a preview that became available a moment ago (its pods took minutes)', true, 5 * 60_000, { rsAgo: 2_000 }],
    ["the preview's status write not recorded (no managedFields): when it became available is unknown", true, 5 * 60_000, {}],
  ] as const)('status: nothing said when %s', async (_n, cutover, ago, o) => {
    await startWith('christmas.yaml', { noController: true });
    if (cutover) cutoverPending();
    stillSince(ago, o);
    const r = await run(['status', 'frontend']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain(NOTE);
  });

  /** A clock that starts at NOW and moves with real time: --watch's picture moves with it. */
  const movingClock = () => {
    let t0: number | undefined;
    return () => new Date(NOW.getTime() + Date.now() - (t0 ??= Date.now()));
  };
  const CLEAR = '\u001b[H\u001b[2J';
  const otherReads = () => fake.requests.filter((q) => q.method === 'GET' && q.query.watch !== '1').length;

  it('status --watch, not on a terminal: says it when the minute is over, in one frame more, with no request more', async () => {
    await startWith('christmas.yaml', { noController: true });
    cutoverPending();
    stillSince(30_000);
    const early = await run(['status', 'frontend', '--watch'], { interruptAfterMs: 2500, now: movingClock() });
    const earlyReads = otherReads();
    expect(early.stdout.split('Rollout frontend').length - 1).toBe(1);
    expect(early.stdout).not.toContain(NOTE);
    await fake.stop();

    await startWith('christmas.yaml', { noController: true });
    cutoverPending();
    stillSince(59_000);
    const r = await run(['status', 'frontend', '--watch'], { interruptAfterMs: 2500, now: movingClock() });
    expect(r.code, r.stderr).toBe(130);
    const frames = r.stdout.split(/(?=Rollout frontend)/);
    expect(frames).toHaveLength(2);
    expect(frames[0]).not.toContain(NOTE);
    expect(frames[1]).toContain(`${NOTE}.`);
    expect(frames[1]).toMatch(/\((60|61)s ago\)/);
    expect(otherReads()).toBe(earlyReads);
    expect(fake.writes()).toEqual([]);
  });

  it('status --watch on a terminal: ages move with the clock, drawn again only when the text changes; the note with them', async () => {
    await startWith('christmas.yaml', { noController: true });
    cutoverPending();
    stillSince(5 * 60_000);
    // The preview made 30 s before: its "created 30s ago" moves each second; the note's "5m" does not.
    stillSince(5 * 60_000, { rsAgo: 5 * 60_000, createdAgo: 30_000 });
    const r = await run(['status', 'frontend', '--watch'], { interruptAfterMs: 2600, stdoutTTY: true, now: movingClock() });
    expect(r.code, r.stderr).toBe(130);
    const drawn = r.stdout.split(CLEAR).slice(1);
    // Drawn at once, then at most once a second (2.6 s: 30s, 31s, 32s, and 33s on a slow machine).
    expect(drawn.length).toBeGreaterThanOrEqual(2);
    expect(drawn.length).toBeLessThanOrEqual(4);
    expect(drawn.every((f) => f.includes(NOTE) && f.includes('(5m ago)'))).toBe(true);
    expect(drawn[0]).toContain('created 30s ago');
    expect(drawn.at(-1)).toMatch(/created 3[1-3]s ago/);
    expect(new Set(drawn).size).toBe(drawn.length);
  });

  it('status --watch on a terminal of no width (as `script` in CI): frames on changes only, the note once its minute is over', async () => {
    await startWith('christmas.yaml', { noController: true });
    cutoverPending();
    stillSince(59_000);
    const r = await run(['status', 'frontend', '--watch'], { interruptAfterMs: 2500, stdoutTTY: true, columns: 0, now: movingClock() });
    expect(r.code, r.stderr).toBe(130);
    const drawn = r.stdout.split(CLEAR).slice(1);
    expect(drawn).toHaveLength(2);
    expect(drawn[0]).not.toContain(NOTE);
    expect(drawn[1]).toContain(NOTE);
  });

  it('status --watch while it reconnects says nothing of a controller that sits still (only the watch may be)', async () => {
    await startWith('christmas.yaml', {
      noController: true,
      fault: (q) => (q.verb === 'watch' ? { kind: 'status', status: 503 } : undefined),
    });
    cutoverPending();
    stillSince(5 * 60_000);
    const r = await run(['status', 'frontend', '--watch'], { interruptAfterMs: 2500, now: movingClock() });
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('reconnecting');
    const frames = r.stdout.split(/(?=Rollout frontend)/);
    expect(frames[0]).toContain(NOTE);
    expect(frames.at(-1)).not.toContain(NOTE);
  });

  it("status --watch, not on a terminal, with the API server's clock 30 days ahead: no timer past Node's limit (it would fire at once, again and again)", async () => {
    await startWith('christmas.yaml', { noController: true });
    cutoverPending();
    stillSince(-30 * 86_400_000);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const r = await run(['status', 'frontend', '--watch'], { interruptAfterMs: 1500, now: movingClock() });
      expect(r.code, r.stderr).toBe(130);
      expect(r.stdout.split('Rollout frontend').length - 1).toBe(1);
      expect(r.stdout).not.toContain(NOTE);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('TimeoutOverflowWarning');
  });

  it('status --watch on a terminal: a picture with nothing that moves within seconds is drawn once', async () => {
    await startWith('christmas.yaml', { noController: true });
    stillSince(5 * 60_000);
    const r = await run(['status', 'frontend', '--watch'], { interruptAfterMs: 2600, stdoutTTY: true, now: movingClock() });
    expect(r.code, r.stderr).toBe(130);
    expect(r.stdout.split(CLEAR).length - 1).toBe(1);
    expect(r.stdout).not.toContain(NOTE);
  });

  it('ReplicaSets and Deployments not readable (RBAC): no finding, the wait goes on to a plain timeout, nothing written', async () => {
    await startWith('christmas.yaml', { noController: true, deny: ['list replicasets', 'list deployments'] });
    cutoverPending();
    const r = await run(['wait', 'frontend', '--for=paused', '--stall-timeout', '1s', '--timeout', '3s']);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toContain('timed out after 3s');
    expect(r.stderr).not.toContain('although its ReplicaSet');
    expect(r.stderr).not.toMatch(/\bat .+\.(js|ts):\d+/);
    expect(rsReads().length).toBeGreaterThanOrEqual(1);
    expect(fake.writes()).toEqual([]);
  });

  it("paused for promotion is a person's turn, not a stall: no ReplicaSet read", async () => {
    await startWith('christmas.yaml', { noController: true });
    const r = await run(['wait', 'frontend', '--for=promoted', '--stall-timeout', '1s', '--timeout', '2s']);
    expect(r.code, r.stderr).toBe(5);
    expect(rsReads().length).toBe(0);
  });
});

describe('terminal safety', () => {
  it('control sequences from the cluster are stripped from what people see', async () => {
    await startWith('christmas.yaml');
    const ro = fake.rollout('apc-fe-ns', 'frontend')!;
    fake.put('rollouts', { ...ro, status: { ...ro.status, phase: undefined, message: `evil${ESC}[2J${ESC}]0;pwned\u0007 message` } });
    const r = await run(['status', 'frontend']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(ESC);
    expect(r.stdout).not.toContain('\u0007');
  });
});

describe('faults seen from the client', () => {
  it('429 with Retry-After is retried for reads', async () => {
    await startWith('christmas.yaml', { failFirst: { count: 1, status: 429 } });
    const r = await run(['status', 'frontend']);
    expect(r.code).toBe(0);
    record({ kind: 'fault', area: 'API answers 429 to reads (HTTPS test server)', case: 'one 429', outcome: 'retried; exit 0' });
  });

  it('Ctrl-C during wait exits 130', async () => {
    await startWith('christmas.yaml');
    const r = await run(['wait', 'frontend', '--for=promoted', '--timeout', '30s'], { interruptAfterMs: 400 });
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('interrupted');
    record({ kind: 'fault', area: 'Ctrl-C', case: 'during wait', outcome: 'exit 130' });
  });

  it('a lost answer to a write: the rollout is read again and the outcome stated', async () => {
    await startWith('christmas.yaml', { dropResponseTo: 'PATCH' });
    const r = await run(['promote', 'frontend', '--yes']);
    expect(r.stderr).toContain('the connection failed while the change was being sent');
    expect(r.stderr).toContain('The change was made (confirmed by reading the rollout again).');
    expect(r.code).toBe(0);
    expect(fake.rollout('apc-fe-ns', 'frontend')!.status.pauseConditions).toBeUndefined();
  });
});

describe('a controller that does not react to the promote', () => {
  it('is nudged with an annotation change, and a warning says to look', async () => {
    await startWith('christmas.yaml', { noController: true });
    const r = await run(['promote', 'frontend', '--yes']);
    expect(r.code).toBe(0);
    const nudges = fake.writes().filter((w) => JSON.stringify(w.body ?? '').includes('bluegreen.kubectl.io/nudged-at'));
    expect(nudges.length).toBeGreaterThanOrEqual(1);
    expect(r.stderr).toContain('warning: the Argo Rollouts controller has not acted on it yet');
  });

  it('a controller that reacts needs no nudge', async () => {
    await startWith('christmas.yaml');
    const r = await run(['promote', 'frontend', '--yes']);
    expect(r.code).toBe(0);
    expect(fake.writes().some((w) => JSON.stringify(w.body ?? '').includes('nudged-at'))).toBe(false);
    expect(r.stderr).not.toContain('has not acted');
  });
});

describe('a promote that sends two requests (manual pause)', () => {
  it('when the second is refused, says the first already stands and how to finish', async () => {
    await startWith('christmas.yaml', { deny: ['patch rollouts'] });
    const ro = fake.rollout('apc-fe-ns', 'frontend')!;
    fake.put('rollouts', { ...ro, spec: { ...ro.spec, paused: true } }); // BlueGreenPause and a manual pause
    const r = await run(['promote', 'frontend', '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('may not patch rollouts.argoproj.io');
    expect(r.stderr).toContain('The first request was applied already');
    expect(fake.rollout('apc-fe-ns', 'frontend')!.spec.paused).toBe(true);
    expect(fake.rollout('apc-fe-ns', 'frontend')!.status.pauseConditions).toBeUndefined();
  });
});
