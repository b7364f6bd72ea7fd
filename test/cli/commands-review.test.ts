// Commands off their tested paths, found by a hostile review (commands against the contract). Each case
// failed before its fix.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { FakeApiServer } from './fake-apiserver.js';
import { runCli } from './run.js';
import { loadFixture } from '../fixtures/load.js';

let fake: FakeApiServer | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

async function start(fixture: string): Promise<Record<string, string>> {
  fake = await FakeApiServer.start({ token: 'tok-commands-review' });
  fake.load(loadFixture(fixture) as never);
  return { KUBECONFIG: fake.kubeconfig(mkdtempSync(join(tmpdir(), 'bluegreen-review-'))), LANG: 'en_US.UTF-8' };
}

it('wait --for=paused on a rollout that promotes itself (autoPromotionEnabled unset): exit 4 at once, not a timeout', async () => {
  const env = await start('auto-promotion.yaml');
  const started = Date.now();
  const r = await runCli(['wait', 'frontend', '--for=paused', '--timeout', '30s'], { env });
  expect(r.code).toBe(4);
  expect(r.stderr).toContain('never pauses for promotion');
  expect(r.stderr).toContain('--for=promoted');
  expect(Date.now() - started).toBeLessThan(10_000);
});

it('wait --for=paused with autoPromotionSeconds (a countdown pause) is still reached', async () => {
  const env = await start('countdown.yaml');
  const r = await runCli(['wait', 'frontend', '--for=paused', '--timeout', '5s'], { env });
  expect(r.code, r.stderr).toBe(0);
});

it.each([[[]], [['--dry-run']]])(
  'set-image with nothing to change and -o json %j: a document on stdout, nothing written',
  async (extra) => {
    const env = await start('settled.yaml');
    const r = await runCli(
      ['set-image', 'frontend', 'frontend=registry.example.com/apc/frontend:v1.054', '-o', 'json', '--yes', ...extra],
      {
        env,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ apiVersion: 'bluegreen/v1', action: 'set-image', name: 'frontend', unchanged: 'sameImages' });
    expect(doc.kind).toBe(extra.length ? 'ChangePlan' : 'ChangeResult');
    expect(doc.after.images).toEqual(['frontend:v1.054']);
    expect(fake!.writes()).toHaveLength(0);
  },
);

it('undo --to-revision N where Argo renumbered N: says which revision it is now (the incident: numbers move)', async () => {
  const env = await start('christmas.yaml');
  const r = await runCli(['undo', 'frontend', '--to-revision', '5', '--dry-run'], { env });
  expect(r.code).toBe(4);
  // Revision 9 is the template now (the preview, v1.053): nothing to undo to there, and it says so.
  expect(r.stderr).toContain('revision 5 of rollout "frontend" is now revision 9 (frontend:v1.053), the template the rollout has now');
  expect(r.stderr).not.toContain('--to-revision 9');
  const none = await runCli(['undo', 'frontend', '--to-revision', '77', '--dry-run'], { env });
  expect(none.code).toBe(2);
  expect(none.stderr).toContain('has no revision 77');
});

it('undo --to-revision N renumbered to an earlier template: names the number it has now, and the command', async () => {
  fake = await FakeApiServer.start({ token: 'tok-commands-review' });
  const f = loadFixture('christmas.yaml') as unknown as { replicaSets: Array<{ metadata: { annotations: Record<string, string> } }> };
  const rev8 = f.replicaSets.find((r) => r.metadata.annotations['rollout.argoproj.io/revision'] === '8')!;
  rev8.metadata.annotations['rollout.argoproj.io/revision-history'] = '3';
  fake.load(f as never);
  const env = { KUBECONFIG: fake.kubeconfig(mkdtempSync(join(tmpdir(), 'bluegreen-review-'))), LANG: 'en_US.UTF-8' };
  const r = await runCli(['undo', 'frontend', '--to-revision', '3', '--dry-run'], { env });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('revision 3 of rollout "frontend" is now revision 8 (frontend:v1.054)');
  expect(r.stderr).toContain('kubectl bluegreen undo frontend --to-revision 8');
  expect(fake.writes()).toHaveLength(0);
});

it('set-image NAME=sha256:<digest> (a digest without its repository) is refused with exit 2, nothing written', async () => {
  const env = await start('settled.yaml');
  const r = await runCli(['set-image', 'frontend', `frontend=sha256:${'a'.repeat(64)}`, '--yes'], { env });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('a digest without its repository');
  expect(fake!.writes()).toHaveLength(0);
});

it('wait --for=paused on a self-promoting rollout held by a manual pause (spec.paused) keeps waiting: the preview waits for a promote', async () => {
  fake = await FakeApiServer.start({ token: 'tok-commands-review' });
  const f = loadFixture('auto-promotion.yaml') as unknown as { rollout: { spec: { paused?: boolean } } };
  f.rollout.spec.paused = true;
  fake.load(f as never);
  const env = { KUBECONFIG: fake.kubeconfig(mkdtempSync(join(tmpdir(), 'bluegreen-review-'))), LANG: 'en_US.UTF-8' };
  const r = await runCli(['wait', 'frontend', '--for=paused', '--timeout', '1s'], { env });
  expect(r.stderr).not.toContain('never pauses');
  expect(r.code).toBe(5);
});

it('help shows the examples of the command typed, not of a rollout named like another command', async () => {
  const r = await runCli(['promote', 'status', '--help'], { env: { LANG: 'en_US.UTF-8' } });
  expect(r.stdout).toContain('kubectl bluegreen promote frontend -n apc-fe-ns');
  expect(r.stdout).not.toContain('kubectl bluegreen status frontend -n');
});
