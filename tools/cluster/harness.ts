// Local control plane for the end-to-end tests: etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler, kwok (fake kubelet for one node) and the Argo Rollouts controller, run as plain
// processes on 127.0.0.1 from binaries that tools/cluster/build.sh builds into a cache outside the
// repository. See tools/cluster/README.md and /work/shared/reference/local-control-plane.md.
//
// The processes are started detached and outlive the command that started them. Everything needed to
// find and stop them again (PIDs with their start times, argv, ports, run dir) is kept in
// .cluster/state.json; tests read .cluster/env and .cluster/kubeconfig.

import { execFile, spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { dump as yamlDump } from 'js-yaml';

import { fetchText, KubeApi, type TlsMaterial } from './http.js';
import { apiserverKubeletArgs, kwokKubeletArgs, kwokPortForwardCrds } from './kwok-portforward.js';
import { makePki, makeTokenUsers, writeTokenFile, type Pki, type TokenUser } from './pki.js';
import { describeIdentity, freePorts, isOurProcess, spawnDetached, stopProcess, tailFile, type StopOutcome } from './proc.js';
import { prepareTransport, TRANSPORT_COMPONENTS, TRANSPORT_PORTS, transportApiserverFlags, type TransportPorts } from './transport.js';

const execFileP = promisify(execFile);

// ---------------------------------------------------------------------------------------------------
// Paths and types

const TOOLS_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(TOOLS_DIR, '../..');
/** Gitignored directory in the repository with kubeconfig, env and state.json of the running cluster. */
export const CLUSTER_DIR = join(REPO_ROOT, '.cluster');
export const KUBECONFIG_PATH = join(CLUSTER_DIR, 'kubeconfig');
export const ENV_PATH = join(CLUSTER_DIR, 'env');
export const STATE_PATH = join(CLUSTER_DIR, 'state.json');
/** Held (O_EXCL file with the holder's PID) while up/down/start/stop change the cluster. */
const LOCK_PATH = join(CLUSTER_DIR, 'lock');
/** Where the logs of a failed `up` are copied before its run dir is removed. */
export const FAILURE_LOGS_DIR = join(CLUSTER_DIR, 'last-failure-logs');
const BUILD_SH = join(TOOLS_DIR, 'build.sh');
const VERSIONS_ENV = join(TOOLS_DIR, 'versions.env');
/** Run dirs are named <base>/<RUN_PREFIX>XXXXXX; only such dirs are ever removed. */
const RUN_PREFIX = 'kubectl-bluegreen-e2e-';

/** The components in start order (teardown is the reverse). */
export const COMPONENTS = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
  'rollouts-controller',
  // token webhook and proxies for the transport tests (tools/cluster/transport.ts)
  ...TRANSPORT_COMPONENTS,
] as const;
export type ComponentName = (typeof COMPONENTS)[number];

export const NODE_NAME = 'kwok-node-0';
/** Namespaces created by `up` (besides the smoke namespace, which is deleted again). */
export const NAMESPACES = ['argo-rollouts', 'apc-fe-ns'] as const;
/** Where install.yaml puts the controller's Deployment (and where the real controller process "runs"). */
export const CONTROLLER_NAMESPACE = 'argo-rollouts';
/** Context of the admin client certificate; the other contexts are the token users of pki.ts. */
export const ADMIN_CONTEXT = 'e2e';

/** NAME=path lines printed by `build.sh env`. */
export interface BuildEnv {
  ETCD_BIN: string;
  KUBE_APISERVER_BIN: string;
  KUBE_CONTROLLER_MANAGER_BIN: string;
  KUBE_SCHEDULER_BIN: string;
  KUBECTL_BIN: string;
  ROLLOUTS_CONTROLLER_BIN: string;
  KUBECTL_ARGO_ROLLOUTS_BIN: string;
  ROLLOUTS_CRDS_DIR: string;
  /** The release's manifests/install.yaml with the image tag set, as the release publishes it. */
  ROLLOUTS_INSTALL_YAML: string;
  KWOK_BIN: string;
  KWOK_STAGES: string;
}
const BUILD_ENV_KEYS: (keyof BuildEnv)[] = [
  'ETCD_BIN',
  'KUBE_APISERVER_BIN',
  'KUBE_CONTROLLER_MANAGER_BIN',
  'KUBE_SCHEDULER_BIN',
  'KUBECTL_BIN',
  'ROLLOUTS_CONTROLLER_BIN',
  'KUBECTL_ARGO_ROLLOUTS_BIN',
  'ROLLOUTS_CRDS_DIR',
  'ROLLOUTS_INSTALL_YAML',
  'KWOK_BIN',
  'KWOK_STAGES',
];

/** The versions a cluster runs (resolved: `v1.35.x` becomes the patch release that was built). */
export interface ClusterVersions {
  kubernetes: string;
  argoRollouts: string;
  etcd: string;
  kwok: string;
  /** Go toolchain each was built with (GOTOOLCHAIN=local or the newer one a module's go.mod needs). */
  goKubernetes: string;
  goArgoRollouts: string;
}

/**
 * Which versions to run. Empty fields fall back to ARGO_ROLLOUTS_VERSION / KUBERNETES_VERSION in the
 * environment, then to tools/cluster/versions.env. `vX.Y.x` (or `vX.Y`) means the newest patch release.
 */
export interface VersionChoice {
  argoRollouts?: string;
  kubernetes?: string;
}

export interface Ports extends TransportPorts {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
  rolloutsHealthz: number;
  rolloutsMetrics: number;
}

/** How to tell that a component is up: GET url returns 200 (and the body contains `expect`). */
export interface HealthCheck {
  url: string;
  expect?: string;
}

export interface ProcessRecord {
  name: ComponentName;
  /** Position in the start order (0 = first). */
  order: number;
  bin: string;
  args: string[];
  /** Extra environment on top of the harness's own. */
  env: Record<string, string>;
  log: string;
  health: HealthCheck;
  /** null while the component is stopped. */
  pid: number | null;
  startTicks: number | null;
  startedAt: string | null;
}

