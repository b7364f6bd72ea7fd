// A change whose answer was lost is reported only as far as it can be known (found by a hostile review):
// a cleared pause under someone else's new preview is not proof of a promote, and a request that may have
// left can still be applied by the API server after our re-read.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { FakeApiServer, type FakeOptions } from './fake-apiserver.js';
import { runCli } from './run.js';
import { loadFixture } from '../fixtures/load.js';

let fake: FakeApiServer;
afterEach(async () => {
  await fake?.stop();
});

async function start(opts: Partial<FakeOptions>) {
  fake = await FakeApiServer.start({ token: 'sekret-token-0123456789abcdef', ...opts });
  fake.load(loadFixture('forward-paused.yaml') as never);
  return { KUBECONFIG: fake.kubeconfig(mkdtempSync(join(tmpdir(), 'bluegreen-lost-'))), LANG: 'en_US.UTF-8' };
}

const statusPatch = (r: { verb: string; resource: string }) => r.verb === 'patch' && r.resource.endsWith('/status');

it('promote lost, and meanwhile another preview without a pause: cannot be told, never "promoted", no record', async () => {
  let done = false;
  const env = await start({
    noController: true,
    fault: (r) => {
      if (!statusPatch(r) || done) return undefined;
      done = true;
      const ro = fake.rollout('apc-fe-ns', 'frontend')!;
      ro.metadata.generation = (ro.metadata.generation ?? 1) + 1;
      ro.status = { ...ro.status, currentPodHash: 'ffff000010', pauseConditions: undefined, phase: 'Progressing' };
      return { kind: 'dropBefore' };
    },
  });
  const r = await runCli(['promote', 'frontend', '--yes'], { env });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('cannot be told: the rollout moved to another preview meanwhile');
  expect(r.stdout + r.stderr).not.toContain('promoted');
  expect(r.stderr).not.toContain('The change was made');
  expect(fake.writes().filter((w) => w.method === 'POST' || !w.path.endsWith('/status'))).toHaveLength(0);
});

it.each([false, true])(
  'a write that timed out on our side (http2: %s): "not visible, may still apply", never "NOT made; safe"',
  async (http2) => {
    const env = await start({ http2, fault: (r) => (statusPatch(r) ? { kind: 'delay', ms: 3000 } : undefined) });
    const r = await runCli(['promote', 'frontend', '--yes', '--request-timeout', '1s'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('NOT made');
    expect(r.stderr).toContain('the API server may still apply');
  },
);

it('the record written, its answer lost: "may have been written", never "recording it failed"', async () => {
  let dropped = 0;
  const env = await start({
    fault: (r) => (r.verb === 'create' && r.resource === 'events' && dropped++ === 0 ? { kind: 'dropAfter' } : undefined),
  });
  const r = await runCli(['promote', 'frontend', '--yes'], { env });
  expect(r.code, r.stderr).toBe(0);
  expect(dropped).toBe(1);
  expect(r.stderr).not.toContain('recording it failed');
  expect(r.stderr).toContain('it may have been written or not');
  // The Event was written once (the API server applied it before the connection dropped), never twice.
  expect(fake.writes().filter((w) => w.method === 'POST' && w.path.includes('/events'))).toHaveLength(1);
});
