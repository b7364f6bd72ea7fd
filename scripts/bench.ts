// npm run bench [-- --scales 500,2000,10000] [--runs 10] [--watch-seconds 60] [--workloads 1,2,3,4,5] [--smoke] [--prepare]
//
// kubectl-bluegreen against the official kubectl-argo-rollouts (built from the same Argo Rollouts module
// as the controller by the local-control-plane harness: the default of tools/cluster/versions.env, v1.10.2), on the same local cluster, in one run, alternating the two (A B A B ...)
// after a warm-up. Whole processes are timed from spawn to exit; peak RSS comes from GNU time; the
// number of API requests each makes is counted at a small recording proxy in front of the API server.
// Results: .cluster/bench.json and docs/PERFORMANCE.md.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { dump, loadAll } from 'js-yaml';
import { BUCKETS, STARTUP_PARTS, summarizeProfile, summarizeStartup, type Bucket, type CpuProfile } from './bench-profile.js';
import { describeRuntime, goalsTable, type RecordedRuntime } from './bench-goals.js';
import { median } from './bench-verdict.js';
import { nodeBinary } from './packaging/cache.js';
import { NODE_VERSION, SEA_EXEC_ARGV, TARGETS } from './packaging/targets.js';
import { down, isHealthy, readEnv, readState, up, REPO_ROOT } from '../tools/cluster/harness.js';
import { IMAGE, manifests } from '../tools/cluster/manifests.js';

// ---------- options ----------
const argv = process.argv.slice(2);
const flag = (name: string, dflt: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const SMOKE = argv.includes('--smoke');
/** The listing's sizes, in one run: --scales 500,2000,10000 (the default), or --scale N for one. */
const SCALES = argv.includes('--scales')
  ? argv[argv.indexOf('--scales') + 1]!.split(',').map(Number)
  : argv.includes('--scale')
    ? [flag('scale', 500)]
    : SMOKE
      ? [20]
      : [500, 2000, 10000];
const MAX_SCALE = Math.max(...SCALES);
/** Page sizes (--chunk-size) measured at each scale, for the default's choice. */
const CHUNK_SIZES = SMOKE ? [] : [250, 500, 1000, 2000, 0];
const RUNS = flag('runs', SMOKE ? 3 : 10);
const WARMUP = SMOKE ? 1 : 3;
const WATCH_SECONDS = flag('watch-seconds', SMOKE ? 12 : 60);
/** The throttled link for the listing with and without gzip: Mbit/s each way, and one-way delay in ms. */
const THROTTLE_MBIT = flag('throttle-mbit', 20);
const THROTTLE_DELAY_MS = flag('throttle-delay-ms', 10);
const NAMESPACES = Math.min(20, Math.max(1, Math.ceil(MAX_SCALE / 25)));
/** --workloads 1,2 runs only those (1 status, 2 listing, 3 promote, 4 watch, 5 start-up and TLS, 6 history). */
const ONLY = new Set((argv.includes('--workloads') ? argv[argv.indexOf('--workloads') + 1]! : '1,2,3,4,5,6').split(',').map(Number));
const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);

// The npm bundle is built by `npm run bench`, not by this script: run straight (`--prepare` on a fresh
// checkout) it would bring the cluster up and then fail on the first timed command.
if (!existsSync(join(REPO_ROOT, 'dist', 'kubectl-bluegreen.cjs'))) {
  log('dist/kubectl-bluegreen.cjs is missing: run `npm run build` first (`npm run bench` does)');
  process.exit(2);
}

// ---------- cluster ----------
// A cluster this run starts is stopped at the end (KEEP_CLUSTER=1 keeps it); a running one is reused.
const startedCluster = !(await isHealthy());
if (startedCluster) await up({ log });
const env = readEnv();
const state = readState()!;
const KUBECTL = env.KUBECTL_BIN!;
const ARGO = env.KUBECTL_ARGO_ROLLOUTS_BIN!;
const SEA = join(REPO_ROOT, 'release', '.build', 'linux_amd64', 'kubectl-bluegreen');
const OURS_NPM = join(REPO_ROOT, 'bin', 'kubectl-bluegreen');
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
// An inherited NODE_EXTRA_CA_CERTS makes every Node start ~40 ms slower (Node 20 reads it eagerly); it
// is a setting of this machine, not of the tool, so it is left out for both.
const childEnv: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: env.KUBECONFIG, NO_COLOR: '1', CI: 'true' };
delete childEnv.NODE_EXTRA_CA_CERTS;
// The bundle's compiled code (the npm bundle's and the single executable's), as a user has it after their
// first short command (written after a successful run with few full garbage collections): in a cache directory of this run's own, so that a
// cache this machine holds from an earlier build or use counts for nothing, primed below before any timing.
childEnv.XDG_CACHE_HOME = mkdtempSync(join(tmpdir(), 'bluegreen-bench-cache-'));
process.on('exit', () => rmSync(childEnv.XDG_CACHE_HOME!, { recursive: true, force: true }));

function kubectl(args: string[], input?: string): string {
  return execFileSync(KUBECTL, args, { env: childEnv, input, maxBuffer: 512 * 1024 * 1024 }).toString();
}

// ---------- the recording proxy ----------
const pki = state.tls;
const serverCert = join(state.pkiDir, 'apiserver.crt');
const serverKey = join(state.pkiDir, 'apiserver.key');
let counting: string | null = null;
const counts = new Map<string, number>();
const upstream = new URL(state.apiServerUrl);
const upstreamAgent = new https.Agent({
  keepAlive: true,
  ca: readFileSync(pki.ca),
  cert: readFileSync(pki.cert),
  key: readFileSync(pki.key),
});
/** When the run being counted sent its first request and its first write (hrtime), as the proxy saw them. */
const firstSeen = new Map<string, { request?: bigint; write?: bigint }>();
const proxy = https.createServer({ cert: readFileSync(serverCert), key: readFileSync(serverKey) }, (req, res) => {
  if (counting) {
    counts.set(counting, (counts.get(counting) ?? 0) + 1);
    const seen = firstSeen.get(counting) ?? {};
    const now = process.hrtime.bigint();
    seen.request ??= now;
    // A write: not a read, and not a question (a SelfSubjectReview or SelfSubjectAccessReview is a POST).
    if (req.method !== 'GET' && !/\/selfsubject/.test(req.url ?? '')) seen.write ??= now;
    firstSeen.set(counting, seen);
  }
  const headers = { ...req.headers, host: upstream.host };
  const out = https.request(
    { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers, agent: upstreamAgent },
    (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    },
  );
  out.on('error', () => res.destroy());
  req.pipe(out);
});
await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
const proxyPort = (proxy.address() as { port: number }).port;
const tmp = mkdtempSync(join(tmpdir(), 'bluegreen-bench-'));
/** A kubeconfig for the admin client certificate, reaching the API server through 127.0.0.1:port. */
function kubeconfigVia(name: string, port: number): string {
  const file = join(tmp, `kubeconfig-${name}`);
  writeFileSync(
    file,
    dump({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': name,
      clusters: [
        {
          name,
          cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority-data': readFileSync(pki.ca).toString('base64') },
        },
      ],
      users: [
        {
          name: 'admin',
          user: {
            'client-certificate-data': readFileSync(pki.cert).toString('base64'),
            'client-key-data': readFileSync(pki.key).toString('base64'),
          },
        },
      ],
      contexts: [{ name, context: { cluster: name, user: 'admin' } }],
    }),
  );
  return file;
}
const proxyKubeconfig = kubeconfigVia('proxy', proxyPort);

// ---------- running and timing a process ----------
interface Sample {
  ms: number;
  rssKB: number | null;
  code: number;
}

function timed(cmd: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Sample> {
  const rssFile = join(tmp, `rss-${process.hrtime.bigint()}`);
  const full = GNU_TIME ? [GNU_TIME, '-f', '%M', '-o', rssFile, ...cmd] : cmd;
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const child = spawn(full[0]!, full.slice(1), { env: { ...childEnv, ...extraEnv }, stdio: ['ignore', 'ignore', 'ignore'] });
    child.on('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      let rssKB: number | null = null;
      if (GNU_TIME) rssKB = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
      resolve({ ms, rssKB, code: code ?? 1 });
    });
  });
}

/** One run through the recording proxy, counted under label; start is its spawn time (hrtime). */
async function throughProxy(label: string, cmd: string[]): Promise<{ sample: Sample; start: bigint }> {
  counting = label;
  counts.set(label, 0);
  firstSeen.delete(label);
  const start = process.hrtime.bigint();
  const sample = await timed(cmd, { KUBECONFIG: proxyKubeconfig });
  counting = null;
  return { sample, start };
}

async function countRequests(label: string, cmd: string[]): Promise<number> {
  const { sample } = await throughProxy(label, cmd);
  if (sample.code !== 0) log(`warning: ${cmd.join(' ')} exited ${sample.code} through the proxy`);
  return counts.get(label) ?? 0;
}

/**
 * One run through the recording proxy: its whole time, and when (from spawn) its first request and its
 * first write reached the API server. Everything before the first request is start-up: the runtime,
 * loading the code, the kubeconfig, the TLS handshake.
 */
async function timeline(label: string, cmd: string[]): Promise<{ ms: number; firstMs: number; firstWriteMs: number | null } | null> {
  const { sample, start } = await throughProxy(label, cmd);
  if (sample.code !== 0) {
    // One failed run does not end a run of hours: it is left out, and said.
    log(`warning: ${cmd.join(' ')} exited ${sample.code} through the proxy; left out of "where the time goes"`);
    return null;
  }
  const seen = firstSeen.get(label) ?? {};
  const since = (t: bigint | undefined) => (t === undefined ? null : Number(t - start) / 1e6);
  return { ms: sample.ms, firstMs: since(seen.request) ?? NaN, firstWriteMs: since(seen.write) };
}

/**
 * "Where the time goes" for one workload: rounds of timeline() runs, the tools alternating (before each
 * run, `prepare` sets the cluster up for it), then each tool's medians.
 */