export interface ClusterState {
  schema: 1;
  createdAt: string;
  runDir: string;
  logDir: string;
  pkiDir: string;
  /** Admin kubeconfig the components use (in the run dir, so tests cannot disturb it). */
  componentKubeconfig: string;
  apiServerUrl: string;
  ports: Ports;
  tls: { ca: string; cert: string; key: string };
  tokenUsers: TokenUser[];
  binaries: BuildEnv;
  pinned: Record<string, string>;
  /** Absent in state files written before versions could be chosen. */
  versions?: ClusterVersions;
  processes: ProcessRecord[];
  /** Milliseconds per `up` step. */
  timings: Record<string, number>;
}

export interface UpOptions extends VersionChoice {
  /** Stop a running cluster and start a new one. */
  fresh?: boolean;
  /** Run build.sh first (default true). With false, the binaries must already be in the cache. */
  build?: boolean;
  /** Run the smoke check (default true). */
  smoke?: boolean;
  log?: (msg: string) => void;
}

export interface UpResult {
  reused: boolean;
  state: ClusterState;
  env: Record<string, string>;
}

const defaultLog = (msg: string): void => {
  process.stderr.write(`[cluster] ${msg}\n`);
};

// ---------------------------------------------------------------------------------------------------
// Small utilities

function readKeyValueFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line
      .slice(0, eq)
      .replace(/^export\s+/, '')
      .trim();
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) {
      value = value.slice(1, -1).replace(/'\\''/g, "'");
    } else if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
    }
    out[key] = value;
  }
  return out;
}

/** Quotes a value for a shell-style env file only when needed. */
function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]*$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function writeFileAtomic(path: string, content: string, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Polls `probe` until it returns (any value) instead of throwing. A throw means "not yet"; its message
 * is kept and reported on timeout. `dead` is checked each round so a crashed process fails fast.
 */
async function waitUntil<T>(
  what: string,
  probe: () => Promise<T>,
  opts: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal; dead?: () => string | undefined },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let last = '';
  for (;;) {
    opts.signal?.throwIfAborted();
    const dead = opts.dead?.();
    if (dead) throw new Error(`${what}: ${dead}`);
    try {
      return await probe();
    } catch (err) {
      last = errorMessage(err);
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${seconds(opts.timeoutMs)} waiting for ${what}${last ? ` (last: ${last})` : ''}`);
    }
    await sleep(opts.intervalMs ?? 100, undefined, { signal: opts.signal });
  }
}

function tlsOf(state: Pick<ClusterState, 'tls'>): TlsMaterial {
  return { ca: readFileSync(state.tls.ca), cert: readFileSync(state.tls.cert), key: readFileSync(state.tls.key) };
}

async function probeHealth(state: ClusterState, hc: HealthCheck, timeoutMs = 3_000): Promise<void> {
  const res = await fetchText(hc.url, { tls: hc.url.startsWith('https:') ? tlsOf(state) : undefined, timeoutMs });
  if (res.status !== 200) throw new Error(`${hc.url}: HTTP ${res.status} ${res.body.slice(0, 200).trim()}`);
  if (hc.expect !== undefined && !res.body.includes(hc.expect)) {
    throw new Error(`${hc.url}: unexpected body ${res.body.slice(0, 200).trim()}`);
  }
}

function isAlive(rec: ProcessRecord): boolean {
  return rec.pid !== null && isOurProcess({ pid: rec.pid, bin: rec.bin, startTicks: rec.startTicks });
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Serialises the commands that change the cluster (two `up`s at once would otherwise both start a
 * cluster and one would be orphaned). A lock left by a dead process is taken over.
 */
async function withClusterLock<T>(log: (m: string) => void, fn: () => Promise<T>): Promise<T> {
  mkdirSync(CLUSTER_DIR, { recursive: true });
  const deadline = Date.now() + 60 * 60_000; // a cold build under the lock can take ~15 min
  let announced = false;
  for (;;) {
    try {
      writeFileSync(LOCK_PATH, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder = 0;
    try {
      holder = Number(readFileSync(LOCK_PATH, 'utf8').trim());
    } catch {
      continue; // released between our attempts
    }
    if (!Number.isInteger(holder) || holder <= 0 || !pidExists(holder)) {
      rmSync(LOCK_PATH, { force: true });
      continue;
    }
    if (!announced) log(`waiting for another cluster command (pid ${holder}) to finish`);
    announced = true;
    if (Date.now() > deadline) throw new Error(`${LOCK_PATH} is held by pid ${holder}`);
    await sleep(250);
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK_PATH, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------------
// State, env and kubeconfig files

export function readState(): ClusterState | null {
  if (!existsSync(STATE_PATH)) return null;
  const state = JSON.parse(readFileSync(STATE_PATH, 'utf8')) as ClusterState;
  if (state.schema !== 1) throw new Error(`${STATE_PATH}: unknown schema ${String(state.schema)}`);
  return state;
}

function writeState(state: ClusterState): void {
  writeFileAtomic(STATE_PATH, JSON.stringify(state, null, 2) + '\n', 0o600);
}

/** Parses .cluster/env (written by `up`) into a plain object. */
export function readEnv(path: string = ENV_PATH): Record<string, string> {
  if (!existsSync(path)) throw new Error(`${path} does not exist: start the cluster with \`npm run cluster -- up\``);
  return readKeyValueFile(path);
}

/** The pinned component versions from tools/cluster/versions.env. */
export function pinnedVersions(): Record<string, string> {
  return readKeyValueFile(VERSIONS_ENV);
}

function logEnvName(name: ComponentName): string {
  return `${name.toUpperCase().replace(/-/g, '_')}_LOG`;
}

function envFileLines(state: ClusterState): Record<string, string> {
  const env: Record<string, string> = {
    KUBECONFIG: KUBECONFIG_PATH,
    KUBECTL_BIN: state.binaries.KUBECTL_BIN,
    KUBECTL_ARGO_ROLLOUTS_BIN: state.binaries.KUBECTL_ARGO_ROLLOUTS_BIN,
    ROLLOUTS_CONTROLLER_BIN: state.binaries.ROLLOUTS_CONTROLLER_BIN,
    CLUSTER_RUN_DIR: state.runDir,
    CLUSTER_LOG_DIR: state.logDir,
    CLUSTER_STATE_FILE: STATE_PATH,
    API_SERVER_URL: state.apiServerUrl,
    ROLLOUTS_HEALTHZ_URL: `http://127.0.0.1:${state.ports.rolloutsHealthz}/healthz`,
    ROLLOUTS_METRICS_URL: `http://127.0.0.1:${state.ports.rolloutsMetrics}/metrics`,
    CLUSTER_ARGO_ROLLOUTS_VERSION: state.versions?.argoRollouts ?? 'unknown',
    CLUSTER_KUBERNETES_VERSION: state.versions?.kubernetes ?? 'unknown',
  };
  for (const p of state.processes) env[logEnvName(p.name)] = p.log;
  return env;
}

function writeEnvFile(state: ClusterState): Record<string, string> {
  const env = envFileLines(state);
  const body = Object.entries(env)
    .map(([k, v]) => `${k}=${shellQuote(v)}`)
    .join('\n');
  writeFileAtomic(ENV_PATH, `# Written by tools/cluster/harness.ts at ${new Date().toISOString()}; shell-sourceable.\n${body}\n`);
  return env;
}

interface KubeUser {
  name: string;
  user: Record<string, string>;
}

function kubeconfigYaml(server: string, caPem: Buffer, users: KubeUser[], current: string): string {
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{ name: 'e2e', cluster: { server, 'certificate-authority-data': caPem.toString('base64') } }],
    users: users.map((u) => ({ name: u.name, user: u.user })),
    contexts: users.map((u) => ({ name: u.name, context: { cluster: 'e2e', user: u.name, namespace: 'default' } })),
    'current-context': current,
  };
  return yamlDump(doc, { lineWidth: -1 });
}

