// The transport against real components, for both shipped runtimes (the npm bundle on Node 20 and a
// single executable on Node 26): tinyproxy and microsocks (Debian) for HTTPS_PROXY/NO_PROXY and
// proxy-url, the API server's token webhook with a real exec credential plugin whose tokens expire
// after a few seconds (tools/cluster/transport.ts), gzip on lists, the OS trust store, and the
// kubeconfig checks kubectl makes. Where it says "as kubectl", the real kubectl runs the same case.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readState, type ClusterState } from '../../tools/cluster/harness.js';
import { putCredential, transportInfo, type TransportInfo } from '../../tools/cluster/transport.js';
import { bundleCjs, buildSea } from '../../scripts/packaging/sea.js';
import { nodeBinary } from '../../scripts/packaging/cache.js';
import { NODE_VERSION, TARGETS } from '../../scripts/packaging/targets.js';
import { writeKubeconfig } from '../cli/kubeconfig-file.js';
import { record } from '../reliability.js';
import {
  clusterEnv,
  deploy,
  IMAGE,
  kubectlOk,
  manifests,
  newNamespace,
  printLogsOnFailure,
  REPO,
  setImageRaw,
  until,
  type Run,
} from './e2e.js';

printLogsOnFailure();

let state: ClusterState;
let info: TransportInfo;
let tmp: string;
let apiPort: string;

interface Runtime {
  name: string;
  cmd: string[];
}
const runtimes: Runtime[] = [{ name: 'npm bundle (Node 20)', cmd: [process.execPath, join(REPO, 'bin', 'kubectl-bluegreen')] }];

beforeAll(async () => {
  state = readState()!;
  info = transportInfo(state.runDir);
  tmp = mkdtempSync(join(tmpdir(), 'bluegreen-transport-'));
  apiPort = new URL(state.apiServerUrl).port;
  // The single executable as `npm run package` makes it for linux/amd64, from this tree.
  const node26 = nodeBinary(TARGETS[0]!);
  await bundleCjs(join(tmp, 'bundle.cjs'), join(tmp, 'plugin-auth.cjs'), join(tmp, 'sea-main.cjs'));
  buildSea({
    generator: node26,
    executable: node26,
    main: join(tmp, 'sea-main.cjs'),
    bundle: join(tmp, 'bundle.cjs'),
    pluginAuth: join(tmp, 'plugin-auth.cjs'),
    output: join(tmp, 'kubectl-bluegreen'),
  });
  runtimes.push({ name: `single executable (Node ${NODE_VERSION})`, cmd: [join(tmp, 'kubectl-bluegreen')] });
}, 300_000);

// ---------------------------------------------------------------------------------------------------
// helpers

/** The environment of a run: ours without proxy or CA settings, plus `extra`. */
function envFor(extra: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string | undefined> = { ...process.env, LANG: 'en_US.UTF-8', NO_COLOR: '1', CI: undefined };
  for (const k of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy', 'KUBECONFIG']) delete env[k];
  Object.assign(env, extra);
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

function run(cmd: string[], args: string[], env: Record<string, string | undefined>, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(cmd[0]!, [...cmd.slice(1), ...args], { env: envFor(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 137, stdout, stderr });
    });
  });
}

const kubectl = (args: string[], env: Record<string, string | undefined>) => run([clusterEnv().KUBECTL_BIN!], args, env);

const caPem = () => readFileSync(state.tls.ca);
const token = (user: string) => (state.tokenUsers.find((u) => u.name === user) as { token: string }).token;
const adminCert = () => ({
  'client-certificate-data': readFileSync(state.tls.cert).toString('base64'),
  'client-key-data': readFileSync(state.tls.key).toString('base64'),
});

/** A kubeconfig with one context; `cluster` fields on top of the harness's server and CA. */
function kubeconfig(cluster: Record<string, unknown>, user: Record<string, unknown>, namespace = 'default'): string {
  const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const base = { server: state.apiServerUrl, 'certificate-authority-data': caPem().toString('base64') };
  return writeKubeconfig(defined({ ...base, ...cluster }), user, { namespace });
}

