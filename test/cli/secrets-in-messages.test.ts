// Found by a hostile review (transport): a password in a kubeconfig's server URL or proxy-url was printed
// in error messages, with or without -v; a token with a line break ended in "unexpected error".
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { FakeApiServer } from './fake-apiserver.js';
import { runCli } from './run.js';
import { loadFixture } from '../fixtures/load.js';

const TOKEN = 'sekret-token-0123456789abcdef';
let fake: FakeApiServer | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

function kubeconfig(server: string, user: Record<string, string>, cluster: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'bluegreen-secret-'));
  const file = join(dir, 'config');
  const y = (o: Record<string, string>) =>
    Object.entries(o)
      .map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`)
      .join('\n');
  writeFileSync(
    file,
    `apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: c\n  cluster:\n      server: ${JSON.stringify(server)}\n      insecure-skip-tls-verify: true\n${y(cluster)}\nusers:\n- name: u\n  user:\n${y(user)}\ncontexts:\n- name: c\n  context: { cluster: c, user: u, namespace: apc-fe-ns }\n`,
  );
  return file;
}

it.each([
  ['the server URL, unreachable', kubeconfig('https://admin:s3cretpw@127.0.0.1:1', { token: TOKEN }), ['status', 'frontend']],
  ['the server URL, unreachable, -v=9', kubeconfig('https://admin:s3cretpw@127.0.0.1:1', { token: TOKEN }), ['status', 'frontend', '-v=9']],
  ['a bad server scheme', kubeconfig('ftp://admin:s3cretpw@127.0.0.1:1', { token: TOKEN }), ['status', 'frontend']],
  [
    'an unparsable proxy-url',
    kubeconfig('https://127.0.0.1:1', { token: TOKEN }, { 'proxy-url': 'http://puser:s3cretpw@[::1' }),
    ['status', 'frontend'],
  ],
])('a password in %s is never printed', async (_what, file, argv) => {
  const r = await runCli(argv, { env: { KUBECONFIG: file, LANG: 'en_US.UTF-8' } });
  expect(r.code).not.toBe(0);
  expect(r.stdout + r.stderr).not.toContain('s3cretpw');
  expect(r.stdout + r.stderr).not.toContain(TOKEN);
});

it('a token ending in a line break (a YAML block scalar) works; one with a line break inside is refused by name', async () => {
  fake = await FakeApiServer.start({ token: TOKEN });
  fake.load(loadFixture('settled.yaml') as never);
  const withToken = (token: string) => fake!.kubeconfig(mkdtempSync(join(tmpdir(), 'bluegreen-secret-')), { token });
  const ok = await runCli(['status', 'frontend'], { env: { KUBECONFIG: withToken(`${TOKEN}\n`), LANG: 'en_US.UTF-8' } });
  expect(ok.code, ok.stderr).toBe(0);
  const bad = await runCli(['status', 'frontend'], { env: { KUBECONFIG: withToken(`${TOKEN}\nX-Evil: 1`), LANG: 'en_US.UTF-8' } });
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain('holds a line break or another control character');
  expect(bad.stderr).not.toContain('unexpected error');
  expect(bad.stderr).not.toContain(TOKEN);
});