async function timelineRounds(
  workload: string,
  tools: Array<{ name: string; cmd: string[] }>,
  rounds: number,
  prepare: () => void | Promise<void> = () => {},
): Promise<void> {
  const runs = new Map<string, Array<Awaited<ReturnType<typeof timeline>>>>(tools.map((t) => [t.name, []]));
  await quietMachine(`${workload} (where the time goes)`);
  for (let i = 0; i < rounds; i++) {
    for (const t of tools) {
      await prepare();
      runs.get(t.name)!.push(await timeline(`timeline-${workload}-${t.name}`, t.cmd));
    }
  }
  for (const t of tools) addTimeline(workload, t.name, runs.get(t.name)!);
}

/** Per tool and workload, medians of timeline() runs: "where the time goes" in docs/PERFORMANCE.md. */
const timelines: Array<{ workload: string; tool: string; ms: number; firstMs: number; firstWriteMs: number | null; runs: number }> = [];
function addTimeline(workload: string, tool: string, all: Array<Awaited<ReturnType<typeof timeline>>>): void {
  const runs = all.filter((r) => r !== null);
  if (runs.length === 0) return;
  const writes = runs.map((r) => r.firstWriteMs).filter((x): x is number => x !== null);
  timelines.push({
    workload,
    tool,
    ms: stats(runs.map((r) => r.ms)).median,
    firstMs: stats(runs.map((r) => r.firstMs)).median,
    firstWriteMs: writes.length ? stats(writes).median : null,
    runs: runs.length,
  });
}

/** Min, median and max; and the values themselves (for a ratio: each pair's, in run order). */
const stats = (xs: number[]) => {
  if (xs.length === 0) return { min: NaN, median: NaN, max: NaN, values: [] as number[] };
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0]!, median: median(s), max: s[s.length - 1]!, values: xs };
};

interface Tool {
  name: string;
  cmd: (args: string[]) => string[];
}
const ours: Tool[] = [{ name: 'kubectl-bluegreen (npm bundle, Node ' + process.versions.node + ')', cmd: (a) => ['node', OURS_NPM, ...a] }];
if (existsSync(SEA)) ours.push({ name: 'kubectl-bluegreen (single executable)', cmd: (a) => [SEA, ...a] });
const ARGO_VERSION = state.versions?.argoRollouts ?? 'unknown';
const K8S_VERSION = state.versions?.kubernetes ?? 'unknown';
const theirs: Tool = { name: `kubectl-argo-rollouts ${ARGO_VERSION}`, cmd: (a) => [ARGO, ...a] };
/**
 * The floor of a Node tool (scripts/bench-floor.cjs): a bare Node process making the same requests, parsing
 * each answer whole, and nothing else, on each runtime the plugin ships with: this benchmark's Node (the
 * npm bundle's) and, when the single executable is built, the Node it is built from. It goes to the API
 * server directly (not through the recording proxy), so it is timed, not counted.
 */
interface Runtime {
  node: string;
  version: string;
  /** V8 flags the tool runs with (the single executable's sea-config execArgv). */
  execArgv: readonly string[];
  /** Whose floor it is: the rows of these tools are held against it. */
  of: Tool[];
}
const runtimes: Runtime[] = [{ node: 'node', version: process.versions.node, execArgv: [], of: [ours[0]!] }];
if (ours[1]) {
  const host = TARGETS.find((t) => t.os === 'linux' && t.arch === 'amd64')!;
  // A floor's name carries only its Node version: one runtime for both tools if the versions are equal.
  if (NODE_VERSION === process.versions.node) runtimes[0]!.of.push(ours[1]);
  else runtimes.push({ node: nodeBinary(host), version: NODE_VERSION, execArgv: SEA_EXEC_ARGV, of: [ours[1]] });
}
const floorTool = (name: string, rt: Runtime = runtimes[0]!): Tool => ({
  name: `floor: ${name} (bare Node ${rt.version})`,
  cmd: (a) => [rt.node, ...rt.execArgv, join(REPO_ROOT, 'scripts', 'bench-floor.cjs'), state.apiServerUrl, pki.ca, pki.cert, pki.key, ...a],
});
const isFloor = (t: Tool) => t.name.startsWith('floor: ');
/** A command (a Node binary, its flags, a script) that writes a CPU profile into `dir`. */
const cmdWithCpuProfile = (cmd: string[], dir: string) => [cmd[0]!, '--cpu-prof', '--cpu-prof-dir', dir, ...cmd.slice(1)];
/** The lists the plugin's table reads (the official plugin reads the first), as the plugin asks for them. */
const LISTING_LISTS = {
  rollouts: '/apis/argoproj.io/v1alpha1/rollouts',
  services: '/api/v1/services',
  replicaSets: '/apis/apps/v1/replicasets?labelSelector=rollouts-pod-template-hash',
};
/** The floors' pairs with the official plugin, as PairResults (ours = the floor). */
const floorResults: PairResult[] = [];

interface PairResult {
  workload: string;
  ours: string;
  theirs: string;
  oursCmd: string;
  theirsCmd: string;
  oursMs: ReturnType<typeof stats>;
  theirsMs: ReturnType<typeof stats>;
  ratio: ReturnType<typeof stats>;
  oursRssMB: number | null;
  theirsRssMB: number | null;
  oursRequests: number;
  theirsRequests: number;
}

/** A B A B ... after a warm-up; the ratio is taken per pair. */
async function compare(workload: string, a: Tool, aArgs: string[], b: Tool, bArgs: string[]): Promise<PairResult> {
  await quietMachine(workload);
  for (let i = 0; i < WARMUP; i++) {
    await timed(a.cmd(aArgs));
    await timed(b.cmd(bArgs));
  }
  const A: Sample[] = [];
  const B: Sample[] = [];
  for (let i = 0; i < RUNS; i++) {
    A.push(await timed(a.cmd(aArgs)));
    B.push(await timed(b.cmd(bArgs)));
  }
  const bad = [...A, ...B].find((s) => s.code !== 0);
  if (bad) throw new Error(`${workload}: a run exited ${bad.code}`);
  const maxRss = (xs: Sample[]) => (xs[0]!.rssKB === null ? null : Math.max(...xs.map((x) => x.rssKB!)) / 1024);
  const r: PairResult = {
    workload,
    ours: a.name,
    theirs: b.name,
    oursCmd: aArgs.join(' '),
    theirsCmd: bArgs.join(' '),
    oursMs: stats(A.map((x) => x.ms)),
    theirsMs: stats(B.map((x) => x.ms)),
    ratio: stats(A.map((x, i) => x.ms / B[i]!.ms)),
    oursRssMB: maxRss(A),
    theirsRssMB: maxRss(B),
    oursRequests: isFloor(a) ? 0 : await countRequests(`${workload}-ours`, a.cmd(aArgs)),
    theirsRequests: await countRequests(`${workload}-theirs`, b.cmd(bArgs)),
  };
  log(
    `${workload}: ${a.name} ${r.oursMs.median.toFixed(0)} ms vs ${r.theirsMs.median.toFixed(0)} ms (ratio ${r.ratio.median.toFixed(2)}), requests ${r.oursRequests} vs ${r.theirsRequests}`,
  );
  return r;
}

function waitFor(ns: string, goal: string): void {
  const r = spawnSync('node', [OURS_NPM, 'wait', 'frontend', '-n', ns, `--for=${goal}`, '--timeout', '120s'], {
    env: childEnv,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`wait ${goal} in ${ns}: ${r.stderr}`);
}

/**
 * Resolves once nothing the controller writes in `ns` (its Rollouts, ReplicaSets, Pods, Services) has
 * changed for `quietMs`: a promote timed while the controller still reacts to the last round (scaling the
 * old version down, its status after the pause) shares two cores with it, which spread the promote pairs
 * (the official plugin from 186 to 316 ms in one run). After a minute it gives up, said, and goes on.
 */
async function settled(ns: string, quietMs = 1500): Promise<void> {
  const kinds = [
    `/apis/argoproj.io/v1alpha1/namespaces/${ns}/rollouts`,
    `/apis/apps/v1/namespaces/${ns}/replicasets`,
    `/api/v1/namespaces/${ns}/pods`,
    `/api/v1/namespaces/${ns}/services`,
  ];
  const versions = async () =>
    (await Promise.all(kinds.map((k) => api('GET', k))))
      .flatMap((r) => (r.json?.items ?? []) as Array<{ metadata: { uid: string; resourceVersion: string } }>)
      .map((o) => `${o.metadata.uid}@${o.metadata.resourceVersion}`)
      .sort()
      .join(',');
  const deadline = Date.now() + 60_000;
  let last = await versions();
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() > deadline) {
      log(`warning: ${ns} still changing after a minute; timing anyway`);
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
    const now = await versions();
    if (now !== last) [last, since] = [now, Date.now()];
  }
}

/** The share of the machine's CPU time (all cores; steal counts as busy) spent busy over `ms`, from /proc/stat. */
async function machineBusy(ms: number): Promise<number> {
  const read = () => {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { idle: f[3]! + (f[4] ?? 0), total: f.reduce((a, b) => a + b, 0) };
  };
  const a = read();
  await new Promise((r) => setTimeout(r, ms));
  const b = read();
  return b.total === a.total ? 0 : 1 - (b.idle - a.idle) / (b.total - a.total);
}

/**
 * The cluster shares this machine's two cores with the tools. Its background work (the Argo controller
 * working through 10,000 rollouts, the garbage collector deleting a shrunk scale's objects) took 20-40% of
 * a core, in bursts more than one, and fell on the pairs unevenly: in one run the official plugin's
 * `get rollout` took 258 ms in one tool's pairs and 201 ms in the other's. A user's kubectl does not share
 * its cores with the API server and the controller; the pairs are timed once the machine is quiet (under
 * QUIET_BUSY of its CPU busy over 2 s), or after `maxMs` with the load it had, which the report says.
 */
const QUIET_BUSY = 0.1;
const quietness: Array<{ workload: string; busyPercent: number; waitedS: number }> = [];
async function quietMachine(workload: string, maxMs = 120_000): Promise<void> {
  const t0 = Date.now();
  const known = quietness.find((q) => q.workload === workload);
  // A workload whose wait already ran out is not waited for as long again (10,000 rollouts keep the
  // controller busy for good).
  if (known && known.busyPercent > QUIET_BUSY * 100) maxMs = Math.min(maxMs, 10_000);
  // A smoke run checks that the benchmark runs (in CI, on a machine that may be busy), not its numbers.
  if (SMOKE) maxMs = Math.min(maxMs, 4_000);
  let busy = await machineBusy(2000);
  while (busy > QUIET_BUSY && Date.now() - t0 < maxMs) busy = await machineBusy(2000);
  const waitedS = (Date.now() - t0) / 1000;
  // A workload timed in rounds keeps its worst round.
  if (!known) quietness.push({ workload, busyPercent: busy * 100, waitedS });
  else if (busy * 100 > known.busyPercent) Object.assign(known, { busyPercent: busy * 100, waitedS });
  if (busy > QUIET_BUSY)
    log(`warning: ${workload}: the machine still ${(busy * 100).toFixed(0)}% busy after ${waitedS.toFixed(0)} s; timing anyway`);
}

