// Kubeconfig resolution through its FsLike seam: merging, relative paths, in-cluster, flag overrides,
// and the checks kubectl makes on the chosen context, cluster and user.
import { describe, expect, it } from 'vitest';
import { dump } from 'js-yaml';
import { http2Off, resolveKubeconfig, kubeconfigFiles, contextNames, type FsLike, type KubeFlags } from '../../src/kube/kubeconfig.js';

/** A CA as the kubeconfig holds it: PEM (a CA without a PEM certificate is refused, as client-go refuses it). */
const pem = (s: string) => `-----BEGIN CERTIFICATE-----\n${s}\n-----END CERTIFICATE-----\n`;
import { CliError } from '../../src/errors.js';

function memFs(files: Record<string, string | object>): FsLike {
  const text = (v: string | object) => (typeof v === 'string' ? v : dump(v));
  return {
    readFile: (p) => {
      if (!(p in files)) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
      return Buffer.from(text(files[p]!));
    },
    exists: (p) => p in files,
  };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

function config(o: { cluster?: object; user?: object; context?: object; current?: string | null; name?: string } = {}): object {
  const name = o.name ?? 'c';
  return {
    apiVersion: 'v1',
    kind: 'Config',
    ...(o.current === null ? {} : { 'current-context': o.current ?? name }),
    clusters: [{ name, cluster: { server: 'https://api.example.com:6443', ...o.cluster } }],
    users: [{ name, user: { token: 't', ...o.user } }],
    contexts: [{ name, context: { cluster: name, user: name, ...o.context } }],
  };
}

function resolve(files: Record<string, string | object>, flags: KubeFlags = {}, env: Record<string, string> = { KUBECONFIG: '/k/config' }) {
  return resolveKubeconfig(flags, env, memFs(files));
}

function failure(fn: () => unknown): { key: string; params: Record<string, unknown> } {
  try {
    fn();
  } catch (e) {
    if (e instanceof CliError) return { key: e.key, params: e.params };
    throw e;
  }
  throw new Error('did not throw');
}

describe('which files, and how they merge (clientcmd)', () => {
  it('--kubeconfig wins over KUBECONFIG; a missing --kubeconfig is an error', () => {
    const fs = memFs({ '/a': '', '/b': '' });
    expect(kubeconfigFiles({ kubeconfig: '/a' }, { KUBECONFIG: '/b' }, fs)).toEqual(['/a']);
    expect(failure(() => kubeconfigFiles({ kubeconfig: '/nope' }, {}, fs)).key).toBe('err.kubeconfigRead');
  });

  it('KUBECONFIG: missing files skipped, duplicates once; else ~/.kube/config', () => {
    const fs = memFs({ '/a': '', '/b': '', '/home/u/.kube/config': '' });
    expect(kubeconfigFiles({}, { KUBECONFIG: '/a:/missing:/b:/a' }, fs)).toEqual(['/a', '/b']);
    expect(kubeconfigFiles({}, { HOME: '/home/u' }, fs)).toEqual(['/home/u/.kube/config']);
  });

  it('the first file that defines a name wins; current-context from the first file that sets one', () => {
    const first = { ...config({ name: 'x', current: null }) };
    const second = {
      'current-context': 'y',
      clusters: [
        { name: 'x', cluster: { server: 'https://second.example.com' } },
        { name: 'y', cluster: { server: 'https://y.example.com' } },
      ],
      users: [{ name: 'y', user: { token: 'ty' } }],
      contexts: [{ name: 'y', context: { cluster: 'x', user: 'y', namespace: 'ns-y' } }],
    };
    const cfg = resolve({ '/1': first, '/2': second }, {}, { KUBECONFIG: '/1:/2' });
    expect(cfg.contextName).toBe('y');
    expect(cfg.server).toBe('https://api.example.com:6443'); // cluster "x" from the first file
    expect(cfg.token).toBe('ty');
    expect(cfg.namespace).toBe('ns-y');
    expect(contextNames({}, { KUBECONFIG: '/1:/2' }, memFs({ '/1': first, '/2': second }))).toEqual(['x', 'y']);
  });

  it('relative paths resolve against the file that holds them', () => {
    const cfg = resolve({
      '/k/config': config({
        cluster: { 'certificate-authority': 'pki/ca.crt' },
        user: { token: undefined, 'client-certificate': 'me.crt', 'client-key': '/abs/me.key', exec: undefined },
      }),
      '/k/pki/ca.crt': pem('CA'),
      '/k/me.crt': 'CERT',
      '/abs/me.key': 'KEY',
    });
    expect(cfg.ca?.toString()).toBe(pem('CA'));
    expect(cfg.cert?.toString()).toBe('CERT');
    expect(cfg.key?.toString()).toBe('KEY');
  });

  it('an exec command with a path separator is relative to the kubeconfig; a bare name is looked up on PATH', () => {
    const exec = { apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never' };
    const a = resolve({ '/k/config': config({ user: { token: undefined, exec: { ...exec, command: 'bin/get-token' } } }) });
    expect(a.exec?.command).toBe('/k/bin/get-token');
    const b = resolve({ '/k/config': config({ user: { token: undefined, exec: { ...exec, command: 'aws' } } }) });
    expect(b.exec?.command).toBe('aws');
  });

  it('namespace: -n, then the context, then default', () => {
    expect(resolve({ '/k/config': config({ context: { namespace: 'team' } }) }).namespace).toBe('team');
    expect(resolve({ '/k/config': config({ context: { namespace: 'team' } }) }, { namespace: 'x' })).toMatchObject({
      namespace: 'x',
      namespaceFromFlag: true,
    });
    expect(resolve({ '/k/config': config() }).namespace).toBe('default');
  });

  it('unknown context, cluster and user are named', () => {
    const files = { '/k/config': config() };
    expect(failure(() => resolve(files, { context: 'nope' }))).toEqual({
      key: 'err.contextNotFound',
      params: { context: 'nope', available: 'c' },
    });
    expect(failure(() => resolve(files, { cluster: 'nope' })).key).toBe('err.clusterNotFound');
    expect(failure(() => resolve(files, { user: 'nope' })).key).toBe('err.userNotFound');
    expect(failure(() => resolve({ '/k/config': config({ current: null }) })).key).toBe('err.noCurrentContext');
    expect(failure(() => resolve({}, {}, {})).key).toBe('err.noKubeconfig');
  });

  it('server path prefixes are kept (Rancher-style), trailing slashes dropped', () => {
    expect(resolve({ '/k/config': config({ cluster: { server: 'https://rancher.example.com/k8s/clusters/c-abc/' } }) }).server).toBe(
      'https://rancher.example.com/k8s/clusters/c-abc',
    );
  });
});

describe('flags override the kubeconfig as kubectl', () => {
  const files = {
    '/k/config': config({ cluster: { 'certificate-authority-data': b64(pem('KCA')), 'tls-server-name': 'kube.internal' } }),
    '/flag-ca': pem('FLAGCA'),
    '/c.crt': 'C',
    '/c.key': 'K',
  };

  it('--insecure-skip-tls-verify drops the kubeconfig CA instead of failing', () => {
    const cfg = resolve(files, { insecureSkipTlsVerify: true });
    expect(cfg.insecure).toBe(true);
    expect(cfg.ca).toBeUndefined();
  });

  it('--certificate-authority replaces the CA; with --insecure-skip-tls-verify too it is refused', () => {
    expect(resolve(files, { certificateAuthority: '/flag-ca' }).ca?.toString()).toBe(pem('FLAGCA'));
    expect(failure(() => resolve(files, { certificateAuthority: '/flag-ca', insecureSkipTlsVerify: true })).key).toBe('err.insecureWithCa');
  });

  it('--server clears the kubeconfig tls-server-name unless --tls-server-name is given', () => {
    expect(resolve(files).tlsServerName).toBe('kube.internal');
    expect(resolve(files, { server: 'https://10.0.0.1:6443' }).tlsServerName).toBeUndefined();
    expect(resolve(files, { server: 'https://10.0.0.1:6443', tlsServerName: 'x' }).tlsServerName).toBe('x');
  });

  it('--token replaces the token; --client-certificate/--client-key replace the kubeconfig pair', () => {
    const withCert = {
      '/k/config': config({ user: { 'client-certificate-data': b64('KC'), 'client-key-data': b64('KK') } }),
      '/c.crt': 'C',
      '/c.key': 'K',
    };
    expect(resolve(withCert, { token: 'flag' }).token).toBe('flag');
    const cfg = resolve(withCert, { clientCertificate: '/c.crt', clientKey: '/c.key' });
    expect([cfg.cert?.toString(), cfg.key?.toString()]).toEqual(['C', 'K']);
  });

  it('--as, --as-group, --as-uid; kubeconfig as, as-uid, as-groups, as-user-extra', () => {
    const k = {
      '/k/config': config({ user: { as: 'alice', 'as-uid': '42', 'as-groups': ['a', 'b'], 'as-user-extra': { scopes: ['x', 'y'] } } }),
    };
    expect(resolve(k).impersonate).toEqual({ user: 'alice', uid: '42', groups: ['a', 'b'], extra: { scopes: ['x', 'y'] } });
    expect(resolve(k, { as: 'bob', asGroup: ['g'], asUid: '7' }).impersonate).toEqual({
      user: 'bob',
      uid: '7',
      groups: ['g'],
      extra: { scopes: ['x', 'y'] },
    });
    expect(failure(() => resolve({ '/k/config': config() }, { asGroup: ['g'] })).key).toBe('err.impersonateWithoutUser');
    expect(failure(() => resolve({ '/k/config': config() }, { asUid: '1' })).key).toBe('err.impersonateWithoutUser');
  });

  it('HTTP/2: by default on Node >= 26, opt-in below it (KUBECTL_BLUEGREEN_HTTP2, any value); DISABLE_HTTP2, as client-go, keeps HTTP/1.1 whatever', () => {
    const on = { KUBECTL_BLUEGREEN_HTTP2: '1' };
    for (const major of [20, 22, 25]) {
      expect(http2Off({}, major), `Node ${major}`).toBe(true);
      expect(http2Off({ KUBECTL_BLUEGREEN_HTTP2: '' }, major)).toBe(true);
      expect(http2Off(on, major)).toBe(false);
      expect(http2Off({ ...on, DISABLE_HTTP2: '' }, major)).toBe(false);
    }
    for (const major of [26, 27]) {
      expect(http2Off({}, major), `Node ${major}`).toBe(false);
      expect(http2Off(on, major)).toBe(false);
    }
    for (const major of [20, 26]) {
      expect(http2Off({ ...on, DISABLE_HTTP2: '1' }, major)).toBe(true);
      expect(http2Off({ DISABLE_HTTP2: 'false' }, major)).toBe(true);
    }
    // resolveKubeconfig asks it with this process's Node
    const here = http2Off({});
    expect(resolve({ '/k/config': config() }).disableHttp2).toBe(here);
    expect(resolve({ '/k/config': config() }, {}, { KUBECONFIG: '/k/config', ...on }).disableHttp2).toBe(false);
    expect(resolve({ '/k/config': config() }, {}, { KUBECONFIG: '/k/config', ...on, DISABLE_HTTP2: '1' }).disableHttp2).toBe(true);
  });

  it('disable-compression from the cluster or --disable-compression', () => {
    expect(resolve({ '/k/config': config() }).disableCompression).toBe(false);
    expect(resolve({ '/k/config': config({ cluster: { 'disable-compression': true } }) }).disableCompression).toBe(true);
    expect(resolve({ '/k/config': config() }, { disableCompression: true }).disableCompression).toBe(true);
  });
});

describe('what kubectl refuses, refused', () => {
  it('a CA together with insecure-skip-tls-verify', () => {
    const r = failure(() =>
      resolve({ '/k/config': config({ cluster: { 'certificate-authority-data': b64('CA'), 'insecure-skip-tls-verify': true } }) }),
    );
    expect(r).toEqual({ key: 'err.insecureWithCa', params: { cluster: 'c' } });
  });

  it('basic auth: refused before any password is sent', () => {
    expect(failure(() => resolve({ '/k/config': config({ user: { token: undefined, username: 'admin', password: 'pw' } }) }))).toEqual({
      key: 'err.basicAuth',
      params: { user: 'c' },
    });
  });

  it('a client certificate without a key', () => {
    expect(failure(() => resolve({ '/k/config': config({ user: { 'client-certificate-data': b64('C') } }) })).key).toBe(
      'err.certWithoutKey',
    );
  });

  it('fields of the wrong type name the entry and the field (untrusted YAML is checked, not cast)', () => {
    const cases: Array<[object, string, string]> = [
      [{ user: { 'as-groups': 'admins' } }, 'as-groups', 'stringList'],
      [{ user: { 'as-user-extra': { k: 'v' } } }, 'as-user-extra', 'stringListMap'],
      [{ user: { token: 42 } }, 'token', 'string'],
      [{ user: { exec: 'aws' } }, 'exec', 'map'],
      [{ user: { 'auth-provider': { name: 'oidc', config: { 'id-token': 1 } } } }, 'config', 'stringMap'],
      [{ cluster: { 'insecure-skip-tls-verify': 'true' } }, 'insecure-skip-tls-verify', 'boolean'],
      [{ cluster: { server: ['https://x'] } }, 'server', 'string'],
      [{ context: { namespace: 7 } }, 'namespace', 'string'],
    ];
    for (const [o, field, expected] of cases) {
      const r = failure(() => resolve({ '/k/config': config(o) }));
      expect(r.key, field).toBe('err.kubeconfigField');
      expect(r.params.field, field).toBe(field);
      expect(r.params.expected, field).toBe(expected);
    }
  });

  it('exec plugins: apiVersion required and known, interactiveMode required for v1 and defaulted for v1beta1', () => {
    const u = (exec: object) => ({ '/k/config': config({ user: { token: undefined, exec: { command: 'get-token', ...exec } } }) });
    expect(failure(() => resolve(u({ interactiveMode: 'Never' }))).params.problem).toBe('noApiVersion');
    expect(
      failure(() => resolve(u({ apiVersion: 'client.authentication.k8s.io/v1alpha1', interactiveMode: 'Never' }))).params,
    ).toMatchObject({ problem: 'apiVersion', value: 'client.authentication.k8s.io/v1alpha1' });
    expect(failure(() => resolve(u({ apiVersion: 'client.authentication.k8s.io/v1' }))).params.problem).toBe('noInteractiveMode');
    expect(failure(() => resolve(u({ apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Sometimes' }))).params.problem).toBe(
      'interactiveMode',
    );
    expect(resolve(u({ apiVersion: 'client.authentication.k8s.io/v1beta1' })).exec?.interactiveMode).toBe('IfAvailable');
    expect(
      failure(() => resolve(u({ apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never', env: [{ value: 'x' }] }))).key,
    ).toBe('err.kubeconfigField');
    expect(
      failure(() =>
        resolve({
          '/k/config': config({
            user: {
              token: undefined,
              exec: { command: 'a', apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never' },
              'auth-provider': { name: 'oidc' },
            },
          }),
        }),
      ).params.problem,
    ).toBe('withAuthProvider');
  });

  it('proxy-url: http, https and socks5 only; the password never appears in the message', () => {
    const r = failure(() => resolve({ '/k/config': config({ cluster: { 'proxy-url': 'ftp://u:secret@proxy:21' } }) }));
    expect(r.key).toBe('err.badProxyUrl');
    expect(r.params.reason).toBe('scheme');
    expect(JSON.stringify(r.params)).not.toContain('secret');
  });
});

describe('exec plugin settings and cluster info', () => {
  it('args, env, installHint, provideClusterInfo with the cluster extension', () => {
    const cfg = resolve(
      {
        '/k/config': config({
          cluster: {
            'certificate-authority-data': b64(pem('CA')),
            'proxy-url': 'http://proxy:3128',
            extensions: [{ name: 'client.authentication.k8s.io/exec', extension: { audience: 'prod' } }],
          },
          user: {
            token: undefined,
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1',
              command: 'get-token',
              args: ['--cluster', 'prod'],
              env: [{ name: 'REGION', value: 'eu' }],
              interactiveMode: 'IfAvailable',
              provideClusterInfo: true,
              installHint: 'brew install get-token',
            },
          },
        }),
      },
      {},
      { KUBECONFIG: '/k/config', PATH: '/bin' },
    );
    expect(cfg.exec).toMatchObject({
      command: 'get-token',
      args: ['--cluster', 'prod'],
      env: [{ name: 'REGION', value: 'eu' }],
      interactiveMode: 'IfAvailable',
      provideClusterInfo: true,
      installHint: 'brew install get-token',
    });
    expect(cfg.exec?.parentEnv.PATH).toBe('/bin');
    expect(cfg.execCluster).toEqual({
      server: 'https://api.example.com:6443',
      'certificate-authority-data': b64(pem('CA')),
      'proxy-url': 'http://proxy:3128',
      config: { audience: 'prod' },
    });
  });

  it('a token in the kubeconfig wins over exec (client-go skips the plugin then)', async () => {
    const cfg = resolve({
      '/k/config': config({
        user: { token: 'static', exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'x', interactiveMode: 'Never' } },
      }),
    });
    const { credentials } = await import('../../src/kube/auth.js');
    const creds = await credentials(cfg, { readFile: () => Buffer.from(''), runExec: () => Promise.reject(new Error('must not run')) });
    expect((await creds.current()).authorization).toBe('Bearer static');
    expect(creds.renewable).toBe(false);
  });
});

describe('in-cluster', () => {
  const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
  const files = { [`${sa}/token`]: 'SATOKEN', [`${sa}/namespace`]: 'apps\n', [`${sa}/ca.crt`]: 'SACA' };
  const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };

  it('the service account: server, CA, token file, namespace', () => {
    const cfg = resolve(files, {}, env);
    expect(cfg).toMatchObject({ server: 'https://10.96.0.1:443', tokenFile: `${sa}/token`, namespace: 'apps', userName: 'serviceaccount' });
    expect(cfg.ca?.toString()).toBe('SACA');
    expect(cfg.disableHttp2).toBe(http2Off({}));
    expect(resolve(files, {}, { ...env, KUBECTL_BLUEGREEN_HTTP2: '1' }).disableHttp2).toBe(false);
    expect(resolve(files, {}, { ...env, KUBECTL_BLUEGREEN_HTTP2: '1', DISABLE_HTTP2: 'true' }).disableHttp2).toBe(true);
  });

  it('POD_NAMESPACE first, IPv6 service host bracketed, --token and --server override', () => {
    expect(resolve(files, {}, { ...env, POD_NAMESPACE: 'pod-ns' }).namespace).toBe('pod-ns');
    expect(resolve(files, {}, { ...env, KUBERNETES_SERVICE_HOST: 'fd00::1' }).server).toBe('https://[fd00::1]:443');
    const o = resolve(files, { token: 'T', server: 'https://other:6443' }, env);
    expect(o).toMatchObject({ token: 'T', tokenFile: undefined, server: 'https://other:6443' });
  });

  it('not in a pod: no kubeconfig is an error', () => {
    expect(failure(() => resolve(files, {}, {})).key).toBe('err.noKubeconfig');
  });
});

// Found by a hostile review (kubeconfig and flags), each against client-go's clientcmd.
describe('as clientcmd, where the plugin differed', () => {
  const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
  const pod = { [`${sa}/token`]: 'SATOKEN', [`${sa}/namespace`]: 'ci-ns\n' };
  const podEnv = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', KUBECONFIG: '/k/config' };

  it("in a pod, a context without a namespace takes the pod's (DeferredLoadingClientConfig.Namespace); one that names it keeps it", () => {
    expect(resolve({ ...pod, '/k/config': config() }, {}, podEnv).namespace).toBe('ci-ns');
    expect(resolve({ ...pod, '/k/config': config() }, {}, { ...podEnv, POD_NAMESPACE: 'pod-ns' }).namespace).toBe('pod-ns');
    expect(resolve({ ...pod, '/k/config': config({ context: { namespace: 'default' } }) }, {}, podEnv).namespace).toBe('default');
    expect(resolve({ ...pod, '/k/config': config() }, { namespace: 'flag-ns' }, podEnv).namespace).toBe('flag-ns');
    expect(resolve({ '/k/config': config() }).namespace).toBe('default');
  });

  it('in a pod, an empty kubeconfig falls back to the service account (ErrEmptyConfig, then in-cluster)', () => {
    const cfg = resolve({ ...pod, '/k/config': '' }, {}, podEnv);
    expect(cfg).toMatchObject({ server: 'https://10.96.0.1:443', tokenFile: `${sa}/token`, namespace: 'ci-ns' });
    expect(failure(() => resolve({ '/k/config': '' })).key).toBe('err.noCurrentContext');
  });

  it('in a pod, contexts without a current-context fall back to the service account too (the empty cluster is ErrEmptyConfig)', () => {
    const noCurrent = config({ current: null });
    expect(resolve({ ...pod, '/k/config': noCurrent }, {}, podEnv)).toMatchObject({
      server: 'https://10.96.0.1:443',
      tokenFile: `${sa}/token`,
    });
    // Not in a pod, or with a context or a cluster named on the command line: what the kubeconfig says.
    expect(failure(() => resolve({ '/k/config': noCurrent })).key).toBe('err.noCurrentContext');
    expect(resolve({ ...pod, '/k/config': noCurrent }, { context: 'c' }, podEnv).server).toBe('https://api.example.com:6443');
    expect(failure(() => resolve({ ...pod, '/k/config': noCurrent }, { cluster: 'c' }, podEnv)).key).toBe('err.noCurrentContext');
  });

  it('a name twice in one file is refused, as client-go refuses it (duplicate name in list)', () => {
    const doc = config() as { clusters: object[] };
    doc.clusters.push({ name: 'c', cluster: { server: 'https://other.example.com' } });
    const f = failure(() => resolve({ '/k/config': doc }));
    expect(f.key).toBe('err.kubeconfigDuplicate');
    expect(f.params).toMatchObject({ kind: 'cluster', name: 'c' });
  });

  it('a -data field and its file both set are refused, as client-go validation refuses them', () => {
    const ca = failure(() =>
      resolve({
        '/k/config': config({ cluster: { 'certificate-authority-data': b64(pem('A')), 'certificate-authority': '/ca.crt' } }),
        '/ca.crt': pem('B'),
      }),
    );
    expect(ca).toMatchObject({ key: 'err.kubeconfigBoth', params: { kind: 'cluster', field: 'certificate-authority' } });
    const cert = failure(() =>
      resolve({
        '/k/config': config({ user: { 'client-certificate-data': b64('C'), 'client-certificate': '/c.crt', 'client-key-data': b64('K') } }),
        '/c.crt': 'C',
      }),
    );
    expect(cert).toMatchObject({ key: 'err.kubeconfigBoth', params: { kind: 'user', field: 'client-certificate' } });
  });

  it('YAML kubectl reads: a repeated key (the last wins), yes/no/on/off for a boolean', () => {
    const text = `apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: c\n  cluster:\n    server: https://api.example.com\n    insecure-skip-tls-verify: yes\nusers:\n- name: c\n  user: {token: t}\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: c\n    namespace: first\n    namespace: second\n`;
    const cfg = resolve({ '/k/config': text });
    expect(cfg.namespace).toBe('second');
    expect(cfg.insecure).toBe(true);
    expect(resolve({ '/k/config': text.replace('verify: yes', 'verify: off') }).insecure).toBe(false);
    // Quoted, it is a string, which kubectl refuses for a boolean.
    expect(failure(() => resolve({ '/k/config': text.replace('verify: yes', 'verify: "yes"') })).key).toBe('err.kubeconfigField');
  });

  it('a server without a scheme is http:// whatever the CA, certificate or insecure flag, as kubectl makes it (and no credential goes there)', () => {
    const server = (cluster: object, user: object = {}) => resolve({ '/k/config': config({ cluster, user }) }).server;
    expect(server({ server: '127.0.0.1:6443', 'certificate-authority-data': b64(pem('A')) })).toBe('http://127.0.0.1:6443');
    expect(server({ server: 'api.example.com:6443', 'insecure-skip-tls-verify': true })).toBe('http://api.example.com:6443');
    expect(server({ server: 'api.example.com:6443' })).toBe('http://api.example.com:6443');
    expect(failure(() => server({ server: 'ftp://api.example.com' })).key).toBe('err.badServerUrl');
  });

  it('"~/ca.crt" is relative to the kubeconfig\'s directory like any relative path (client-go does not expand ~)', () => {
    const cfg = resolve({ '/k/config': config({ cluster: { 'certificate-authority': '~/ca.crt' } }), '/k/~/ca.crt': pem('T') });
    expect(cfg.ca?.toString()).toBe(pem('T'));
  });
});