function adminUser(state: Pick<ClusterState, 'tls'>): KubeUser {
  return {
    name: ADMIN_CONTEXT,
    user: {
      'client-certificate-data': readFileSync(state.tls.cert).toString('base64'),
      'client-key-data': readFileSync(state.tls.key).toString('base64'),
    },
  };
}

/** .cluster/kubeconfig: the admin context (current) plus one context per token user. */
function writeRepoKubeconfig(state: ClusterState): void {
  const users: KubeUser[] = [adminUser(state), ...state.tokenUsers.map((u) => ({ name: u.name, user: { token: u.token } }))];
  writeFileAtomic(KUBECONFIG_PATH, kubeconfigYaml(state.apiServerUrl, readFileSync(state.tls.ca), users, ADMIN_CONTEXT), 0o600);
}

// ---------------------------------------------------------------------------------------------------
// Build

/** The environment build.sh gets: the version choice on top of ours (empty = versions.env's default). */
function buildShellEnv(choice: VersionChoice): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (choice.argoRollouts) env.ARGO_ROLLOUTS_VERSION = choice.argoRollouts;
  if (choice.kubernetes) env.KUBERNETES_VERSION = choice.kubernetes;
  return env;
}

/** True when a version was asked for (by option or environment), as opposed to "whatever is default". */
function explicitChoice(choice: VersionChoice): boolean {
  return Boolean(choice.argoRollouts || choice.kubernetes || process.env.ARGO_ROLLOUTS_VERSION || process.env.KUBERNETES_VERSION);
}

/** The exact versions a choice resolves to (`build.sh versions`; asks the Go module proxy for `vX.Y.x`). */
export async function resolveVersions(
  choice: VersionChoice = {},
  signal?: AbortSignal,
): Promise<{ kubernetes: string; argoRollouts: string }> {
  let stdout: string;
  try {
    ({ stdout } = await execFileP('bash', [BUILD_SH, 'versions'], { signal, env: buildShellEnv(choice) }));
  } catch (err) {
    const e = err as { stderr?: string };
    throw new Error(`tools/cluster/build.sh versions failed: ${(e.stderr ?? errorMessage(err)).trim()}`);
  }
  const kv = Object.fromEntries(
    stdout
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]),
  );
  return { kubernetes: kv.KUBERNETES_VERSION!, argoRollouts: kv.ARGO_ROLLOUTS_VERSION! };
}

async function runBuild(
  doBuild: boolean,
  choice: VersionChoice,
  signal: AbortSignal,
): Promise<{ bins: BuildEnv; versions: ClusterVersions }> {
  const env = buildShellEnv(choice);
  if (doBuild) {
    // build.sh reports progress on stderr; its stdout (nothing, normally) goes to our stderr as well.
    await new Promise<void>((resolvePromise, reject) => {
      const child = spawn('bash', [BUILD_SH], { stdio: ['ignore', 2, 'inherit'], signal, env });
      child.once('error', reject);
      child.once('exit', (code, sig) =>
        code === 0 ? resolvePromise() : reject(new Error(`tools/cluster/build.sh failed (${sig ?? `exit ${code}`})`)),
      );
    });
  }
  let stdout: string;
  try {
    ({ stdout } = await execFileP('bash', [BUILD_SH, 'env'], { signal, env }));
  } catch (err) {
    const e = err as { stderr?: string };
    throw new Error(`tools/cluster/build.sh env failed: ${(e.stderr ?? errorMessage(err)).trim()}`);
  }
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1).trim();
  }
  const missing = BUILD_ENV_KEYS.filter((k) => !out[k] || !existsSync(out[k]));
  if (missing.length) throw new Error(`build.sh env: missing or nonexistent: ${missing.join(', ')}`);
  const bins = Object.fromEntries(BUILD_ENV_KEYS.map((k) => [k, out[k]!])) as unknown as BuildEnv;
  const versions: ClusterVersions = {
    kubernetes: out.VERSION_KUBERNETES ?? '?',
    argoRollouts: out.VERSION_ARGO_ROLLOUTS ?? '?',
    etcd: out.VERSION_ETCD ?? '?',
    kwok: out.VERSION_KWOK ?? '?',
    goKubernetes: out.GO_KUBERNETES ?? '?',
    goArgoRollouts: out.GO_ARGO_ROLLOUTS ?? '?',
  };
  return { bins, versions };
}