function freshNamespace(ns: string): void {
  spawnSync(KUBECTL, ['delete', 'namespace', ns, '--wait=true', '--timeout=120s'], { env: childEnv });
  kubectl(['create', 'namespace', ns]);
}

let tagCounter = 100;
const nextTag = () => `v2.${++tagCounter}`;

function setImage(ns: string, tag: string): void {
  kubectl([
    'patch',
    'rollout',
    'frontend',
    '-n',
    ns,
    '--type',
    'json',
    '-p',
    JSON.stringify([{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: IMAGE(tag) }]),
  ]);
}

const results: PairResult[] = [];
const extra: Record<string, unknown> = {};

/**
 * Each tool's executable is dropped from the page cache before the runs, so that it is measured as an
 * installed program is (read from disk on its first run, from the page cache after), not in the state its
 * build left it in. The single executable just written by `npm run package` (Node's --build-sea) took
 * 57 MB peak RSS for `version --client`, a cp of it 43 MB, and the same file once dropped and read
 * again 43 MB: its pages counted twice over until then. (GNU dd: `iflag=nocache count=0` asks the
 * kernel to drop the file's clean pages; a file in use keeps its mapped ones.) A tool spawned as `node`
 * runs the one on PATH, which may not be this process's.
 */
const pathNode = spawnSync('sh', ['-c', 'command -v node'], { encoding: 'utf8' }).stdout.trim();
const executables = [SEA, ARGO, process.execPath, ...runtimes.map((r) => (r.node === 'node' ? pathNode : r.node))];
let pageCacheDropped = true;
for (const file of new Set(executables.filter((f) => f && existsSync(f)))) {
  const r = spawnSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none'], { encoding: 'utf8' });
  if (r.status !== 0) {
    pageCacheDropped = false;
    log(`could not drop ${file} from the page cache: ${r.error?.message ?? r.stderr.trim()}`);
  }
}

// ---------- the tools' compile caches ----------
{
  // Both keep the bundle's compiled code in the user's cache directory (bin/bundle-loader.cjs), written by
  // a first successful short run: without it every run would compile the bundle, which a user's does once.
  const compiled = join(childEnv.XDG_CACHE_HOME!, 'kubectl-bluegreen', 'compile');
  const bundleCaches = () => (existsSync(compiled) ? readdirSync(compiled).filter((f) => f.startsWith('bundle-')) : []);
  for (const [name, cmd] of [
    ['npm bundle', ['node', OURS_NPM]],
    ['single executable', existsSync(SEA) ? [SEA] : null],
  ] as const) {
    if (!cmd) continue;
    const before = bundleCaches().length;
    const r = spawnSync(cmd[0]!, [...cmd.slice(1), 'status', '-n', 'default'], { env: childEnv, encoding: 'utf8' });
    if (bundleCaches().length !== before + 1)
      throw new Error(`bench: the ${name}'s \`status -n default\` (exit ${r.status}) wrote no compile cache: ${r.stderr}`);
  }
  log(`compile caches primed by \`status -n default\` (each workload's warm-up writes its own kind's): ${bundleCaches().join(', ')}`);
}

// ---------- workload 2: the listing at each of SCALES rollouts over NAMESPACES namespaces ----------
/** The API server, straight (not through the counting proxy): for building the cluster's state fast. */
function api(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path,
        method,
        agent: upstreamAgent,
        // With a length: a chunked DELETE body left the API server's connection out of step, and the next
        // request on it got a bare "400 Bad Request".
        headers: body ? { 'content-type': contentType, 'content-length': Buffer.byteLength(JSON.stringify(body)) } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, json: text.startsWith('{') ? JSON.parse(text) : null });
        });
      },
    );
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

/** The manifests' rollout and Service(s), renamed from frontend to `name`, created in `ns` (one that exists is kept). */
async function createApp(ns: string, name: string, docs: any[]): Promise<void> {
  for (const doc of docs) {
    const o = JSON.parse(
      JSON.stringify(doc).replaceAll('frontend-active', `${name}-active`).replaceAll('"frontend"', JSON.stringify(name)),
    );
    const plural = o.kind === 'Rollout' ? `/apis/argoproj.io/v1alpha1/namespaces/${ns}/rollouts` : `/api/v1/namespaces/${ns}/services`;
    const r = await api('POST', plural, o);
    if (r.status !== 201 && r.status !== 409) throw new Error(`create ${o.kind} ${ns}/${name}: ${r.status} ${r.json?.message}`);
  }
}

/** How many of the listing's rollouts run a pod (see populate). */
const PODDED_ROLLOUTS = 2000;
/** Rollout k of the listing lives in namespace k % NAMESPACES: a smaller scale's rollouts are a larger one's first. */
const scaleName = (k: number) => ({ ns: `bench-scale-${k % NAMESPACES}`, name: `app-${Math.floor(k / NAMESPACES)}` });