function logText(component: keyof TransportInfo['logs']): string {
  return readFileSync(info.logs[component], 'utf8');
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

const DEAD_PROXY = 'http://127.0.0.1:1';

// ---------------------------------------------------------------------------------------------------

describe('proxies: tinyproxy and microsocks', () => {
  // Loopback is never proxied from the environment (as in Go), so these cases reach the API server as
  // https://0.0.0.0:<port> (which Linux connects to locally), verified as "localhost".
  const viaZero = () =>
    kubeconfig({ server: `https://0.0.0.0:${apiPort}`, 'tls-server-name': 'localhost' }, { token: token('e2e-token-admin') });

  for (const proxyVar of ['HTTPS_PROXY', 'https_proxy']) {
    it(`${proxyVar} carries the connection (as kubectl)`, async () => {
      const kc = viaZero();
      for (const rt of runtimes) {
        const before = count(logText('forward-proxy'), `CONNECT 0.0.0.0:${apiPort} `);
        const r = await run(rt.cmd, ['status', '-n', 'apc-fe-ns'], { KUBECONFIG: kc, [proxyVar]: info.proxies.open });
        expect(r.code, `${rt.name}: ${r.stderr}`).toBe(0);
        expect(count(logText('forward-proxy'), `CONNECT 0.0.0.0:${apiPort} `), rt.name).toBeGreaterThan(before);
      }
      const before = count(logText('forward-proxy'), `CONNECT 0.0.0.0:${apiPort} `);
      const k = await kubectl(['get', 'namespace', 'apc-fe-ns'], { KUBECONFIG: kc, [proxyVar]: info.proxies.open });
      expect(k.code, k.stderr).toBe(0);
      expect(count(logText('forward-proxy'), `CONNECT 0.0.0.0:${apiPort} `)).toBeGreaterThan(before);
    });
  }

  it('NO_PROXY: IP, CIDR, IP:port and * exempt the server, another port does not; loopback never goes through a proxy (as kubectl)', async () => {
    const kc = viaZero();
    const cases: Array<[string | undefined, boolean]> = [
      ['0.0.0.0', true],
      ['0.0.0.0/8', true],
      [`0.0.0.0:${apiPort}`, true],
      ['example.com, *', true],
      ['0.0.0.0:1', false],
      [undefined, false],
    ];
    for (const [noProxy, direct] of cases) {
      const env = { KUBECONFIG: kc, HTTPS_PROXY: DEAD_PROXY, NO_PROXY: noProxy };
      const k = await kubectl(['get', 'namespace', 'apc-fe-ns'], env);
      expect(k.code === 0, `kubectl NO_PROXY=${noProxy}: ${k.stderr}`).toBe(direct);
      for (const rt of runtimes) {
        const r = await run(rt.cmd, ['status', '-n', 'apc-fe-ns'], env);
        expect(r.code, `${rt.name} NO_PROXY=${noProxy}: ${r.stderr}`).toBe(direct ? 0 : 1);
        if (!direct) expect(r.stderr).toContain(`(through the proxy ${DEAD_PROXY} (from HTTPS_PROXY): connection refused)`);
      }
    }
    const loopback = kubeconfig({}, { token: token('e2e-token-admin') });
    for (const rt of runtimes) {
      const r = await run(rt.cmd, ['status', '-n', 'apc-fe-ns'], { KUBECONFIG: loopback, HTTPS_PROXY: DEAD_PROXY });
      expect(r.code, `${rt.name}: ${r.stderr}`).toBe(0);
    }
    expect((await kubectl(['get', 'namespace', 'apc-fe-ns'], { KUBECONFIG: loopback, HTTPS_PROXY: DEAD_PROXY })).code).toBe(0);
    record({
      kind: 'fault',
      area: 'proxy from the environment (tinyproxy)',
      case: 'HTTPS_PROXY / https_proxy, NO_PROXY as IP, CIDR, IP:port, *, another port; loopback with a dead proxy',
      outcome: 'same decisions as kubectl for every case; a dead proxy is named in the error',
    });
  });

  it('proxy-url with a token user and with a client-certificate user: the API server sees the user', async () => {
    const ns = await newNamespace('transport-proxyurl');
    await deploy(ns);
    for (const rt of runtimes) {
      const before = count(logText('forward-proxy'), `CONNECT 127.0.0.1:${apiPort} `);
      const tok = await run(rt.cmd, ['status', 'frontend'], {
        KUBECONFIG: kubeconfig({ 'proxy-url': info.proxies.open }, { token: token('e2e-token-admin') }, ns),
      });
      expect(tok.code, `${rt.name}: ${tok.stderr}`).toBe(0);
      expect(tok.stdout).toContain('ACTIVE');
      expect(count(logText('forward-proxy'), `CONNECT 127.0.0.1:${apiPort} `)).toBeGreaterThan(before);
      // Without the certificate the request would be anonymous (403): a change records who made it,
      // from the API server's own SelfSubjectReview.
      const cert = await run(rt.cmd, ['set-image', 'frontend', `frontend=${IMAGE(`v9.${runtimes.indexOf(rt)}`)}`, '--yes'], {
        KUBECONFIG: kubeconfig({ 'proxy-url': info.proxies.open }, adminCert(), ns),
      });
      expect(cert.code, `${rt.name}: ${cert.stderr}`).toBe(0);
      expect(cert.stdout + cert.stderr).toContain('Recorded as e2e-admin');
    }
    record({
      kind: 'security',
      area: 'proxy-url (tinyproxy)',
      case: 'a token user and a client-certificate user through the kubeconfig proxy-url',
      outcome: 'both authenticated by kube-apiserver through the tunnel (the certificate is no longer dropped)',
    });
  });

  it('proxy-url socks5:// (microsocks) with a client-certificate user; a dead SOCKS proxy is named', async () => {
    for (const rt of runtimes) {
      const r = await run(rt.cmd, ['status', '-n', 'apc-fe-ns'], {
        KUBECONFIG: kubeconfig({ 'proxy-url': info.proxies.socks }, adminCert()),
      });
      expect(r.code, `${rt.name}: ${r.stderr}`).toBe(0);
      const dead = await run(rt.cmd, ['status', '-n', 'apc-fe-ns'], {
        KUBECONFIG: kubeconfig({ 'proxy-url': 'socks5://127.0.0.1:1' }, adminCert()),
      });
      expect(dead.code).toBe(1);
      expect(dead.stderr).toContain('through the proxy socks5://127.0.0.1:1 (from proxy-url)');
    }
    expect(
      (await kubectl(['get', 'namespace', 'apc-fe-ns'], { KUBECONFIG: kubeconfig({ 'proxy-url': info.proxies.socks }, adminCert()) })).code,
    ).toBe(0);
  });

  it('a proxy that wants authentication (407): named, with what to do, in both languages; with the credentials it works; the password is never printed', async () => {
    const proxy = info.proxies.auth;
    const withCreds = proxy.replace('//', `//${info.proxies.authUser}:${info.proxies.authPassword}@`);
    for (const rt of runtimes) {
      const no = await run(rt.cmd, ['status', '-n', 'apc-fe-ns'], {
        KUBECONFIG: kubeconfig({ 'proxy-url': proxy }, { token: token('e2e-token-admin') }),
      });
      expect(no.code).toBe(1);
      expect(no.stderr).toBe(
        `error: the proxy ${proxy} (from proxy-url) on the way to ${state.apiServerUrl} requires authentication, and its URL has no user and password (407 Proxy Authentication Required). Put the proxy's credentials in the URL (http://USER:PASSWORD@host:port), or check them.\n`,
      );
      const ko = await run(rt.cmd, ['status', '-n', 'apc-fe-ns', '--lang', 'ko'], {
        KUBECONFIG: kubeconfig({ 'proxy-url': proxy.replace('//', '//e2e-proxy-user:wrong@') }, { token: token('e2e-token-admin') }),
      });
      expect(ko.code).toBe(1);
      // tinyproxy answers 401 (not 407) to wrong credentials
      expect(ko.stderr).toContain('URL에 든 사용자와 비밀번호를 거부했습니다 (401 Unauthorized)');
      expect(ko.stderr).not.toContain('wrong');
      const ok = await run(rt.cmd, ['status', '-n', 'apc-fe-ns', '-vvv'], {
        KUBECONFIG: kubeconfig({ 'proxy-url': withCreds }, { token: token('e2e-token-admin') }),
      });
      expect(ok.code, `${rt.name}: ${ok.stderr}`).toBe(0);
      expect(ok.stdout + ok.stderr).not.toContain(info.proxies.authPassword);
    }
    expect(
      (
        await kubectl(['get', 'namespace', 'apc-fe-ns'], {
          KUBECONFIG: kubeconfig({ 'proxy-url': proxy }, { token: token('e2e-token-admin') }),
        })
      ).code,
    ).not.toBe(0);
    record({
      kind: 'security',
      area: 'proxy authentication (tinyproxy BasicAuth)',
      case: 'proxy-url without, with wrong and with right credentials',
      outcome:
        '407 explained as the proxy\'s authentication (not "cannot reach"), in English and Korean; works with credentials; password never printed at -vvv',
    });
  });
});

// ---------------------------------------------------------------------------------------------------

describe('exec credentials from a token webhook, as on EKS', () => {
  const TTL_SECONDS = 8;

  /** A credential in the webhook's store and a kubeconfig whose exec plugin mints tokens from it. */
  function credential(
    ns: string,
    ttlSeconds = TTL_SECONDS,
  ): {
    id: string;
    kubeconfig: string;
    runs: () => Array<{ time: string; interactive: boolean; cluster: string | null }>;
    revoke: () => void;
    user: string;
  } {
    const id = randomBytes(4).toString('hex');
    const secret = randomBytes(16).toString('hex');
    const user = `e2e-webhook-${id}`;
    putCredential(info, id, { secret, user, groups: ['system:masters'], revoked: false });
    const file = join(tmp, `credential-${id}.json`);
    writeFileSync(file, JSON.stringify({ id, secret, ttlSeconds }));
    const kc = kubeconfig(
      {},
      {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: info.execPlugin,
          env: [{ name: 'BLUEGREEN_E2E_CREDENTIAL', value: file }],
          interactiveMode: 'Never',
          provideClusterInfo: true,
        },
      },
      ns,
    );
    return {
      id,
      user,
      kubeconfig: kc,
      runs: () => {
        try {
          return readFileSync(`${file}.runs`, 'utf8')
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l));
        } catch {
          return [];
        }
      },
      revoke: () => putCredential(info, id, { secret, user, groups: ['system:masters'], revoked: true }),
    };
  }

  /** Starts a long-running command; `stop()` sends SIGINT and resolves with the outcome. */
  function start(cmd: string[], args: string[], env: Record<string, string>) {
    const child = spawn(cmd[0]!, [...cmd.slice(1), ...args], { env: envFor(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code: code ?? 137, stdout, stderr })));
    return {
      out: () => stdout,
      err: () => stderr,
      done,
      stop: () => {
        child.kill('SIGINT');
        return done;
      },
    };
  }

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('kubectl accepts the same plugin and webhook (the fixture is kubectl-compatible)', async () => {
    const c = credential('default');
    const r = await kubectl(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], { KUBECONFIG: c.kubeconfig });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(c.user);
  });

  it('a two-minute status --watch and a wait keep working across token expiries; a revoked credential ends with "credentials expired or rejected", exit 1, in both languages', async () => {
    const nsWatch = await newNamespace('transport-watch');
    const nsWait = await newNamespace('transport-wait');
    await Promise.all([deploy(nsWatch), deploy(nsWait)]);
    const t0 = Date.now();

    // status --watch, one per runtime, for two minutes while the image changes every 12 s.
    const watches = runtimes.map((rt) => {
      const c = credential(nsWatch);
      return { rt, c, p: start(rt.cmd, ['status', 'frontend', '--watch'], { KUBECONFIG: c.kubeconfig }) };
    });
    // wait --for=paused, one per runtime; the preview comes only after 70 s, when every watch has
    // been ended by the API server at least once (--min-request-timeout=30: after 30-60 s).
    const waits = runtimes.map((rt) => {
      const c = credential(nsWait);
      return { rt, c, p: start(rt.cmd, ['wait', 'frontend', '--for=paused', '--timeout', '170s'], { KUBECONFIG: c.kubeconfig }) };
    });
    // A credential revoked while its watch is open: npm in English, the executable in Korean.
    const revoked = runtimes.map((rt, i) => {
      const c = credential(nsWatch);
      const p = start(rt.cmd, ['status', 'frontend', '--watch', '--lang', i === 0 ? 'en' : 'ko'], { KUBECONFIG: c.kubeconfig });
      const entry = { rt, c, lang: i === 0 ? 'en' : 'ko', p, endedAt: 0 };
      void p.done.then(() => (entry.endedAt = Date.now()));
      return entry;
    });
    let revokedAt = 0;

    await sleep(5_000);
    for (const r of revoked) r.c.revoke();
    revokedAt = Date.now();
    const tags: string[] = [];
    let previewSet = false;
    while (Date.now() - t0 < 120_000) {
      await sleep(12_000);
      const tag = `v3.${tags.length + 1}`;
      await setImageRaw(nsWatch, tag);
      tags.push(tag);
      if (!previewSet && Date.now() - t0 > 70_000) {
        await setImageRaw(nsWait, 'v1.099');
        previewSet = true;
      }
    }
    await sleep(3_000);

    for (const w of watches) {
      const result = await w.p.stop();
      for (const tag of tags) expect(result.stdout, `${w.rt.name} shows ${tag}`).toContain(`frontend:${tag}`);
      expect(result.stderr, w.rt.name).not.toContain('reconnecting');
      expect(result.code, `${w.rt.name}: ${result.stderr}`).toBe(130);
      // Tokens live 8 s: two minutes of watching needed the plugin again and again.
      expect(w.c.runs().length, w.rt.name).toBeGreaterThanOrEqual(5);
      expect(w.c.runs().every((r) => r.interactive === false && r.cluster === state.apiServerUrl)).toBe(true);
    }
    for (const w of waits) {
      const result = await w.p.done;
      expect(result.code, `${w.rt.name}: ${result.stderr}`).toBe(0);
      expect(result.stdout).toContain('is paused for promotion');
      expect(w.c.runs().length, `${w.rt.name}: the wait's watch was renewed with a new token`).toBeGreaterThanOrEqual(2);
    }
    for (const r of revoked) {
      const result = await Promise.race([r.p.done, sleep(5_000).then(() => null)]);
      expect(result, `${r.rt.name}: ended by itself`).not.toBeNull();
      expect(result!.code, `${r.rt.name}: ${result!.stderr}`).toBe(1);
      expect(result!.stderr).toContain(r.lang === 'en' ? 'credentials expired or rejected' : '인증 정보가 만료되었거나 거부되었습니다');
      expect(result!.stderr).toContain(info.execPlugin);
      // No reconnect loop before the error. (After it, status.ts's other watcher may print one
      // "reconnecting" line while the process closes its connections.)
      expect(result!.stderr.split('error:')[0]).not.toContain('reconnecting');
      // The API server ends its watches within 60 s; the first request after that ends the command.
      expect(r.endedAt - revokedAt, r.rt.name).toBeLessThan(75_000);
    }
    const decisions = logText('token-webhook');
    expect(decisions).toContain('"why":"credential revoked"');
    record({
      kind: 'fault',
      area: 'exec credential plugin with short-lived tokens (token webhook, as EKS)',
      case: `8 s tokens: status --watch for 120 s with ${tags.length} image changes, wait across API-server watch timeouts, and a credential revoked mid-watch (npm bundle and single executable)`,
      outcome:
        'watch and wait kept working, the plugin re-run as tokens expired; the revoked credential ended the command with "credentials expired or rejected", exit 1, no reconnect loop',
    });
  }, 240_000);
});