/**
 * Argo Rollouts renamed `--metricsport` to `--metricsPort` in v1.9 (the old spelling is deprecated there,
 * and the only one before: v1.7.2 and v1.8.5 reject `--metricsPort`). Asked of the binary itself.
 */
async function controllerMetricsFlag(bin: string): Promise<string> {
  const r = await execFileP(bin, ['--help'], { timeout: 30_000, maxBuffer: 4 * 1024 * 1024 }).catch((e: { stdout?: string }) => ({
    stdout: e.stdout ?? '',
  }));
  return /--metricsPort\b/.test(r.stdout) ? '--metricsPort' : '--metricsport';
}

// ---------------------------------------------------------------------------------------------------
// Component definitions (argv exactly as started; kept in state.json so one can be restarted)

function componentRecords(ctx: {
  bins: BuildEnv;
  metricsFlag: string;
  runDir: string;
  logDir: string;
  pki: Pki;
  ports: Ports;
  kubeconfig: string;
  tokenFile: string;
}): ProcessRecord[] {
  const { bins, runDir, logDir, pki, ports, kubeconfig } = ctx;
  const etcdUrl = `http://127.0.0.1:${ports.etcdClient}`;
  const peerUrl = `http://127.0.0.1:${ports.etcdPeer}`;
  const servingTls = [`--tls-cert-file=${pki.servingCert}`, `--tls-private-key-file=${pki.servingKey}`];
  const kubeconfigs = [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    // Client CA from a flag and no in-cluster lookup: otherwise KCM and the scheduler log an
    // "Unhandled Error ... missing content for CA bundle requestheader-client-ca-file" every few
    // seconds, because this API server has no front-proxy (requestheader) CA.
    `--client-ca-file=${pki.caCert}`,
    '--authentication-skip-lookup=true',
  ];
  const defs: Omit<ProcessRecord, 'order' | 'log' | 'pid' | 'startTicks' | 'startedAt'>[] = [
    {
      name: 'etcd',
      bin: bins.ETCD_BIN,
      args: [
        '--name=e2e',
        `--data-dir=${join(runDir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=e2e=${peerUrl}`,
        '--initial-cluster-state=new',
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ],
      env: {},
      health: { url: `${etcdUrl}/health`, expect: '"health":"true"' },
    },
    {
      name: 'kube-apiserver',
      bin: bins.KUBE_APISERVER_BIN,
      args: [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${ports.apiserver}`,
        '--endpoint-reconciler-type=none',
        `--cert-dir=${pki.dir}`,
        ...servingTls,
        `--client-ca-file=${pki.caCert}`,
        `--token-auth-file=${ctx.tokenFile}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${pki.saPub}`,
        `--service-account-signing-key-file=${pki.saKey}`,
        '--service-cluster-ip-range=10.96.0.0/16',
        '--authorization-mode=RBAC',
        // No `default` ServiceAccount exists until KCM creates it; pods must not wait for it.
        '--disable-admission-plugins=ServiceAccount',
        '--allow-privileged=true',
        // Without this, SIGTERM makes net/http's Shutdown wait up to --request-timeout (60 s) for the
        // open watch connections of KCM/scheduler/kwok/Argo, i.e. a stop with clients always ran into
        // the 10 s SIGKILL. With it, the HTTP server shutdown timeout is 2 s (measured: exits in ~2 s).
        '--shutdown-send-retry-after=true',
        // port-forward reaches kwok's server as the node's kubelet (kwok-portforward.ts)
        ...apiserverKubeletArgs(pki),
        ...transportApiserverFlags(runDir),
        '--v=1',
      ],
      env: {},
      health: { url: `https://127.0.0.1:${ports.apiserver}/readyz`, expect: 'ok' },
    },
    {
      name: 'kube-controller-manager',
      bin: bins.KUBE_CONTROLLER_MANAGER_BIN,
      args: [
        ...kubeconfigs,
        '--bind-address=127.0.0.1',
        `--secure-port=${ports.controllerManager}`,
        ...servingTls,
        '--leader-elect=false',
        '--controllers=*',
        `--root-ca-file=${pki.caCert}`,
        `--service-account-private-key-file=${pki.saKey}`,
        // Only speeds up removal of the node.kubernetes.io/not-ready taint from the kwok node.
        '--node-monitor-period=1s',
        '--v=1',
      ],
      env: {},
      health: { url: `https://127.0.0.1:${ports.controllerManager}/healthz`, expect: 'ok' },
    },
    {
      name: 'kube-scheduler',
      bin: bins.KUBE_SCHEDULER_BIN,
      args: [
        ...kubeconfigs,
        '--bind-address=127.0.0.1',
        `--secure-port=${ports.scheduler}`,
        ...servingTls,
        '--leader-elect=false',
        '--v=1',
      ],
      env: {},
      health: { url: `https://127.0.0.1:${ports.scheduler}/healthz`, expect: 'ok' },
    },
    {
      name: 'kwok',
      bin: bins.KWOK_BIN,
      args: [
        `--kubeconfig=${kubeconfig}`,
        `--config=${bins.KWOK_STAGES}`,
        '--manage-all-nodes=true',
        '--cidr=10.244.0.0/16',
        // The node's InternalIP: the API server dials it for port-forward (kwok-portforward.ts).
        '--node-ip=127.0.0.1',
        '--node-lease-duration-seconds=40',
        // Serves /healthz; without it kwok opens no port at all.
        `--server-address=127.0.0.1:${ports.kwok}`,
        ...kwokKubeletArgs(pki, ports.kwok),
      ],
      // kwok also loads $KWOK_WORKDIR/kwok.yaml (default ~/.kwok) if present; keep a user's file out.
      env: { KWOK_WORKDIR: join(runDir, 'kwok') },
      health: { url: `http://127.0.0.1:${ports.kwok}/healthz` },
    },
    {
      name: 'rollouts-controller',
      bin: bins.ROLLOUTS_CONTROLLER_BIN,
      args: [
        `--kubeconfig=${kubeconfig}`,
        '--leader-elect=false',
        // Both listen on 0.0.0.0 (no bind-address flag up to v1.10), so the ports are picked on 0.0.0.0.
        `--healthzPort=${ports.rolloutsHealthz}`,
        `${ctx.metricsFlag}=${ports.rolloutsMetrics}`,
        '--loglevel=info',
        '--kloglevel=0',
      ],
      env: { POD_NAMESPACE: CONTROLLER_NAMESPACE },
      health: { url: `http://127.0.0.1:${ports.rolloutsHealthz}/healthz` },
    },
    ...prepareTransport({ runDir, logDir, caCert: pki.caCert, servingCert: pki.servingCert, servingKey: pki.servingKey, ports }),
  ];
  return defs.map((d, order) => ({
    ...d,
    order,
    log: join(logDir, `${d.name}.log`),
    pid: null,
    startTicks: null,
    startedAt: null,
  }));
}

/** Free ports for every listener; the Argo controller's two bind 0.0.0.0, so they are probed there. */
async function pickPorts(): Promise<Ports> {
  const loopback = ['etcdClient', 'etcdPeer', 'apiserver', 'controllerManager', 'scheduler', 'kwok', ...TRANSPORT_PORTS] as const;
  const anyAddr = ['rolloutsHealthz', 'rolloutsMetrics'] as const;
  const names = [...loopback, ...anyAddr];
  const ports = await freePorts([...loopback.map(() => '127.0.0.1'), ...anyAddr.map(() => '0.0.0.0')]);
  return Object.fromEntries(names.map((n, i) => [n, ports[i]])) as unknown as Ports;
}

function recordOf(state: ClusterState, name: ComponentName): ProcessRecord {
  const rec = state.processes.find((p) => p.name === name);
  if (!rec) throw new Error(`unknown component ${name} (known: ${state.processes.map((p) => p.name).join(', ')})`);
  return rec;
}

/** Starts one recorded component, saves its PID in state.json, and waits for its health check. */
async function launch(state: ClusterState, rec: ProcessRecord, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<void> {
  const id = await spawnDetached({ bin: rec.bin, args: rec.args, env: rec.env, log: rec.log, cwd: state.runDir });
  rec.pid = id.pid;
  rec.startTicks = id.startTicks;
  rec.startedAt = new Date().toISOString();
  writeState(state);
  await waitUntil(`${rec.name} to become healthy (${rec.health.url})`, () => probeHealth(state, rec.health), {
    timeoutMs: opts.timeoutMs,
    intervalMs: 100,
    signal: opts.signal,
    // Declared dead only after three looks 100 ms apart: /proc can be caught mid-update.
    dead: () => {
      if (isAlive(rec)) return undefined;
      for (let i = 0; i < 2; i++) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100); // a synchronous 100 ms pause
        if (isAlive(rec)) return undefined;
      }
      const why = rec.pid === null ? 'not started' : describeIdentity({ pid: rec.pid, bin: rec.bin, startTicks: rec.startTicks });
      return `${rec.name} (pid ${rec.pid}) exited (${why}); see ${rec.log}`;
    },
  });
}

