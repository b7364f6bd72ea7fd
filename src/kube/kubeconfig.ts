// Kubeconfig resolution the way kubectl does it (client-go clientcmd), not the way
// @kubernetes/client-node's loadFromDefault does:
//   --kubeconfig FILE      that file only
//   KUBECONFIG=a:b:c       merged, the FIRST file that defines a name wins, current-context from the
//                          first file that sets one; missing files are skipped
//   else ~/.kube/config, else in-cluster service account
// then --context, --cluster, --user, --server, --token, ... override. Namespace: -n, the context's, "default".
//
// The chosen context, cluster and user are checked as clientcmd's ConfirmUsable checks them (a field of
// the wrong type, a certificate without its key, a CA together with insecure-skip-tls-verify, an exec
// plugin without apiVersion, ...): a kubeconfig is untrusted input, and kubectl refuses these too.
// Relative paths are resolved against the directory of the file that holds them.
import { readFileSync, existsSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { load as loadYaml, DEFAULT_SCHEMA, Type } from 'js-yaml';

import { CliError, EXIT } from '../errors.js';
import { chooseProxy, parseProxyUrl, PROXY_SCHEMES, displayProxy, type ProxyChoice } from './proxy.js';

/**
 * go-yaml v2's booleans, as kubectl reads a kubeconfig: YAML 1.2's true and false and also y, yes, on and n,
 * no, off, each in three casings (this type replaces js-yaml's own boolean, so it holds them all).
 */
const YAML11_BOOLS: Record<string, boolean> = {};
for (const [words, value] of [
  [['true', 'y', 'yes', 'on'], true],
  [['false', 'n', 'no', 'off'], false],
] as const) {
  for (const w of words) for (const v of [w, w[0]!.toUpperCase() + w.slice(1), w.toUpperCase()]) YAML11_BOOLS[v] = value;
}
const YAML11 = DEFAULT_SCHEMA.extend({
  implicit: [
    new Type('tag:yaml.org,2002:bool', {
      kind: 'scalar',
      resolve: (data: string | null) => data !== null && data in YAML11_BOOLS,
      construct: (data: string) => YAML11_BOOLS[data],
    }),
  ],
});
import type { ExecClusterInfo } from './exec.js';

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
  asUid?: string;
  certificateAuthority?: string;
  clientCertificate?: string;
  clientKey?: string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
  disableCompression?: boolean;
}

export type Env = Record<string, string | undefined>;

export const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'] as const;
export const INTERACTIVE_MODES = ['Never', 'IfAvailable', 'Always'] as const;

export interface ExecConfig {
  /** As written, or resolved against the kubeconfig's directory when it holds a path separator. */
  command: string;
  args: string[];
  env: Array<{ name: string; value: string }>;
  apiVersion: (typeof EXEC_API_VERSIONS)[number];
  interactiveMode: (typeof INTERACTIVE_MODES)[number];
  provideClusterInfo: boolean;
  installHint?: string;
  /** The environment the plugin inherits (ours), with `env` on top. */
  parentEnv: Env;
}

export interface Impersonation {
  user: string;
  uid?: string;
  groups: string[];
  extra: Record<string, string[]>;
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
  /** The proxy the connection goes through (proxy-url, or HTTPS_PROXY/NO_PROXY), if any. */
  proxy?: ProxyChoice;
  /** The cluster's proxy-url, as written. */
  proxyUrl?: string;
  /** disable-compression (cluster) or --disable-compression: no Accept-Encoding: gzip. */
  disableCompression: boolean;
  /** HTTP/1.1 only (http2Off): on Node < 26 unless KUBECTL_BLUEGREEN_HTTP2 is set; with DISABLE_HTTP2 always. */
  disableHttp2?: boolean;
  /** SSL_CERT_FILE / SSL_CERT_DIR, for the OS trust store when the kubeconfig names no CA. */
  systemCaEnv: { SSL_CERT_FILE?: string; SSL_CERT_DIR?: string };
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  tokenFile?: string;
  exec?: ExecConfig;
  /** What an exec plugin with provideClusterInfo receives. */
  execCluster?: ExecClusterInfo;
  authProvider?: { name: string; config: Record<string, string> };
  impersonate?: Impersonation;
}

interface Named<T> {
  name: string;
  value: T;
  dir: string;
}

type Obj = Record<string, unknown>;

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
  // As client-go's ResolvePaths: "~/x" is not expanded; like any relative path it is the kubeconfig's directory's.
  return isAbsolute(p) ? p : join(dir, p);
}