async function populate(scale: number): Promise<void> {
  for (let n = 0; n < Math.min(NAMESPACES, scale); n++) {
    await api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `bench-scale-${n}` } });
  }
  const existing = new Set(
    ((await api('GET', '/apis/argoproj.io/v1alpha1/rollouts')).json.items as Array<{ metadata: { namespace: string; name: string } }>).map(
      (r) => `${r.metadata.namespace}/${r.metadata.name}`,
    ),
  );
  const todo: number[] = [];
  for (let k = 0; k < scale; k++) {
    const { ns, name } = scaleName(k);
    if (!existing.has(`${ns}/${name}`)) todo.push(k);
  }
  // Rollouts beyond this scale (a larger scale came first) are deleted, with their Services; the
  // garbage collector takes their ReplicaSets (waited for below).
  const extra: Array<{ ns: string; name: string }> = [];
  for (const key of existing) {
    const [ns, name] = key.split('/') as [string, string];
    const m = /^bench-scale-(\d+)$/.exec(ns);
    const i = /^app-(\d+)$/.exec(name);
    if (m && i && Number(i[1]) * NAMESPACES + Number(m[1]) >= scale) extra.push({ ns, name });
  }
  const extraServices: Array<{ namespace: string; name: string }> = [];
  for (const svc of (await api('GET', '/api/v1/services')).json.items as Array<{ metadata: { namespace: string; name: string } }>) {
    const m = /^bench-scale-(\d+)$/.exec(svc.metadata.namespace);
    const i = /^app-(\d+)-active$/.exec(svc.metadata.name);
    if (m && i && Number(i[1]) * NAMESPACES + Number(m[1]) >= scale) extraServices.push(svc.metadata);
  }
  if (extra.length || extraServices.length) log(`  deleting ${extra.length} rollouts and ${extraServices.length} Services beyond ${scale}`);
  const deletes = [
    ...extra.map(({ ns, name }) => `/apis/argoproj.io/v1alpha1/namespaces/${ns}/rollouts/${name}`),
    ...extraServices.map(({ namespace, name }) => `/api/v1/namespaces/${namespace}/services/${name}`),
  ];
  let nextDelete = 0;
  const deleter = async () => {
    while (nextDelete < deletes.length) {
      const path = deletes[nextDelete++]!;
      const r = await api('DELETE', path, { propagationPolicy: 'Background' });
      if (r.status !== 200 && r.status !== 202 && r.status !== 404) throw new Error(`DELETE ${path}: ${r.status}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, deleter));
  log(`  creating ${todo.length} rollouts (${existing.size} exist)`);
  // The first PODDED_ROLLOUTS run one pod each; the rest none (the same Rollout, Service and ReplicaSet
  // objects, so the same listing work): starting 10,000 pods takes the controllers on 2 cores over an hour.
  const templates = [1, 0].map((replicas) => loadAll(manifests({ replicas, previewService: false })) as any[]);
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const k = todo[next++]!;
      const { ns, name } = scaleName(k);
      await createApp(ns, name, templates[k < PODDED_ROLLOUTS ? 0 : 1]!);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const deadline = Date.now() + 40 * 60_000;
  for (;;) {
    const items = (await api('GET', '/apis/argoproj.io/v1alpha1/rollouts')).json.items as Array<{
      metadata: { namespace: string };
      status?: { phase?: string };
    }>;
    const healthy = items.filter((r) => r.metadata.namespace.startsWith('bench-scale-') && r.status?.phase === 'Healthy').length;
    const inScale = items.filter((r) => r.metadata.namespace.startsWith('bench-scale-')).length;
    // ... and the deleted rollouts' ReplicaSets are gone (one ReplicaSet per bench rollout)
    const replicaSets = (await api('GET', '/apis/apps/v1/replicasets?labelSelector=rollouts-pod-template-hash')).json.items as Array<{
      metadata: { namespace: string };
    }>;
    const rsInScale = replicaSets.filter((r) => r.metadata.namespace.startsWith('bench-scale-')).length;
    // ... and their pods too: the garbage collector deletes a ReplicaSet before its pods, and a shrink from
    // 2,002 to 502 left it deleting 1,500 pods at 35-37% of the machine through the 502 listing's pairs.
    const pods = (await api('GET', '/api/v1/pods?labelSelector=rollouts-pod-template-hash')).json.items as Array<{
      metadata: { namespace: string };
    }>;
    const podsInScale = pods.filter((p) => p.metadata.namespace.startsWith('bench-scale-')).length;
    const podsWanted = Math.min(scale, PODDED_ROLLOUTS);
    if (healthy >= scale && inScale === scale && rsInScale <= scale && podsInScale <= podsWanted) break;
    const progress = `${healthy}/${scale} Healthy, ${inScale} rollouts, ${rsInScale} ReplicaSets and ${podsInScale} pods (of ${podsWanted}) in the bench namespaces`;
    if (Date.now() > deadline) throw new Error(`not settled after 40 minutes: ${progress}`);
    log(`  ${progress}`);
    await new Promise((r) => setTimeout(r, 5000));
  }
}

/**
 * A kwok node with room for every pod the listing's rollouts run (the harness's node holds 110, as a real
 * one): without it the rollouts beyond that stay Progressing and end Degraded. Idempotent.
 */
function benchNode(): void {
  kubectl(
    ['apply', '-f', '-'],
    dump({
      apiVersion: 'v1',
      kind: 'Node',
      // Sized for the largest scale: a Node's capacity is status, which `kubectl apply` does not change later.
      metadata: {
        name: `bench-node-${MAX_SCALE}`,
        annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' },
        labels: { type: 'kwok', 'kubernetes.io/hostname': `bench-node-${MAX_SCALE}` },
      },
      status: {
        allocatable: { cpu: '40000', memory: '160Ti', pods: String(MAX_SCALE * 2 + 100) },
        capacity: { cpu: '40000', memory: '160Ti', pods: String(MAX_SCALE * 2 + 100) },
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
    }),
  );
}

// --prepare: only create the listing's rollouts (for the largest scale) and wait for them, then stop.
if (argv.includes('--prepare')) {
  benchNode();
  await populate(MAX_SCALE);
  log(`prepared ${MAX_SCALE} rollouts`);
  process.exit(0);
}

/** One point of the plot: a listing's size, and each tool's median time and peak RSS there. */
interface ListingPoint {
  rollouts: number;
  tools: Record<string, { ms: number; rssMB: number | null }>;
}
const listingPoints: ListingPoint[] = [];
const throttledFailures: string[] = [];
const serverFloor: Array<{ rollouts: number; ms: Record<string, ReturnType<typeof stats>> }> = [];
const chunkResults: Array<{ rollouts: number; chunkSize: number; ms: ReturnType<typeof stats>; rssMB: number; requests: number }> = [];

if (ONLY.has(2)) {
  log(
    `workload 2: the listing at ${SCALES.join(', ')} blue-green rollouts over ${NAMESPACES} namespaces (1 replica each for the first ${PODDED_ROLLOUTS}, 0 beyond)`,
  );
  benchNode();
  // Largest first: a cluster left with the largest scale (by --prepare, or an earlier run) is shrunk,
  // which takes minutes; growing it takes far longer.
  for (const scale of [...SCALES].sort((a, b) => b - a)) {
    log(`  scale ${scale}`);
    const t0 = Date.now();
    await populate(scale);
    log(`  ${scale} rollouts Healthy after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    const totalRollouts = ((await api('GET', '/apis/argoproj.io/v1alpha1/rollouts')).json.items as unknown[]).length;
    const point: ListingPoint = { rollouts: totalRollouts, tools: {} };
    for (const o of ours) {
      const r = await compare(`list ${totalRollouts} rollouts (-A)`, o, ['status', '-A'], theirs, ['list', 'rollouts', '-A']);
      results.push(r);
      point.tools[o.name] = { ms: r.oursMs.median, rssMB: r.oursRssMB };
      point.tools[theirs.name] = { ms: r.theirsMs.median, rssMB: r.theirsRssMB };
    }
    listingPoints.push(point);
    // The floor at this size: a bare Node process reading the one list the official plugin reads, and the
    // three the plugin's table reads (in parallel, as it does), each against the official plugin.
    // The three lists on every runtime the plugin ships with.
    for (const [what, paths, rt] of [
      ['the Rollouts list', [LISTING_LISTS.rollouts], runtimes[0]!],
      ...runtimes.map((rt) => ['the three lists', Object.values(LISTING_LISTS), rt] as const),
    ] as const)
      floorResults.push(
        await compare(`list ${totalRollouts} rollouts (-A)`, floorTool(what, rt), ['list', ...paths], theirs, ['list', 'rollouts', '-A']),
      );
    await timelineRounds(
      `list ${totalRollouts} rollouts (-A)`,
      [
        ...ours.map((o) => ({ name: o.name, cmd: o.cmd(['status', '-A']) })),
        { name: theirs.name, cmd: theirs.cmd(['list', 'rollouts', '-A']) },
      ],
      Math.max(3, Math.ceil(RUNS / 2)),
    );
    // The API server's part: each list the tools read, fetched whole (gzip, as both ask) and thrown away.
    {
      const fetchMs = (path: string) =>
        new Promise<number>((resolve, reject) => {
          const t = performance.now();
          https
            .get(
              { host: upstream.hostname, port: upstream.port, path, agent: upstreamAgent, headers: { 'accept-encoding': 'gzip' } },
              (res) => {
                res.resume();
                res.on('end', () => resolve(performance.now() - t));
              },
            )
            .on('error', reject);
        });
      const floor: Record<string, ReturnType<typeof stats>> = {};
      for (const [k, path] of Object.entries(LISTING_LISTS)) {
        const xs: number[] = [];
        for (let i = 0; i < Math.max(3, Math.ceil(RUNS / 2)); i++) xs.push(await fetchMs(path));
        floor[k] = stats(xs);
      }
      serverFloor.push({ rollouts: totalRollouts, ms: floor });
      log(
        `  the API server alone: ${Object.entries(floor)
          .map(([k, v]) => `${k} ${v.median.toFixed(0)} ms`)
          .join(', ')}`,
      );
    }
    // At the smallest scale only (the slow link's run time grows with the size).
    if (scale === Math.min(...SCALES)) {
      // The same listing over a slow link: a TCP relay in front of the API server (TLS passes through
      // untouched, so gzip is negotiated with the API server itself) that paces bytes at THROTTLE_MBIT each
      // way and delays them by THROTTLE_DELAY_MS. Ours with gzip (the default) against ours with
      // --disable-compression; the official plugin (client-go asks for gzip) for reference.
      {
        const bytesPerMs = (THROTTLE_MBIT * 1e6) / 8 / 1000;
        let bytesDown = 0;
        // When the link is next free in each direction (ms, monotonic): one link, shared by every
        // connection over it (paced per connection, HTTP/1.1's three connections side by side had three
        // times the bandwidth of HTTP/2's one).
        const link = { up: 0, down: 0 };
        const relay = net.createServer((client) => {
          const upstreamSock = net.connect(Number(upstream.port), upstream.hostname);
          const pace = (from: net.Socket, to: net.Socket, count: boolean) => {
            // One queue and one timer per direction of a connection: bytes leave strictly in the order they
            // came. (A timer per chunk could fire out of order when this process's event loop lagged,
            // because Node starts a timer from the loop's cached time; a TLS stream with its records
            // swapped stalls.)
            const dir = count ? 'down' : 'up';
            const queue: Array<{ at: number; chunk: Buffer | null }> = [];
            let timer: NodeJS.Timeout | undefined;
            const pump = () => {
              timer = undefined;
              while (queue.length && queue[0]!.at <= performance.now()) {
                const { chunk } = queue.shift()!;
                if (chunk === null) to.end();
                else if (to.writable) to.write(chunk);
              }
              if (queue.length) timer = setTimeout(pump, Math.max(1, queue[0]!.at - performance.now()));
            };
            const push = (at: number, chunk: Buffer | null) => {
              queue.push({ at, chunk });
              if (!timer) timer = setTimeout(pump, Math.max(0, queue[0]!.at - performance.now()));
            };
            from.on('data', (chunk: Buffer) => {
              if (count) bytesDown += chunk.length;
              link[dir] = Math.max(link[dir], performance.now()) + chunk.length / bytesPerMs;
              push(link[dir] + THROTTLE_DELAY_MS, chunk);
            });
            from.on('end', () => push(Math.max(link[dir], performance.now()) + THROTTLE_DELAY_MS, null));
            from.on('error', () => to.destroy());
          };
          pace(client, upstreamSock, false);
          pace(upstreamSock, client, true);
        });
        await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
        const relayPort = (relay.address() as net.AddressInfo).port;
        const slowKubeconfig = kubeconfigVia('throttled', relayPort);
        const variants: Array<{ label: string; cmd: string[] }> = [
          ...ours.flatMap((o) => [
            { label: `${o.name}, gzip (default)`, cmd: o.cmd(['status', '-A']) },
            { label: `${o.name}, --disable-compression`, cmd: o.cmd(['status', '-A', '--disable-compression']) },
          ]),
          { label: `${theirs.name} (gzip)`, cmd: theirs.cmd(['list', 'rollouts', '-A']) },
        ];
        const env = { KUBECONFIG: slowKubeconfig };
        const samples = new Map<string, { ms: number[]; bytes: number[] }>(variants.map((v) => [v.label, { ms: [], bytes: [] }]));
        const runs = Math.max(3, Math.ceil(RUNS / 2));
        for (const v of variants) await timed(v.cmd, env); // warm-up
        for (let i = 0; i < runs; i++) {
          for (const v of variants) {
            bytesDown = 0;
            const r = await timed(v.cmd, env);
            if (r.code !== 0) {
              // Kept, not fatal: what it said, once again with its stderr.
              const again = spawnSync(v.cmd[0]!, v.cmd.slice(1), { env: { ...childEnv, ...env }, encoding: 'utf8' });
              throttledFailures.push(`${v.label}: exit ${r.code}; again: exit ${again.status}, ${again.stderr.trim().slice(0, 300)}`);
              log(`  throttled listing failed: ${throttledFailures.at(-1)}`);
              continue;
            }
            samples.get(v.label)!.ms.push(r.ms);
            samples.get(v.label)!.bytes.push(bytesDown);
          }
        }
        relay.close();
        const throttled = variants.map((v) => {
          const x = samples.get(v.label)!;
          return { variant: v.label, ms: stats(x.ms), bytesFromServer: Math.round(stats(x.bytes).median) };
        });
        extra.throttledListing = {
          mbit: THROTTLE_MBIT,
          delayMs: THROTTLE_DELAY_MS,
          rollouts: totalRollouts,
          runs,
          results: throttled,
          failures: throttledFailures,
        };
        for (const t of throttled)
          log(
            `throttled listing (${THROTTLE_MBIT} Mbit/s, ${THROTTLE_DELAY_MS} ms): ${t.variant}: ${t.ms.median.toFixed(0)} ms, ${(t.bytesFromServer / 1e6).toFixed(2)} MB`,
          );
      }
    }
    // The page size, by measurement: the same listing with each --chunk-size, alternating, npm bundle.
    if (CHUNK_SIZES.length) {
      const runs = Math.max(3, Math.ceil(RUNS / 2));
      const samples = new Map<number, Sample[]>(CHUNK_SIZES.map((c) => [c, []]));
      for (const c of CHUNK_SIZES) await timed(ours[0]!.cmd(['status', '-A', `--chunk-size=${c}`]));
      for (let i = 0; i < runs; i++)
        for (const c of CHUNK_SIZES) samples.get(c)!.push(await timed(ours[0]!.cmd(['status', '-A', `--chunk-size=${c}`])));
      for (const c of CHUNK_SIZES) {
        const xs = samples.get(c)!;
        if (xs.some((x) => x.code !== 0)) throw new Error(`--chunk-size=${c}: a run failed`);
        const requests = await countRequests(`chunk-${c}-${totalRollouts}`, ours[0]!.cmd(['status', '-A', `--chunk-size=${c}`]));
        const row = {
          rollouts: totalRollouts,
          chunkSize: c,
          ms: stats(xs.map((x) => x.ms)),
          rssMB: Math.max(...xs.map((x) => x.rssKB ?? 0)) / 1024,
          requests,
        };
        chunkResults.push(row);
        log(`  --chunk-size=${c}: ${row.ms.median.toFixed(0)} ms, ${row.rssMB.toFixed(0)} MB, ${requests} requests`);
      }
    }
  }
  // Measured largest first; reported smallest first.
  listingPoints.sort((a, b) => a.rollouts - b.rollouts);
  serverFloor.sort((a, b) => a.rollouts - b.rollouts);
  chunkResults.sort((a, b) => a.rollouts - b.rollouts || a.chunkSize - b.chunkSize);
  extra.listing = { scales: SCALES, namespaces: NAMESPACES, points: listingPoints, chunkSizes: chunkResults, serverFloor };
}

// ---------- workload 1: one rollout with a preview pending ----------
if (ONLY.has(1)) {
  log('workload 1: one blue-green rollout with a preview pending');
  benchNode();
  freshNamespace('bench-one');
  kubectl(['apply', '-n', 'bench-one', '-f', '-'], manifests({ replicas: 2 }));
  waitFor('bench-one', 'healthy');
  setImage('bench-one', 'v1.054');
  waitFor('bench-one', 'paused');
  for (const o of ours) {
    results.push(
      await compare('status of one rollout', o, ['status', 'frontend', '-n', 'bench-one'], theirs, [
        'get',
        'rollout',
        'frontend',
        '-n',
        'bench-one',
      ]),
    );
  }
  // The floor: the same requests (the rollout, and beside it a page of the namespace's Services and ReplicaSets) from a bare Node.
  for (const rt of runtimes)
    floorResults.push(
      await compare('status of one rollout', floorTool("the single view's requests", rt), ['status', 'bench-one', 'frontend'], theirs, [
        'get',
        'rollout',
        'frontend',
        '-n',
        'bench-one',
      ]),
    );
  // Where the time goes: through the proxy, alternating, when the first request arrives.
  await timelineRounds(
    'status of one rollout',
    [
      ...ours.map((o) => ({ name: o.name, cmd: o.cmd(['status', 'frontend', '-n', 'bench-one']) })),
      { name: theirs.name, cmd: theirs.cmd(['get', 'rollout', 'frontend', '-n', 'bench-one']) },
    ],
    RUNS,
  );
}

// ---------- workload 6: the listing where rollouts keep their history ----------
// A table reads every rollout-made ReplicaSet of the namespace beside the Rollouts (workload 2), older
// revisions included (up to revisionHistoryLimit per rollout, 10 by default), which the bench's listing
// rollouts do not have. Two namespaces of the same rollouts, one without history and one where each has
// been through HISTORY_REVISIONS new versions: what reading the history costs, against the official plugin.
const HISTORY_ROLLOUTS = SMOKE ? 4 : 25;
const HISTORY_REVISIONS = SMOKE ? 2 : 10;
const historyResults: Array<{ ns: string; replicaSets: number; kB: number }> = [];
if (ONLY.has(6)) {
  log(`workload 6: ${HISTORY_ROLLOUTS} rollouts in one namespace, with one ReplicaSet each and after ${HISTORY_REVISIONS} new versions`);
  const spaces = ['bench-history-0', `bench-history-${HISTORY_REVISIONS}`];
  const template = loadAll(manifests({ replicas: 0, previewService: false, autoPromotionEnabled: true })) as any[];
  const rolloutsIn = async (ns: string) =>
    (await api('GET', `/apis/argoproj.io/v1alpha1/namespaces/${ns}/rollouts`)).json.items as Array<{
      metadata: { generation: number };
      status?: { phase?: string; observedGeneration?: string; currentPodHash?: string; stableRS?: string };
    }>;
  /** Every rollout has seen its latest spec and made it stable. */
  const settle = async (ns: string) => {
    const deadline = Date.now() + 10 * 60_000;
    for (;;) {
      const items = await rolloutsIn(ns);
      const done = items.filter(
        (r) =>
          r.status?.phase === 'Healthy' &&
          String(r.status.observedGeneration) === String(r.metadata.generation) &&
          r.status.currentPodHash === r.status.stableRS,
      ).length;
      if (items.length === HISTORY_ROLLOUTS && done === HISTORY_ROLLOUTS) return;
      if (Date.now() > deadline) throw new Error(`${ns}: ${done}/${HISTORY_ROLLOUTS} rollouts settled`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  for (const ns of spaces) {
    freshNamespace(ns);
    for (let i = 0; i < HISTORY_ROLLOUTS; i++) await createApp(ns, `app-${i}`, template);
    await settle(ns);
  }
  for (let v = 1; v <= HISTORY_REVISIONS; v++) {
    for (let i = 0; i < HISTORY_ROLLOUTS; i++) {
      const r = await api(
        'PATCH',
        `/apis/argoproj.io/v1alpha1/namespaces/${spaces[1]}/rollouts/app-${i}`,
        [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: IMAGE(`v3.${v}`) }],
        'application/json-patch+json',
      );
      if (r.status !== 200) throw new Error(`set the image of ${spaces[1]}/app-${i}: ${r.status} ${r.json?.message}`);
    }
    await settle(spaces[1]!);
  }
  for (const ns of spaces) {
    const path = `/apis/apps/v1/namespaces/${ns}/replicasets?labelSelector=rollouts-pod-template-hash`;
    const list = await api('GET', path);
    const replicaSets = (list.json.items as unknown[]).length;
    historyResults.push({ ns, replicaSets, kB: Buffer.byteLength(JSON.stringify(list.json)) / 1024 });
    log(`  ${ns}: ${replicaSets} ReplicaSets`);
    for (const o of ours)
      results.push(
        await compare(`one namespace, ${HISTORY_ROLLOUTS} rollouts, ${replicaSets} ReplicaSets (-n)`, o, ['status', '-n', ns], theirs, [
          'list',
          'rollouts',
          '-n',
          ns,
        ]),
      );
  }
  // Gone before anything else lists the cluster (a reused cluster's next listing would count them).
  for (const ns of spaces) spawnSync(KUBECTL, ['delete', 'namespace', ns, '--wait=true', '--timeout=300s'], { env: childEnv });
  extra.history = { rollouts: HISTORY_ROLLOUTS, revisions: HISTORY_REVISIONS, namespaces: historyResults };
}

// ---------- workload 3: promote ----------
if (ONLY.has(3)) {
  log('workload 3: promote, to exit and to the active Service switching');
  freshNamespace('bench-promote');
  kubectl(['apply', '-n', 'bench-promote', '-f', '-'], manifests({ replicas: 1, scaleDownDelaySeconds: 1 }));
  waitFor('bench-promote', 'healthy');

  /** Resolves with the time the active Service's selector changes (watch API), from `since`. */
  function serviceSwitch(ns: string, before: string): { done: Promise<bigint>; stop: () => void } {
    let req: ReturnType<typeof https.get> | undefined;
    const done = new Promise<bigint>((resolve) => {
      req = https.get(
        `${state.apiServerUrl}/api/v1/namespaces/${ns}/services?watch=1&fieldSelector=metadata.name=frontend-active`,
        { agent: upstreamAgent },
        (res) => {
          let buf = '';
          res.on('data', (c: Buffer) => {
            buf += c.toString();
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const ev = JSON.parse(buf.slice(0, nl)) as { object: { spec: { selector: Record<string, string> } } };
              buf = buf.slice(nl + 1);
              if (ev.object.spec.selector['rollouts-pod-template-hash'] !== before) resolve(process.hrtime.bigint());
            }
          });
        },
      );
    });
    return { done, stop: () => req?.destroy() };
  }

  const promoteRuns: Record<string, { exit: number[]; switch: number[]; requests: number }> = {};
  const tools: Array<{ t: Tool; args: string[] }> = [
    ...ours.map((t) => ({ t, args: ['promote', 'frontend', '-n', 'bench-promote', '--yes'] })),
    { t: theirs, args: ['promote', 'frontend', '-n', 'bench-promote'] },
  ];
  // The floors: the official plugin's two requests (GET, status PATCH), and the plugin's requests in its
  // rounds (the guard's reads, the status PATCH, the record), from a bare Node process.
  const floors: Array<{ t: Tool; args: string[] }> = [
    { t: floorTool("the official plugin's GET and PATCH"), args: ['promote', 'bench-promote', 'frontend'] },
    ...runtimes.map((rt) => ({
      t: floorTool("the plugin's requests: its reads, the PATCH, the record", rt),
      args: ['promote-guarded', 'bench-promote', 'frontend'],
    })),
  ];
  for (let i = 0; i < RUNS + 1; i++) {
    for (const { t, args } of [...tools, ...floors]) {
      setImage('bench-promote', nextTag());
      waitFor('bench-promote', 'paused');
      await settled('bench-promote');
      await quietMachine('promote', 30_000);
      const before = (
        JSON.parse(kubectl(['get', 'service', 'frontend-active', '-n', 'bench-promote', '-o', 'json'])) as {
          spec: { selector: Record<string, string> };
        }
      ).spec.selector['rollouts-pod-template-hash']!;
      const watch = serviceSwitch('bench-promote', before);
      await new Promise((r) => setTimeout(r, 300)); // the watch is established
      const start = process.hrtime.bigint();
      const counted = i === RUNS; // the last round goes through the proxy, to count requests
      if (counted) counting = `promote-${t.name}`;
      const s = await timed(t.cmd(args), counted ? { KUBECONFIG: proxyKubeconfig } : {});
      counting = null;
      const switched = await Promise.race([
        watch.done,
        new Promise<bigint>((_, rej) =>
          setTimeout(() => rej(new Error(`${t.name}: the active Service did not switch within 60 s`)), 60_000),
        ),
      ]);
      watch.stop();
      if (s.code !== 0) throw new Error(`${t.name} promote exited ${s.code}`);
      const r = (promoteRuns[t.name] ??= { exit: [], switch: [], requests: 0 });
      if (counted) r.requests = counts.get(`promote-${t.name}`) ?? 0;
      else if (i > 0) {
        // the first round is the warm-up
        r.exit.push(s.ms);
        r.switch.push(Number(switched - start) / 1e6);
      }
      waitFor('bench-promote', 'promoted');
    }
  }
  // Where the time goes: more rounds, every tool through the proxy, for when its first request and its
  // write (the PATCH) reach the API server; a fresh pause before each run.
  await timelineRounds(
    'promote',
    tools.map(({ t, args }) => ({ name: t.name, cmd: t.cmd(args) })),
    Math.max(3, Math.ceil(RUNS / 2)),
    async () => {
      waitFor('bench-promote', 'promoted');
      setImage('bench-promote', nextTag());
      waitFor('bench-promote', 'paused');
      await settled('bench-promote');
    },
  );
  extra.promote = Object.fromEntries(
    Object.entries(promoteRuns).map(([k, v]) => [k, { exitMs: stats(v.exit), switchMs: stats(v.switch), requests: v.requests }]),
  );
  for (const { t: o, args } of [...ours.map((t) => ({ t, args: ['promote', 'frontend', '--yes'] })), ...floors]) {
    const a = promoteRuns[o.name]!;
    const b = promoteRuns[theirs.name]!;
    for (const [workload, key] of [
      ['promote (start to exit)', 'exit'],
      ['promote (start to the active Service switching)', 'switch'],
    ] as const)
      (isFloor(o) ? floorResults : results).push({
        workload,
        ours: o.name,
        theirs: theirs.name,
        oursCmd: (isFloor(o) ? ['bench-floor.cjs', ...args] : args).join(' '),
        theirsCmd: 'promote frontend',
        oursMs: stats(a[key]),
        theirsMs: stats(b[key]),
        ratio: stats(a[key].map((x, i) => x / b[key][i]!)),
        oursRssMB: null,
        theirsRssMB: null,
        oursRequests: a.requests,
        theirsRequests: b.requests,
      });
  }
}

// ---------- workload 4: watch ----------
const watchResults: Record<string, unknown> = {};
if (ONLY.has(4)) {
  log(`workload 4: status --watch for ${WATCH_SECONDS} s on a rollout that changes every 5 s`);
  freshNamespace('bench-watch');
  kubectl(['apply', '-n', 'bench-watch', '-f', '-'], manifests({ replicas: 1, scaleDownDelaySeconds: 1 }));
  waitFor('bench-watch', 'healthy');
  const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  function cpuSeconds(pid: number): number {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime + stime
  }

  async function watchRun(
    t: Tool,
    args: string[],
  ): Promise<{ cpuPercent: number; idleCpuPercent: number; delaysMs: ReturnType<typeof stats> | null; redraws: number }> {
    const child = spawn(t.cmd(args)[0]!, t.cmd(args).slice(1), { env: childEnv, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    const seen: Array<{ at: bigint; text: string }> = [];
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      seen.push({ at: process.hrtime.bigint(), text: c.toString() });
    });
    await new Promise((r) => setTimeout(r, 3000)); // started and synced
    // Idle: nothing changes for a while.
    const idleStart = cpuSeconds(child.pid!);
    const idleSeconds = Math.min(15, WATCH_SECONDS / 2);
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const idleCpu = cpuSeconds(child.pid!) - idleStart;
    // Busy: a new version every 5 s.
    const cpuStart = cpuSeconds(child.pid!);
    const delays: number[] = [];
    const t0 = Date.now();
    while (Date.now() - t0 < WATCH_SECONDS * 1000) {
      const tag = nextTag();
      const changedAt = process.hrtime.bigint();
      setImage('bench-watch', tag);
      await new Promise((r) => setTimeout(r, 5000));
      const shown = seen.find((s) => s.at >= changedAt && s.text.includes(tag));
      if (shown) delays.push(Number(shown.at - changedAt) / 1e6);
    }
    const cpu = cpuSeconds(child.pid!) - cpuStart;
    child.kill('SIGINT');
    await new Promise((r) => child.on('exit', r));
    return {
      cpuPercent: (cpu / WATCH_SECONDS) * 100,
      idleCpuPercent: (idleCpu / idleSeconds) * 100,
      delaysMs: delays.length ? stats(delays) : null,
      redraws: seen.length,
    };
  }
  for (const o of ours) watchResults[o.name] = await watchRun(o, ['status', 'frontend', '-n', 'bench-watch', '--watch']);
  watchResults[theirs.name] = await watchRun(theirs, ['get', 'rollout', 'frontend', '-n', 'bench-watch', '--watch']);
  extra.watch = watchResults;
  log(`watch: ${JSON.stringify(watchResults)}`);
}

// ---------- workload 5: start-up, the first TLS context, NODE_EXTRA_CA_CERTS ----------
const startup: Array<{ case: string; ms: ReturnType<typeof stats> }> = [];
if (ONLY.has(5) && ONLY.has(1)) {
  log('workload 5: what a start costs on this Node (' + process.version + ')');
  const bundle = '/etc/ssl/certs/ca-certificates.crt';
  const status = ['status', 'frontend', '-n', 'bench-one'];
  // The first TLS context with the kubeconfig's own CA (as every run makes it), timed inside one process.
  const tlsProbe = `const t=require('node:tls'),f=require('node:fs');const a=performance.now();t.createSecureContext({ca:f.readFileSync(${JSON.stringify(pki.ca)}),cert:f.readFileSync(${JSON.stringify(pki.cert)}),key:f.readFileSync(${JSON.stringify(pki.key)})});process.stdout.write(String(performance.now()-a))`;
  const cases: Array<{ label: string; cmd: string[]; env?: NodeJS.ProcessEnv }> = [
    { label: '`node -e 0` (Node itself)', cmd: ['node', '-e', '0'] },
    { label: '`node -e 0` with NODE_EXTRA_CA_CERTS (the system bundle)', cmd: ['node', '-e', '0'], env: { NODE_EXTRA_CA_CERTS: bundle } },
    { label: '`status frontend` (npm bundle)', cmd: ['node', OURS_NPM, ...status] },
    {
      label: '`status frontend` (npm bundle) with NODE_EXTRA_CA_CERTS',
      cmd: ['node', OURS_NPM, ...status],
      env: { NODE_EXTRA_CA_CERTS: bundle },
    },
  ];
  const samples = new Map<string, number[]>(cases.map((c) => [c.label, []]));
  for (const c of cases) await timed(c.cmd, c.env);
  for (let i = 0; i < RUNS * 2; i++) for (const c of cases) samples.get(c.label)!.push((await timed(c.cmd, c.env)).ms);
  for (const c of cases) startup.push({ case: c.label, ms: stats(samples.get(c.label)!) });
  const probes = Array.from({ length: 9 }, () => Number(execFileSync('node', ['-e', tlsProbe], { env: childEnv }).toString()));
  startup.push({ case: "the first TLS context with the kubeconfig's CA and client certificate, in-process", ms: stats(probes) });
  extra.startup = startup;
  for (const x of startup) log(`  ${x.case}: ${x.ms.median.toFixed(1)} ms`);

  // A CPU profile of `status frontend` (npm bundle): the median of each bucket over the runs.
  const profDir = mkdtempSync(join(tmp, 'cpuprof-'));
  const profiles: Array<Record<Bucket, number> & { wall: number; profiled: number }> = [];
  for (let i = 0; i < Math.max(3, RUNS); i++) {
    const dir = join(profDir, String(i));
    const t0 = performance.now();
    const [node, ...args] = cmdWithCpuProfile(['node', OURS_NPM, ...status], dir);
    const r = spawnSync(node!, args, { env: childEnv, stdio: 'ignore' });
    const wall = performance.now() - t0;
    if (r.status !== 0) throw new Error(`profiled status exited ${r.status}`);
    const [file] = readdirSync(dir);
    const prof = JSON.parse(readFileSync(join(dir, file!), 'utf8')) as CpuProfile;
    profiles.push({ ...summarizeProfile(prof, 'kubectl-bluegreen.cjs'), wall, profiled: (prof.endTime - prof.startTime) / 1000 });
  }
  const medianOf = (k: Bucket | 'wall' | 'profiled') => stats(profiles.map((x) => x[k])).median;
  extra.statusProfile = {
    runs: profiles.length,
    wallMs: medianOf('wall'),
    profiledMs: medianOf('profiled'),
    buckets: Object.fromEntries(BUCKETS.map((b) => [b, medianOf(b)])),
  };
  log(`  status profile: ${JSON.stringify(extra.statusProfile)}`);

  // Start-up by part, up to the event loop's first wait (with this kubeconfig, the API server's connection):
  // the plugin's status and promote (npm bundle) and the floor's (bench-floor.cjs, the single view's
  // requests), alternating; CPU profiles, so slower than the timed runs, read for where the plugin spends
  // more than the floor.
  const ownFiles = ['kubectl-bluegreen.cjs', 'bin/kubectl-bluegreen', 'bundle-loader.cjs'];
  const startCases: Array<{ label: string; cmd: string[]; own: string[] }> = [
    { label: '`status frontend`', cmd: ['node', OURS_NPM, ...status], own: ownFiles },
    {
      label: '`promote frontend --dry-run`',
      cmd: ['node', OURS_NPM, 'promote', 'frontend', '-n', 'bench-one', '--dry-run'],
      own: ownFiles,
    },
    { label: 'the floor', cmd: floorTool('start-up').cmd(['status', 'bench-one', 'frontend']), own: ['bench-floor.cjs'] },
  ];
  const starts = new Map<string, Array<NonNullable<ReturnType<typeof summarizeStartup>>>>(startCases.map((c) => [c.label, []]));
  for (let i = 0; i < Math.max(3, RUNS); i++) {
    for (const [k, c] of startCases.entries()) {
      const dir = join(profDir, `start-${i}-${k}`);
      // Not the exit code: a promote with nothing to promote ends 0 or 3, after its reads. A run that hangs,
      // leaves no profile or one that cannot be read, or never waits, is left out: this part of the report
      // must not end a run of an hour.
      const [node, ...args] = cmdWithCpuProfile(c.cmd, dir);
      spawnSync(node!, args, { env: childEnv, stdio: 'ignore', timeout: 60_000 });
      const [file] = existsSync(dir) ? readdirSync(dir) : [];
      let s: ReturnType<typeof summarizeStartup> = null;
      try {
        if (file) s = summarizeStartup(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile, c.own);
      } catch (e) {
        log(`  start-up profile of ${c.label}: unreadable (${(e as Error).message}), left out`);
        continue;
      }
      if (s) starts.get(c.label)!.push(s);
      else log(`  start-up profile of ${c.label}: ${file ? 'no wait found in it' : 'none written'}, left out`);
    }
  }
  // A case with no run left: no table (its column would be empty).
  if ([...starts.values()].every((runs) => runs.length > 0))
    extra.startupProfile = {
      cases: startCases.map((c) => {
        const runs = starts.get(c.label)!;
        return {
          label: c.label,
          runs: runs.length,
          ms: median(runs.map((r) => r.ms)),
          parts: Object.fromEntries(STARTUP_PARTS.map((k) => [k, median(runs.map((r) => r.parts[k]))])),
        };
      }),
    };
  log(`  start-up profile: ${JSON.stringify(extra.startupProfile)}`);
}

// ---------- report ----------
proxy.close();
upstreamAgent.destroy();
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
  kubernetes: `${K8S_VERSION} (local control plane)`,
  argoRollouts: ARGO_VERSION,
  date: new Date().toISOString(),
  scales: SCALES,
  runs: RUNS,
  smoke: SMOKE,
};
// Each tool's runtime, for its floor (scripts/bench-goals.ts renders the goals again from this record).
const recordedRuntimes: RecordedRuntime[] = runtimes.map((r) => ({
  version: r.version,
  execArgv: [...r.execArgv],
  of: r.of.map((o) => o.name),
}));
const report = { machine, results, floors: floorResults, quietness, runtimes: recordedRuntimes, ...extra };
writeFileSync(join(REPO_ROOT, '.cluster', 'bench.json'), JSON.stringify(report, null, 2));
log('wrote .cluster/bench.json');

const f = (x: number) => x.toFixed(0);
const r2 = (x: number) => x.toFixed(2);
const lines: string[] = [];
lines.push('# Performance: kubectl-bluegreen vs kubectl-argo-rollouts', '');
lines.push('Generated by `npm run bench` (scripts/bench.ts) from one run; do not edit by hand. Both tools ran against the same');
lines.push('local cluster in the same run, alternating (A B A B ...) after a warm-up; every figure is a whole process from');
lines.push(
  `spawn to exit. Requests are counted at a recording proxy in front of the API server. ${
    pageCacheDropped
      ? 'Each executable was dropped from the page cache first, so that it ran as an installed program does (not in the state its build left it in).'
      : 'The executables could NOT be dropped from the page cache first (see the log): the single executable may carry the state its build left it in.'
  } Both builds of the plugin ran from their compile caches in a directory of the run's own: one per kind of run, written by one \`status -n default\` before any timing and by each workload's untimed warm-up for its own kind (a user's state once they have run that command).`,
  '',
);
lines.push(
  `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB; Linux ${machine.kernel}; ${machine.node}; Kubernetes ${machine.kubernetes}; Argo Rollouts ${machine.argoRollouts}; ${machine.date}. Runs per tool: ${RUNS}${SMOKE ? ' (smoke run: small scale, few runs)' : ''}.`,
  '',
);
lines.push(
  '| workload | tool | median ms (min–max) | official plugin median ms (min–max) | ratio median (min–max) | peak RSS MB ours / theirs | API requests ours / theirs |',
);
lines.push('|---|---|---|---|---|---|---|');
for (const r of results) {
  lines.push(
    `| ${r.workload} | ${r.ours} | ${f(r.oursMs.median)} (${f(r.oursMs.min)}–${f(r.oursMs.max)}) | ${f(r.theirsMs.median)} (${f(r.theirsMs.min)}–${f(r.theirsMs.max)}) | **${r2(r.ratio.median)}** (${r2(r.ratio.min)}–${r2(r.ratio.max)}) | ${r.oursRssMB === null ? '–' : r.oursRssMB.toFixed(0)} / ${r.theirsRssMB === null ? '–' : r.theirsRssMB.toFixed(0)} | ${r.oursRequests} / ${r.theirsRequests} |`,
  );
}
lines.push(
  '',
  `The cluster runs on the same two cores as the tools; each workload's pairs were timed once the machine was quiet (under ${QUIET_BUSY * 100}% of its CPU busy over 2 s; a user's kubectl does not share its cores with the API server and the controller), or after waiting with the load it had: ${quietness.map((q) => `${q.workload} ${q.busyPercent.toFixed(0)}% (${q.waitedS.toFixed(0)} s)`).join('; ')}.`,
  '',
  `Commands: ours \`status frontend\`, \`status -A\`, \`status -n NAMESPACE\`, \`promote frontend --yes\`, \`status frontend --watch\`; theirs \`get rollout frontend\`, \`list rollouts -A\`, \`list rollouts -n NAMESPACE\`, \`promote frontend\`, \`get rollout frontend --watch\`.`,
  '',
);
if (historyResults.length > 0) {
  lines.push(
    `Rollouts that keep their history (workload 6): ${HISTORY_ROLLOUTS} rollouts in one namespace, as made, and after ${HISTORY_REVISIONS} new versions each (revisionHistoryLimit 10, the default). A table reads every rollout-made ReplicaSet of the namespace (the rows' older revisions too) beside the Rollouts; the official plugin reads the Rollouts only. The ReplicaSets list of each namespace, as the API server sends it uncompressed:`,
    '',
    '| namespace | rollout-made ReplicaSets | list size kB |',
    '|---|---|---|',
    ...historyResults.map((h) => `| ${h.ns} | ${h.replicaSets} | ${h.kB.toFixed(0)} |`),
    '',
  );
}
lines.push(
  `Watch for ${WATCH_SECONDS} s, a new version every 5 s (CPU time of the process; delay from the change being sent to the new version appearing in the output):`,
  '',
);
lines.push('| tool | CPU while changing | CPU idle | delay change → redraw, median ms (min–max) | outputs |', '|---|---|---|---|---|');
for (const [name, w] of Object.entries(watchResults) as Array<
  [string, { cpuPercent: number; idleCpuPercent: number; delaysMs: ReturnType<typeof stats> | null; redraws: number }]
>) {
  lines.push(
    `| ${name} | ${w.cpuPercent.toFixed(2)}% | ${w.idleCpuPercent.toFixed(2)}% | ${w.delaysMs ? `${f(w.delaysMs.median)} (${f(w.delaysMs.min)}–${f(w.delaysMs.max)})` : 'never shown'} | ${w.redraws} |`,
  );
}
const slow = extra.throttledListing as
  | {
      mbit: number;
      delayMs: number;
      rollouts: number;
      runs: number;
      results: Array<{ variant: string; ms: ReturnType<typeof stats>; bytesFromServer: number }>;
    }
  | undefined;
if (slow) {
  lines.push(
    '',
    `Listing ${slow.rollouts} rollouts (-A) over a throttled link (${slow.mbit} Mbit/s each way, ${slow.delayMs} ms one-way delay; a TCP relay in front of the API server, TLS end to end), ${slow.runs} runs each:`,
    '',
  );
  lines.push('| variant | median ms (min–max) | bytes from the server |', '|---|---|---|');
  for (const t of slow.results)
    lines.push(`| ${t.variant} | ${f(t.ms.median)} (${f(t.ms.min)}–${f(t.ms.max)}) | ${(t.bytesFromServer / 1e6).toFixed(2)} MB |`);
  for (const failure of throttledFailures) lines.push('', `A run that failed over the throttled link (kept as measured): ${failure}`);
}
if (listingPoints.length > 0) {
  // The plot belongs to docs/PERFORMANCE.md (a run that includes the 500-rollout scale).
  if (SCALES.includes(500) && !SMOKE) {
    writeFileSync(join(REPO_ROOT, 'docs', 'performance-listing.svg'), plotSvg(listingPoints));
    lines.push(
      '',
      `The listing (\`status -A\` vs \`list rollouts -A\`) from ${listingPoints[0]!.rollouts} to ${listingPoints.at(-1)!.rollouts} rollouts:`,
      '',
    );
    lines.push('![Listing time and peak RSS against the number of rollouts, both tools](performance-listing.svg)', '');
  } else lines.push('');
  const toolNames = Object.keys(listingPoints[0]!.tools);
  lines.push(`| rollouts | ${toolNames.map((t) => `${t}: median ms / peak RSS MB`).join(' | ')} |`);
  lines.push(`|---|${toolNames.map(() => '---').join('|')}|`);
  for (const p of listingPoints)
    lines.push(
      `| ${p.rollouts} | ${toolNames.map((t) => `${f(p.tools[t]!.ms)} / ${p.tools[t]!.rssMB === null ? '–' : p.tools[t]!.rssMB!.toFixed(0)}`).join(' | ')} |`,
    );
}
if (serverFloor.length > 0) {
  lines.push(
    '',
    'The API server alone (each whole list fetched with gzip by a bare client and discarded; the official listing reads the first, the plugin all three, the second alongside the first):',
    '',
  );
  lines.push('| rollouts | Rollouts list, median ms | Services list | rollout-made ReplicaSets list |', '|---|---|---|---|');
  for (const x of serverFloor)
    lines.push(`| ${x.rollouts} | ${f(x.ms.rollouts!.median)} | ${f(x.ms.services!.median)} | ${f(x.ms.replicaSets!.median)} |`);
}
if (floorResults.length > 0) {
  lines.push(
    '',
    `The floor of a Node tool: a bare Node process (scripts/bench-floor.cjs, no plugin code; on each runtime the plugin ships with: ${recordedRuntimes.map(describeRuntime).join(', ')}) making the same requests, each answer parsed whole, alternating with the official plugin (not a lower bound: a parser that skips what a row does not need can go under it):`,
    '',
  );
  lines.push(
    '| workload | the floor | median ms (min–max) | official plugin median ms | ratio median (min–max) |',
    '|---|---|---|---|---|',
  );
  for (const r of floorResults)
    lines.push(
      `| ${r.workload} | ${r.ours.replace(/^floor: /, '')} | ${f(r.oursMs.median)} (${f(r.oursMs.min)}–${f(r.oursMs.max)}) | ${f(r.theirsMs.median)} | **${r2(r.ratio.median)}** (${r2(r.ratio.min)}–${r2(r.ratio.max)}) |`,
    );
}
if (chunkResults.length > 0) {
  lines.push('', `Page size of the listing (\`status -A --chunk-size=N\`, npm bundle; 0 = one request), alternating:`, '');
  lines.push('| rollouts | --chunk-size | median ms (min–max) | peak RSS MB | requests |', '|---|---|---|---|---|');
  for (const c of chunkResults)
    lines.push(
      `| ${c.rollouts} | ${c.chunkSize} | ${f(c.ms.median)} (${f(c.ms.min)}–${f(c.ms.max)}) | ${c.rssMB.toFixed(0)} | ${c.requests} |`,
    );
}
if (startup.length > 0) {
  lines.push('', `What a start costs (${machine.node}; medians of ${RUNS * 2} alternating runs, whole processes):`, '');
  lines.push('| case | median ms (min–max) |', '|---|---|');
  for (const x of startup) lines.push(`| ${x.case} | ${x.ms.median.toFixed(1)} (${x.ms.min.toFixed(1)}–${x.ms.max.toFixed(1)}) |`);
}
lines.push(...whereTheTimeGoes());
if (!SMOKE)
  lines.push(
    '',
    ...goalsTable({ results, floors: floorResults, points: listingPoints, runtimes: recordedRuntimes, ours: ours.map((o) => o.name) }),
  );

/**
 * Where the time goes: when each tool's first request (and first write) reached the API server, from
 * spawn (through the recording proxy, so a little later than in the timed runs), and a CPU profile of
 * the plugin's status.
 */
function whereTheTimeGoes(): string[] {
  if (timelines.length === 0) return [];
  const out = [
    '',
    '### Where the time goes',
    '',
    'Each tool through the recording proxy, alternating: when its first request reached the API server (everything',
    'before is start-up: the runtime, loading the code, the kubeconfig, the TLS handshake), when its first write did,',
    'and when it exited; medians, ms from spawn.',
    '',
    '| workload | tool | first request | first write | exit | exit minus first request | runs |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const t of timelines) {
    out.push(
      `| ${t.workload} | ${t.tool} | ${f(t.firstMs)} | ${t.firstWriteMs === null ? '–' : f(t.firstWriteMs)} | ${f(t.ms)} | ${f(t.ms - t.firstMs)} | ${t.runs} |`,
    );
  }
  // Per workload: how much of the difference to the official plugin is start-up.
  const theirsOf = (w: string) => timelines.find((t) => t.workload === w && t.tool === theirs.name);
  for (const t of timelines) {
    const o = theirsOf(t.workload);
    if (!o || t.tool === theirs.name) continue;
    // A change is measured to its write (what users wait for), the rest to exit.
    const toWrite = t.firstWriteMs !== null && o.firstWriteMs !== null;
    const end = toWrite ? 'first write' : 'exit';
    const oursEnd = toWrite ? t.firstWriteMs! : t.ms;
    const theirsEnd = toWrite ? o.firstWriteMs! : o.ms;
    const gap = oursEnd - theirsEnd;
    const startGap = t.firstMs - o.firstMs;
    out.push(
      '',
      `${t.workload}, ${t.tool}: start to ${end} ${f(oursEnd)} ms vs ${f(theirsEnd)} ms (${gap >= 0 ? '+' : ''}${f(gap)} ms); start-up ${f(t.firstMs)} vs ${f(o.firstMs)} ms (${startGap >= 0 ? '+' : ''}${f(startGap)} ms); from the first request on, ${f(oursEnd - t.firstMs)} vs ${f(theirsEnd - o.firstMs)} ms (ratio ${r2((oursEnd - t.firstMs) / (theirsEnd - o.firstMs))}).`,
    );
  }
  const sp = extra.statusProfile as { runs: number; wallMs: number; profiledMs: number; buckets: Record<string, number> } | undefined;
  if (sp) {
    out.push(
      '',
      `A CPU profile of \`status frontend\` (npm bundle, \`node --cpu-prof\`, medians of ${sp.runs} runs; ${f(sp.wallMs)} ms whole process with the profiler, ${f(sp.profiledMs)} ms profiled, the rest is Node's start before the profiler and its exit; each part's median, so the parts need not add up):`,
      '',
      '| part | median ms |',
      '|---|---|',
      ...Object.entries(sp.buckets).map(([k, v]) => `| ${k} | ${v.toFixed(1)} |`),
    );
  }
  const su = extra.startupProfile as
    { cases: Array<{ label: string; runs: number; ms: number; parts: Record<string, number> }> } | undefined;
  if (su) {
    out.push(
      '',
      `Start-up by part, up to the event loop's first wait (with the benchmark's kubeconfig, a client certificate and an IP address: the API server's connection; files are read synchronously and the code's promises are microtasks): CPU profiles (\`node --cpu-prof\`, 1 ms samples, so slower than the timed runs: the plugin's code restored from its cache in ~7 ms with the profiler and ~5 without, measured apart) of the npm bundle's status and promote (\`--dry-run\`: the same start, no write) and of the floor (a bare Node making the single view's requests: no plugin code, no kubeconfig), alternating, medians of ${su.cases.map((c) => c.runs).join(' / ')} runs; Node's own start before the profiler is not in it; each part's median, so the parts need not add up:`,
      '',
      `| part | ${su.cases.map((c) => c.label).join(' | ')} |`,
      `|---|${su.cases.map(() => '---|').join('')}`,
      ...STARTUP_PARTS.map((k) => `| ${k} | ${su.cases.map((c) => (c.parts[k] ?? 0).toFixed(1)).join(' | ')} |`),
      `| **to the first wait** | ${su.cases.map((c) => `**${c.ms.toFixed(1)}**`).join(' | ')} |`,
    );
  }
  return out;
}

/** Time and peak RSS against rollout count, one line per tool; a small self-contained SVG. */
function plotSvg(points: ListingPoint[]): string {
  const tools = Object.keys(points[0]!.tools);
  const colours = ['#1f77b4', '#2ca02c', '#d62728', '#9467bd'];
  const W = 340;
  const H = 230;
  const pad = { l: 52, r: 12, t: 28, b: 40 };
  const xMax = Math.max(...points.map((p) => p.rollouts));
  const panel = (x0: number, title: string, unit: string, value: (p: ListingPoint, t: string) => number | null) => {
    const yMax = Math.max(...points.flatMap((p) => tools.map((t) => value(p, t) ?? 0))) * 1.1 || 1;
    const X = (v: number) => x0 + pad.l + (v / xMax) * (W - pad.l - pad.r);
    const Y = (v: number) => pad.t + (1 - v / yMax) * (H - pad.t - pad.b);
    const out: string[] = [`<text x="${x0 + W / 2}" y="16" text-anchor="middle" font-weight="bold">${title}</text>`];
    out.push(`<line x1="${X(0)}" y1="${Y(0)}" x2="${X(xMax)}" y2="${Y(0)}" stroke="#333"/>`);
    out.push(`<line x1="${X(0)}" y1="${Y(0)}" x2="${X(0)}" y2="${Y(yMax)}" stroke="#333"/>`);
    for (let i = 0; i <= 4; i++) {
      const v = (yMax / 4) * i;
      out.push(`<text x="${X(0) - 4}" y="${Y(v) + 4}" text-anchor="end">${v.toFixed(0)}</text>`);
      if (i) out.push(`<line x1="${X(0)}" y1="${Y(v)}" x2="${X(xMax)}" y2="${Y(v)}" stroke="#ddd"/>`);
    }
    for (const p of points) out.push(`<text x="${X(p.rollouts)}" y="${Y(0) + 14}" text-anchor="middle">${p.rollouts}</text>`);
    out.push(`<text x="${x0 + W / 2}" y="${H - 6}" text-anchor="middle">rollouts (${unit})</text>`);
    tools.forEach((t, i) => {
      const pts = points.filter((p) => value(p, t) !== null).map((p) => `${X(p.rollouts).toFixed(1)},${Y(value(p, t)!).toFixed(1)}`);
      out.push(`<polyline fill="none" stroke="${colours[i % colours.length]}" stroke-width="2" points="${pts.join(' ')}"/>`);
      for (const xy of pts)
        out.push(`<circle cx="${xy.split(',')[0]}" cy="${xy.split(',')[1]}" r="3" fill="${colours[i % colours.length]}"/>`);
    });
    return out.join('\n');
  };
  const legend = tools
    .map(
      (t, i) =>
        `<rect x="${20 + i * 230}" y="${H + 8}" width="12" height="12" fill="${colours[i % colours.length]}"/><text x="${38 + i * 230}" y="${H + 18}">${t.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>`,
    )
    .join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W * 2}" height="${H + 30}" font-family="sans-serif" font-size="11">`,
    '<rect width="100%" height="100%" fill="#fff"/>',
    panel(0, 'time to list, median ms', 'ms', (p, t) => p.tools[t]!.ms),
    panel(W, 'peak RSS, MB', 'MB', (p, t) => p.tools[t]!.rssMB),
    legend,
    '</svg>',
    '',
  ].join('\n');
}

const notesFile = join(REPO_ROOT, 'docs', 'PERFORMANCE-notes.md');
if (existsSync(notesFile) && SCALES.includes(500) && !SMOKE) lines.push('', readFileSync(notesFile, 'utf8').trim());
if (!SMOKE) {
  // The default run (500 rollouts) is docs/PERFORMANCE.md; other scales get their own page.
  const page = SCALES.includes(500) ? 'PERFORMANCE.md' : `PERFORMANCE-scale-${SCALES.join('-')}.md`;
  writeFileSync(join(REPO_ROOT, 'docs', page), lines.join('\n') + '\n');
  log(`wrote docs/${page}`);
} else {
  process.stdout.write(lines.join('\n') + '\n');
}

if (startedCluster && process.env.KEEP_CLUSTER !== '1') await down({ log });
