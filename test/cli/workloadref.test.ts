// A Rollout with spec.workloadRef (the documented way to migrate a Deployment to Argo Rollouts) keeps its
// pod template in the Deployment: set-image and undo write the Deployment, pinned on its generation; the
// record (annotation and Event) stays on the Rollout; status, history and diff name the Deployment.
// Against the HTTPS test API server, whose Deployment bumps its own generation on a spec change.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeApiServer, type FakeOptions } from './fake-apiserver.js';
import { runCli } from './run.js';
import { loadFixture } from '../fixtures/load.js';

const TOKEN = 'sekret-token-0123456789abcdef';
const NOW = new Date('2026-11-23T12:00:00Z');
const NS = 'apc-fe-ns';
const DEPLOYMENT_PATH = `/apis/apps/v1/namespaces/${NS}/deployments/frontend`;
const ROLLOUT_PATH = `/apis/argoproj.io/v1alpha1/namespaces/${NS}/rollouts/frontend`;

let fake: FakeApiServer;
let env: Record<string, string>;

async function start(fixture: string, opts: Partial<FakeOptions> = {}): Promise<void> {
  fake = await FakeApiServer.start({ token: TOKEN, ...opts });
  const f = loadFixture(fixture);
  fake.load({ rollout: f.rollout, replicaSets: f.replicaSets, services: f.services, workload: f.workload });
  env = { KUBECONFIG: fake.kubeconfig(mkdtempSync(join(tmpdir(), 'bluegreen-wref-'))), LANG: 'en_US.UTF-8' };
}

const run = (argv: string[], o: Parameters<typeof runCli>[1] = {}) => runCli(argv, { now: NOW, ...o, env: { ...env, ...o.env } });
const image = (dep: any) => dep.spec.template.spec.containers[0].image as string;

afterEach(async () => {
  await fake?.stop();
});

describe('status, history and diff name the Deployment', () => {
  it('status says where the template lives, with scaleDown, in one more request (5 at most)', async () => {
    await start('workloadref.yaml');
    const r = await run(['status', 'frontend']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Pod template: Deployment frontend (workloadRef, scaleDown onsuccess); set-image and undo change it there.');
    expect(r.stdout).not.toContain('pods of its own');
    expect(fake.requests.length).toBeLessThanOrEqual(5);
    expect(fake.requests.some((q) => q.path === DEPLOYMENT_PATH)).toBe(true);
    await expect(r.stdout).toMatchFileSnapshot('__golden__/status-workloadref.en.txt');
    const ko = await run(['status', 'frontend'], { env: { LANG: 'ko_KR.UTF-8' } });
    await expect(ko.stdout).toMatchFileSnapshot('__golden__/status-workloadref.ko.txt');
  });

  it('status -o json has the workload; the listing reads Deployments once and says the same', async () => {
    await start('workloadref-never.yaml');
    const one = JSON.parse((await run(['status', 'frontend', '-o', 'json'])).stdout);
    expect(one.workload).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'frontend',
      scaleDown: 'never',
      supported: true,
      found: true,
      generation: 4,
      replicas: 2,
      readyReplicas: 2,
      observed: true,
    });
    fake.requests.length = 0;
    const list = JSON.parse((await run(['status', '-o', 'json'])).stdout);
    expect(fake.requests.filter((q) => q.path === `/apis/apps/v1/namespaces/${NS}/deployments`)).toHaveLength(1);
    const { nextActions: _n, ...single } = one;
    expect(list.items[0]).toEqual(single);
  });

  it('status says the Deployment still runs pods of its own (scaleDown never)', async () => {
    await start('workloadref-never.yaml');
    const r = await run(['status', 'frontend']);
    expect(r.stdout).toContain(
      'Deployment frontend still runs 2/2 pods of its own, outside blue-green: a template change rolls them at once.',
    );
  });

  it('a Deployment the user may not read: status still shows the rollout and says so', async () => {
    await start('workloadref.yaml', { deny: ['get deployments'] });
    const r = await run(['status', 'frontend']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Deployment frontend (workloadRef) could not be read (not allowed).');
  });

  it('history and diff name the Deployment', async () => {
    await start('workloadref-paused.yaml');
    const h = await run(['history', 'frontend']);
    expect(h.code).toBe(0);
    expect(h.stderr).toContain(
      "Pod templates come from Deployment frontend (workloadRef): undo writes the chosen revision's template there.",
    );
    expect(JSON.parse((await run(['history', 'frontend', '-o', 'json'])).stdout).workload).toMatchObject({
      kind: 'Deployment',
      name: 'frontend',
    });
    const d = await run(['diff', 'frontend']);
    expect(d.code).toBe(0);
    expect(d.stdout).toContain('(pod templates from Deployment frontend, workloadRef)');
    expect(d.stdout).toContain(
      '~ spec.containers[frontend].image: registry.example.com/apc/frontend:v1.054 → registry.example.com/apc/frontend:v1.055',
    );
    expect(JSON.parse((await run(['diff', 'frontend', '-o', 'json'])).stdout).workload).toMatchObject({
      kind: 'Deployment',
      name: 'frontend',
    });
  });
});

