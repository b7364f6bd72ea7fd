// Real components for the transport tests (test/cluster/transport.test.ts), started with the rest of
// the control plane:
//   token-webhook        tools/cluster/transport-server.mjs: kube-apiserver's token webhook
//                        authenticator (--authentication-token-webhook-config-file, what EKS uses);
//                        it accepts tokens minted by tools/cluster/exec-credential.mjs (a real exec
//                        credential plugin) until they expire, and not at all once revoked
//   forward-proxy        tinyproxy (Debian tinyproxy-bin), open
//   forward-proxy-auth   tinyproxy with BasicAuth (answers 407 without the right credentials)
//   socks-proxy          microsocks (Debian), SOCKS5
// The API server also gets --min-request-timeout=30: it ends every watch after 30-60 s, as load
// balancers and the API server itself do in real clusters (default 30-60 min), so that a long watch
// reconnects with a credential that has expired in the meantime.
//
// Everything is written under <run dir>/transport; tests read transport/info.json (transportInfo()).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dump } from 'js-yaml';

const HERE = dirname(fileURLToPath(import.meta.url));
export const TRANSPORT_SERVER = join(HERE, 'transport-server.mjs');
export const EXEC_CREDENTIAL_PLUGIN = join(HERE, 'exec-credential.mjs');

export const TRANSPORT_COMPONENTS = ['token-webhook', 'forward-proxy', 'forward-proxy-auth', 'socks-proxy'] as const;
export type TransportComponent = (typeof TRANSPORT_COMPONENTS)[number];

/** Port names, picked together with the harness's own ports. */
export const TRANSPORT_PORTS = ['tokenWebhook', 'forwardProxy', 'forwardProxyAuth', 'socksProxy'] as const;
export type TransportPorts = Record<(typeof TRANSPORT_PORTS)[number], number>;

/** How long the webhook's accepted tokens stay cached in the API server (kept below a token's life). */
const WEBHOOK_CACHE_TTL = '1s';

export interface TransportInfo {
  webhookUrl: string;
  /** The webhook's credential store: { <id>: { secret, user, groups, revoked } }, re-read per request. */
  credentialsFile: string;
  execPlugin: string;
  proxies: { open: string; auth: string; authUser: string; authPassword: string; socks: string };
  logs: Record<TransportComponent, string>;
}

export function transportDir(runDir: string): string {
  return join(runDir, 'transport');
}

/** The Debian binaries these components need; the error says how to install them (.ci/run does). */
export function findBinary(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/usr/bin'])) {
    const p = join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  throw new Error(
    `${name} not found: install the Debian packages tinyproxy-bin and microsocks (apt-get install tinyproxy-bin microsocks; .ci/run does)`,
  );
}

/** The API server flags: the token webhook, and watches that end after 30-60 s. */
export function transportApiserverFlags(runDir: string): string[] {
  return [
    `--authentication-token-webhook-config-file=${join(transportDir(runDir), 'webhook-kubeconfig')}`,
    '--authentication-token-webhook-version=v1',
    `--authentication-token-webhook-cache-ttl=${WEBHOOK_CACHE_TTL}`,
    '--min-request-timeout=30',
  ];
}

interface Def {
  name: TransportComponent;
  bin: string;
  args: string[];
  env: Record<string, string>;
  health: { url: string; expect?: string };
}

/**
 * Writes the configuration (webhook kubeconfig for the API server, tinyproxy configs, credential
 * store, info.json) and returns the component definitions, in start order.
 */
