// Kubeconfig resolution the way kubectl does it (client-go clientcmd), not the way
// @kubernetes/client-node's loadFromDefault does:
//   --kubeconfig FILE      that file only
//   KUBECONFIG=a:b:c       merged, the FIRST file that defines a name wins, current-context from the
//                          first file that sets one; missing files are skipped
//   else ~/.kube/config, else in-cluster service account
// then --context, --cluster, --user, --server, --token, ... override. Namespace: -n, the context's, "default".
import { readFileSync, existsSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { CliError } from '../errors.js';

export interface KubeFlags {
  kubeconfig?: string;
  context?: string;
  cluster?: string;
  user?: string;
  namespace?: string;
  server?: string;
  token?: string;
  as?: string;
  asGroup?: string[];
  certificateAuthority?: string;
  clientCertificate?: string;
  clientKey?: string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
}

export interface ExecConfig {
  command: string;
  args?: string[];
  env?: Array<{ name: string; value: string }>;
  apiVersion?: string;
  [k: string]: unknown;
}

export interface ResolvedConfig {
  server: string;
  contextName: string | null;
  clusterName: string | null;
  userName: string | null;
  namespace: string;
  namespaceFromFlag: boolean;
  ca?: Buffer;
  insecure: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  tokenFile?: string;
  basic?: { username: string; password: string };
  exec?: ExecConfig;
  authProvider?: { name: string; config?: Record<string, string> };
  impersonate?: { user?: string; groups: string[] };
  /** The user entry as written (relative paths resolved), for credential plugins. */
  rawUser?: Record<string, unknown>;
  rawCluster?: Record<string, unknown>;
}

interface Named<T> {
  name: string;
  value: T;
  dir: string;
}

type Obj = Record<string, unknown>;

export interface Env {
  [k: string]: string | undefined;
}

export interface FsLike {
  readFile(path: string): Buffer;
  exists(path: string): boolean;
}

export const realFs: FsLike = { readFile: (p) => readFileSync(p), exists: (p) => existsSync(p) };

function asObj(x: unknown): Obj {
  return x && typeof x === 'object' && !Array.isArray(x) ? (x as Obj) : {};
}

function str(x: unknown): string | undefined {
  return typeof x === 'string' && x !== '' ? x : undefined;
}

function resolvePath(dir: string, p: string | undefined): string | undefined {
  if (!p) return undefined;
  if (p.startsWith('~/')) return p; // kubectl does not expand ~ either
  return isAbsolute(p) ? p : join(dir, p);
}

export function kubeconfigFiles(flags: KubeFlags, env: Env, fs: FsLike): string[] {
  if (flags.kubeconfig) {
    if (!fs.exists(flags.kubeconfig)) {
      throw new CliError(1, 'err.kubeconfigRead', { path: flags.kubeconfig, detail: 'no such file' });
    }
    return [flags.kubeconfig];
  }
  if (env.KUBECONFIG) {
    const seen = new Set<string>();
    return env.KUBECONFIG.split(delimiter).filter((p) => {
      if (!p || seen.has(p)) return false;
      seen.add(p);
      return fs.exists(p);
    });
  }
  const home = env.HOME ?? env.USERPROFILE;
  if (home) {
    const p = join(home, '.kube', 'config');
    if (fs.exists(p)) return [p];
  }
  return [];
}

interface Merged {
  clusters: Map<string, Named<Obj>>;
  users: Map<string, Named<Obj>>;
  contexts: Map<string, Named<Obj>>;
  currentContext?: string;
}

export function mergeKubeconfigs(files: string[], fs: FsLike): Merged {
  const merged: Merged = { clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const file of files) {
    let doc: Obj;
    try {
      const text = fs.readFile(file).toString('utf8');
      doc = asObj(text.trim() === '' ? {} : loadYaml(text));
    } catch (e) {
      const detail = e instanceof Error ? e.message.split('\n')[0]! : String(e);
      throw new CliError(1, 'err.kubeconfigRead', { path: file, detail });
    }
    const dir = dirname(file);
    const add = (target: Map<string, Named<Obj>>, list: unknown, field: string) => {
      if (!Array.isArray(list)) return;
      for (const entry of list) {
        const e = asObj(entry);
        const name = str(e.name);
        if (!name || target.has(name)) continue; // first file wins, as in clientcmd
        target.set(name, { name, value: asObj(e[field]), dir });
      }
    };
    add(merged.clusters, doc.clusters, 'cluster');
    add(merged.users, doc.users, 'user');
    add(merged.contexts, doc.contexts, 'context');
    if (!merged.currentContext && str(doc['current-context'])) merged.currentContext = str(doc['current-context']);
  }
  return merged;
}

function inCluster(flags: KubeFlags, env: Env, fs: FsLike): ResolvedConfig | null {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const root = '/var/run/secrets/kubernetes.io/serviceaccount';
  if (!host || !port || !fs.exists(`${root}/token`)) return null;
  const h = host.includes(':') ? `[${host}]` : host;
  let ns = 'default';
  try {
    ns = fs.readFile(`${root}/namespace`).toString('utf8').trim() || 'default';
  } catch {
    /* keep default */
  }
  return {
    server: flags.server ?? `https://${h}:${port}`,
    contextName: null,
    clusterName: null,
    userName: 'serviceaccount',
    namespace: flags.namespace ?? ns,
    namespaceFromFlag: flags.namespace !== undefined,
    ca: fs.exists(`${root}/ca.crt`) ? fs.readFile(`${root}/ca.crt`) : undefined,
    insecure: flags.insecureSkipTlsVerify === true,
    tokenFile: `${root}/token`,
    token: flags.token,
    impersonate: flags.as || flags.asGroup?.length ? { user: flags.as, groups: flags.asGroup ?? [] } : undefined,
  };
}

function readData(fs: FsLike, data: unknown, file: string | undefined, what: string): Buffer | undefined {
  if (typeof data === 'string' && data !== '') return Buffer.from(data, 'base64');
  if (file) {
    try {
      return fs.readFile(file);
    } catch (e) {
      throw new CliError(1, 'err.kubeconfigRead', { path: file, detail: `${what}: ${(e as Error).message}` });
    }
  }
  return undefined;
}

/** Only the names of the contexts: for messages and completion. */
export function contextNames(flags: KubeFlags, env: Env, fs: FsLike = realFs): string[] {
  return [...mergeKubeconfigs(kubeconfigFiles(flags, env, fs), fs).contexts.keys()];
}

export function resolveKubeconfig(flags: KubeFlags, env: Env, fs: FsLike = realFs): ResolvedConfig {
  const files = kubeconfigFiles(flags, env, fs);
  if (files.length === 0 && !flags.server && !flags.context) {
    const ic = inCluster(flags, env, fs);
    if (ic) return ic;
    throw new CliError(1, 'err.noKubeconfig', {});
  }
  const merged = mergeKubeconfigs(files, fs);
  const available = [...merged.contexts.keys()].join(', ');
  const contextName = flags.context ?? merged.currentContext ?? null;
  let ctx: Obj = {};
  if (contextName) {
    const found = merged.contexts.get(contextName);
    if (!found) throw new CliError(1, 'err.contextNotFound', { context: contextName, available });
    ctx = found.value;
  } else if (!flags.server) {
    throw new CliError(1, 'err.noCurrentContext', { available });
  }
  const clusterName = flags.cluster ?? str(ctx.cluster) ?? null;
  const userName = flags.user ?? str(ctx.user) ?? null;
  const cluster = clusterName ? merged.clusters.get(clusterName) : undefined;
  if (clusterName && !cluster && !flags.server) throw new CliError(1, 'err.clusterNotFound', { cluster: clusterName });
  const user = userName ? merged.users.get(userName) : undefined;
  if (userName && !user && flags.user) throw new CliError(1, 'err.userNotFound', { user: userName });

  const c = cluster?.value ?? {};
  const cdir = cluster?.dir ?? '.';
  const server = flags.server ?? str(c.server);
  if (!server) throw new CliError(1, 'err.noServer', {});
  if (!/^https?:\/\//i.test(server)) throw new CliError(1, 'err.badServerUrl', { server });

  const caFile = flags.certificateAuthority ?? resolvePath(cdir, str(c['certificate-authority']));
  const ca = flags.certificateAuthority
    ? readData(fs, undefined, flags.certificateAuthority, 'certificate-authority')
    : readData(fs, c['certificate-authority-data'], caFile, 'certificate-authority');

  const u = user?.value ?? {};
  const udir = user?.dir ?? '.';
  const certFile = flags.clientCertificate ?? resolvePath(udir, str(u['client-certificate']));
  const keyFile = flags.clientKey ?? resolvePath(udir, str(u['client-key']));
  const cert = flags.clientCertificate
    ? readData(fs, undefined, certFile, 'client-certificate')
    : readData(fs, u['client-certificate-data'], certFile, 'client-certificate');
  const key = flags.clientKey
    ? readData(fs, undefined, keyFile, 'client-key')
    : readData(fs, u['client-key-data'], keyFile, 'client-key');

  const execRaw = asObj(u.exec);
  let exec: ExecConfig | undefined;
  if (str(execRaw.command)) {
    const command = str(execRaw.command)!;
    exec = {
      ...execRaw,
      command: command.includes('/') && !isAbsolute(command) ? join(udir, command) : command,
    } as ExecConfig;
  }
  const ap = asObj(u['auth-provider']);
  const authProvider = str(ap.name) ? { name: str(ap.name)!, config: asObj(ap.config) as Record<string, string> } : undefined;

  const asUser = flags.as ?? str(u.as);
  const asGroups = flags.asGroup?.length ? flags.asGroup : Array.isArray(u['as-groups']) ? (u['as-groups'] as string[]) : [];

  const rawUser: Record<string, unknown> = { ...u };
  if (exec) rawUser.exec = exec;

  return {
    server: server.replace(/\/+$/, ''),
    contextName,
    clusterName,
    userName,
    namespace: flags.namespace ?? str(ctx.namespace) ?? 'default',
    namespaceFromFlag: flags.namespace !== undefined,
    ca,
    insecure: flags.insecureSkipTlsVerify ?? c['insecure-skip-tls-verify'] === true,
    tlsServerName: flags.tlsServerName ?? str(c['tls-server-name']),
    proxyUrl: str(c['proxy-url']),
    cert,
    key,
    token: flags.token ?? str(u.token),
    tokenFile: flags.token ? undefined : resolvePath(udir, str(u.tokenFile)),
    basic: str(u.username) ? { username: str(u.username)!, password: String(u.password ?? '') } : undefined,
    exec: flags.token ? undefined : exec,
    authProvider: flags.token ? undefined : authProvider,
    impersonate: asUser || asGroups.length ? { user: asUser, groups: asGroups } : undefined,
    rawUser,
    rawCluster: c,
  };
}
