// What the guard says users will get, in states a hostile review found it wrong (stop 47), through the real
// command line against the HTTPS test server. Each failed before its fix.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeApiServer, type FakeOptions } from './fake-apiserver.js';
import { runCli } from './run.js';
import { loadFixture } from '../fixtures/load.js';

const TOKEN = 'sekret-token-0123456789abcdef';
const NOW = new Date('2026-11-23T12:00:00Z');

type Obj = Record<string, any>;
interface Fixture {
  rollout: Obj;
  replicaSets: Obj[];
  services: { active?: Obj | null; preview?: Obj | null };
}

let fake: FakeApiServer;
let env: Record<string, string>;

async function start(fixture: string, edit?: (f: Fixture) => void, opts: Partial<FakeOptions> = {}): Promise<void> {
  fake = await FakeApiServer.start({ token: TOKEN, ...opts });
  const f = loadFixture(fixture) as unknown as Fixture;
  edit?.(f);
  fake.load(f as never);
  env = { KUBECONFIG: fake.kubeconfig(mkdtempSync(join(tmpdir(), 'bluegreen-guard-'))), LANG: 'en_US.UTF-8' };
}

const run = (argv: string[], o: Parameters<typeof runCli>[1] = {}) => runCli(argv, { now: NOW, ...o, env: { ...env, ...o.env } });
const rs = (f: Fixture, hash: string) => f.replicaSets.find((r) => r.metadata.name.endsWith(hash))!;
const V1054 = 'registry.example.com/apc/frontend:v1.054';

afterEach(async () => {
  await fake?.stop();
});

