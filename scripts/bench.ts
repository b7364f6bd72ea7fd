// npm run bench [-- --scale 2000] [--runs 10] [--watch-seconds 60] [--smoke]
//
// kubectl-bluegreen against the official kubectl-argo-rollouts (built from the same Argo Rollouts module
// as the controller by the local-control-plane harness: the default of tools/cluster/versions.env, v1.10.2), on the same local cluster, in one run, alternating the two (A B A B ...)
// after a warm-up. Whole processes are timed from spawn to exit; peak RSS comes from GNU time; the
// number of API requests each makes is counted at a small recording proxy in front of the API server.
// Results: .cluster/bench.json and docs/PERFORMANCE.md.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { down, isHealthy, readEnv, readState, up, REPO_ROOT } from '../tools/cluster/harness.js';
import { IMAGE, manifests } from '../tools/cluster/manifests.js';

// ---------- options ----------
const argv = process.argv.slice(2);
const flag = (name: string, dflt: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const SMOKE = argv.includes('--smoke');
const SCALE = flag('scale', SMOKE ? 20 : 500);
const RUNS = flag('runs', SMOKE ? 3 : 10);
const WARMUP = SMOKE ? 1 : 3;
const WATCH_SECONDS = flag('watch-seconds', SMOKE ? 12 : 60);
/** The throttled link for the listing with and without gzip: Mbit/s each way, and one-way delay in ms. */
const THROTTLE_MBIT = flag('throttle-mbit', 20);
const THROTTLE_DELAY_MS = flag('throttle-delay-ms', 10);
const NAMESPACES = Math.min(20, Math.max(1, Math.ceil(SCALE / 25)));
/** --workloads 1,2 runs only those (1 status, 2 listing, 3 promote, 4 watch). */
const ONLY = new Set((argv.includes('--workloads') ? argv[argv.indexOf('--workloads') + 1]! : '1,2,3,4').split(',').map(Number));
const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);

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
const proxy = https.createServer({ cert: readFileSync(serverCert), key: readFileSync(serverKey) }, (req, res) => {
  if (counting) counts.set(counting, (counts.get(counting) ?? 0) + 1);
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
const proxyKubeconfig = join(tmp, 'kubeconfig-proxy');
writeFileSync(
  proxyKubeconfig,
  dump({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'proxy',
    clusters: [
      {
        name: 'proxy',
        cluster: { server: `https://127.0.0.1:${proxyPort}`, 'certificate-authority-data': readFileSync(pki.ca).toString('base64') },
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
    contexts: [{ name: 'proxy', context: { cluster: 'proxy', user: 'admin' } }],
  }),
);

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

async function countRequests(label: string, cmd: string[]): Promise<number> {
  counting = label;
  counts.set(label, 0);
  const r = await timed(cmd, { KUBECONFIG: proxyKubeconfig });
  counting = null;
  if (r.code !== 0) log(`warning: ${cmd.join(' ')} exited ${r.code} through the proxy`);
  return counts.get(label) ?? 0;
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return { min: s[0]!, median, max: s[s.length - 1]! };
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
    oursRequests: await countRequests(`${workload}-ours`, a.cmd(aArgs)),
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

// ---------- workload 1: one rollout with a preview pending ----------
if (ONLY.has(1)) {
  log('workload 1: one blue-green rollout with a preview pending');
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
}

// ---------- workload 2: SCALE rollouts over NAMESPACES namespaces ----------
if (ONLY.has(2)) {
  log(`workload 2: ${SCALE} blue-green rollouts over ${NAMESPACES} namespaces (1 replica each)`);
  kubectl(
    ['apply', '-f', '-'],
    dump({
      apiVersion: 'v1',
      kind: 'Node',
      // One node per scale: a Node's capacity is status, which `kubectl apply` does not change later.
      metadata: {
        name: `bench-node-${SCALE}`,
        annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' },
        labels: { type: 'kwok', 'kubernetes.io/hostname': `bench-node-${SCALE}` },
      },
      status: {
        allocatable: { cpu: '4000', memory: '16Ti', pods: String(SCALE * 2 + 100) },
        capacity: { cpu: '4000', memory: '16Ti', pods: String(SCALE * 2 + 100) },
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
  const perNs = Math.ceil(SCALE / NAMESPACES);
  let created = 0;
  for (let n = 0; n < NAMESPACES; n++) {
    const ns = `bench-scale-${n}`;
    spawnSync(KUBECTL, ['create', 'namespace', ns], { env: childEnv });
    const docs: string[] = [];
    for (let i = 0; i < perNs && created < SCALE; i++, created++) {
      const name = `app-${i}`;
      docs.push(
        manifests({ replicas: 1, previewService: false })
          .replaceAll('frontend-active', `${name}-active`)
          .replace('name: frontend\n', `name: ${name}\n`)
          .replaceAll('app: frontend', `app: ${name}`),
      );
    }
    kubectl(['apply', '-n', ns, '-f', '-'], docs.join('---\n'));
  }
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    const list = JSON.parse(kubectl(['get', 'rollouts', '-A', '-o', 'json'])) as {
      items: Array<{ metadata: { namespace: string }; status?: { phase?: string } }>;
    };
    const healthy = list.items.filter((r) => r.metadata.namespace.startsWith('bench-scale-') && r.status?.phase === 'Healthy').length;
    if (healthy >= SCALE) break;
    if (Date.now() > deadline) throw new Error(`only ${healthy}/${SCALE} rollouts became Healthy`);
    log(`  ${healthy}/${SCALE} Healthy`);
    await new Promise((r) => setTimeout(r, 3000));
  }
  const totalRollouts = (JSON.parse(kubectl(['get', 'rollouts', '-A', '-o', 'json'])) as { items: unknown[] }).items.length;
  extra.listing = { benchRollouts: SCALE, rolloutsInCluster: totalRollouts, namespaces: NAMESPACES };
  for (const o of ours) {
    results.push(await compare(`list ${totalRollouts} rollouts (-A)`, o, ['status', '-A'], theirs, ['list', 'rollouts', '-A']));
  }

  // The same listing over a slow link: a TCP relay in front of the API server (TLS passes through
  // untouched, so gzip is negotiated with the API server itself) that paces bytes at THROTTLE_MBIT each
  // way and delays them by THROTTLE_DELAY_MS. Ours with gzip (the default) against ours with
  // --disable-compression; the official plugin (client-go asks for gzip) for reference.
  {
    const bytesPerMs = (THROTTLE_MBIT * 1e6) / 8 / 1000;
    let bytesDown = 0;
    const relay = net.createServer((client) => {
      const upstreamSock = net.connect(Number(upstream.port), upstream.hostname);
      const pace = (from: net.Socket, to: net.Socket, count: boolean) => {
        let free = 0; // when the link is next free (ms, monotonic)
        from.on('data', (chunk: Buffer) => {
          if (count) bytesDown += chunk.length;
          const now = performance.now();
          free = Math.max(free, now) + chunk.length / bytesPerMs;
          const at = free + THROTTLE_DELAY_MS;
          setTimeout(() => to.writable && to.write(chunk), Math.max(0, at - now));
        });
        from.on('end', () => setTimeout(() => to.end(), Math.max(0, free + THROTTLE_DELAY_MS - performance.now())));
        from.on('error', () => to.destroy());
      };
      pace(client, upstreamSock, false);
      pace(upstreamSock, client, true);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const relayPort = (relay.address() as net.AddressInfo).port;
    const slowKubeconfig = join(tmp, 'kubeconfig-throttled');
    writeFileSync(
      slowKubeconfig,
      dump({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'slow',
        clusters: [
          {
            name: 'slow',
            cluster: { server: `https://127.0.0.1:${relayPort}`, 'certificate-authority-data': readFileSync(pki.ca).toString('base64') },
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
        contexts: [{ name: 'slow', context: { cluster: 'slow', user: 'admin' } }],
      }),
    );
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
        if (r.code !== 0) throw new Error(`throttled listing: ${v.label} exited ${r.code}`);
        samples.get(v.label)!.ms.push(r.ms);
        samples.get(v.label)!.bytes.push(bytesDown);
      }
    }
    relay.close();
    const throttled = variants.map((v) => {
      const x = samples.get(v.label)!;
      return { variant: v.label, ms: stats(x.ms), bytesFromServer: Math.round(stats(x.bytes).median) };
    });
    extra.throttledListing = { mbit: THROTTLE_MBIT, delayMs: THROTTLE_DELAY_MS, rollouts: totalRollouts, runs, results: throttled };
    for (const t of throttled)
      log(
        `throttled listing (${THROTTLE_MBIT} Mbit/s, ${THROTTLE_DELAY_MS} ms): ${t.variant}: ${t.ms.median.toFixed(0)} ms, ${(t.bytesFromServer / 1e6).toFixed(2)} MB`,
      );
  }
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
  for (let i = 0; i < RUNS + 1; i++) {
    for (const { t, args } of tools) {
      setImage('bench-promote', nextTag());
      waitFor('bench-promote', 'paused');
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
  extra.promote = Object.fromEntries(
    Object.entries(promoteRuns).map(([k, v]) => [k, { exitMs: stats(v.exit), switchMs: stats(v.switch), requests: v.requests }]),
  );
  for (const o of ours) {
    const a = promoteRuns[o.name]!;
    const b = promoteRuns[theirs.name]!;
    results.push({
      workload: 'promote (start to exit)',
      ours: o.name,
      theirs: theirs.name,
      oursCmd: 'promote frontend --yes',
      theirsCmd: 'promote frontend',
      oursMs: stats(a.exit),
      theirsMs: stats(b.exit),
      ratio: stats(a.exit.map((x, i) => x / b.exit[i]!)),
      oursRssMB: null,
      theirsRssMB: null,
      oursRequests: a.requests,
      theirsRequests: b.requests,
    });
    results.push({
      workload: 'promote (start to the active Service switching)',
      ours: o.name,
      theirs: theirs.name,
      oursCmd: 'promote frontend --yes',
      theirsCmd: 'promote frontend',
      oursMs: stats(a.switch),
      theirsMs: stats(b.switch),
      ratio: stats(a.switch.map((x, i) => x / b.switch[i]!)),
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
  scale: SCALE,
  runs: RUNS,
  smoke: SMOKE,
};
const report = { machine, results, ...extra };
writeFileSync(join(REPO_ROOT, '.cluster', 'bench.json'), JSON.stringify(report, null, 2));
log('wrote .cluster/bench.json');

const f = (x: number) => x.toFixed(0);
const r2 = (x: number) => x.toFixed(2);
const lines: string[] = [];
lines.push('# Performance: kubectl-bluegreen vs kubectl-argo-rollouts', '');
lines.push('Generated by `npm run bench` (scripts/bench.ts) from one run; do not edit by hand. Both tools ran against the same');
lines.push('local cluster in the same run, alternating (A B A B ...) after a warm-up; every figure is a whole process from');
lines.push('spawn to exit. Requests are counted at a recording proxy in front of the API server.', '');
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
  `Commands: ours \`status frontend\`, \`status -A\`, \`promote frontend --yes\`, \`status frontend --watch\`; theirs \`get rollout frontend\`, \`list rollouts -A\`, \`promote frontend\`, \`get rollout frontend --watch\`.`,
  '',
);
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
}
const notesFile = join(REPO_ROOT, 'docs', 'PERFORMANCE-notes.md');
if (existsSync(notesFile) && SCALE === 500) lines.push('', readFileSync(notesFile, 'utf8').trim());
if (!SMOKE) {
  // The default run (500 rollouts) is docs/PERFORMANCE.md; other scales get their own page.
  const page = SCALE === 500 ? 'PERFORMANCE.md' : `PERFORMANCE-scale-${SCALE}.md`;
  writeFileSync(join(REPO_ROOT, 'docs', page), lines.join('\n') + '\n');
  log(`wrote docs/${page}`);
} else {
  process.stdout.write(lines.join('\n') + '\n');
}

if (startedCluster && process.env.KEEP_CLUSTER !== '1') await down({ log });