// ---------------------------------------------------------------------------------------------------
// Typed reading of an untrusted document: a field of the wrong type is refused, as kubectl's decoder
// refuses it, naming the entry and the field.

type Where = { kind: 'cluster' | 'user' | 'context'; name: string };
type Expected = 'string' | 'boolean' | 'stringList' | 'stringListMap' | 'stringMap' | 'map' | 'envList';

function wrongType(where: Where, field: string, expected: Expected): CliError {
  return new CliError(EXIT.FAILURE, 'err.kubeconfigField', { kind: where.kind, name: where.name, field, expected });
}

/** A checked reader of one kubeconfig entry. */
class Fields {
  constructor(
    private readonly o: Obj,
    private readonly where: Where,
  ) {}

  has(f: string): boolean {
    return this.o[f] !== undefined && this.o[f] !== null;
  }

  string(f: string): string | undefined {
    const v = this.o[f];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw wrongType(this.where, f, 'string');
    return v === '' ? undefined : v;
  }

  boolean(f: string): boolean {
    const v = this.o[f];
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') throw wrongType(this.where, f, 'boolean');
    return v;
  }

  stringList(f: string): string[] {
    const v = this.o[f];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw wrongType(this.where, f, 'stringList');
    return v as string[];
  }

  stringMap(f: string): Record<string, string> {
    const v = this.o[f];
    if (v === undefined || v === null) return {};
    const m = asObj(v);
    if (m !== v || !Object.values(m).every((x) => typeof x === 'string')) throw wrongType(this.where, f, 'stringMap');
    return m as Record<string, string>;
  }

  stringListMap(f: string): Record<string, string[]> {
    const v = this.o[f];
    if (v === undefined || v === null) return {};
    const m = asObj(v);
    if (m !== v || !Object.values(m).every((x) => Array.isArray(x) && x.every((y) => typeof y === 'string'))) {
      throw wrongType(this.where, f, 'stringListMap');
    }
    return m as Record<string, string[]>;
  }

  map(f: string): Fields | undefined {
    const v = this.o[f];
    if (v === undefined || v === null) return undefined;
    const m = asObj(v);
    if (m !== v) throw wrongType(this.where, f, 'map');
    return new Fields(m, this.where);
  }

  raw(f: string): unknown {
    return this.o[f];
  }
}

// ---------------------------------------------------------------------------------------------------
// Files and merging

