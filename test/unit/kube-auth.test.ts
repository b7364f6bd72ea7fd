// Credentials: the ExecCredential protocol with real plugin processes, token files, expiry and renewal.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { credentials, Credentials, headerKeyEscape, TOKEN_FILE_MAX_AGE_MS } from '../../src/kube/auth.js';
import { parseExecCredential, runExecPlugin, ExecError } from '../../src/kube/exec.js';
import type { ExecConfig } from '../../src/kube/kubeconfig.js';
import { CliError } from '../../src/errors.js';
import { baseConfig } from './kube-testkit.js';

const V1 = 'client.authentication.k8s.io/v1';
const dir = mkdtempSync(join(tmpdir(), 'bluegreen-exec-'));

/** A plugin: a real executable that records its input and prints `output` (or exits with `code`). */
function plugin(name: string, output: object | string, code = 0): string {
  const file = join(dir, name);
  const out = typeof output === 'string' ? output : JSON.stringify(output);
  writeFileSync(
    file,
    `#!/usr/bin/env node
const fs = require('node:fs');
fs.writeFileSync(${JSON.stringify(`${file}.input`)}, JSON.stringify({ info: JSON.parse(process.env.KUBERNETES_EXEC_INFO), args: process.argv.slice(2), region: process.env.REGION ?? null, inherited: process.env.BG_INHERITED ?? null }));
fs.appendFileSync(${JSON.stringify(`${file}.runs`)}, 'x');
process.stderr.write('SECRET-on-stderr refresh_token=abc\\n');
process.stdout.write(${JSON.stringify(out)});
process.exit(${code});
`,
  );
  chmodSync(file, 0o755);
  return file;
}

const input = (file: string) => JSON.parse(readFileSync(`${file}.input`, 'utf8'));
const runs = (file: string) => {
  try {
    return readFileSync(`${file}.runs`, 'utf8').length;
  } catch {
    return 0;
  }
};

function exec(command: string, over: Partial<ExecConfig> = {}): ExecConfig {
  return {
    command,
    args: [],
    env: [],
    apiVersion: V1,
    interactiveMode: 'Never',
    provideClusterInfo: false,
    parentEnv: { ...process.env, BG_INHERITED: 'yes' },
    ...over,
  };
}

const cred = (status: object, apiVersion = V1) => ({ apiVersion, kind: 'ExecCredential', status });

describe('ExecCredential protocol (client-go exec.go)', () => {
  it('KUBERNETES_EXEC_INFO, args, env on top of ours; a token with its expiry', async () => {
    const p = plugin('ok', cred({ token: 'tok-1', expirationTimestamp: '2030-01-02T03:04:05Z' }));
    const got = await runExecPlugin(exec(p, { args: ['--cluster', 'prod'], env: [{ name: 'REGION', value: 'eu' }] }), undefined, {
      env: exec(p).parentEnv,
      stdinIsTTY: false,
    });
    expect(got).toEqual({ token: 'tok-1', cert: undefined, key: undefined, expiresAt: Date.parse('2030-01-02T03:04:05Z') });
    expect(input(p)).toEqual({
      info: { apiVersion: V1, kind: 'ExecCredential', spec: { interactive: false } },
      args: ['--cluster', 'prod'],
      region: 'eu',
      inherited: 'yes',
    });
  });

  it('provideClusterInfo passes the cluster; v1beta1 works the same way', async () => {
    const p = plugin('beta', cred({ token: 't' }, 'client.authentication.k8s.io/v1beta1'));
    const cluster = { server: 'https://k:6443', 'certificate-authority-data': 'Q0E=', config: { audience: 'x' } };
    await runExecPlugin(exec(p, { apiVersion: 'client.authentication.k8s.io/v1beta1', provideClusterInfo: true }), cluster, {
      env: {},
      stdinIsTTY: false,
    });
    expect(input(p).info).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      kind: 'ExecCredential',
      spec: { interactive: false, cluster },
    });
  });

  it('a client certificate and key instead of a token', () => {
    expect(parseExecCredential(exec('p'), JSON.stringify(cred({ clientCertificateData: 'C', clientKeyData: 'K' })))).toEqual({
      token: undefined,
      cert: 'C',
      key: 'K',
      expiresAt: undefined,
    });
  });

  it('what client-go refuses, refused with the reason', () => {
    const bad: Array<[string, string]> = [
      ['not json', 'its output is not an ExecCredential (not JSON)'],
      [JSON.stringify({ kind: 'Other', apiVersion: V1 }), 'its output is not an ExecCredential'],
      [
        JSON.stringify(cred({ token: 't' }, 'client.authentication.k8s.io/v1beta1')),
        `it answered with apiVersion client.authentication.k8s.io/v1beta1, the kubeconfig asks for ${V1}`,
      ],
      [JSON.stringify({ apiVersion: V1, kind: 'ExecCredential' }), 'it returned no status'],
      [JSON.stringify(cred({})), 'it returned neither a token nor a client certificate'],
      [
        JSON.stringify(cred({ clientCertificateData: 'C' })),
        'it returned a client certificate without its key, or a key without its certificate',
      ],
      [JSON.stringify(cred({ token: 't', expirationTimestamp: 'tomorrow' })), 'its expirationTimestamp is not a time'],
    ];
    for (const [out, why] of bad) {
      expect(() => parseExecCredential(exec('p'), out)).toThrow(new ExecError('p', why));
    }
  });

  it('interactiveMode Always needs a terminal; IfAvailable without one runs non-interactively', async () => {
    const p = plugin('modes', cred({ token: 't' }));
    await expect(runExecPlugin(exec(p, { interactiveMode: 'Always' }), undefined, { env: {}, stdinIsTTY: false })).rejects.toThrow(
      'interactiveMode is Always, but standard input is not a terminal',
    );
    await runExecPlugin(exec(p, { interactiveMode: 'IfAvailable' }), undefined, { env: {}, stdinIsTTY: false });
    expect(input(p).info.spec.interactive).toBe(false);
  });

  it('a failing plugin: the exit code is reported, its stderr never', async () => {
    const p = plugin('fails', 'whatever', 3);
    const e = (await runExecPlugin(exec(p), undefined, { env: {}, stdinIsTTY: false }).catch((x: unknown) => x)) as ExecError;
    expect(e).toBeInstanceOf(ExecError);
    expect(e.code).toBe('it exited with code 3');
    expect(e.message).not.toContain('SECRET');
  });

  it('a missing plugin: "not found on PATH" with the kubeconfig\'s install hint', async () => {
    const cfg = baseConfig('https://k', { exec: exec(join(dir, 'no-such-plugin'), { installHint: 'brew install get-token' }) });
    const e = (await credentials(cfg, { readFile: readFileSync, stdinIsTTY: false }).catch((x: unknown) => x)) as CliError;
    expect(e).toBeInstanceOf(CliError);
    expect(e.key).toBe('err.execFailed');
    expect(e.params.code).toBe('not found on PATH');
    expect(e.sentences.slice(1)).toEqual([{ key: 'err.execInstallHint', params: [{ hint: 'brew install get-token' }] }]);
  });
});

