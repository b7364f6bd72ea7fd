// retry after an abort, and a downgrade that must be typed (not waved through with "y").
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeApiServer } from './fake-apiserver.js';
import { runCli } from './run.js';
import { loadFixture } from '../fixtures/load.js';
import { typedConfirmation } from '../../src/cli/change/run.js';
import type { Plan } from '../../src/rollout/plan.js';

const TOKEN = 'sekret-token-0123456789abcdef';
const NOW = new Date('2026-11-23T12:00:00Z');
let fake: FakeApiServer;
let env: Record<string, string>;

async function start(fixture: string): Promise<void> {
  fake = await FakeApiServer.start({ token: TOKEN });
  const f = loadFixture(fixture);
  fake.load({ rollout: f.rollout, replicaSets: f.replicaSets, services: f.services });
  env = { KUBECONFIG: fake.kubeconfig(mkdtempSync(join(tmpdir(), 'bluegreen-retry-'))), LANG: 'en_US.UTF-8' };
}
const run = (argv: string[], o: Parameters<typeof runCli>[1] = {}) => runCli(argv, { now: NOW, ...o, env: { ...env, ...o.env } });

afterEach(async () => {
  await fake?.stop();
});

describe('retry', () => {
  it('after an abort: says what comes back and that users stay, then clears the abort with a pinned patch', async () => {
    await start('aborted.yaml');
    const dry = await run(['retry', 'frontend', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain('Users now get frontend:v1.054 (revision 8).');
    expect(dry.stderr).toMatch(
      /After retry they still get the same version; frontend:v1\.055 \(revision 9\) becomes the new preview, and users get it only after a promote\./,
    );
    const r = await run(['retry', 'frontend', '--yes', '--reason', 'flaky check fixed']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      'rollout "frontend" retried: frontend:v1.055 (revision 9) comes back as the preview; users stay on frontend:v1.054 (revision 8) until a promote.\n',
    );
    const [patch] = fake.writes();
    expect(patch!.path).toBe('/apis/argoproj.io/v1alpha1/namespaces/apc-fe-ns/rollouts/frontend/status');
    expect(patch!.body).toContainEqual({ op: 'test', path: '/status/abort', value: true });
    expect(patch!.body).toContainEqual({ op: 'replace', path: '/status/abort', value: false });
    expect(fake.rollout('apc-fe-ns', 'frontend')!.status.abort).toBe(false);
    expect(fake.events[0]).toMatchObject({ reason: 'BlueGreenRetried' });
  });

  it('is refused with exit 4 when the rollout is not aborted, and offered by status after an abort', async () => {
    await start('christmas.yaml');
    const r = await run(['retry', 'frontend', '--yes']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('is not aborted');
    expect(fake.writes()).toHaveLength(0);
    await fake.stop();
    await start('aborted.yaml');
    expect((await run(['status', 'frontend'])).stdout).toMatch(
      /^\s+retry\s+frontend:v1\.055 \(revision 9\) comes back as the preview; users stay until a promote$/m,
    );
  });
});

describe('a downgrade must be typed', () => {
  it('"y" is refused with exit 3 and says what to type; nothing changes', async () => {
    await start('christmas.yaml');
    const r = await run(['promote', 'frontend'], { tty: true, input: 'y\n' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('type the version they would get (v1.053)');
    expect(r.stderr).toContain('needs the version typed (v1.053), not y. Nothing was changed.');
    expect(fake.writes()).toHaveLength(0);
  });

  it.each(['v1.053', 'frontend:v1.053', 'registry.example.com/apc/frontend:v1.053'])('typing %s promotes', async (typed) => {
    await start('christmas.yaml');
    const r = await run(['promote', 'frontend'], { tty: true, input: `${typed}\n` });
    expect(r.code, r.stderr).toBe(0);
    expect(fake.rollout('apc-fe-ns', 'frontend')!.status.pauseConditions).toBeUndefined();
  });

  it('the wrong version is refused; --yes still confirms for scripts; a forward change keeps [y/N]', async () => {
    await start('christmas.yaml');
    expect((await run(['promote', 'frontend'], { tty: true, input: 'v1.054\n' })).code).toBe(3);
    expect(fake.writes()).toHaveLength(0);
    expect((await run(['promote', 'frontend', '--yes'])).code).toBe(0);
    await fake.stop();
    await start('forward-paused.yaml');
    const fwd = await run(['promote', 'frontend'], { tty: true, input: 'y\n' });
    expect(fwd.stderr).toContain('Proceed? [y/N]');
    expect(fwd.code).toBe(0);
  });

  it.each(['예', '네', 'Y', 'yes'])('a forward change is confirmed by %s (the prompt asks in Korean as well)', async (answer) => {
    await start('forward-paused.yaml');
    const r = await run(['promote', 'frontend'], { tty: true, input: `${answer}\n`, env: { LANG: 'ko_KR.UTF-8' } });
    expect(r.code, r.stderr).toBe(0);
    expect(fake.writes().length).toBeGreaterThan(0);
  });

  it('"아니요" and an empty answer decline: exit 3, nothing changes', async () => {
    for (const answer of ['아니요', '']) {
      await start('forward-paused.yaml');
      const r = await run(['promote', 'frontend'], { tty: true, input: `${answer}\n`, env: { LANG: 'ko_KR.UTF-8' } });
      expect(r.code).toBe(3);
      expect(fake.writes()).toHaveLength(0);
      await fake.stop();
    }
  });

  it('set-image to an older tag and undo to an older revision must be typed too; in Korean as well', async () => {
    await start('settled.yaml');
    const s = await run(['set-image', 'frontend', 'frontend=registry.example.com/apc/frontend:v1.050'], { tty: true, input: 'y\n' });
    expect(s.code).toBe(3);
    expect(s.stderr).toContain('(v1.050)');
    const ko = await run(['set-image', 'frontend', 'frontend=registry.example.com/apc/frontend:v1.050'], {
      tty: true,
      input: 'y\n',
      env: { LANG: 'ko_KR.UTF-8' },
    });
    expect(ko.stderr).toContain('사용자가 받게 될 버전(v1.050)을 입력하세요');
    expect(fake.writes()).toHaveLength(0);
  });
});

// Found by a review of odd states: only a sidecar goes back, and the prompt asked for the main image's tag.
describe('the version to type is the one that goes back', () => {
  const plan = (after: string[], previewTags: string[]): Plan => ({
    action: 'promote',
    name: 'frontend',
    namespace: 'apc-fe-ns',
    needsForce: [],
    before: { images: ['frontend:v1.054', 'envoy:v1.30.0'], revision: 8 },
    after: { images: after, revision: 9 },
    switchesWhen: 'immediately',
    autoPromotionSeconds: 0,
    consequences: [
      {
        kind: 'downgrade',
        signals: previewTags.map((previewTag) => ({ signal: 'tagLower', container: 'envoy', previewTag, activeTag: 'v1.30.0' })),
        keepActive: [],
      },
    ],
    requests: [],
    target: null,
  });

  it('a sidecar older, the main image the same: asks for the sidecar and refuses the main tag users keep', () => {
    const typed = typedConfirmation(plan(['frontend:v1.054', 'envoy:v1.29.0'], ['v1.29.0']))!;
    expect(typed.expected).toBe('v1.29.0');
    expect(typed.accepts('v1.054')).toBe(false);
    expect(typed.accepts('frontend:v1.054')).toBe(false);
    expect(typed.accepts('v1.29.0')).toBe(true);
    expect(typed.accepts('envoy:v1.29.0')).toBe(true);
  });

  it('older by its history alone (no tag went down): any image of the version', () => {
    const p = plan(['frontend:v1.053'], []);
    p.consequences = [{ kind: 'downgrade', signals: [{ signal: 'servedBefore', revisions: [5, 7] }], keepActive: [] }];
    const typed = typedConfirmation(p)!;
    expect(typed.expected).toBe('v1.053');
    expect(typed.accepts('frontend:v1.053')).toBe(true);
  });
});
