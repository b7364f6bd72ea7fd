// Start-up benchmark of the shipped artefacts (not a test): `npx tsx scripts/bench-startup.ts [--runs N]
// [--interleaved] [--no-write]`. Needs `npm run build` and `npm run package` first. Uses hyperfine (Debian package, see
// scripts/install-packaging-deps.sh) when present, else an interleaved loop of its own. Writes a table
// between the bench markers in docs/PACKAGING.md.
//
// NODE_OPTIONS and NODE_EXTRA_CA_CERTS are removed from the environment: on Node 20 an inherited
// NODE_EXTRA_CA_CERTS loads the CA bundle eagerly and adds tens of ms to every start (Node >= 22 loads it
// lazily), which would measure this machine's setup rather than the plugin.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { nodeBinary } from './packaging/cache.js';
import { NODE_VERSION, TARGETS } from './packaging/targets.js';
import { packageVersion, ROOT } from './package.js';

interface Case {
  label: string;
  argv: string[];
}
interface Stat {
  label: string;
  median: number;
  mean: number;
  min: number;
  stddev: number;
  runs: number;
}

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1]) || 30;
const WRITE = !args.includes('--no-write');
const FORCE_LOOP = args.includes('--interleaved');

const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', KUBECONFIG: '/nonexistent' };
delete env.NODE_OPTIONS;
delete env.NODE_EXTRA_CA_CERTS;

const sea = join(ROOT, 'release/.build/linux_amd64/kubectl-bluegreen');
const npmBin = join(ROOT, 'bin/kubectl-bluegreen');
for (const [f, how] of [
  [sea, 'npm run package'],
  [join(ROOT, 'dist'), 'npm run build'],
] as const) {
  if (!existsSync(f)) throw new Error(`${f} is missing: run \`${how}\` first`);
}
if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error('the benchmark runs the linux/amd64 executable');

// The bundle's code cache of both (bin/bundle-loader.cjs) in a directory of this run's own, written by the
// first run of each \`completion bash\` (the check below, before any timing; --help writes none); turned off
// through env(1) to show what it buys (the row pays env's own exec, ~1 ms).
const scratch = mkdtempSync(join(tmpdir(), 'kubectl-bluegreen-bench-'));
env.XDG_CACHE_HOME = scratch;
const noCache = ['env', 'NODE_DISABLE_COMPILE_CACHE=1'];
const node26 = nodeBinary(TARGETS[0]!);

const cases: Case[] = [
  { label: `\`node -e 0\` (system Node ${process.version}, the floor)`, argv: [process.execPath, '-e', '0'] },
  { label: `\`node -e 0\` (Node v${NODE_VERSION}, the SEA's)`, argv: [node26, '-e', '0'] },
  { label: 'npm: `bin/kubectl-bluegreen version --client`', argv: [process.execPath, npmBin, 'version', '--client'] },
  { label: 'npm: `bin/kubectl-bluegreen --help`', argv: [process.execPath, npmBin, '--help'] },
  { label: 'npm: `bin/kubectl-bluegreen completion bash`', argv: [process.execPath, npmBin, 'completion', 'bash'] },
  { label: 'SEA: `kubectl-bluegreen version --client`', argv: [sea, 'version', '--client'] },
  { label: 'SEA: `kubectl-bluegreen --help`', argv: [sea, '--help'] },
  { label: 'SEA: `kubectl-bluegreen completion bash`', argv: [sea, 'completion', 'bash'] },
  { label: 'SEA without its code cache (through env): `completion bash`', argv: [...noCache, sea, 'completion', 'bash'] },
];