async function stopRecord(rec: ProcessRecord, signal?: NodeJS.Signals): Promise<StopOutcome> {
  if (rec.pid === null) return 'not-running';
  const outcome = await stopProcess({ pid: rec.pid, bin: rec.bin, startTicks: rec.startTicks }, { signal, timeoutMs: 10_000 });
  if (outcome !== 'survived') {
    rec.pid = null;
    rec.startTicks = null;
    rec.startedAt = null;
  }
  return outcome;
}

/** Stops every recorded process in reverse start order, by recorded PID only. */
async function stopAll(state: ClusterState, log: (m: string) => void): Promise<void> {
  const byReverseOrder = [...state.processes].sort((a, b) => b.order - a.order);
  for (const rec of byReverseOrder) {
    if (rec.pid === null) continue;
    const pid = rec.pid;
    const outcome = await stopRecord(rec);
    log(`${rec.name} (pid ${pid}): ${outcome}`);
    writeState(state);
  }
}

/** Removes a run dir, but only one this harness created (guards against a corrupted state.json). */
function removeRunDir(dir: string): void {
  if (!basename(dir).startsWith(RUN_PREFIX) || resolve(dir) !== dir) return;
  rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------
// Kubernetes steps

async function kubectl(state: ClusterState, args: string[], signal: AbortSignal, timeoutMs = 90_000): Promise<string> {
  try {
    const { stdout } = await execFileP(state.binaries.KUBECTL_BIN, ['--kubeconfig', state.componentKubeconfig, ...args], {
      signal,
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string };
    throw new Error(`kubectl ${args.join(' ')} failed: ${(e.stderr || e.stdout || errorMessage(err)).trim()}`);
  }
}

interface NodeLike {
  spec?: { taints?: { key: string; effect: string }[] };
  status?: { conditions?: { type: string; status: string }[] };
}

function fakeNode(): object {
  // As in kwok's "manage nodes and pods" guide, minus the NoSchedule taint, so that unmodified pod
  // templates land on this node. kwok's node-initialize stage fills in the rest of the status.
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: NODE_NAME,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' },
      labels: {
        'kubernetes.io/hostname': NODE_NAME,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
      },
    },
    status: {
      // ephemeral-storage as a real node reports it: install.yaml's controller pod limits it (1Gi).
      allocatable: { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '100Gi' },
      capacity: { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '100Gi' },
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        kubeletVersion: 'fake',
        kubeProxyVersion: 'fake',
        bootID: '',
        containerRuntimeVersion: '',
        kernelVersion: '',
        machineID: '',
        osImage: '',
        systemUUID: '',
      },
      phase: 'Running',
    },
  };
}

