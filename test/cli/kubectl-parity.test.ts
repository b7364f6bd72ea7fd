// Where the plugin read the kubeconfig and kubectl's flags otherwise than kubectl (client-go's clientcmd),
// found by a hostile review (kubeconfig and flags). Each case failed before its fix. The server records
// what it was sent; it answers 404 to everything, so the commands themselves fail: what matters is who
// they said they were.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { TestServer, testPki } from '../unit/kube-testkit.js';
import { writeKubeconfig } from './kubeconfig-file.js';
import { runCli } from './run.js';

type Obj = Record<string, any>;
let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function https(): Promise<{ server: TestServer; cluster: Obj }> {
  server = await TestServer.start();
  server.handler = (_q, res) => {
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'not here' }));
  };
  return { server, cluster: { server: server.url, 'certificate-authority-data': Buffer.from(testPki().ca).toString('base64') } };
}

const en = (file: string, more: Record<string, string> = {}) => ({ KUBECONFIG: file, LANG: 'en_US.UTF-8', ...more });
const first = (s: TestServer): IncomingHttpHeaders => s.seen[0]!.headers;

describe('no credential over plain http (client-go: "only try to read the auth information if we are secure")', () => {
  it.each([
    ['a token', { token: 'PLAINTEXT-TOKEN-123' }],
    ['an exec plugin', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: '/bin/false', interactiveMode: 'Never' } }],
  ])('%s is not sent (nor run) for an http:// server; impersonation still is', async (_what, user) => {
    const seen: IncomingHttpHeaders[] = [];
    const plain = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end('{"kind":"Status","code":404,"message":"no"}');
    });
    await new Promise<void>((res) => plain.listen(0, '127.0.0.1', res));
    try {
      const port = (plain.address() as { port: number }).port;
      const file = writeKubeconfig({ server: `http://127.0.0.1:${port}` }, { ...user, as: 'bot' });
      const r = await runCli(['status', 'frontend', '-n', 'x'], { env: en(file) });
      expect(seen.length).toBeGreaterThan(0);
      for (const h of seen) {
        expect(h.authorization).toBeUndefined();
        expect(h['impersonate-user']).toBe('bot');
      }
      expect(r.stderr).not.toContain('exec');
    } finally {
      plain.close();
    }
  });
});

describe('a flag given empty is a flag not given (kubectl: mergo never copies an empty value)', () => {
  it('--as "" keeps the kubeconfig user\'s impersonation', async () => {
    const { server, cluster } = await https();
    const file = writeKubeconfig(cluster, { token: 'admin-tok', as: 'readonly-bot' });
    await runCli(['status', 'frontend', '-n', 'x', '--as', ''], { env: en(file) });
    expect(first(server)['impersonate-user']).toBe('readonly-bot');
  });

  it.each([
    ['--token', ['--token', '']],
    ['--user', ['--user', '']],
  ])('%s "" keeps the kubeconfig token', async (_flag, flags) => {
    const { server, cluster } = await https();
    const file = writeKubeconfig(cluster, { token: 'admin-tok' });
    await runCli(['status', 'frontend', '-n', 'x', ...flags], { env: en(file) });
    expect(first(server).authorization).toBe('Bearer admin-tok');
  });

  it.each([['--context'], ['--cluster'], ['--server'], ['--certificate-authority'], ['--kubeconfig']])(
    '%s "" uses the kubeconfig as if it were not given',
    async (flag) => {
      const { server, cluster } = await https();
      const file = writeKubeconfig(cluster, { token: 'admin-tok' });
      await runCli(['status', 'frontend', '-n', 'x', `${flag}=`], { env: en(file) });
      expect(server.seen.length).toBeGreaterThan(0);
      expect(first(server).authorization).toBe('Bearer admin-tok');
    },
  );

  it('-n "" is the context\'s namespace', async () => {
    const { server, cluster } = await https();
    const file = writeKubeconfig(cluster, { token: 'admin-tok' }, { namespace: 'from-context' });
    const r = await runCli(['status', 'frontend', '-n', ''], { env: en(file) });
    expect(r.code).not.toBe(2);
    expect(server.seen[0]!.url).toContain('/namespaces/from-context/');
  });
});

describe('impersonation names outside ASCII go out as UTF-8, as Go sends them', () => {
  it.each([['müller@example.com'], ['ılker@example.com']])('--as %s', async (name) => {
    const { server, cluster } = await https();
    const file = writeKubeconfig(cluster, { token: 'admin-tok' });
    const r = await runCli(['status', 'frontend', '-n', 'x', '--as', name, '--as-group', 'grüppe'], { env: en(file) });
    expect(r.stderr).not.toContain('unexpected error');
    const raw = server.seen[0]!.rawHeaders;
    const value = (h: string) => raw[raw.findIndex((k) => k.toLowerCase() === h) + 1]!;
    // Node's server reads header bytes as latin1: UTF-8 bytes show as their latin1 characters.
    expect(Buffer.from(value('impersonate-user'), 'latin1').toString('utf8')).toBe(name);
    expect(Buffer.from(value('impersonate-group'), 'latin1').toString('utf8')).toBe('grüppe');
  });
});