export function kubeconfigFiles(flags: KubeFlags, env: Env, fs: FsLike): string[] {
  if (flags.kubeconfig) {
    if (!fs.exists(flags.kubeconfig)) {
      throw new CliError(EXIT.FAILURE, 'err.kubeconfigRead', { path: flags.kubeconfig, detail: 'no such file' });
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

export interface Merged {
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
      // As kubectl's YAML reader (go-yaml v2): a repeated key is the last one, and yes/no/on/off are booleans.
      doc = asObj(text.trim() === '' ? {} : loadYaml(text, { json: true, schema: YAML11 }));
    } catch (e) {
      // A file that cannot be read, in words; else the YAML parser's own message.
      const detail = (e as NodeJS.ErrnoException).code ? fileProblem(e) : e instanceof Error ? e.message.split('\n')[0]! : String(e);
      throw new CliError(EXIT.FAILURE, 'err.kubeconfigRead', { path: file, detail });
    }
    const dir = dirname(file);
    const add = (target: Map<string, Named<Obj>>, list: unknown, field: 'cluster' | 'user' | 'context') => {
      if (!Array.isArray(list)) return;
      const inFile = new Set<string>();
      for (const entry of list) {
        const e = asObj(entry);
        const name = str(e.name);
        // client-go refuses a name twice in one file ("duplicate name in list"), not across files.
        if (name && inFile.has(name)) throw new CliError(EXIT.FAILURE, 'err.kubeconfigDuplicate', { path: file, kind: field, name });
        if (name) inFile.add(name);
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

// ---------------------------------------------------------------------------------------------------
// Pieces shared by the kubeconfig and the in-cluster paths

/** Where a certificate or key comes from: a kubeconfig entry's field, or a command-line flag. */
type DataSource = { where: Where; field: string } | { flag: string };

/** Why a file could not be read, in words (src/i18n/ko-detail.ts says them in Korean). */
function fileProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return code ?? (e instanceof Error ? e.message.split('\n')[0]! : String(e));
}

/**
 * A certificate, key or token file's contents, or its -data field decoded. Go decodes the -data fields
 * strictly as standard base64, ignoring only line breaks (encoding/json's []byte): Node's lenient decoder
 * turned a typo into random bytes, reported later as a server signed by an unknown authority.
 */
function readData(fs: FsLike, data: string | undefined, file: string | undefined, from: DataSource): Buffer | undefined {
  const field = 'flag' in from ? from.flag : from.field;
  if (data) {
    const b64 = data.replace(/[\r\n]/g, '');
    if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) {
      const where = 'where' in from ? from.where : { kind: 'cluster' as const, name: '' };
      throw new CliError(EXIT.FAILURE, 'err.kubeconfigBase64', { kind: where.kind, name: where.name, field: `${field}-data` });
    }
    return Buffer.from(b64, 'base64');
  }
  if (file) return readCredentialFile(fs, file, field);
  return undefined;
}

/** A file a kubeconfig or a flag names (a CA, a client certificate or key, a token). */
export function readCredentialFile(fs: Pick<FsLike, 'readFile'>, path: string, field: string): Buffer {
  try {
    return fs.readFile(path);
  } catch (e) {
    throw new CliError(EXIT.FAILURE, 'err.credentialFile', { path, field, detail: fileProblem(e) });
  }
}

/** client-go's validation: "certificate-authority-data and certificate-authority are both specified". */
function bothSet(where: Where, field: string): CliError {
  return new CliError(EXIT.FAILURE, 'err.kubeconfigBoth', { kind: where.kind, name: where.name, field });
}

/** client-go's rootCertPool: a CA that holds no PEM certificate is refused ("unable to parse bytes as PEM block"). */
function checkCa(ca: Buffer | undefined, cluster: string): Buffer | undefined {
  if (ca && !ca.includes('-----BEGIN CERTIFICATE-----')) throw new CliError(EXIT.FAILURE, 'err.caNotPem', { cluster });
  return ca;
}

function impersonation(flags: KubeFlags, u: Fields | undefined, userName: string): Impersonation | undefined {
  const user = flags.as ?? u?.string('as');
  const uid = flags.asUid ?? u?.string('as-uid');
  const groups = flags.asGroup?.length ? flags.asGroup : (u?.stringList('as-groups') ?? []);
  const extra = u?.stringListMap('as-user-extra') ?? {};
  if (!user) {
    if (uid || groups.length || Object.keys(extra).length) {
      throw new CliError(EXIT.FAILURE, 'err.impersonateWithoutUser', { user: userName });
    }
    return undefined;
  }
  return { user, uid, groups, extra };
}

/** The first Node release whose HTTP/2 client the plugin uses by default. */
export const HTTP2_DEFAULT_FROM_NODE = 26;

/**
 * HTTP/2 by default on Node >= 26 (the single executable ships Node 26); opt-in below it
 * (KUBECTL_BLUEGREEN_HTTP2, any value): on Node 20 the plugin's HTTP/2 client, hammered with the fault
 * matrix's faults in a process of its own (the test server in another), aborted on a heap corruption
 * inside Node (glibc "corrupted size vs. prev_size") after 150 and ~560 commands, and the fault matrix
 * over HTTP/2 aborted the same way on Node 20 and on Node 22.12; on Node 26.10 both went through
 * without one (the matrix in every run). DISABLE_HTTP2 (client-go's) always keeps HTTP/1.1.
 */
export function http2Off(env: Env, nodeMajor = Number(process.versions.node.split('.')[0])): boolean {
  if ((env.DISABLE_HTTP2 ?? '') !== '') return true;
  return nodeMajor < HTTP2_DEFAULT_FROM_NODE && (env.KUBECTL_BLUEGREEN_HTTP2 ?? '') === '';
}

function systemCaEnv(env: Env): ResolvedConfig['systemCaEnv'] {
  return { SSL_CERT_FILE: env.SSL_CERT_FILE || undefined, SSL_CERT_DIR: env.SSL_CERT_DIR || undefined };
}

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/** client-go's inClusterClientConfig.Possible: the service's address and the service account's token. */
function inClusterPossible(env: Env, fs: FsLike): boolean {
  return !!env.KUBERNETES_SERVICE_HOST && !!env.KUBERNETES_SERVICE_PORT && fs.exists(`${SERVICE_ACCOUNT}/token`);
}

/** client-go's inClusterClientConfig.Namespace: POD_NAMESPACE, then the service account's namespace. */
function podNamespace(env: Env, fs: FsLike): string {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  try {
    return fs.readFile(`${SERVICE_ACCOUNT}/namespace`).toString('utf8').trim() || 'default';
  } catch {
    return 'default';
  }
}

function inCluster(flags: KubeFlags, env: Env, fs: FsLike): ResolvedConfig | null {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port || !inClusterPossible(env, fs)) return null;
  const h = host.includes(':') ? `[${host}]` : host;
  const ns = podNamespace(env, fs);
  const server = flags.server ?? `https://${h}:${port}`;
  const ca = flags.certificateAuthority
    ? checkCa(readData(fs, undefined, flags.certificateAuthority, { flag: '--certificate-authority' }), server)
    : fs.exists(`${SERVICE_ACCOUNT}/ca.crt`)
      ? fs.readFile(`${SERVICE_ACCOUNT}/ca.crt`)
      : undefined;
  return {
    server,
    contextName: null,
    clusterName: null,
    userName: 'serviceaccount',
    namespace: flags.namespace ?? ns,
    namespaceFromFlag: flags.namespace !== undefined,
    ca,
    insecure: false,
    proxy: chooseProxy(server, undefined, env),
    disableCompression: flags.disableCompression === true,
    systemCaEnv: systemCaEnv(env),
    disableHttp2: http2Off(env),
    tokenFile: flags.token ? undefined : `${SERVICE_ACCOUNT}/token`,
    token: flags.token,
    impersonate: impersonation(flags, undefined, 'serviceaccount'),
  };
}

/** Only the names of the contexts: for messages and completion. */
export function contextNames(flags: KubeFlags, env: Env, fs: FsLike = realFs): string[] {
  return [...mergeKubeconfigs(kubeconfigFiles(flags, env, fs), fs).contexts.keys()];
}

function execConfig(e: Fields, userName: string, udir: string, env: Env): ExecConfig {
  const fail = (problem: string, value = '') => new CliError(EXIT.FAILURE, 'err.execConfig', { user: userName, problem, value });
  const command = e.string('command');
  if (!command) throw fail('noCommand');
  const apiVersion = e.string('apiVersion');
  if (!apiVersion) throw fail('noApiVersion');
  if (!(EXEC_API_VERSIONS as readonly string[]).includes(apiVersion)) throw fail('apiVersion', apiVersion);
  // clientcmd defaulting: v1beta1 means IfAvailable when unset; v1 must say it.
  const mode = e.string('interactiveMode') ?? (apiVersion.endsWith('/v1beta1') ? 'IfAvailable' : undefined);
  if (!mode) throw fail('noInteractiveMode');
  if (!(INTERACTIVE_MODES as readonly string[]).includes(mode)) throw fail('interactiveMode', mode);
  const envRaw = e.raw('env');
  const envList: Array<{ name: string; value: string }> = [];
  if (envRaw !== undefined && envRaw !== null) {
    if (!Array.isArray(envRaw)) throw wrongType({ kind: 'user', name: userName }, 'exec.env', 'envList');
    for (const item of envRaw) {
      const o = asObj(item);
      if (o !== item || typeof o.name !== 'string' || (o.value !== undefined && typeof o.value !== 'string')) {
        throw wrongType({ kind: 'user', name: userName }, 'exec.env', 'envList');
      }
      if (!o.name) throw fail('envName');
      envList.push({ name: o.name, value: (o.value as string | undefined) ?? '' });
    }
  }
  return {
    // A command with a path separator is relative to the kubeconfig's directory (clientcmd ResolvePaths).
    command: command.includes('/') && !isAbsolute(command) ? join(udir, command) : command,
    args: e.stringList('args'),
    env: envList,
    apiVersion: apiVersion as ExecConfig['apiVersion'],
    interactiveMode: mode as ExecConfig['interactiveMode'],
    provideClusterInfo: e.boolean('provideClusterInfo'),
    installHint: e.string('installHint'),
    parentEnv: env,
  };
}

/** The cluster's extension named client.authentication.k8s.io/exec, for exec plugins (clientcmd). */
function execExtension(c: Obj): unknown {
  const list = c.extensions;
  if (!Array.isArray(list)) return undefined;
  for (const item of list) {
    const o = asObj(item);
    if (o.name === 'client.authentication.k8s.io/exec') return o.extension;
  }
  return undefined;
}

export function resolveKubeconfig(flags: KubeFlags, env: Env, fs: FsLike = realFs): ResolvedConfig {
  const files = kubeconfigFiles(flags, env, fs);
  if (files.length === 0 && !flags.server && !flags.context) {
    const ic = inCluster(flags, env, fs);
    if (ic) return ic;
    throw new CliError(EXIT.FAILURE, 'err.noKubeconfig', {});
  }
  const merged = mergeKubeconfigs(files, fs);
  const available = [...merged.contexts.keys()].join(', ');
  const contextName = flags.context ?? merged.currentContext ?? null;
  let ctxFields = new Fields({}, { kind: 'context', name: contextName ?? '' });
  if (contextName) {
    const found = merged.contexts.get(contextName);
    if (!found) throw new CliError(EXIT.FAILURE, 'err.contextNotFound', { context: contextName, available });
    ctxFields = new Fields(found.value, { kind: 'context', name: contextName });
  } else if (!flags.server) {
    // No context (an empty kubeconfig too) and no cluster of its own: clientcmd finds no server
    // (ErrEmptyConfig), then tries the in-cluster configuration.
    const ic = flags.cluster && merged.clusters.has(flags.cluster) ? null : inCluster(flags, env, fs);
    if (ic) return ic;
    throw new CliError(EXIT.FAILURE, 'err.noCurrentContext', { available });
  }
  const clusterName = flags.cluster ?? ctxFields.string('cluster') ?? null;
  const userName = flags.user ?? ctxFields.string('user') ?? null;
  const cluster = clusterName ? merged.clusters.get(clusterName) : undefined;
  if (clusterName && !cluster && !flags.server) throw new CliError(EXIT.FAILURE, 'err.clusterNotFound', { cluster: clusterName });
  const user = userName ? merged.users.get(userName) : undefined;
  if (userName && !user && flags.user) throw new CliError(EXIT.FAILURE, 'err.userNotFound', { user: userName });

  // ---- cluster
  const c = new Fields(cluster?.value ?? {}, { kind: 'cluster', name: clusterName ?? '' });
  const cdir = cluster?.dir ?? '.';
  const serverGiven = flags.server ?? c.string('server');
  if (!serverGiven) throw new CliError(EXIT.FAILURE, 'err.noServer', {});

  // clientcmd: --certificate-authority or --insecure-skip-tls-verify on the command line replace both
  // the kubeconfig's CA and its insecure flag (so the flag works with a kubeconfig that has a CA).
  let ca: Buffer | undefined;
  let insecure: boolean;
  if (flags.certificateAuthority !== undefined || flags.insecureSkipTlsVerify) {
    ca = flags.certificateAuthority ? readData(fs, undefined, flags.certificateAuthority, { flag: '--certificate-authority' }) : undefined;
    insecure = flags.insecureSkipTlsVerify === true;
  } else {
    const caData = c.string('certificate-authority-data');
    const caFile = resolvePath(cdir, c.string('certificate-authority'));
    if (caData && caFile) throw bothSet({ kind: 'cluster', name: clusterName ?? '' }, 'certificate-authority');
    ca = readData(fs, caData, caData ? undefined : caFile, {
      where: { kind: 'cluster', name: clusterName ?? '' },
      field: 'certificate-authority',
    });
    insecure = c.boolean('insecure-skip-tls-verify');
  }
  // client-go transport.TLSConfigFor: "specifying a root certificates file with the insecure flag is not allowed".
  if (ca && insecure) throw new CliError(EXIT.FAILURE, 'err.insecureWithCa', { cluster: clusterName ?? serverGiven });
  checkCa(ca, clusterName ?? serverGiven);
  // --server clears the kubeconfig's tls-server-name unless --tls-server-name is given too.
  const tlsServerName = flags.tlsServerName ?? (flags.server ? undefined : c.string('tls-server-name'));

  const proxyUrl = c.string('proxy-url');
  if (proxyUrl) {
    const parsed = parseProxyUrl(proxyUrl);
    if (typeof parsed === 'string') {
      let shown = proxyUrl;
      try {
        shown = displayProxy(new URL(proxyUrl));
      } catch {
        /* not a URL: show it as written; it holds no parsed password */
      }
      const reason = parsed.startsWith('unsupported scheme') ? 'scheme' : parsed === 'no host' ? 'host' : 'url';
      throw new CliError(EXIT.FAILURE, 'err.badProxyUrl', {
        cluster: clusterName ?? '',
        url: shown,
        reason,
        schemes: PROXY_SCHEMES.map((s) => s.slice(0, -1)).join(', '),
      });
    }
  }
  const disableCompression = flags.disableCompression === true || c.boolean('disable-compression');

  // ---- user
  const uName = userName ?? '';
  const u = new Fields(user?.value ?? {}, { kind: 'user', name: uName });
  const udir = user?.dir ?? '.';
  if (u.string('username') || u.string('password')) {
    throw new CliError(EXIT.FAILURE, 'err.basicAuth', { user: uName });
  }
  // A client certificate from the command line replaces the kubeconfig's, file and data alike.
  for (const field of ['client-certificate', 'client-key']) {
    if (u.string(`${field}-data`) && u.string(field)) throw bothSet({ kind: 'user', name: uName }, field);
  }
  const certData = flags.clientCertificate ? undefined : u.string('client-certificate-data');
  const keyData = flags.clientKey ? undefined : u.string('client-key-data');
  const certFile = flags.clientCertificate ?? (certData ? undefined : resolvePath(udir, u.string('client-certificate')));
  const keyFile = flags.clientKey ?? (keyData ? undefined : resolvePath(udir, u.string('client-key')));
  const userWhere = { kind: 'user' as const, name: uName };
  const cert = readData(
    fs,
    certData,
    certFile,
    flags.clientCertificate ? { flag: '--client-certificate' } : { where: userWhere, field: 'client-certificate' },
  );
  const key = readData(fs, keyData, keyFile, flags.clientKey ? { flag: '--client-key' } : { where: userWhere, field: 'client-key' });
  if (cert && !key) throw new CliError(EXIT.FAILURE, 'err.certWithoutKey', { user: uName });
  // A server without a scheme is http://, as kubectl makes it: clientcmd asks IsConfigTransportTLS of a
  // config that holds only the host, before any CA or certificate is merged, so it reads no credential
  // either (none is sent over http://: src/kube/auth.ts). Anything else not an http(s) URL is refused.
  const server = /^[a-z][a-z0-9+.-]*:\/\//i.test(serverGiven) ? serverGiven : `http://${serverGiven}`;
  if (!/^https?:\/\//i.test(server)) throw new CliError(EXIT.FAILURE, 'err.badServerUrl', { server: serverGiven });

  const token = flags.token ?? u.string('token');
  const tokenFile = token ? undefined : resolvePath(udir, u.string('tokenFile'));

  const execFields = u.map('exec');
  const apFields = u.map('auth-provider');
  if (execFields && apFields) throw new CliError(EXIT.FAILURE, 'err.execConfig', { user: uName, problem: 'withAuthProvider', value: '' });
  const exec = execFields ? execConfig(execFields, uName, udir, env) : undefined;
  const apName = apFields?.string('name');
  const authProvider = apFields && apName ? { name: apName, config: apFields.stringMap('config') } : undefined;

  const proxy = chooseProxy(server, proxyUrl, env);
  const serverUrl = server.replace(/\/+$/, '');
  return {
    server: serverUrl,
    contextName,
    clusterName,
    userName,
    // In a pod, a context that names no namespace takes the pod's (DeferredLoadingClientConfig.Namespace).
    namespace: flags.namespace ?? ctxFields.string('namespace') ?? (inClusterPossible(env, fs) ? podNamespace(env, fs) : 'default'),
    namespaceFromFlag: flags.namespace !== undefined,
    ca,
    insecure,
    tlsServerName,
    proxy,
    proxyUrl,
    disableCompression,
    systemCaEnv: systemCaEnv(env),
    disableHttp2: http2Off(env),
    cert,
    key,
    token,
    tokenFile,
    exec,
    execCluster: exec?.provideClusterInfo
      ? {
          server: serverUrl,
          ...(tlsServerName ? { 'tls-server-name': tlsServerName } : {}),
          ...(insecure ? { 'insecure-skip-tls-verify': true } : {}),
          ...(ca ? { 'certificate-authority-data': ca.toString('base64') } : {}),
          ...(proxyUrl ? { 'proxy-url': proxyUrl } : {}),
          ...(disableCompression ? { 'disable-compression': true } : {}),
          ...(execExtension(cluster?.value ?? {}) !== undefined ? { config: execExtension(cluster?.value ?? {}) } : {}),
        }
      : undefined,
    authProvider,
    impersonate: impersonation(flags, u, uName),
  };
}