async function waitNodeReady(api: KubeApi, signal: AbortSignal, dead: () => string | undefined): Promise<void> {
  await waitUntil(
    `node ${NODE_NAME} to be Ready without node.kubernetes.io taints`,
    async () => {
      const node = await api.get<NodeLike>(`/api/v1/nodes/${NODE_NAME}`);
      const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
      const taints = (node.spec?.taints ?? []).filter((t) => t.key.startsWith('node.kubernetes.io/'));
      if (ready !== 'True' || taints.length) {
        throw new Error(`Ready=${ready ?? 'unknown'} taints=[${taints.map((t) => `${t.key}:${t.effect}`).join(',')}]`);
      }
    },
    { timeoutMs: 60_000, intervalMs: 200, signal, dead },
  );
}

interface RolloutLike {
  status?: {
    phase?: string;
    message?: string;
    currentPodHash?: string;
    readyReplicas?: number;
    blueGreen?: { activeSelector?: string };
  };
}

export const SMOKE_NAMESPACE = 'smoke';

/** §6 step 9: a blue-green Rollout reaches Healthy (RS controller → scheduler → kwok → Argo). */
async function smokeCheck(api: KubeApi, signal: AbortSignal, dead: () => string | undefined): Promise<void> {
  const ns = SMOKE_NAMESPACE;
  const labels = { app: 'smoke' };
  await api.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await api.create(`/api/v1/namespaces/${ns}/services`, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'smoke-active', namespace: ns },
    spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] },
  });
  await api.create(`/apis/argoproj.io/v1alpha1/namespaces/${ns}/rollouts`, {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'smoke', namespace: ns },
    spec: {
      replicas: 2,
      revisionHistoryLimit: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'app', image: 'registry.example.com/smoke:v1', ports: [{ containerPort: 8080 }] }] },
      },
      strategy: { blueGreen: { activeService: 'smoke-active' } },
    },
  });
  await waitUntil(
    'smoke Rollout to become Healthy',
    async () => {
      const ro = await api.get<RolloutLike>(`/apis/argoproj.io/v1alpha1/namespaces/${ns}/rollouts/smoke`);
      const s = ro.status ?? {};
      if (s.phase === 'Healthy' && s.currentPodHash && s.blueGreen?.activeSelector === s.currentPodHash) return;
      throw new Error(
        `phase=${s.phase ?? '-'} ready=${s.readyReplicas ?? 0} currentPodHash=${s.currentPodHash ?? '-'} ` +
          `activeSelector=${s.blueGreen?.activeSelector ?? '-'} message=${s.message ?? ''}`,
      );
    },
    { timeoutMs: 90_000, intervalMs: 200, signal, dead },
  );
  // Not waited for: namespace deletion (pods, kwok's pod-delete stage, finalizers) takes a few seconds.
  await api.remove(`/api/v1/namespaces/${ns}`);
}

// ---------------------------------------------------------------------------------------------------
// Public API

