// The defects found "off the happy path" (issue: no write the user did not ask for, no runaway, one
// truth in every view), one test each, through the real command line against the HTTPS test server.
// Each failed on main before its fix (75f096c).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeApiServer, type FakeOptions } from './fake-apiserver.js';
import { runCli } from './run.js';
import { loadFixture } from '../fixtures/load.js';

const TOKEN = 'sekret-token-0123456789abcdef';
const NOW = new Date('2026-11-23T12:00:00Z');
const ESC = '\u001b';

let fake: FakeApiServer;
let env: Record<string, string>;

type Obj = Record<string, any>;

async function start(
  fixture: string,
  opts: Partial<FakeOptions> = {},
  edit?: (f: { rollout: Obj; replicaSets: Obj[]; services: { active?: Obj | null; preview?: Obj | null } }) => void,
): Promise<void> {
  fake = await FakeApiServer.start({ token: TOKEN, ...opts });
  const f = loadFixture(fixture) as unknown as {
    rollout: Obj;
    replicaSets: Obj[];
    services: { active?: Obj | null; preview?: Obj | null };
  };
  edit?.(f);
  fake.load(f as never);
  env = { KUBECONFIG: fake.kubeconfig(mkdtempSync(join(tmpdir(), 'bluegreen-defects-'))), LANG: 'en_US.UTF-8' };
}

const run = (argv: string[], o: Parameters<typeof runCli>[1] = {}) => runCli(argv, { now: NOW, ...o, env: { ...env, ...o.env } });
const nudges = () => fake.writes().filter((w) => JSON.stringify(w.body ?? '').includes('nudged-at'));

afterEach(async () => {
  await fake?.stop();
});

describe('1. no write flood when watch is denied', () => {
  it('promote --yes with get/list/patch but no watch: the plan and its record only, no nudge, and it says which permission is missing', async () => {
    await start('christmas.yaml', { deny: ['watch rollouts'], noController: true });
    const started = Date.now();
    const r = await run(['promote', 'frontend', '--yes']);
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(nudges()).toHaveLength(0);
    // status patch, audit annotation, Event: what the guard showed
    expect(fake.writes().map((w) => `${w.method} ${w.path.replace(/.*\/(rollouts\/frontend(\/status)?|events)$/, '$1')}`)).toEqual([
      'PATCH rollouts/frontend/status',
      'PATCH rollouts/frontend',
      'POST events',
    ]);
    expect(r.stderr).toContain('may not watch rollouts.argoproj.io in namespace "apc-fe-ns"');
    expect(r.stderr).not.toContain('has not acted on it yet');
  });

  it('abort --yes likewise', async () => {
    await start('christmas.yaml', { deny: ['watch rollouts'], noController: true });
    const r = await run(['abort', 'frontend', '--yes']);
    expect(r.code).toBe(0);
    expect(nudges()).toHaveLength(0);
    expect(fake.writes()).toHaveLength(3);
  });

  it('a controller that stays silent gets at most two nudges, paced', async () => {
    await start('christmas.yaml', { noController: true });
    const r = await run(['promote', 'frontend', '--yes']);
    expect(r.code).toBe(0);
    expect(nudges().length).toBeGreaterThan(0);
    expect(nudges().length).toBeLessThanOrEqual(2);
    expect(r.stderr).toContain('has not acted on it yet');
  });
});

describe('3. the listing and the single view say the same', () => {
  it("when the active Service selects another revision than the status records, both name the Service's", async () => {
    // The Service sends users to v1.052 (revision 6) though the controller last recorded v1.054.
    await start('christmas.yaml', {}, (f) => {
      f.services.active!.spec.selector['rollouts-pod-template-hash'] = '7d9c6b5f4a';
      f.replicaSets[2]!.spec.replicas = 3;
      f.replicaSets[2]!.status = { replicas: 3, readyReplicas: 3, availableReplicas: 3 };
    });
    const one = JSON.parse((await run(['status', 'frontend', '-o', 'json'])).stdout);
    const list = JSON.parse((await run(['status', '-o', 'json'])).stdout);
    expect(one.active.images).toEqual(['registry.example.com/apc/frontend:v1.052']);
    const { nextActions: _n, ...single } = one;
    expect(list.items[0]).toEqual(single);
    const table = (await run(['status'])).stdout;
    expect(table).toMatch(/frontend\s+॥ Paused\s+frontend:v1\.052\s+6\s+frontend:v1\.053\s+9/);
  });

  it('right after set-image (spec not yet observed) the listing still knows the active revision and its ReplicaSet', async () => {
    await start('settled.yaml', {}, (f) => {
      f.rollout.metadata.generation = 6; // the controller has not observed the new spec yet
      f.rollout.spec.template.spec.containers[0].image = 'registry.example.com/apc/frontend:v1.055';
    });
    const list = JSON.parse((await run(['status', '-o', 'json'])).stdout);
    const one = JSON.parse((await run(['status', 'frontend', '-o', 'json'])).stdout);
    expect(list.items[0].active).toMatchObject({ revision: 8, replicaSet: 'frontend-5f6d8c9b77', readyReplicas: 3 });
    expect(list.items[0].active.createdAt).toBe('2026-11-20T09:00:00Z');
    const { nextActions: _n, ...single } = one;
    expect(list.items[0]).toEqual(single);
    expect((await run(['status'])).stdout).not.toMatch(/\?\s+-\s+.*0\/3/);
  });
});