// ---------------------------------------------------------------------------------------------------

/** Established TCP connections from process `pid` to `port` (its socket descriptors, matched in /proc/net/tcp*). */
function connectionsTo(pid: number, port: number): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let link = '';
    try {
      link = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m) inodes.add(m[1]!);
  }
  let n = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const remotePort = parseInt(cols[2]!.split(':')[1]!, 16);
      if (cols[3] === '01' && remotePort === port && inodes.has(cols[9]!)) n++;
    }
  }
  return n;
}

describe('HTTP/2 with kube-apiserver (src/kube/h2.ts)', () => {
  it('a status --watch runs its reads and its watches over one connection; with DISABLE_HTTP2 over several (HTTP/1.1); the pictures agree', async () => {
    const ns = await newNamespace('transport-h2');
    await deploy(ns);
    const kc = kubeconfig({}, adminCert(), ns);
    for (const rt of runtimes) {
      const seen: Record<string, { connections: number; picture: string }> = {};
      for (const [name, extra] of [
        // HTTP/2 is opt-in (src/kube/kubeconfig.ts); DISABLE_HTTP2 wins over it, as client-go's
        ['h2', { KUBECTL_BLUEGREEN_HTTP2: '1' }],
        ['h1', { KUBECTL_BLUEGREEN_HTTP2: '1', DISABLE_HTTP2: '1' }],
      ] as const) {
        const child = spawn(rt.cmd[0]!, [...rt.cmd.slice(1), 'status', 'frontend', '--watch'], {
          env: envFor({ KUBECONFIG: kc, ...extra }),
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        const exited = new Promise((r) => child.on('close', r));
        try {
          await until(`${rt.name} ${name}: the first picture`, async () => out.includes('Next:'), 30_000);
          // The watches are open once the picture is drawn; a moment for their connections to settle.
          await new Promise((r) => setTimeout(r, 500));
          seen[name] = { connections: connectionsTo(child.pid!, Number(apiPort)), picture: out.slice(0, out.indexOf('Next:')) };
        } finally {
          child.kill('SIGINT');
          await exited;
        }
      }
      expect(seen.h2!.connections, rt.name).toBe(1);
      expect(seen.h1!.connections, rt.name).toBeGreaterThan(1);
      expect(seen.h2!.picture.replace(/created \S+ ago/g, ''), rt.name).toBe(seen.h1!.picture.replace(/created \S+ ago/g, ''));
    }
  }, 180_000);
});

// ---------------------------------------------------------------------------------------------------

describe('gzip, the OS trust store, and what kubectl refuses', () => {
  it('lists are compressed (gzip negotiated); --disable-compression and disable-compression turn it off', async () => {
    const ns = await newNamespace('transport-gzip');
    // The API server compresses answers over 128 KiB: one Rollout with a 150 KB annotation.
    await kubectlOk(['apply', '-n', ns, '-f', '-'], manifests({}));
    const patch = join(tmp, 'big-annotation.json');
    writeFileSync(patch, JSON.stringify({ metadata: { annotations: { 'example.com/big': 'x'.repeat(150_000) } } }));
    await kubectlOk(['patch', 'rollout', 'frontend', '-n', ns, '--type', 'merge', '--patch-file', patch]);
    const kc = kubeconfig({}, adminCert(), ns);
    for (const rt of runtimes) {
      const on = await run(rt.cmd, ['status', '-v'], { KUBECONFIG: kc });
      expect(on.code, on.stderr).toBe(0);
      expect(on.stderr).toMatch(new RegExp(`GET /apis/argoproj.io/v1alpha1/namespaces/${ns}/rollouts\\S* 200 in \\d+ ms \\(gzip\\)`));
      const flag = await run(rt.cmd, ['status', '-v', '--disable-compression'], { KUBECONFIG: kc });
      expect(flag.code, flag.stderr).toBe(0);
      expect(flag.stderr).not.toContain('(gzip)');
      const field = await run(rt.cmd, ['status', '-v'], { KUBECONFIG: kubeconfig({ 'disable-compression': true }, adminCert(), ns) });
      expect(field.stderr).not.toContain('(gzip)');
    }
  });

  it('no CA in the kubeconfig: a CA only the OS bundle holds (SSL_CERT_FILE) is accepted, another refused (as kubectl)', async () => {
    const bundle = join(tmp, 'os-bundle.pem');
    writeFileSync(bundle, `${readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8')}\n${caPem().toString()}`);
    const without = join(tmp, 'os-bundle-without.pem');
    writeFileSync(without, readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8'));
    const emptyDir = mkdtempSync(join(tmpdir(), 'bluegreen-empty-certs-'));
    const kc = kubeconfig({ 'certificate-authority-data': undefined }, { token: token('e2e-token-admin') });
    const good = { KUBECONFIG: kc, SSL_CERT_FILE: bundle, SSL_CERT_DIR: emptyDir, NODE_EXTRA_CA_CERTS: undefined };
    const bad = { ...good, SSL_CERT_FILE: without };
    for (const rt of runtimes) {
      const r = await run(rt.cmd, ['status', '-n', 'apc-fe-ns'], good);
      expect(r.code, `${rt.name}: ${r.stderr}`).toBe(0);
      const n = await run(rt.cmd, ['status', '-n', 'apc-fe-ns'], bad);
      expect(n.code).toBe(1);
      expect(n.stderr).toContain('certificate signed by an unknown authority');
    }
    expect((await kubectl(['get', 'namespace', 'apc-fe-ns'], good)).code).toBe(0);
    expect((await kubectl(['get', 'namespace', 'apc-fe-ns'], bad)).code).not.toBe(0);
  });

  it('CA file, token file, insecure-skip-tls-verify, tls-server-name, impersonation (--as, --as-group, --as-uid)', async () => {
    const caFile = join(tmp, 'ca.crt');
    writeFileSync(caFile, caPem());
    const tokenFile = join(tmp, 'token');
    writeFileSync(tokenFile, `${token('e2e-token-admin')}\n`);
    const ok = [
      kubeconfig({ 'certificate-authority-data': undefined, 'certificate-authority': caFile }, { tokenFile }),
      kubeconfig({ 'certificate-authority-data': undefined, 'insecure-skip-tls-verify': true }, { token: token('e2e-token-admin') }),
      kubeconfig(
        { server: `https://localhost:${apiPort}`, 'tls-server-name': 'kubernetes.default.svc' },
        { token: token('e2e-token-admin') },
      ),
    ];
    for (const rt of runtimes) {
      for (const kc of ok) {
        const r = await run(rt.cmd, ['status', '-n', 'apc-fe-ns'], { KUBECONFIG: kc });
        expect(r.code, `${rt.name} ${readFileSync(kc, 'utf8').slice(0, 300)}: ${r.stderr}`).toBe(0);
      }
      const wrongName = await run(rt.cmd, ['status', '-n', 'apc-fe-ns'], {
        KUBECONFIG: kubeconfig({ 'tls-server-name': 'wrong.example.com' }, { token: token('e2e-token-admin') }),
      });
      expect(wrongName.stderr).toContain('the server certificate is not valid for this address');
      // Impersonation reaches the API server: the viewer may not list rollouts...
      const ns = await newNamespace('transport-as');
      const as = await run(rt.cmd, ['status', '-n', ns, '--as', 'e2e-viewer', '--as-group', 'bg-readers', '--as-uid', 'uid-1'], {
        KUBECONFIG: kubeconfig({}, adminCert()),
      });
      expect(as.code).toBe(1);
      expect(as.stderr).toContain('user "e2e-viewer" may not list rollouts.argoproj.io');
      // ...until its impersonated group may.
      await kubectlOk(['create', 'role', 'read', '-n', ns, '--verb=get,list,watch', '--resource=rollouts.argoproj.io']);
      await kubectlOk(['create', 'rolebinding', 'read', '-n', ns, '--role=read', '--group=bg-readers']);
      const asOk = await until('the role binding to apply', async () => {
        const r = await run(rt.cmd, ['status', '-n', ns, '--as', 'e2e-viewer', '--as-group', 'bg-readers', '--as-uid', 'uid-1'], {
          KUBECONFIG: kubeconfig({}, adminCert()),
        });
        return r.code === 0 ? r : undefined;
      });
      expect(asOk.code).toBe(0);
    }
  });

  it('refused as kubectl refuses them: a CA with insecure-skip-tls-verify; basic auth (the password is never sent)', async () => {
    const both = kubeconfig({ 'insecure-skip-tls-verify': true }, { token: token('e2e-token-admin') });
    const k = await kubectl(['get', 'namespace', 'default'], { KUBECONFIG: both });
    expect(k.stderr).toContain('specifying a root certificates file with the insecure flag is not allowed');
    const basic = kubeconfig({}, { username: 'admin', password: 'pw-should-not-leak' });
    for (const rt of runtimes) {
      const r = await run(rt.cmd, ['status', '-n', 'apc-fe-ns'], { KUBECONFIG: both });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('specifying a root certificates file with the insecure flag is not allowed');
      const b = await run(rt.cmd, ['status', '-n', 'apc-fe-ns', '-vvv'], { KUBECONFIG: basic });
      expect(b.code).toBe(1);
      expect(b.stderr).toContain('uses a username and password (basic authentication)');
      expect(b.stderr).not.toContain('GET ');
      expect(b.stderr).not.toContain('pw-should-not-leak');
    }
    // kubectl sends it, and the API server (no basic auth since 1.19) refuses it.
    expect((await kubectl(['get', 'namespace', 'default'], { KUBECONFIG: basic })).code).not.toBe(0);
  });
});
