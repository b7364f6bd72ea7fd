// Credentials off the happy path (left open by the hostile review of the transport, closed here):
// certificate-authority-data that is not base64, or not PEM, was reported as the server's certificate
// being signed by an unknown authority; a missing tokenFile or CA file as "cannot read the kubeconfig";
// and Ctrl-C while an exec credential plugin hung waited for the plugin to end on its own.
import { mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { dump, load } from 'js-yaml';
import { FakeApiServer } from './fake-apiserver.js';
import { runCli } from './run.js';
import { writeKubeconfig } from './kubeconfig-file.js';
import { loadFixture } from '../fixtures/load.js';

type Obj = Record<string, any>;
let fake: FakeApiServer | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

/** The fake server's kubeconfig, changed by `edit`. */
async function kubeconfigWith(edit: (cfg: Obj, dir: string) => void): Promise<string> {
  fake = await FakeApiServer.start({ token: 'tok-credential-edges' });
  fake.load(loadFixture('settled.yaml') as never);
  const dir = mkdtempSync(join(tmpdir(), 'bluegreen-cred-'));
  const file = fake.kubeconfig(dir);
  const cfg = load(readFileSync(file, 'utf8')) as Obj;
  edit(cfg, dir);
  writeFileSync(file, dump(cfg));
  return file;
}

const en = (file: string) => ({ KUBECONFIG: file, LANG: 'en_US.UTF-8' });

it('certificate-authority-data that is not base64 is refused by name, as kubectl refuses it, before any request', async () => {
  const file = await kubeconfigWith((cfg) => {
    cfg.clusters[0].cluster['certificate-authority-data'] = 'not base64 at all!';
  });
  const r = await runCli(['status', 'frontend'], { env: en(file) });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('cluster "fake"');
  expect(r.stderr).toContain('certificate-authority-data');
  expect(r.stderr).toContain('not base64');
  expect(r.stderr).not.toContain('unknown authority');
  expect(fake!.requests.length).toBe(0);
});

it('certificate-authority-data that is base64 but no PEM certificate is refused by name (kubectl: "unable to parse bytes as PEM block")', async () => {
  const file = await kubeconfigWith((cfg) => {
    cfg.clusters[0].cluster['certificate-authority-data'] = Buffer.from('hello, I am not a certificate').toString('base64');
  });
  const r = await runCli(['status', 'frontend'], { env: en(file) });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('cluster "fake"');
  expect(r.stderr).toContain('no PEM certificate');
  expect(r.stderr).not.toContain('unknown authority');
  expect(fake!.requests.length).toBe(0);
});

it('base64 with line breaks, as base64 without -w0 writes it, is read (Go ignores \\r and \\n)', async () => {
  const file = await kubeconfigWith((cfg) => {
    const b64 = cfg.clusters[0].cluster['certificate-authority-data'] as string;
    cfg.clusters[0].cluster['certificate-authority-data'] = b64.replace(/(.{76})/g, '$1\n');
  });
  const r = await runCli(['status', 'frontend'], { env: en(file) });
  expect(r.code, r.stderr).toBe(0);
});

it('a missing tokenFile is named as the token file, not as the kubeconfig', async () => {
  let tokenPath = '';
  const file = await kubeconfigWith((cfg, dir) => {
    tokenPath = join(dir, 'no-such-token');
    cfg.users[0].user = { tokenFile: tokenPath };
  });
  const r = await runCli(['status', 'frontend'], { env: en(file) });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(tokenPath);
  expect(r.stderr).toContain('tokenFile');
  expect(r.stderr).not.toContain('cannot read the kubeconfig');
  expect(fake!.requests.length).toBe(0);
});

it('a missing certificate-authority file is named as the CA file, not as the kubeconfig', async () => {
  let caPath = '';
  const file = await kubeconfigWith((cfg, dir) => {
    caPath = join(dir, 'missing-ca.crt');
    delete cfg.clusters[0].cluster['certificate-authority-data'];
    cfg.clusters[0].cluster['certificate-authority'] = caPath;
  });
  const r = await runCli(['status', 'frontend'], { env: en(file) });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(caPath);
  expect(r.stderr).toContain('certificate-authority');
  expect(r.stderr).not.toContain('cannot read the kubeconfig');
});

it('the reason a credential file cannot be read is said in the language of the message (it was English in Korean)', async () => {
  const file = await kubeconfigWith((cfg, dir) => {
    cfg.users[0].user = { tokenFile: join(dir, 'no-such-token') };
  });
  const ko = await runCli(['status', 'frontend'], { env: { KUBECONFIG: file, LANG: 'ko_KR.UTF-8' } });
  expect(ko.code).toBe(1);
  expect(ko.stderr).toContain('파일이 없습니다');
  expect(ko.stderr).not.toContain('no such file');
  const en1 = await runCli(['status', 'frontend'], { env: en(file) });
  expect(en1.stderr).toContain('no such file');
});

it('Ctrl-C while an exec credential plugin hangs ends the command at once (130) and stops the plugin', async () => {
  let pidFile = '';
  const file = await kubeconfigWith((cfg, dir) => {
    pidFile = join(dir, 'plugin.pid');
    const plugin = join(dir, 'hung-plugin');
    // Ignores SIGINT (as a plugin waiting on a browser login may), sleeps a minute.
    writeFileSync(
      plugin,
      `#!${process.execPath}\nrequire('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));\nprocess.on('SIGINT', () => {});\nsetTimeout(() => {}, 60000);\n`,
    );
    chmodSync(plugin, 0o755);
    cfg.users[0].user = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' } };
  });
  const started = Date.now();
  const r = await runCli(['status', 'frontend'], { env: en(file), interruptAfterMs: 800 });
  const took = Date.now() - started;
  expect(r.code).toBe(130);
  expect(r.stderr).toContain('interrupted');
  expect(r.stderr).not.toContain('exec');
  expect(took).toBeLessThan(10_000);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  // The plugin was told to stop: gone within a second.
  let alive = true;
  for (let i = 0; i < 20 && alive; i++) {
    try {
      process.kill(pid, 0);
      await new Promise((res) => setTimeout(res, 50));
    } catch {
      alive = false;
    }
  }
  expect(alive).toBe(false);
  expect(fake!.requests.length).toBe(0);
});

it('an answer with no body (431 from a front proxy) is named by its status text, not an empty reason', async () => {
  const { createServer } = await import('node:http');
  const server = createServer((_req, res) => {
    res.writeHead(431);
    res.end();
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  try {
    const port = (server.address() as { port: number }).port;
    const file = writeKubeconfig({ server: `http://127.0.0.1:${port}` }, { token: 'tok' }, { namespace: 'apc-fe-ns' });
    const r = await runCli(['status', 'frontend'], { env: en(file) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('431');
    expect(r.stderr).toContain('Request Header Fields Too Large');
    expect(r.stderr).not.toMatch(/: \n/);
  } finally {
    server.close();
  }
});