async function apiUp(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${url}/healthz`, { rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(true); // any answer, even 401, means the API server is up
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

const clusterEnv = join(ROOT, '.cluster/env');
if (existsSync(clusterEnv)) {
  const vars = Object.fromEntries(
    readFileSync(clusterEnv, 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const bin = vars.KUBECTL_ARGO_ROLLOUTS_BIN;
  if (bin && existsSync(bin) && vars.API_SERVER_URL && (await apiUp(vars.API_SERVER_URL))) {
    cases.push({ label: '`kubectl-argo-rollouts version` (Go, for comparison)', argv: [bin, 'version'] });
  }
}

function hyperfine(): Stat[] | null {
  if (FORCE_LOOP || spawnSync('hyperfine', ['--version']).status !== 0) return null;
  const json = join(scratch, 'hyperfine.json');
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  execFileSync(
    'hyperfine',
    ['-N', '--warmup', '3', '--runs', String(RUNS), '--export-json', json, ...cases.map((c) => c.argv.map(quote).join(' '))],
    { env, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const res = JSON.parse(readFileSync(json, 'utf8')) as {
    results: Array<{ median: number; mean: number; min: number; stddev: number; times: number[] }>;
  };
  return res.results.map((r, i) => ({
    label: cases[i]!.label,
    median: r.median * 1000,
    mean: r.mean * 1000,
    min: r.min * 1000,
    stddev: r.stddev * 1000,
    runs: r.times.length,
  }));
}

/** Fallback: rounds that run every case once, so drift (thermal, other load) hits all cases alike. */
function interleaved(): Stat[] {
  const times = cases.map(() => [] as number[]);
  for (let round = 0; round < RUNS + 3; round++) {
    cases.forEach((c, i) => {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(c.argv[0]!, c.argv.slice(1), { env, stdio: 'ignore' });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status !== 0) throw new Error(`${c.label} exited with ${r.status}`);
      if (round >= 3) times[i]!.push(ms); // three warm-up rounds
    });
  }
  return times.map((t, i) => {
    const s = [...t].sort((a, b) => a - b);
    const mean = s.reduce((a, b) => a + b, 0) / s.length;
    const sd = Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / (s.length - 1));
    return { label: cases[i]!.label, median: s[Math.floor(s.length / 2)]!, mean, min: s[0]!, stddev: sd, runs: s.length };
  });
}

// Every measured command must print something: a silent SEA is broken, not fast.
for (const c of cases) {
  const r = spawnSync(c.argv[0]!, c.argv.slice(1), { env, encoding: 'utf8' });
  if (r.status !== 0 || (!r.stdout.trim() && c.argv[1] !== '-e'))
    throw new Error(`${c.label}: exit ${r.status}, stdout ${JSON.stringify(r.stdout)}`);
}

const hf = hyperfine();
const stats = hf ?? interleaved();
const tool = hf
  ? `hyperfine ${execFileSync('hyperfine', ['--version'], { encoding: 'utf8' }).trim().split(' ')[1]} (\`-N\`, 3 warm-ups, ${RUNS} runs each)`
  : `interleaved loop (${RUNS} rounds, 3 warm-ups)`;
rmSync(scratch, { recursive: true, force: true });

const floor = stats[0]!.median;
const fmt = (n: number) => n.toFixed(1);
const rows = stats.map(
  (s) => `| ${s.label} | ${fmt(s.median)} | ${fmt(s.mean)} ± ${fmt(s.stddev)} | ${fmt(s.min)} | ${(s.median / floor).toFixed(2)}× |`,
);
const seaVersion = stats.find((s) => s.label.startsWith('SEA: `kubectl-bluegreen version'))!;
const ratio = seaVersion.median / floor;
const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
const machine =
  `${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}; ` +
  `system Node ${process.version}; kubectl-bluegreen v${packageVersion()}, SEA on Node v${NODE_VERSION}; ${tool}; ` +
  `${new Date().toISOString().slice(0, 10)}. NODE_OPTIONS and NODE_EXTRA_CA_CERTS unset.`;
const table = [
  `Machine: ${machine}`,
  '',
  '| command | median ms | mean ± σ ms | min ms | vs floor |',
  '|---|---:|---:|---:|---:|',
  ...rows,
  '',
  `Goal: SEA \`version --client\` within 1.5× of \`node -e 0\`: **${ratio.toFixed(2)}×** (${ratio <= 1.5 ? 'met' : 'missed'}).`,
].join('\n');

process.stdout.write(`\n${table}\n`);
if (WRITE) {
  const doc = join(ROOT, 'docs/PACKAGING.md');
  const text = readFileSync(doc, 'utf8');
  const start = '<!-- bench-startup:start -->';
  const end = '<!-- bench-startup:end -->';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`docs/PACKAGING.md has no ${start} … ${end} block`);
  writeFileSync(doc, `${text.slice(0, a + start.length)}\n${table}\n${text.slice(b)}`);
  process.stderr.write('wrote the table into docs/PACKAGING.md\n');
}