describe('4. older with suffixed tags, and "unknown" said as such', () => {
  it('set-image from v1.054 to v1.053-hotfix is a DOWNGRADE', async () => {
    await start('settled.yaml');
    const r = await run(['set-image', 'frontend', 'frontend=registry.example.com/apc/frontend:v1.053-hotfix', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('This is a DOWNGRADE');
    expect(r.stderr).toContain('tag v1.053-hotfix < v1.054');
  });

  it("commit-hash tags: the preview's age is unknown, and every view says so", async () => {
    await start('forward-paused.yaml', {}, (f) => {
      f.replicaSets[0]!.spec.template.spec.containers[0].image = 'registry.example.com/apc/frontend:3f2a9c1';
      f.replicaSets[1]!.spec.template.spec.containers[0].image = 'registry.example.com/apc/frontend:8be41d7';
      f.replicaSets[1]!.metadata.creationTimestamp = f.replicaSets[0]!.metadata.creationTimestamp;
      f.rollout.spec.template.spec.containers[0].image = 'registry.example.com/apc/frontend:8be41d7';
    });
    const j = JSON.parse((await run(['status', 'frontend', '-o', 'json'])).stdout);
    expect(j.previewIsOlder).toBeNull();
    expect(j.olderUnknownBecause[0]).toContain('commit hashes');
    expect((await run(['status', 'frontend'])).stdout).toContain('Whether the preview is older than what users get cannot be told');
    expect((await run(['status'])).stdout).toMatch(/frontend:[0-9a-f]{7}\s+\d+\s+\?\s/);
    const g = await run(['promote', 'frontend', '--dry-run']);
    expect(g.stderr).toMatch(
      /Whether frontend:[0-9a-f]{7} \(revision \d+\) is older than frontend:[0-9a-f]{7} \(revision \d+\) cannot be told \(tags [0-9a-f]{7} and [0-9a-f]{7}: commit hashes have no order/,
    );
  });
});

describe('5. text from the cluster never reaches the terminal raw', () => {
  it('wait with an escape sequence in status.message', async () => {
    await start('progressing.yaml', { noController: true }, (f) => {
      f.rollout.status.message = `evil ${ESC}]0;pwned${ESC}\\ ${ESC}[2J message`;
      f.rollout.status.phase = 'Progressing';
    });
    const r = await run(['wait', 'frontend', '--for=healthy', '--timeout', '1s'], { tty: true });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('evil');
    expect(r.stderr + r.stdout).not.toContain(`${ESC}]`);
    expect(r.stderr + r.stdout).not.toContain(`${ESC}[2J`);
  });
});

describe('6. the undo guard with auto-promotion states one consequence', () => {
  it('says users are switched automatically, and never that it needs a promote', async () => {
    await start('settled.yaml', {}, (f) => {
      delete f.rollout.spec.strategy.blueGreen.autoPromotionEnabled;
      f.replicaSets.push({
        metadata: {
          name: 'frontend-7d9c6b5f4a',
          namespace: 'apc-fe-ns',
          creationTimestamp: '2026-10-01T09:00:00Z',
          labels: { app: 'frontend', 'rollouts-pod-template-hash': '7d9c6b5f4a' },
          annotations: { 'rollout.argoproj.io/revision': '7' },
          ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'frontend', uid: 'ro-uid', controller: true }],
        },
        spec: {
          replicas: 0,
          template: {
            metadata: { labels: { app: 'frontend', 'rollouts-pod-template-hash': '7d9c6b5f4a' } },
            spec: { containers: [{ name: 'frontend', image: 'registry.example.com/apc/frontend:v1.053' }] },
          },
        },
        status: { replicas: 0 },
      });
    });
    const r = await run(['undo', 'frontend', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('switched to it automatically');
    expect(r.stderr).not.toContain('needs a promote');
    expect(r.stderr).not.toContain('only after a promote');
  });
});

describe('7. Ctrl-C after the change was made', () => {
  it('exits 0 and says the change was made', async () => {
    await start('christmas.yaml', { noController: true });
    const r = await run(['promote', 'frontend', '--yes'], { interruptAfterMs: 900 });
    expect(fake.rollout('apc-fe-ns', 'frontend')!.status.pauseConditions).toBeUndefined();
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('the change was made');
    expect(r.stderr).not.toContain('nothing was changed');
  });
});

describe('8. a flag without its value', () => {
  it.each([
    [['status', 'frontend', '-o'], '-o needs a value (table, wide, json, yaml)'],
    [['promote', 'frontend', '--reason'], '--reason needs a value'],
    [['undo', 'frontend', '--to-revision'], '--to-revision needs a value'],
  ])('%j is a usage error that says what to type', async (argv, text) => {
    await start('christmas.yaml');
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(text);
    expect(r.stderr).not.toContain('unexpected error');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('9. status --watch without watch permission', () => {
  it('ends with the error status gives, exit 1, instead of reconnecting forever', async () => {
    await start('christmas.yaml', { deny: ['watch rollouts'] });
    const started = Date.now();
    const r = await run(['status', 'frontend', '--watch']);
    expect(r.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.stderr).toContain('may not watch rollouts.argoproj.io');
    expect(r.stderr).not.toContain('reconnecting');
  });
});

describe('10. --dry-run shows every request the real run sends', () => {
  it('promote: the status patch, the audit annotation, the Event, and the nudges that may follow', async () => {
    await start('christmas.yaml');
    const r = await run(['promote', 'frontend', '--dry-run', '--reason', 'ticket 7']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('PATCH /apis/argoproj.io/v1alpha1/namespaces/apc-fe-ns/rollouts/frontend/status');
    expect(r.stdout).toContain('PATCH /apis/argoproj.io/v1alpha1/namespaces/apc-fe-ns/rollouts/frontend\n');
    expect(r.stdout).toContain('bluegreen.kubectl.io/last-change');
    expect(r.stdout).toContain('POST /api/v1/namespaces/apc-fe-ns/events');
    expect(r.stdout).toContain('ticket 7');
    expect(r.stderr).toContain('up to 2 more PATCHes of the annotation bluegreen.kubectl.io/nudged-at');
    expect(fake.writes()).toHaveLength(0);
  });

  it('the real run sends exactly those requests', async () => {
    await start('christmas.yaml');
    const dry = await run(['promote', 'frontend', '--dry-run', '-o', 'json']);
    const planned = JSON.parse(dry.stdout).requests.map((q: { method: string; path: string }) => `${q.method} ${q.path}`);
    await run(['promote', 'frontend', '--yes']);
    expect(fake.writes().map((w) => `${w.method} ${w.path}`)).toEqual(planned);
  });
});

describe('11. set-image to the image the preview already runs', () => {
  it('says it is already the waiting preview, and what users get', async () => {
    await start('forward-paused.yaml');
    const image = (await run(['status', 'frontend', '-o', 'json'])).stdout;
    const preview = JSON.parse(image).preview.images[0];
    const r = await run(['set-image', 'frontend', `frontend=${preview}`, '--yes']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('is already the preview waiting');
    expect(r.stderr).toMatch(/users still get frontend:v1\.054 \(revision 8\)/);
    expect(fake.writes()).toHaveLength(0);
  });
});

describe('12. smaller ones', () => {
  it('after an abort, the next steps never offer abort, and promote --full of an older preview says DOWNGRADE', async () => {
    await start('aborted.yaml', {}, (f) => {
      f.replicaSets.find((r) => r.metadata.annotations['rollout.argoproj.io/revision'] === '9')!.spec.template.spec.containers[0].image =
        'registry.example.com/apc/frontend:v1.050';
    });
    const s = (await run(['status', 'frontend'])).stdout;
    expect(s).not.toMatch(/^\s+abort\s/m);
    expect(s).toMatch(/promote --full\s+users get the aborted preview .*: a DOWNGRADE/);
    const g = await run(['promote', 'frontend', '--full', '--dry-run']);
    expect(g.stderr).not.toContain('kubectl bluegreen abort');
  });

  it('wait on a canary rollout is exit 4 at once', async () => {
    await start('christmas.yaml', {}, (f) => {
      f.rollout.spec.strategy = { canary: { steps: [] } };
    });
    const r = await run(['wait', 'frontend', '--for=healthy', '--timeout', '3s']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('not blue-green');
  });

  it('-A only where it works', async () => {
    await start('christmas.yaml');
    expect((await run(['promote', 'frontend', '-A'])).code).toBe(2);
    const w = await run(['status', '--watch', '-A']);
    expect(w.code).toBe(2);
    expect(w.stderr).toContain('--watch follows one rollout');
  });

  it('status -- frontend reads the name', async () => {
    await start('christmas.yaml');
    const r = await run(['status', '--', 'frontend', '-o', 'json']);
    expect(r.code).toBe(2); // after --, "-o" and "json" are names too: one too many
    const ok = await run(['status', '-o', 'json', '--', 'frontend']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).name).toBe('frontend');
  });

  it('undo -o json prints JSON', async () => {
    await start('christmas.yaml');
    const r = await run(['undo', 'frontend', '--yes', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'ChangeResult', action: 'undo', name: 'frontend' });
  });

  it('version never prints a message key, and says why the controller is unknown', async () => {
    await start('christmas.yaml');
    const none = await runCli(['version'], { env: { KUBECONFIG: '/nonexistent/kubeconfig', HOME: '/nonexistent' } });
    expect(none.code).toBe(0);
    expect(none.stderr).not.toMatch(/err\.\w+/);
    expect(none.stderr).toMatch(/version unknown \(.*kubeconfig/);
    const bad = await runCli(['version'], { env: { KUBECONFIG: fake.kubeconfig(mkdtempSync(join(tmpdir(), 'bg-')), { token: 'wrong' }) } });
    expect(bad.stderr).toContain('401 Unauthorized');
  });

  it('--dry-run=bogus names --dry-run', async () => {
    await start('christmas.yaml');
    const r = await run(['promote', 'frontend', '--dry-run=bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--dry-run "bogus"');
    expect(r.stderr).not.toContain('-o ');
  });

  it('"1 rollout", not "1 rollouts"', async () => {
    await start('christmas.yaml');
    fake.put('rollouts', {
      ...structuredClone(fake.rollout('apc-fe-ns', 'frontend')!),
      metadata: { name: 'canary-one', namespace: 'apc-fe-ns', uid: 'c1' },
      spec: { strategy: { canary: {} } },
    });
    const r = await run(['status']);
    expect(r.stderr).toContain('(1 rollout with another strategy not shown)');
  });

  it('names the length limit of a name', async () => {
    await start('christmas.yaml');
    const r = await run(['status', 'x'.repeat(254)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('at most 253');
    const n = await run(['status', 'frontend', '-n', 'n'.repeat(64)]);
    expect(n.stderr).toContain('at most 63');
  });

  it("Korean ages are Korean, and AGE is not a person's age", async () => {
    await start('christmas.yaml');
    const r = await run(['status'], { env: { LANG: 'ko_KR.UTF-8' } });
    expect(r.stdout).not.toContain('나이');
    expect(r.stdout).toMatch(/\d+일/);
    expect(r.stdout).not.toMatch(/\b\d+d\b/);
  });
});

describe('13. status --watch reads the Services once per burst of changes', () => {
  const serviceGets = () => fake.requests.filter((q) => q.method === 'GET' && /\/services\//.test(q.path));

  it('twenty changes while a read is slow: one read at a time, and one more after it (not one per change)', async () => {
    await start('christmas.yaml', {
      noController: true,
      fault: (q) => (q.method === 'GET' && /\/services\//.test(q.path) ? { kind: 'delay', ms: 300 } : undefined),
    });
    // Node's leak warning (11 listeners on the command's AbortSignal) went to the process, not the command
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const running = run(['status', 'frontend', '--watch'], { interruptAfterMs: 2500 });
    await new Promise((r) => setTimeout(r, 700));
    const before = serviceGets().length;
    const ro = fake.rollout('apc-fe-ns', 'frontend')!;
    for (let i = 0; i < 20; i++)
      fake.put('rollouts', { ...ro, metadata: { ...ro.metadata, labels: { ...ro.metadata.labels, n: String(i) } } });
    const r = await running;
    process.off('warning', onWarning);
    expect(warnings).not.toContain('MaxListenersExceededWarning');
    expect(r.code).toBe(130);
    const after = serviceGets().length - before;
    // active + preview for the first change, and once more for the 19 that came during it
    expect(after).toBeGreaterThanOrEqual(2);
    expect(after).toBeLessThanOrEqual(4);
  });

  it('credentials rejected on the Services read end the watch with the error, exit 1, instead of keeping the last answer', async () => {
    let revoked = false;
    await start('christmas.yaml', {
      noController: true,
      fault: () => (revoked ? { kind: 'status', status: 401, reason: 'Unauthorized', message: 'Unauthorized' } : undefined),
    });
    const started = Date.now();
    const running = run(['status', 'frontend', '--watch'], { interruptAfterMs: 8000 });
    await new Promise((r) => setTimeout(r, 700));
    revoked = true;
    const ro = fake.rollout('apc-fe-ns', 'frontend')!;
    fake.put('rollouts', { ...ro, metadata: { ...ro.metadata, labels: { ...ro.metadata.labels, n: 'x' } } });
    const r = await running;
    expect(r.code, r.stderr).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.stderr).toMatch(/401|credentials/i);
    expect(r.stderr).not.toContain('reconnecting');
    expect(serviceGets().length).toBeLessThanOrEqual(4); // 2 before the watch, 2 refused
  });
});