describe('set-image writes the Deployment, pinned on its generation; the record stays on the Rollout', () => {
  it('--dry-run shows the three requests and sends none', async () => {
    await start('workloadref.yaml');
    const r = await run(['set-image', 'frontend', 'frontend=registry.example.com/apc/frontend:v1.055', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'The pod template lives in Deployment "frontend" (workloadRef): the change is written there, pinned on its generation; the record stays on rollout "frontend".',
    );
    expect(r.stderr).toContain('frontend:v1.055 becomes the new preview, and users get it only after a promote');
    expect(r.stderr).not.toContain('pods of its own');
    expect(r.stdout).toContain(`PATCH ${DEPLOYMENT_PATH}\nContent-Type: application/json-patch+json`);
    expect(r.stdout).toContain(`PATCH ${ROLLOUT_PATH}\nContent-Type: application/merge-patch+json`);
    expect(r.stdout).toContain(`POST /api/v1/namespaces/${NS}/events`);
    expect(fake.writes()).toHaveLength(0);
  });

  it('--yes: the Deployment changes (its generation moves), the Rollout gets only the record', async () => {
    await start('workloadref.yaml');
    const roBefore = structuredClone(fake.rollout(NS, 'frontend')!);
    const r = await run(['set-image', 'frontend', 'frontend=registry.example.com/apc/frontend:v1.055', '--yes', '--reason', 'ticket 7']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('rollout "frontend": image set in Deployment frontend; frontend:v1.055 is becoming the new preview.\n');
    const [change, audit, event, ...more] = fake.writes();
    expect(more).toHaveLength(0);
    expect(change!.path).toBe(DEPLOYMENT_PATH);
    expect(change!.body).toEqual([
      { op: 'test', path: '/metadata/generation', value: 4 },
      { op: 'test', path: '/spec/template/spec/containers/0/name', value: 'frontend' },
      { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'registry.example.com/apc/frontend:v1.055' },
    ]);
    expect(audit!.path).toBe(ROLLOUT_PATH);
    expect(audit!.contentType).toBe('application/merge-patch+json');
    expect(event!.path).toBe(`/api/v1/namespaces/${NS}/events`);
    const dep = fake.deployment(NS, 'frontend')!;
    expect(image(dep)).toBe('registry.example.com/apc/frontend:v1.055');
    expect(dep.metadata.generation).toBe(5);
    const ro = fake.rollout(NS, 'frontend')!;
    expect(ro.spec).toEqual(roBefore.spec);
    expect(ro.metadata.generation).toBe(roBefore.metadata.generation);
    expect(JSON.parse(ro.metadata.annotations['bluegreen.kubectl.io/last-change'])).toMatchObject({
      by: 'alice@example.com',
      action: 'set-image',
      reason: 'ticket 7',
      workload: { kind: 'Deployment', name: 'frontend' },
      to: { images: ['frontend:v1.055'] },
    });
    expect(fake.events[0]).toMatchObject({ reason: 'BlueGreenImageSet', involvedObject: { kind: 'Rollout', name: 'frontend' } });
    expect(fake.events[0]!.message).toContain('set-image (Deployment frontend) by alice@example.com');
  });

  it('a Deployment changed between reading and writing refuses the write (exit 4) and names it', async () => {
    let bumped = false;
    await start('workloadref.yaml', {
      afterDeploymentGet: (dep, f) => {
        if (bumped) return;
        bumped = true;
        f.put('deployments', { ...dep, metadata: { ...dep.metadata, generation: 5 }, spec: { ...dep.spec, replicas: 3 } });
      },
    });
    const r = await run(['set-image', 'frontend', 'frontend=registry.example.com/apc/frontend:v1.055', '--yes']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(
      'nothing was changed: Deployment "frontend", which holds the pod template of rollout "frontend" (workloadRef), changed after it was read (its generation moved from 4 to 5).',
    );
    expect(image(fake.deployment(NS, 'frontend')!)).toBe('registry.example.com/apc/frontend:v1.054');
    // Refused: no record either.
    expect(fake.writes().filter((w) => w.query.dryRun !== 'All')).toHaveLength(1);
    expect(fake.rollout(NS, 'frontend')!.metadata.annotations['bluegreen.kubectl.io/last-change']).toBeUndefined();
  });

  it("scaleDown never: the guard says the Deployment's own pods roll at once, with no promote", async () => {
    await start('workloadref-never.yaml');
    const r = await run(['set-image', 'frontend', 'frontend=registry.example.com/apc/frontend:v1.055', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      '⚠ Deployment "frontend" still runs 2 pods of its own: Kubernetes rolls them to frontend:v1.055 at once (a Deployment rolling update, outside blue-green, no promote), and users who reach them through a Service other than the rollout\'s get frontend:v1.055 now. (scaleDown: never keeps them; scale the Deployment to 0 once the migration is done.)',
    );
    const ko = await run(['set-image', 'frontend', 'frontend=registry.example.com/apc/frontend:v1.055', '--dry-run', '--lang', 'ko']);
    expect(ko.stderr).toContain('Deployment "frontend"이(가) 자체 pod 2개를 아직 실행 중입니다');
    expect(ko.stderr).toContain('scaleDown: never는 이 pod들을 그대로 둡니다');
  });

  it("an unknown container names the containers of the Deployment's template (exit 2)", async () => {
    await start('workloadref.yaml');
    const r = await run(['set-image', 'frontend', 'backend=registry.example.com/apc/backend:v2', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has no container "backend". Its containers: frontend.');
    expect(fake.writes()).toHaveLength(0);
  });

  it('a Deployment the user may not read: exit 1 naming the permission, nothing written', async () => {
    await start('workloadref.yaml', { deny: ['get deployments'] });
    const r = await run(['set-image', 'frontend', 'frontend=registry.example.com/apc/frontend:v1.055', '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('may not get deployments.apps in namespace "apc-fe-ns"');
    expect(fake.writes()).toHaveLength(0);
  });

  it('a Deployment the user may not patch: exit 1, and no record of a change that was not made', async () => {
    await start('workloadref.yaml', { deny: ['patch deployments'] });
    const r = await run(['set-image', 'frontend', 'frontend=registry.example.com/apc/frontend:v1.055', '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('may not patch deployments.apps');
    expect(fake.rollout(NS, 'frontend')!.metadata.annotations['bluegreen.kubectl.io/last-change']).toBeUndefined();
    expect(fake.events).toHaveLength(0);
  });

  it('a lost answer to the Deployment patch: the Deployment is read again and the outcome stated', async () => {
    await start('workloadref.yaml', { dropResponseTo: 'PATCH' });
    const r = await run(['set-image', 'frontend', 'frontend=registry.example.com/apc/frontend:v1.055', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('re-reading Deployment "frontend" to see whether it was made');
    expect(r.stderr).toContain('The change was made (confirmed by reading Deployment "frontend" again).');
    expect(image(fake.deployment(NS, 'frontend')!)).toBe('registry.example.com/apc/frontend:v1.055');
    // the record follows, once
    expect(fake.events).toHaveLength(1);
  });
});

describe("undo writes the earlier revision's template into the Deployment", () => {
  it('without the hash label, pinned on the Deployment; the guard names it', async () => {
    await start('workloadref.yaml');
    const r = await run(['undo', 'frontend', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('undo restores revision 7: registry.example.com/apc/frontend:v1.053.');
    expect(r.stderr).toContain('The pod template lives in Deployment "frontend" (workloadRef)');
    expect(r.stdout).toBe(
      'rollout "frontend": pod template set back to revision 7 (registry.example.com/apc/frontend:v1.053) in Deployment frontend.\n',
    );
    const [change] = fake.writes();
    expect(change!.path).toBe(DEPLOYMENT_PATH);
    expect((change!.body as any[])[0]).toEqual({ op: 'test', path: '/metadata/generation', value: 4 });
    const dep = fake.deployment(NS, 'frontend')!;
    expect(dep.spec.template.metadata.labels).toEqual({ app: 'frontend' });
    expect(image(dep)).toBe('registry.example.com/apc/frontend:v1.053');
    expect(fake.rollout(NS, 'frontend')!.spec.template).toBeUndefined();
    expect(JSON.parse(fake.rollout(NS, 'frontend')!.metadata.annotations['bluegreen.kubectl.io/last-change'])).toMatchObject({
      action: 'undo',
      workload: { kind: 'Deployment', name: 'frontend' },
    });
  });

  it('without the ephemeral metadata the controller injected', async () => {
    await start('workloadref.yaml');
    const rs = fake.replicaSets.get(`${NS}/frontend-6c8d7f5b9d`)!;
    rs.metadata.annotations['rollout.argoproj.io/ephemeral-metadata'] = JSON.stringify({ labels: { role: 'preview' } });
    rs.spec.template.metadata.labels.role = 'preview';
    const r = await run(['undo', 'frontend', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('left out of the restored template: label role');
    expect(fake.deployment(NS, 'frontend')!.spec.template.metadata.labels).toEqual({ app: 'frontend' });
  });
});

describe('what cannot be changed through a workloadRef (exit 4, nothing written)', () => {
  it('a ReplicaSet (or PodTemplate): refused, naming the kind', async () => {
    await start('workloadref-replicaset.yaml');
    for (const argv of [
      ['undo', 'frontend', '--yes'],
      ['set-image', 'frontend', 'frontend=registry.example.com/apc/frontend:v1.055', '--yes'],
    ]) {
      const r = await run(argv);
      expect(r.code).toBe(4);
      expect(r.stderr).toBe(
        'error: rollout "frontend" takes its pod template from ReplicaSet "frontend-template" (workloadRef); kubectl bluegreen changes a workloadRef\'s template only in a Deployment (apps/v1). Change the ReplicaSet\'s template yourself, then follow it with kubectl bluegreen status frontend.\n',
      );
    }
    expect(fake.writes()).toHaveLength(0);
    // not read either: the plugin reads only what it may change
    expect(fake.requests.some((q) => q.path.includes('/deployments/') || q.path.includes('/replicasets/'))).toBe(false);
  });

  it('a Deployment that does not exist', async () => {
    await start('workloadref-missing.yaml');
    const r = await run(['undo', 'frontend', '--yes']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('takes its pod template from Deployment "frontend" (workloadRef), which does not exist in its namespace');
    const s = await run(['status', 'frontend']);
    expect(s.code).toBe(0);
    expect(s.stdout).toContain('Deployment frontend (workloadRef) NOT FOUND');
    expect(fake.writes()).toHaveLength(0);
  });

  it("a promote while the controller has not taken up the Deployment's new template", async () => {
    await start('workloadref-informer-lag.yaml');
    const r = await run(['promote', 'frontend', '--yes']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('has not yet seen the latest change to rollout "frontend"');
    expect(fake.writes()).toHaveLength(0);
    const s = await run(['status', 'frontend']);
    expect(s.stdout).toContain('The controller has not taken up the latest template of Deployment frontend yet.');
  });
});