/** True when state.json records a cluster whose processes are all alive and whose API is ready. */
export async function isHealthy(state: ClusterState | null = readState()): Promise<boolean> {
  if (!state || state.processes.length === 0 || !state.processes.every(isAlive)) return false;
  try {
    await probeHealth(state, recordOf(state, 'kube-apiserver').health);
    await probeHealth(state, recordOf(state, 'rollouts-controller').health);
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds what is missing, starts the whole cluster and runs the smoke check. Reuses a healthy
 * running cluster unless `fresh`. On failure, prints the log tails, stops what it started and throws.
 */
export async function up(opts: UpOptions = {}): Promise<UpResult> {
  const log = opts.log ?? defaultLog;
  return withClusterLock(log, () => upLocked(opts, log));
}

async function upLocked(opts: UpOptions, log: (msg: string) => void): Promise<UpResult> {
  try {
    return await upOnce(opts, log);
  } catch (e) {
    // Seen once on a loaded machine: a component that exited at once during its health wait, with an
    // empty log; and once tinyproxy "Could not create listening sockets" on the port picked for it (taken
    // meanwhile), which reads "exited (no such process); see". Start the whole cluster once more (new
    // ports, new run dir) before giving up; a build failure or an interrupt is not retried.
    const message = String((e as Error)?.message ?? e);
    if (!/ exited(?: \(.*\))?; see /.test(message)) throw e;
    log(`start-up failed (${message.split('\n')[0]}); trying once more with new ports`);
    return upOnce({ ...opts, fresh: true }, log);
  }
}

async function upOnce(opts: UpOptions, log: (msg: string) => void): Promise<UpResult> {
  const existing = readState();
  if (existing) {
    let otherVersions = '';
    if (!opts.fresh && explicitChoice(opts) && (await isHealthy(existing))) {
      const want = await resolveVersions(opts);
      const have = existing.versions;
      if (!have || have.argoRollouts !== want.argoRollouts || have.kubernetes !== want.kubernetes) {
        otherVersions =
          `the running cluster has Argo Rollouts ${have?.argoRollouts ?? '?'} on Kubernetes ${have?.kubernetes ?? '?'}; ` +
          `Argo Rollouts ${want.argoRollouts} on Kubernetes ${want.kubernetes} was asked for`;
      }
    }
    if (!opts.fresh && !otherVersions && (await isHealthy(existing))) {
      log(`reusing the running cluster at ${existing.apiServerUrl} (run dir ${existing.runDir}); use --fresh to restart`);
      writeRepoKubeconfig(existing);
      return { reused: true, state: existing, env: writeEnvFile(existing) };
    }
    log(
      opts.fresh
        ? 'stopping the running cluster (fresh start requested)'
        : otherVersions
          ? `stopping it: ${otherVersions}`
          : 'found a stale cluster in state.json; cleaning it up',
    );
    await downLocked(log);
  }

  // Ctrl-C / SIGTERM while starting: abort the waits, then clean up below like any other failure.
  // (The components run in their own sessions, so they never see the terminal's Ctrl-C themselves.)
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => ac.abort(new Error(`interrupted by ${sig}`));
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);

  const timings: Record<string, number> = {};
  const t0 = Date.now();
  let stepStart = t0;
  const step = (name: string): void => {
    const now = Date.now();
    timings[name] = now - stepStart;
    stepStart = now;
  };

  let runDir: string | undefined;
  let state: ClusterState | undefined;
  try {
    log(opts.build === false ? 'locating binaries (build skipped)' : 'checking the binary cache (tools/cluster/build.sh)');
    const { bins, versions } = await runBuild(opts.build !== false, opts, ac.signal);
    const metricsFlag = await controllerMetricsFlag(bins.ROLLOUTS_CONTROLLER_BIN);
    step('build');
    log(
      `Kubernetes ${versions.kubernetes} (${versions.goKubernetes}), Argo Rollouts ${versions.argoRollouts} (${versions.goArgoRollouts}), etcd ${versions.etcd}, kwok ${versions.kwok}`,
    );

    // tmpfs: etcd runs with --unsafe-no-fsync anyway, and nothing of a run survives it.
    runDir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), RUN_PREFIX));
    const logDir = join(runDir, 'logs');
    mkdirSync(logDir);
    const ports = await pickPorts();
    const apiServerUrl = `https://127.0.0.1:${ports.apiserver}`;

    const pki = await makePki(join(runDir, 'pki'));
    const tokenUsers = makeTokenUsers();
    const tokenFile = join(pki.dir, 'tokens.csv');
    writeTokenFile(tokenFile, tokenUsers);
    const componentKubeconfig = join(runDir, 'kubeconfig');
    const tls = { ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey };
    writeFileAtomic(
      componentKubeconfig,
      kubeconfigYaml(apiServerUrl, readFileSync(pki.caCert), [adminUser({ tls })], ADMIN_CONTEXT),
      0o600,
    );
    step('pki');

    state = {
      schema: 1,
      createdAt: new Date().toISOString(),
      runDir,
      logDir,
      pkiDir: pki.dir,
      componentKubeconfig,
      apiServerUrl,
      ports,
      tls,
      tokenUsers,
      binaries: bins,
      pinned: pinnedVersions(),
      versions,
      processes: componentRecords({ bins, metricsFlag, runDir, logDir, pki, ports, kubeconfig: componentKubeconfig, tokenFile }),
      timings,
    };
    // Written before anything starts, and after every start, so `down` can always find what runs.
    writeState(state);
    const st = state;
    log(`run dir ${runDir}; API server ${apiServerUrl}`);

    const start = async (name: ComponentName, timeoutMs: number): Promise<void> => {
      await launch(st, recordOf(st, name), { timeoutMs, signal: ac.signal });
      step(name);
      log(`${name} up (pid ${recordOf(st, name).pid}, ${seconds(timings[name]!)})`);
    };
    const anyDead = (): string | undefined => {
      const d = st.processes.find((p) => p.pid !== null && !isAlive(p));
      return d ? `${d.name} (pid ${d.pid}) exited; see ${d.log}` : undefined;
    };

    await start('etcd', 20_000);
    await start('kube-apiserver', 60_000);

    const api = new KubeApi(apiServerUrl, tlsOf(st));
    // CRDs before any controller: KCM's garbage collector only re-discovers resource types every ~30 s.
    const kwokCrds = await kwokPortForwardCrds(st.pinned.KWOK_VERSION ?? '');
    await kubectl(st, ['apply', '--server-side', ...kwokCrds.flatMap((f) => ['-f', f])], ac.signal);
    for (const ns of NAMESPACES) {
      await api.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }
    // The release's install.yaml, applied as its docs say (`kubectl apply -n argo-rollouts -f install.yaml`):
    // CRDs, RBAC, ConfigMap, the metrics Service and the Deployment argo-rollouts with image
    // quay.io/argoproj/argo-rollouts:<tag>, so that clients find the controller and its version the way
    // they do on a real install. kwok runs its pod as a fake; the controller that acts is our process.
    await kubectl(st, ['apply', '--server-side', '-n', CONTROLLER_NAMESPACE, '-f', bins.ROLLOUTS_INSTALL_YAML], ac.signal);
    await kubectl(st, ['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all'], ac.signal);
    step('crds+namespaces');
    log(
      `install.yaml of Argo Rollouts ${versions.argoRollouts} applied, CRDs established, namespaces ${NAMESPACES.join(', ')} created (${seconds(timings['crds+namespaces']!)})`,
    );

    await start('kube-controller-manager', 60_000);
    await start('kube-scheduler', 60_000);
    await start('kwok', 30_000);

    await api.create('/api/v1/nodes', fakeNode());
    await waitNodeReady(api, ac.signal, anyDead);
    step('node');
    log(`node ${NODE_NAME} Ready and untainted (${seconds(timings.node!)})`);

    await start('rollouts-controller', 60_000);
    for (const name of TRANSPORT_COMPONENTS) await start(name, 20_000);

    if (opts.smoke !== false) {
      await smokeCheck(api, ac.signal, anyDead);
      step('smoke');
      log(`smoke check passed: blue-green Rollout Healthy (${seconds(timings.smoke!)})`);
    }

    timings.total = Date.now() - t0;
    writeState(st);
    writeRepoKubeconfig(st);
    const env = writeEnvFile(st);
    log(
      `cluster up in ${seconds(timings.total)}; KUBECONFIG=${KUBECONFIG_PATH} (contexts: ${[ADMIN_CONTEXT, ...tokenUsers.map((u) => u.name)].join(', ')}); env in ${ENV_PATH}`,
    );
    return { reused: false, state: st, env };
  } catch (err) {
    const reason = ac.signal.aborted ? errorMessage(ac.signal.reason) : errorMessage(err);
    log(`up failed: ${reason}`);
    if (state) {
      // An interrupt is not a cluster problem: no log dump then.
      if (!ac.signal.aborted) process.stderr.write(logsTailOf(state.processes, 40) + '\n');
      await stopAll(state, log);
      rmSync(FAILURE_LOGS_DIR, { recursive: true, force: true });
      try {
        cpSync(state.logDir, FAILURE_LOGS_DIR, { recursive: true });
        log(`full logs copied to ${FAILURE_LOGS_DIR}`);
      } catch {
        /* best effort */
      }
      if (process.env.KEEP_CLUSTER_LOGS !== '1') removeRunDir(state.runDir);
      rmSync(STATE_PATH, { force: true });
    } else if (runDir) {
      removeRunDir(runDir); // failed before anything was started (PKI)
    }
    const where = state ? ` (full logs: ${FAILURE_LOGS_DIR})` : '';
    throw new Error(`cluster up failed: ${reason}${where}`, { cause: err });
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}