describe('renewal', () => {
  it('an exec credential is re-run when its expirationTimestamp has passed, not before', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const p = plugin('expiring', cred({ token: 't', expirationTimestamp: '2030-01-01T00:00:10Z' }));
    const creds = await credentials(baseConfig('https://k', { exec: exec(p) }), {
      readFile: readFileSync,
      stdinIsTTY: false,
      now: () => now,
    });
    expect(runs(p)).toBe(1);
    now += 9_000;
    await creds.current();
    expect(runs(p)).toBe(1);
    now += 1_000;
    await creds.current();
    expect(runs(p)).toBe(2);
    expect(creds.source).toEqual({ kind: 'exec', name: p });
  });

  it('a renewal after a 401 runs the plugin once for any number of requests that used the old credential', async () => {
    const p = plugin('renew', cred({ token: 't' }));
    const creds = await credentials(baseConfig('https://k', { exec: exec(p) }), { readFile: readFileSync, stdinIsTTY: false });
    const used = await creds.current();
    await Promise.all([creds.renew(used), creds.renew(used), creds.renew(used)]);
    expect(runs(p)).toBe(2);
    await creds.renew(used); // already renewed since `used`
    expect(runs(p)).toBe(2);
  });

  it('a token file is read again after a minute and after a 401', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'one\n');
    let now = 0;
    const creds = await credentials(baseConfig('https://k', { tokenFile: file }), { readFile: readFileSync, now: () => now });
    expect((await creds.current()).authorization).toBe('Bearer one');
    writeFileSync(file, 'two');
    now += TOKEN_FILE_MAX_AGE_MS - 1;
    expect((await creds.current()).authorization).toBe('Bearer one');
    now += 1;
    expect((await creds.current()).authorization).toBe('Bearer two');
    writeFileSync(file, 'three');
    expect((await creds.renew(await creds.current()))?.authorization).toBe('Bearer three');
  });

  it('a fixed token or certificate cannot be renewed', async () => {
    const c = await credentials(baseConfig('https://k', { token: 'x' }), readFileSync);
    expect(c.renewable).toBe(false);
    expect(await c.renew(await c.current())).toBeNull();
    expect(new Credentials({}, {}).renewable).toBe(false);
  });
});

describe('headerKeyEscape (client-go round_trippers.go)', () => {
  it('keeps RFC 7230 token bytes and %-encodes the rest, % included', () => {
    expect(headerKeyEscape('example.com/scopes')).toBe('example.com%2Fscopes');
    expect(headerKeyEscape("a-b_c.d~e!f#g$h&i'j*k+l^m`n|o")).toBe("a-b_c.d~e!f#g$h&i'j*k+l^m`n|o");
    expect(headerKeyEscape('50%')).toBe('50%25');
    expect(headerKeyEscape('é')).toBe('%C3%A9');
  });
});

describe('auth-provider (legacy oidc, through @kubernetes/client-node)', () => {
  const jwt = (exp: number) =>
    [{ alg: 'none' }, { sub: 'alice', exp }].map((o) => Buffer.from(JSON.stringify(o)).toString('base64url')).join('.') + '.sig';

  it('an unexpired id-token is the bearer token; the provider is asked again on renewal', async () => {
    const idToken = jwt(Math.floor(Date.now() / 1000) + 3600);
    const cfg = baseConfig('https://k', { authProvider: { name: 'oidc', config: { 'id-token': idToken, 'client-id': 'kubectl' } } });
    const creds = await credentials(cfg, readFileSync);
    expect((await creds.current()).authorization).toBe(`Bearer ${idToken}`);
    expect(creds.source).toEqual({ kind: 'authProvider', name: 'oidc' });
    expect((await creds.renew(await creds.current()))?.authorization).toBe(`Bearer ${idToken}`);
    expect(cfg.authProvider!.config['client-secret']).toBeUndefined(); // client-node got a copy
  });

  it('an expired id-token that cannot be refreshed: the provider is named, nothing is sent anonymously', async () => {
    const cfg = baseConfig('https://k', { authProvider: { name: 'oidc', config: { 'id-token': jwt(1) } } });
    const e = (await credentials(cfg, readFileSync).catch((x: unknown) => x)) as CliError;
    expect(e).toBeInstanceOf(CliError);
    expect(e.key).toBe('err.authProvider');
    expect(e.params).toEqual({ name: 'oidc' });
  });
});