export function prepareTransport(o: {
  runDir: string;
  logDir: string;
  caCert: string;
  servingCert: string;
  servingKey: string;
  ports: TransportPorts;
}): Def[] {
  const dir = transportDir(o.runDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const webhook = `https://127.0.0.1:${o.ports.tokenWebhook}`;
  writeFileSync(
    join(dir, 'webhook-kubeconfig'),
    dump({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'token-webhook', cluster: { server: `${webhook}/authenticate`, 'certificate-authority': o.caCert } }],
      users: [{ name: 'kube-apiserver', user: {} }],
      contexts: [{ name: 'webhook', context: { cluster: 'token-webhook', user: 'kube-apiserver' } }],
      'current-context': 'webhook',
    }),
    { mode: 0o600 },
  );
  const credentialsFile = join(dir, 'credentials.json');
  if (!existsSync(credentialsFile)) writeFileSync(credentialsFile, '{}\n', { mode: 0o600 });
  const authUser = 'e2e-proxy-user';
  const authPassword = randomBytes(12).toString('hex');
  const tinyproxyConf = (port: number, auth: boolean) =>
    [
      `Port ${port}`,
      'Listen 127.0.0.1',
      // A watch is a long, mostly idle tunnel.
      'Timeout 3600',
      'MaxClients 200',
      'LogLevel Connect',
      'DisableViaHeader Yes',
      ...(auth ? [`BasicAuth ${authUser} ${authPassword}`] : []),
      '',
    ].join('\n');
  writeFileSync(join(dir, 'tinyproxy.conf'), tinyproxyConf(o.ports.forwardProxy, false));
  writeFileSync(join(dir, 'tinyproxy-auth.conf'), tinyproxyConf(o.ports.forwardProxyAuth, true), { mode: 0o600 });
  const log = (n: TransportComponent) => join(o.logDir, `${n}.log`);
  const info: TransportInfo = {
    webhookUrl: webhook,
    credentialsFile,
    execPlugin: EXEC_CREDENTIAL_PLUGIN,
    proxies: {
      open: `http://127.0.0.1:${o.ports.forwardProxy}`,
      auth: `http://127.0.0.1:${o.ports.forwardProxyAuth}`,
      authUser,
      authPassword,
      socks: `socks5://127.0.0.1:${o.ports.socksProxy}`,
    },
    logs: {
      'token-webhook': log('token-webhook'),
      'forward-proxy': log('forward-proxy'),
      'forward-proxy-auth': log('forward-proxy-auth'),
      'socks-proxy': log('socks-proxy'),
    },
  };
  writeFileSync(join(dir, 'info.json'), JSON.stringify(info, null, 2), { mode: 0o600 });
  // The proxies have no health endpoint of their own: the webhook server probes them (a CONNECT or a
  // SOCKS5 greeting that gets an answer) and answers 200 when they do.
  const probe = (q: string) => ({ url: `${webhook}/probe?${q}`, expect: 'ok' });
  return [
    {
      name: 'token-webhook',
      bin: process.execPath,
      args: [
        TRANSPORT_SERVER,
        `--port=${o.ports.tokenWebhook}`,
        `--cert=${o.servingCert}`,
        `--key=${o.servingKey}`,
        `--credentials=${credentialsFile}`,
      ],
      env: {},
      health: { url: `${webhook}/healthz`, expect: 'ok' },
    },
    {
      name: 'forward-proxy',
      bin: findBinary('tinyproxy'),
      args: ['-d', '-c', join(dir, 'tinyproxy.conf')],
      env: {},
      health: probe(`http=${o.ports.forwardProxy}`),
    },
    {
      name: 'forward-proxy-auth',
      bin: findBinary('tinyproxy'),
      args: ['-d', '-c', join(dir, 'tinyproxy-auth.conf')],
      env: {},
      health: probe(`http=${o.ports.forwardProxyAuth}`),
    },
    {
      name: 'socks-proxy',
      bin: findBinary('microsocks'),
      args: ['-i', '127.0.0.1', '-p', String(o.ports.socksProxy)],
      env: {},
      health: probe(`socks=${o.ports.socksProxy}`),
    },
  ];
}

/** What the transport tests need, from a running cluster's run dir. */
export function transportInfo(runDir: string): TransportInfo {
  const file = join(transportDir(runDir), 'info.json');
  if (!existsSync(file)) {
    throw new Error(
      `${file} is missing: this cluster was started without the transport components; restart it with \`npm run cluster -- up --fresh\``,
    );
  }
  return JSON.parse(readFileSync(file, 'utf8')) as TransportInfo;
}

export interface WebhookCredential {
  secret: string;
  user: string;
  groups: string[];
  revoked: boolean;
}

/** Adds (or replaces) a credential in the webhook's store; the file is replaced atomically. */
export function putCredential(info: TransportInfo, id: string, cred: WebhookCredential): void {
  const all = JSON.parse(readFileSync(info.credentialsFile, 'utf8')) as Record<string, WebhookCredential>;
  all[id] = cred;
  const tmp = `${info.credentialsFile}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(all, null, 2), { mode: 0o600 });
  renameSync(tmp, info.credentialsFile); // atomic: the webhook never reads half a file
}
