// Ctrl-C after a change was sent must never say "nothing was changed" (found by a hostile review: promote
// --wait said so after the promote had been made).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { FakeApiServer } from './fake-apiserver.js';
import { runCli } from './run.js';
import { loadFixture } from '../fixtures/load.js';

let fake: FakeApiServer;
afterEach(async () => {
  await fake?.stop();
});

it.each([300, 1500, 4000])('promote --yes --wait, Ctrl-C %i ms in: the change was made, and it says so', async (ms) => {
  // The test server's controller clears the pause but never completes the promotion (stable stays):
  // the command is still waiting when Ctrl-C comes.
  fake = await FakeApiServer.start({ token: 'sekret-token-0123456789abcdef' });
  fake.load(loadFixture('forward-paused.yaml') as never);
  const env = { KUBECONFIG: fake.kubeconfig(mkdtempSync(join(tmpdir(), 'bluegreen-int-'))), LANG: 'en_US.UTF-8' };
  const r = await runCli(['promote', 'frontend', '--yes', '--wait', '--timeout', '60s'], { env, interruptAfterMs: ms });
  const sent = fake.writes().some((w) => w.path.endsWith('/rollouts/frontend/status'));
  if (sent) {
    expect(r.stderr).toContain('the change was made');
    expect(r.stderr).not.toContain('nothing was changed');
  } else {
    expect(r.stderr).toContain('nothing was changed');
  }
  expect(sent || ms < 1000).toBe(true);
});