describe('set-image to the images users get, in another template', () => {
  it('christmas: back to v1.054 without the banner env is a new preview, not "users stay" (the incident again)', async () => {
    await start('christmas.yaml');
    const r = await run(['set-image', 'frontend', `frontend=${V1054}`, '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain('the controller keeps users there');
    expect(r.stdout + r.stderr).toContain('but not their pod template');
    expect(r.stdout + r.stderr).toContain('spec.containers[frontend].env[BANNER]');
    expect(r.stdout + r.stderr).not.toContain('env[BANNER].value');
    expect(r.stdout + r.stderr).toContain('undo --to-revision 8');
  });

  it('christmas --yes: the template is written and the result does not say users already get it', async () => {
    await start('christmas.yaml');
    const r = await run(['set-image', 'frontend', `frontend=${V1054}`, '--yes']);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain('which users already get');
    expect(fake.rollout('apc-fe-ns', 'frontend')!.spec.template.spec.containers[0].image).toBe(V1054);
  });

  it('the same template as the active one (defaulted fields aside): users stay, as before', async () => {
    await start('christmas.yaml', (f) => {
      // ReplicaSets as the API server stores them: imagePullPolicy defaulted. The Rollout's template
      // leaves it out, as written.
      for (const r of f.replicaSets) r.spec.template.spec.containers[0].imagePullPolicy = 'IfNotPresent';
      delete rs(f, '5f6d8c9b77').spec.template.spec.containers[0].env;
    });
    const r = await run(['set-image', 'frontend', `frontend=${V1054}`, '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toContain('the controller keeps users there');
    expect(r.stdout + r.stderr).not.toContain('but not their pod template');
  });

  it('to :latest, which users get with pull policy Always (its default): the same template, users stay', async () => {
    const latest = 'registry.example.com/apc/frontend:latest';
    await start('christmas.yaml', (f) => {
      for (const r of f.replicaSets) r.spec.template.spec.containers[0].imagePullPolicy = 'IfNotPresent';
      delete rs(f, '5f6d8c9b77').spec.template.spec.containers[0].env;
      rs(f, '5f6d8c9b77').spec.template.spec.containers[0].image = latest;
      rs(f, '5f6d8c9b77').spec.template.spec.containers[0].imagePullPolicy = 'Always';
    });
    const r = await run(['set-image', 'frontend', `frontend=${latest}`, '--dry-run']);
    expect(r.stdout + r.stderr).toContain('the controller keeps users there');
  });

  it('an init container changed back alone: the regular images match, the template does not', async () => {
    await start('settled.yaml', (f) => {
      f.rollout.spec.template.spec.initContainers = [{ name: 'migrate', image: 'registry.example.com/apc/migrate:v7' }];
      for (const r of f.replicaSets)
        r.spec.template.spec.initContainers = [{ name: 'migrate', image: 'registry.example.com/apc/migrate:v7' }];
    });
    const r = await run(['set-image', 'frontend', 'migrate=registry.example.com/apc/migrate:v6', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain('the controller keeps users there');
    expect(r.stdout + r.stderr).toContain('spec.initContainers[migrate].image');
  });
});

describe('abort while the stable revision is not the active one (post-promotion analysis not passed)', () => {
  it('says users go back to the stable v1.053, asks for it to be typed, and takes no plain y', async () => {
    await start('post-promotion-running.yaml', undefined, { noController: true });
    const r = await run(['abort', 'frontend'], { tty: true, input: 'y\n' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('Users are sent back to frontend:v1.053');
    expect(r.stderr).toContain('DOWNGRADE');
    expect(r.stderr).not.toContain('still get frontend:v1.054');
    expect(fake.writes()).toHaveLength(0);
  });

  it('typed, it aborts and says where users went; status names the same', async () => {
    await start('post-promotion-running.yaml', undefined, { noController: true });
    const s = await run(['status', 'frontend']);
    expect(s.stdout).toContain('users are sent back to the stable revision frontend:v1.053');
    expect(s.stdout).not.toMatch(/abort frontend[^\n]*\n[^\n]*users stay on/);
    const r = await run(['abort', 'frontend'], { tty: true, input: 'v1.053\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('users are sent back to the stable revision frontend:v1.053');
    expect(fake.rollout('apc-fe-ns', 'frontend')!.status.abort).toBe(true);
  });
});

describe('tags compare across registries spelling the same repository', () => {
  it('a mirror of the same path with a lower tag is a DOWNGRADE to be typed', async () => {
    await start('settled.yaml');
    const r = await run(['set-image', 'frontend', 'frontend=mirror.example.com/apc/frontend:v1.053'], { tty: true, input: 'y\n' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('DOWNGRADE');
    expect(r.stderr).toContain('tag v1.053 < v1.054');
    expect(fake.writes()).toHaveLength(0);
  });

  it('Docker Hub spelled two ways (nginx, docker.io/library/nginx) is one repository', async () => {
    await start('settled.yaml', (f) => {
      f.rollout.spec.template.spec.containers[0].image = 'nginx:1.25';
      for (const r of f.replicaSets) r.spec.template.spec.containers[0].image = 'nginx:1.25';
    });
    const r = await run(['set-image', 'frontend', 'frontend=docker.io/library/nginx:1.24', '--dry-run']);
    expect(r.stderr).toContain('DOWNGRADE');
  });

  it('another repository: the reason is said, never an empty "cannot be told ()"', async () => {
    await start('settled.yaml');
    const r = await run(['set-image', 'frontend', 'frontend=registry.example.com/apc/other:v1.055', '--dry-run']);
    expect(r.stderr).toContain('come from different repositories');
    expect(r.stderr).not.toContain('()');
  });

  it('the active ReplicaSet gone: status says why the order is unknown, not an empty list', async () => {
    await start('christmas.yaml', (f) => {
      f.replicaSets = f.replicaSets.filter((x) => !x.metadata.name.endsWith('5f6d8c9b77'));
    });
    const r = await run(['status', 'frontend']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/cannot be told:\n\s+· images .*the images users get are not known here/);
    const j = JSON.parse((await run(['status', 'frontend', '-o', 'json'])).stdout);
    expect(j.olderUnknownBecause[0]).toContain('no image of the preview has a counterpart');
  });
});

describe('abort with the preview ReplicaSet gone', () => {
  it('names the preview by its hash, never by a blank', async () => {
    await start('christmas.yaml', (f) => {
      f.replicaSets = f.replicaSets.filter((x) => !x.metadata.name.endsWith('6c8d7f5b9d'));
    });
    const r = await run(['abort', 'frontend', '--dry-run']);
    expect(r.stderr).toContain('The preview rollouts-pod-template-hash=6c8d7f5b9d is scaled down');
    expect(r.stderr).not.toMatch(/preview {2}is|names ,/);
  });
});

// Found by a hostile review (commands): `*=IMAGE` then `CONTAINER=<its image now>` wrote IMAGE into that
// container too while the guard, the result line and the record said it kept its image (the guard read
// the last value given, the patch the first).
describe('a named container and * in one set-image', () => {
  const ENVOY = 'envoyproxy/envoy:v1.30.1';
  const withSidecar = (f: Fixture) => {
    for (const pod of [f.rollout.spec.template, ...f.replicaSets.map((r) => r.spec.template)]) {
      pod.spec.containers.push({ name: 'sidecar', image: ENVOY });
    }
  };

  it.each([
    ['* first', ['*=registry.example.com/apc/frontend:v1.055', `sidecar=${ENVOY}`]],
    ['* last', [`sidecar=${ENVOY}`, '*=registry.example.com/apc/frontend:v1.055']],
  ])('%s: the named container keeps what is named for it, in the guard and in what is written', async (_order, pairs) => {
    await start('settled.yaml', withSidecar);
    const r = await run(['set-image', 'frontend', ...pairs, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    const containers = fake.rollout('apc-fe-ns', 'frontend')!.spec.template.spec.containers as Obj[];
    expect(containers.find((c) => c.name === 'sidecar')!.image).toBe(ENVOY);
    expect(containers.find((c) => c.name === 'frontend')!.image).toBe('registry.example.com/apc/frontend:v1.055');
    expect(r.stdout + r.stderr).toContain('frontend:v1.055, envoy:v1.30.1');
  });

  it('* and the named container both at what runs now: nothing to change, nothing written', async () => {
    await start('settled.yaml', withSidecar);
    const r = await run(['set-image', 'frontend', `*=${V1054}`, `sidecar=${ENVOY}`, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('nothing to change');
    expect(fake.writes()).toHaveLength(0);
  });
});

describe('a rollout scaled to zero (seen on v1.10.2: the controller pauses for promotion, and promote switches)', () => {
  it('promote is not refused as "not fully ready: 0 of 0"', async () => {
    await start('forward-paused.yaml', (f) => {
      f.rollout.spec.replicas = 0;
      for (const r of f.replicaSets) {
        r.spec.replicas = 0;
        r.status = { replicas: 0 };
      }
    });
    const r = await run(['promote', 'frontend', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('not fully ready');
  });
});

describe('undo while the controller has not taken up the spec (generation ahead of observedGeneration)', () => {
  it('is refused with exit 4 instead of planning from the old state and overwriting the unobserved template', async () => {
    await start('settled.yaml', (f) => {
      f.rollout.metadata.generation = 6;
      f.rollout.spec.template.spec.containers[0].image = 'registry.example.com/apc/frontend:v1.055';
    });
    const before = fake.rollout('apc-fe-ns', 'frontend')!.spec.template;
    const r = await run(['undo', 'frontend', '--yes']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('has not yet seen the latest change');
    expect(fake.rollout('apc-fe-ns', 'frontend')!.spec.template).toEqual(before);
    // Back to the active revision is allowed (users stay; it drops the change not taken up), and is not
    // "already the current revision" (that was the old status).
    const back = await run(['undo', 'frontend', '--to-revision', '8', '--dry-run', '-o', 'json']);
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout).switchesWhen).toBe('never');
  });
});

// Seen on v1.10.2: with spec.paused the controller switches no one; an undo within the delay stayed put.
describe('a rollout paused by hand (spec.paused)', () => {
  it('undo within the scale-down delay does not promise a fast rollback: users stay until a promote', async () => {
    await start('fast-rollback.yaml', (f) => {
      f.rollout.spec.paused = true;
    });
    const r = await run(['undo', 'frontend', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('at once (fast rollback)');
    expect(r.stderr).toContain('paused by hand (spec.paused)');
    expect(r.stderr).toContain('only after a promote');
    const json = JSON.parse((await run(['undo', 'frontend', '--dry-run', '-o', 'json'])).stdout);
    expect(json.switchesWhen).toBe('afterPromote');
  });

  it('set-image with auto-promotion on is not "switched automatically" while paused', async () => {
    await start('auto-promotion.yaml', (f) => {
      f.rollout.spec.paused = true;
    });
    const r = await run(['set-image', 'frontend', 'frontend=registry.example.com/apc/frontend:v1.099', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('switched to it automatically');
    expect(r.stderr).toContain('paused by hand (spec.paused)');
  });

  it('promote before the controller paused the preview for promotion only clears the manual pause, and says so', async () => {
    await start('forward-paused.yaml', (f) => {
      f.rollout.spec.paused = true;
      delete f.rollout.status.pauseConditions;
    });
    const r = await run(['promote', 'frontend', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr + r.stdout).toContain('only clears the manual pause');
    expect(r.stdout).toContain('waits for one more promote');
    expect(r.stdout).not.toContain('switching users');
    expect(fake.rollout('apc-fe-ns', 'frontend')!.spec.paused).toBe(false);
  });
});

// Seen on v1.10.2: set-image back to a version whose ReplicaSet is still within its scale-down delay
// switched users within a second ("Fast rollback"), while the guard said "only after a promote".
describe('set-image back to the template of a ReplicaSet still within its scale-down delay', () => {
  it('says users switch at once (a fast rollback, as undo says), not after a promote', async () => {
    await start('fast-rollback.yaml', (f) => {
      for (const r of f.replicaSets) delete r.spec.template.spec.containers[0].env;
    });
    const r = await run(['set-image', 'frontend', 'frontend=registry.example.com/apc/frontend:v1.054', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('only after a promote');
    expect(r.stderr).toContain('fast rollback');
    const json = JSON.parse(
      (await run(['set-image', 'frontend', 'frontend=registry.example.com/apc/frontend:v1.054', '--dry-run', '-o', 'json'])).stdout,
    );
    expect(json.switchesWhen).toBe('immediately');
  });

  it('a template that differs from that ReplicaSet is a new preview, as before', async () => {
    await start('fast-rollback.yaml', (f) => {
      for (const r of f.replicaSets) delete r.spec.template.spec.containers[0].env;
    });
    const r = await run(['set-image', 'frontend', 'frontend=registry.example.com/apc/frontend:v1.053', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('only after a promote');
  });
});

describe('the same tag on two digests (a tag pushed again)', () => {
  it('is "cannot be told", naming both digests, never "not older"', async () => {
    const a = `${V1054}@sha256:${'a'.repeat(64)}`;
    const b = `${V1054}@sha256:${'b'.repeat(64)}`;
    await start('forward-paused.yaml', (f) => {
      rs(f, '5f6d8c9b77').spec.template.spec.containers[0].image = a;
      rs(f, '8a7b6c5d4e').spec.template.spec.containers[0].image = b;
      f.rollout.spec.template.spec.containers[0].image = b;
    });
    const json = JSON.parse((await run(['status', 'frontend', '-o', 'json'])).stdout);
    expect(json.previewIsOlder).toBeNull();
    const r = await run(['promote', 'frontend', '--dry-run']);
    expect(r.stderr).toContain('two builds the tag cannot order');
    expect(r.stderr).toContain('sha256:bbbb');
  });
});

// Argo Rollouts' GetAbortScaleDownDelaySecondsOrDefault (v1.7 to v1.10): 0 leaves the preview up.
describe('abort and abortScaleDownDelaySeconds', () => {
  it('0 keeps the preview up, and the guard and the result say so; the default says 30s', async () => {
    await start('forward-paused.yaml', (f) => {
      f.rollout.spec.strategy.blueGreen.abortScaleDownDelaySeconds = 0;
    });
    const r = await run(['abort', 'frontend', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('stays up (abortScaleDownDelaySeconds: 0');
    expect(r.stderr).not.toContain('is scaled down');
    expect(r.stdout).toContain('the preview stays up');
    await fake.stop();
    await start('forward-paused.yaml');
    const d = await run(['abort', 'frontend', '--dry-run']);
    expect(d.stderr).toContain('is scaled down 30s after the abort');
  });
});

describe('review of the odd-state fixes', () => {
  it('set-image back to an earlier ReplicaSet is judged by that ReplicaSet (created before the active): a downgrade, even with sha tags', async () => {
    const sha = (t: string) => `registry.example.com/apc/frontend:${t}`;
    await start('fast-rollback.yaml', (f) => {
      for (const r of f.replicaSets) {
        const c = r.spec.template.spec.containers[0];
        delete c.env;
        c.image = c.image.endsWith('v1.054') ? sha('sha-1111aaa') : sha('sha-2222bbb');
      }
      f.rollout.spec.template.spec.containers[0].image = sha('sha-2222bbb');
    });
    const r = await run(['set-image', 'frontend', `frontend=${sha('sha-1111aaa')}`, '--dry-run', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.switchesWhen).toBe('immediately');
    expect(plan.consequences.map((c: { kind: string }) => c.kind)).toContain('downgrade');
  });

  it('previewReplicaCount 0 with replicas 3: a preview with no pods is not ready (promote would start pods never run)', async () => {
    await start('forward-paused.yaml', (f) => {
      f.rollout.spec.strategy.blueGreen.previewReplicaCount = 0;
      rs(f, '8a7b6c5d4e').spec.replicas = 0;
      rs(f, '8a7b6c5d4e').status = { replicas: 0 };
    });
    const r = await run(['promote', 'frontend', '--dry-run']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('not fully ready');
  });
});