/**
 * Stops the recorded cluster: SIGTERM in reverse start order, ≤ 10 s each, then SIGKILL; only PIDs that
 * still belong to the recorded binary. Removes the run dir (unless KEEP_CLUSTER_LOGS=1) and state.json.
 */
export async function down(opts: { log?: (msg: string) => void } = {}): Promise<void> {
  const log = opts.log ?? defaultLog;
  await withClusterLock(log, () => downLocked(log));
}

async function downLocked(log: (msg: string) => void): Promise<void> {
  const state = readState();
  if (!state) {
    log(`no cluster recorded in ${STATE_PATH}; nothing to stop`);
    return;
  }
  await stopAll(state, log);
  const survivors = state.processes.filter((p) => p.pid !== null && isAlive(p));
  if (survivors.length) {
    throw new Error(`could not stop: ${survivors.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}`);
  }
  if (process.env.KEEP_CLUSTER_LOGS === '1') log(`kept logs in ${state.logDir}`);
  else removeRunDir(state.runDir);
  rmSync(STATE_PATH, { force: true });
  log('cluster stopped');
}

export interface ComponentStatus {
  name: ComponentName;
  pid: number | null;
  alive: boolean;
  healthy: boolean;
  detail: string;
}

export interface ClusterStatus {
  recorded: boolean;
  healthy: boolean;
  apiServerUrl?: string;
  runDir?: string;
  components: ComponentStatus[];
  /** kube-apiserver /readyz result. */
  readyz: string;
  serverVersion?: string;
  pinned: Record<string, string>;
  versions?: ClusterVersions;
}

/** Which recorded processes are alive and healthy, API server /readyz, and the versions. */
export async function status(): Promise<ClusterStatus> {
  const pinned = pinnedVersions();
  const state = readState();
  if (!state) return { recorded: false, healthy: false, components: [], readyz: 'no cluster recorded', pinned };
  const components = await Promise.all(
    state.processes.map(async (p): Promise<ComponentStatus> => {
      const alive = isAlive(p);
      if (!alive) return { name: p.name, pid: p.pid, alive, healthy: false, detail: p.pid === null ? 'stopped' : 'not running' };
      try {
        await probeHealth(state, p.health, 2_000);
        return { name: p.name, pid: p.pid, alive, healthy: true, detail: p.health.url };
      } catch (err) {
        return { name: p.name, pid: p.pid, alive, healthy: false, detail: errorMessage(err) };
      }
    }),
  );
  let readyz: string;
  let serverVersion: string | undefined;
  try {
    const tls = tlsOf(state);
    const r = await fetchText(`${state.apiServerUrl}/readyz`, { tls, timeoutMs: 2_000 });
    readyz = `HTTP ${r.status} ${r.body.trim()}`;
    const v = await fetchText(`${state.apiServerUrl}/version`, { tls, timeoutMs: 2_000 });
    if (v.status === 200) serverVersion = (JSON.parse(v.body) as { gitVersion?: string }).gitVersion;
  } catch (err) {
    readyz = errorMessage(err);
  }
  return {
    recorded: true,
    healthy: components.every((c) => c.healthy) && readyz.startsWith('HTTP 200'),
    apiServerUrl: state.apiServerUrl,
    runDir: state.runDir,
    components,
    readyz,
    serverVersion,
    pinned,
    versions: state.versions,
  };
}

function requireState(): ClusterState {
  const state = readState();
  if (!state) throw new Error(`no cluster recorded in ${STATE_PATH}; start one with \`npm run cluster -- up\``);
  return state;
}

/**
 * Stops one component (e.g. to simulate an API server or controller outage). SIGTERM by default;
 * pass SIGKILL to simulate a crash. The argv stays in state.json for startComponent.
 */
export async function stopComponent(name: ComponentName, opts: { signal?: NodeJS.Signals } = {}): Promise<StopOutcome> {
  return withClusterLock(defaultLog, async () => {
    const state = requireState();
    const rec = recordOf(state, name);
    const outcome = await stopRecord(rec, opts.signal);
    writeState(state);
    if (outcome === 'survived') throw new Error(`${name} (pid ${rec.pid}) survived SIGKILL`);
    return outcome;
  });
}

/** Starts a stopped component again with the same argv, environment, ports and log file. */
export async function startComponent(name: ComponentName, opts: { timeoutMs?: number } = {}): Promise<void> {
  await withClusterLock(defaultLog, async () => {
    const state = requireState();
    const rec = recordOf(state, name);
    if (isAlive(rec)) return;
    try {
      await launch(state, rec, { timeoutMs: opts.timeoutMs ?? 60_000 });
    } catch (err) {
      throw new Error(`${errorMessage(err)}\n${logsTailOf([rec], 40)}`, { cause: err });
    }
    writeState(state);
  });
}

function logsTailOf(records: ProcessRecord[], n: number): string {
  return records
    .filter((r) => existsSync(r.log))
    .map((r) => `----- ${r.name}: last ${n} lines of ${r.log} -----\n${tailFile(r.log, n)}`)
    .join('\n');
}

/** The last `n` lines of every component log (or only of `names`), with headers. */
export function logsTail(n = 40, names?: ComponentName[]): string {
  const state = readState();
  if (!state) return `(no cluster recorded in ${STATE_PATH})`;
  const recs = names ? state.processes.filter((p) => names.includes(p.name)) : state.processes;
  return logsTailOf(recs, n);
}
