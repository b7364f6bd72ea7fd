// npm run test:matrix [-- --argo-rollouts=v1.7.2,v1.8.5] [--kubernetes=v1.32.13] [--suites=incident,reference]
//                        [--strict] [--no-doc]
//
// Runs the real-cluster suites on several Argo Rollouts / Kubernetes combinations, one fresh local cluster
// per combination (tools/cluster, each build cached by version), and records every test's outcome per
// combination in docs/compatibility.json, from which it writes docs/COMPATIBILITY.md: one row per
// combination, one column per claim (test), the measurements of the matrix tests, and a section per
// behaviour that differs between combinations, with the test that shows it and its failure message.
//
// Combinations: without flags, every release of MATRIX_ARGO_ROLLOUTS on the default Kubernetes, plus the
// default Argo Rollouts on every other MATRIX_KUBERNETES (tools/cluster/versions.env). With flags, the
// product of the lists given (a missing list is the default version).
//
// Exit code: 1 when a test fails that did not fail on the same combination in the recorded run (a
// regression, or a failure not recorded yet), when a cluster could not be started, or when a suite did not
// run to the end; 0 otherwise, also when a test fails that is recorded as failing there (a known
// difference, documented in COMPATIBILITY.md until the plugin adapts). --strict: 1 on any failing test.
// Every run updates docs/compatibility.json, so a difference is "known" once a run recorded it and the
// file was committed.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { down, pinnedVersions, readState, REPO_ROOT, resolveVersions, up } from '../tools/cluster/harness.js';

interface Suite {
  project: 'cluster' | 'matrix';
  files: string[];
  /** vitest -t */
  filter?: string;
  about: string;
}

const SUITES: Record<string, Suite> = {
  incident: {
    project: 'cluster',
    files: ['test/cluster/bluegreen.test.ts'],
    filter: 'the Christmas incident',
    about: 'the Christmas incident, replayed',
  },
  bluegreen: {
    project: 'cluster',
    files: ['test/cluster/bluegreen.test.ts'],
    about: 'update, incident, abort, undo (fast rollback and new preview), the prompt race, two promotes racing, RBAC',
  },
  reference: {
    project: 'cluster',
    files: ['test/cluster/reference.test.ts'],
    about: 'the reference claims (countdown, ephemeral metadata, fast rollback, JSON Patch 422, --full after abort, rapid promotes)',
  },
  guard: {
    project: 'matrix',
    files: ['test/cluster/guard.matrix.test.ts'],
    about: 'promote/undo/abort/set-image on a healthy and an aborted rollout: the guard against the controller',
  },
  controller: {
    project: 'matrix',
    files: ['test/cluster/controller.matrix.test.ts'],
    about: 'the controller version as a client finds it',
  },
  'promote-loss': {
    project: 'matrix',
    files: ['test/cluster/promote-loss.matrix.test.ts'],
    about: 'promotes lost right after the pause, per way of promoting',
  },
  preview: {
    project: 'cluster',
    files: ['test/cluster/preview.test.ts'],
    about: 'kubectl bluegreen preview: a local port to the preview Service',
  },
  workloadref: {
    project: 'cluster',
    files: ['test/cluster/workloadref.test.ts'],
    about: 'workloadRef rollouts: set-image and undo through the Deployment, scaleDown modes',
  },
  faults: { project: 'cluster', files: ['test/cluster/faults.test.ts'], about: 'API server and controller outages' },
  'stale-preview': {
    project: 'cluster',
    files: ['test/cluster/faults.test.ts'],
    filter: 'a controller that does not act on an available preview',
    about: "wait on a controller that sits still with the preview available (what v1.7.x's stale ReplicaSet cache looks like)",
  },
  security: { project: 'cluster', files: ['test/cluster/security.test.ts'], about: 'credentials, RBAC, terminal safety' },
  harness: { project: 'cluster', files: ['test/cluster/harness-smoke.test.ts'], about: 'the local control plane' },
};
const DEFAULT_SUITES = ['bluegreen', 'reference', 'guard', 'controller', 'promote-loss', 'preview', 'workloadref', 'stale-preview'];

const RESULTS_FILE = join(REPO_ROOT, 'docs', 'compatibility.json');
const DOC_FILE = join(REPO_ROOT, 'docs', 'COMPATIBILITY.md');
const NOTES_FILE = join(REPO_ROOT, 'docs', 'COMPATIBILITY-notes.md');
const WORK_DIR = join(REPO_ROOT, '.cluster', 'matrix');
const MEASUREMENTS_FILE = join(WORK_DIR, 'measurements.jsonl');

type Status = 'passed' | 'failed' | 'skipped';
interface ClaimResult {
  suite: string;
  file: string;
  title: string;
  status: Status;
  durationMs: number;
  message?: string;
  at: string;
}
interface MeasurementRecord {
  what: string;
  value: number;
  of?: number;
  detail?: string;
  at: string;
}
interface ComboRecord {
  argoRollouts: string;
  kubernetes: string;
  go?: { argoRollouts: string; kubernetes: string };
  ranAt: string;
  /** Cluster start (with any build) and the suites, seconds, of the latest run. */
  upSeconds?: number;
  testSeconds?: number;
  results: Record<string, ClaimResult>;
  measurements: Record<string, MeasurementRecord>;
}
interface ResultsFile {
  schema: 1;
  combos: Record<string, ComboRecord>;
}

const log = (m: string) => process.stderr.write(`[matrix ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

// ---------------------------------------------------------------------------------------------------
// options

function parseArgs(argv: string[]) {
  const opts = { argo: [] as string[], k8s: [] as string[], suites: DEFAULT_SUITES, strict: false, doc: true, docOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [name, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i] ?? '';
    const list = () =>
      value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    if (name === '--argo-rollouts') opts.argo = list();
    else if (name === '--kubernetes') opts.k8s = list();
    else if (name === '--suites')
      opts.suites = list().flatMap((s) => (s === 'all' ? Object.keys(SUITES) : s === 'default' ? DEFAULT_SUITES : [s]));
    else if (name === '--strict') opts.strict = true;
    else if (name === '--no-doc') opts.doc = false;
    else if (name === '--doc-only') opts.docOnly = true;
    else {
      process.stderr.write(
        `test:matrix: unknown option ${a}\nusage: npm run test:matrix -- [--argo-rollouts=V,..] [--kubernetes=V,..] [--suites=${Object.keys(SUITES).join(',')}|all] [--strict] [--no-doc] [--doc-only]\n`,
      );
      process.exit(2);
    }
  }
  for (const v of [...opts.argo, ...opts.k8s]) {
    if (!/^v\d+\.\d+(\.(\d+|x))?$/.test(v)) {
      process.stderr.write(`test:matrix: bad version ${v} (vX.Y.Z or vX.Y.x)\n`);
      process.exit(2);
    }
  }
  const unknown = opts.suites.filter((s) => !SUITES[s]);
  if (unknown.length) {
    process.stderr.write(`test:matrix: unknown suite ${unknown.join(', ')}; one of ${Object.keys(SUITES).join(', ')}, all\n`);
    process.exit(2);
  }
  // bluegreen contains the incident replay
  if (opts.suites.includes('bluegreen')) opts.suites = opts.suites.filter((s) => s !== 'incident');
  opts.suites = [...new Set(opts.suites)];
  return opts;
}

function combinations(argo: string[], k8s: string[]): Array<{ argoRollouts: string; kubernetes: string }> {
  const d = pinnedVersions();
  const list = (k: string) =>
    (d[k] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (argo.length === 0 && k8s.length === 0) {
    const out = list('MATRIX_ARGO_ROLLOUTS').map((a) => ({ argoRollouts: a, kubernetes: d.KUBERNETES_VERSION! }));
    for (const k of list('MATRIX_KUBERNETES')) {
      if (k !== d.KUBERNETES_VERSION) out.push({ argoRollouts: d.ARGO_ROLLOUTS_VERSION!, kubernetes: k });
    }
    return out;
  }
  const as = argo.length ? argo : [d.ARGO_ROLLOUTS_VERSION!];
  const ks = k8s.length ? k8s : [d.KUBERNETES_VERSION!];
  return as.flatMap((a) => ks.map((k) => ({ argoRollouts: a, kubernetes: k })));
}

// ---------------------------------------------------------------------------------------------------
// running

interface VitestJson {
  testResults?: Array<{
    name: string;
    assertionResults: Array<{
      fullName: string;
      title: string;
      ancestorTitles: string[];
      status: string;
      duration?: number | null;
      failureMessages?: string[];
    }>;
    message?: string;
  }>;
}

const stripAnsi = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');

function firstLines(s: string, n: number): string {
  return stripAnsi(s)
    .split('\n')
    .filter((l) => l.trim() && !/^\s+at /.test(l))
    .slice(0, n)
    .join('\n');
}

async function runSuite(
  name: string,
  suite: Suite,
  versions: { argoRollouts: string; kubernetes: string },
  dir: string,
): Promise<{ ok: boolean; results: ClaimResult[] }> {
  const json = join(dir, `${name}.json`);
  const logFile = join(dir, `${name}.log`);
  rmSync(json, { force: true });
  const args = [
    join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs'),
    'run',
    '--project',
    suite.project,
    ...suite.files,
    ...(suite.filter ? ['-t', suite.filter] : []),
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${json}`,
  ];
  log(
    `  suite ${name}: vitest ${suite.files.join(' ')}${suite.filter ? ` -t "${suite.filter}"` : ''} (log: ${relative(REPO_ROOT, logFile)})`,
  );
  const out = createWriteStream(logFile);
  const code = await new Promise<number>((res) => {
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        ARGO_ROLLOUTS_VERSION: versions.argoRollouts,
        KUBERNETES_VERSION: versions.kubernetes,
        CI: 'true',
        FORCE_COLOR: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on('close', (c) => res(c ?? 1));
  });
  await new Promise<void>((res) => out.end(res));
  if (!existsSync(json)) {
    log(`  suite ${name}: vitest exited ${code} without results; see ${logFile}`);
    logTail(name, logFile);
    return { ok: false, results: [] };
  }
  const data = JSON.parse(readFileSync(json, 'utf8')) as VitestJson;
  const at = new Date().toISOString();
  const results: ClaimResult[] = [];
  /** Whole failure messages, for this output (the recorded ones are cut to 8 lines). */
  const whole = new Map<string, string>();
  for (const f of data.testResults ?? []) {
    for (const t of f.assertionResults) {
      const status: Status = t.status === 'passed' ? 'passed' : t.status === 'failed' ? 'failed' : 'skipped';
      if (status === 'skipped') continue; // filtered out by -t
      const title = [...t.ancestorTitles, t.title].join(' › ');
      results.push({
        suite: name,
        file: relative(REPO_ROOT, f.name),
        title,
        status,
        durationMs: Math.round(t.duration ?? 0),
        ...(status === 'failed' ? { message: firstLines((t.failureMessages ?? []).join('\n'), 8) } : {}),
        at,
      });
      if (status === 'failed') whole.set(title, (t.failureMessages ?? []).join('\n'));
    }
    if (f.assertionResults.length === 0 && f.message) {
      results.push({
        suite: name,
        file: relative(REPO_ROOT, f.name),
        title: '(file failed to run)',
        status: 'failed',
        durationMs: 0,
        message: firstLines(f.message, 8),
        at,
      });
    }
  }
  const failed = results.filter((r) => r.status === 'failed').length;
  log(`  suite ${name}: ${results.length - failed} passed, ${failed} failed (vitest exit ${code})`);
  // CI keeps only this output, not the run directory: say why each test failed, and what the control plane
  // logged around it (printLogsOnFailure writes its tails into the suite's log).
  for (const r of results.filter((x) => x.status === 'failed')) {
    log(`    failed: ${r.title}`);
    for (const line of (whole.get(r.title) ?? r.message ?? '').split('\n').slice(0, 80)) log(`      ${line}`);
  }
  if (failed) logTail(name, logFile);
  return { ok: true, results };
}

/** The end of a suite's log (vitest's report, and the control plane's logs that printLogsOnFailure adds). */
function logTail(name: string, logFile: string): void {
  if (!existsSync(logFile)) return;
  const tail = readFileSync(logFile, 'utf8').split('\n').slice(-200);
  log(`  suite ${name}: the last ${tail.length} lines of ${relative(REPO_ROOT, logFile)}:`);
  for (const line of tail) log(`    | ${line}`);
}

function readMeasurements(since: string, v: { argoRollouts: string; kubernetes: string }): Record<string, MeasurementRecord> {
  const out: Record<string, MeasurementRecord> = {};
  if (!existsSync(MEASUREMENTS_FILE)) return out;
  for (const line of readFileSync(MEASUREMENTS_FILE, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const m = JSON.parse(line) as MeasurementRecord & { key: string; argoRollouts: string; kubernetes: string };
    if (m.at < since || m.argoRollouts !== v.argoRollouts || m.kubernetes !== v.kubernetes) continue;
    out[m.key] = { what: m.what, value: m.value, of: m.of, detail: m.detail, at: m.at };
  }
  return out;
}

const claimId = (r: { file: string; title: string }) => `${r.file} :: ${r.title}`;
const comboKey = (v: { argoRollouts: string; kubernetes: string }) => `argo-rollouts ${v.argoRollouts} / kubernetes ${v.kubernetes}`;

function loadResults(): ResultsFile {
  if (!existsSync(RESULTS_FILE)) return { schema: 1, combos: {} };
  return JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as ResultsFile;
}

// ---------------------------------------------------------------------------------------------------
// the document

const semver = (v: string) =>
  v
    .replace(/^v/, '')
    .split('.')
    .map((x) => Number(x) || 0);
const cmpVer = (a: string, b: string) => {
  const x = semver(a);
  const y = semver(b);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
};

function notesByTitle(): Map<string, string> {
  const map = new Map<string, string>();
  if (!existsSync(NOTES_FILE)) return map;
  const text = readFileSync(NOTES_FILE, 'utf8');
  const parts = text.split(/^## /m).slice(1);
  for (const p of parts) {
    const nl = p.indexOf('\n');
    map.set(p.slice(0, nl).trim(), p.slice(nl + 1).trim());
  }
  return map;
}

function intro(): string {
  if (!existsSync(NOTES_FILE)) return '';
  const text = readFileSync(NOTES_FILE, 'utf8');
  const first = text.search(/^## /m);
  return (first < 0 ? text : text.slice(0, first)).replace(/^# .*\n/, '').trim();
}

function writeDoc(data: ResultsFile): void {
  const combos = Object.values(data.combos).sort((a, b) => cmpVer(a.kubernetes, b.kubernetes) || cmpVer(a.argoRollouts, b.argoRollouts));
  const claims = new Map<string, { file: string; title: string; suite: string }>();
  for (const c of combos)
    for (const r of Object.values(c.results)) claims.set(claimId(r), { file: r.file, title: r.title, suite: r.suite });
  const ids = [...claims.keys()].sort((a, b) => {
    const x = claims.get(a)!;
    const y = claims.get(b)!;
    return x.file.localeCompare(y.file) || 0;
  });
  const col = new Map(ids.map((id, i) => [id, `C${i + 1}`]));
  const mark = (r: ClaimResult | undefined) => (r === undefined ? '·' : r.status === 'passed' ? '✓' : '✗');
  const notes = notesByTitle();
  const lines: string[] = [];
  lines.push('# Compatibility: Argo Rollouts releases and Kubernetes versions', '');
  lines.push('Generated by `npm run test:matrix` (scripts/matrix.ts) from the recorded runs in `docs/compatibility.json`;');
  lines.push('do not edit by hand (the explanations come from `docs/COMPATIBILITY-notes.md`). Each combination ran on a');
  lines.push('fresh local control plane (tools/cluster) with the real controller of that release built from its Go module.', '');
  const i = intro();
  if (i) lines.push(i, '');
  lines.push('## Results', '');
  lines.push('✓ passed, ✗ failed, · not run on that combination. Columns: the claims listed under the table.', '');
  lines.push(`| Argo Rollouts | Kubernetes | run | ${ids.map((id) => col.get(id)).join(' | ')} | passed |`);
  lines.push(`|---|---|---|${ids.map(() => ':-:').join('|')}|---|`);
  for (const c of combos) {
    const rs = ids.map((id) => c.results[id]);
    const ran = rs.filter(Boolean) as ClaimResult[];
    const passed = ran.filter((r) => r.status === 'passed').length;
    lines.push(
      `| ${c.argoRollouts} | ${c.kubernetes} | ${c.ranAt.slice(0, 16)}Z | ${rs.map(mark).join(' | ')} | ${passed}/${ran.length} |`,
    );
  }
  lines.push('', '| claim | suite | test |', '|---|---|---|');
  for (const id of ids) {
    const c = claims.get(id)!;
    lines.push(`| ${col.get(id)} | ${c.suite} | \`${c.file}\` › ${c.title.replace(/\|/g, '\\|')} |`);
  }

  const mkeys = [...new Set(combos.flatMap((c) => Object.keys(c.measurements)))].sort();
  if (mkeys.length) {
    lines.push('', '## Measured per combination', '');
    const what = (k: string) => combos.map((c) => c.measurements[k]?.what).find(Boolean) ?? k;
    lines.push(`| Argo Rollouts | Kubernetes | ${mkeys.map(what).join(' | ')} |`);
    lines.push(`|---|---|${mkeys.map(() => '---').join('|')}|`);
    for (const c of combos) {
      const cells = mkeys.map((k) => {
        const m = c.measurements[k];
        return m ? `${m.value}${m.of !== undefined ? `/${m.of}` : ''}${m.detail && m.value > 0 ? ` (${m.detail})` : ''}` : '·';
      });
      lines.push(`| ${c.argoRollouts} | ${c.kubernetes} | ${cells.join(' | ')} |`);
    }
  }

  lines.push('', '## Behaviours that differ between combinations', '');
  const differing = ids.filter((id) => {
    const st = new Set(combos.map((c) => c.results[id]?.status).filter(Boolean));
    return st.size > 1 || st.has('failed');
  });
  if (differing.length === 0) lines.push('None: every claim that ran passed everywhere.');
  for (const id of differing) {
    const c = claims.get(id)!;
    const pass = combos.filter((x) => x.results[id]?.status === 'passed');
    const fail = combos.filter((x) => x.results[id]?.status === 'failed');
    const name = (x: ComboRecord) => `Argo Rollouts ${x.argoRollouts} on Kubernetes ${x.kubernetes}`;
    lines.push(`### ${col.get(id)}: ${c.title}`, '');
    lines.push(`Test: \`${c.file}\` › ${c.title} (suite \`${c.suite}\`).`, '');
    lines.push(`- passes on: ${pass.length ? pass.map(name).join('; ') : 'none'}`);
    lines.push(`- fails on: ${fail.map(name).join('; ')}`, '');
    const byMessage = new Map<string, string[]>();
    for (const f of fail) {
      const msg = f.results[id]!.message ?? '';
      byMessage.set(msg, [...(byMessage.get(msg) ?? []), `${f.argoRollouts}/${f.kubernetes}`]);
    }
    for (const [msg, where] of byMessage) {
      lines.push(`Failure on ${where.join(', ')}:`, '', '```', msg, '```', '');
    }
    const note = notes.get(c.title);
    if (note) lines.push(note, '');
  }
  const mdiff = mkeys.filter((k) => new Set(combos.map((c) => c.measurements[k]?.value).filter((v) => v !== undefined)).size > 1);
  for (const k of mdiff) {
    const what = combos.map((c) => c.measurements[k]?.what).find(Boolean) ?? k;
    lines.push(`### Measured: ${what}`, '');
    for (const c of combos) {
      const m = c.measurements[k];
      if (m)
        lines.push(
          `- Argo Rollouts ${c.argoRollouts} on Kubernetes ${c.kubernetes}: ${m.value}${m.of !== undefined ? ` of ${m.of}` : ''}${m.detail ? ` (${m.detail})` : ''}`,
        );
    }
    const note = notes.get(`Measured: ${what}`) ?? notes.get(k);
    if (note) lines.push('', note);
    lines.push('');
  }
  writeFileSync(
    DOC_FILE,
    lines
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trimEnd() + '\n',
  );
  log(`wrote ${relative(REPO_ROOT, DOC_FILE)}`);
}

// ---------------------------------------------------------------------------------------------------
// main

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const data = loadResults();
  if (opts.docOnly) {
    writeDoc(data);
    return 0;
  }
  const combos = combinations(opts.argo, opts.k8s);
  log(
    `${combos.length} combination(s): ${combos.map((c) => `${c.argoRollouts}/${c.kubernetes}`).join(', ')}; suites: ${opts.suites.join(', ')}`,
  );
  const recorded = JSON.parse(JSON.stringify(data)) as ResultsFile;
  let exit = 0;
  const summary: string[] = [];
  // A cluster of this worktree running before the matrix is replaced (each combination needs its own).
  const wasRunning = readState() !== null;
  if (wasRunning) log('a cluster of this worktree is running; it is stopped first (each combination starts its own)');
  for (const want of combos) {
    const t0 = Date.now();
    const since = new Date().toISOString();
    let v: { argoRollouts: string; kubernetes: string };
    try {
      v = await resolveVersions(want);
    } catch (e) {
      log(`${want.argoRollouts}/${want.kubernetes}: ${(e as Error).message}`);
      exit = 1;
      continue;
    }
    const key = comboKey(v);
    const dir = join(WORK_DIR, `${v.argoRollouts}_${v.kubernetes}`);
    mkdirSync(dir, { recursive: true });
    log(`== Argo Rollouts ${v.argoRollouts} on Kubernetes ${v.kubernetes}`);
    let upSeconds: number;
    let go: ComboRecord['go'];
    try {
      const r = await up({ ...v, fresh: true, log: (m) => log(`  ${m}`) });
      upSeconds = Math.round((Date.now() - t0) / 1000);
      go = r.state.versions ? { argoRollouts: r.state.versions.goArgoRollouts, kubernetes: r.state.versions.goKubernetes } : undefined;
    } catch (e) {
      log(`  could not start the cluster: ${(e as Error).message}`);
      summary.push(`${v.argoRollouts}/${v.kubernetes}: cluster did not start`);
      exit = 1;
      continue;
    }
    const t1 = Date.now();
    const results: ClaimResult[] = [];
    try {
      for (const s of opts.suites) {
        const r = await runSuite(s, SUITES[s]!, v, dir);
        if (!r.ok) {
          exit = 1;
          summary.push(`${v.argoRollouts}/${v.kubernetes}: suite ${s} did not run to the end`);
        }
        results.push(...r.results);
      }
    } finally {
      if (process.env.KEEP_CLUSTER !== '1') await down({ log: (m) => log(`  ${m}`) });
    }
    const rec: ComboRecord = data.combos[key] ?? {
      argoRollouts: v.argoRollouts,
      kubernetes: v.kubernetes,
      ranAt: since,
      results: {},
      measurements: {},
    };
    rec.ranAt = since;
    rec.go = go;
    rec.upSeconds = upSeconds;
    rec.testSeconds = Math.round((Date.now() - t1) / 1000);
    for (const r of results) rec.results[claimId(r)] = r;
    Object.assign(rec.measurements, readMeasurements(since, v));
    data.combos[key] = rec;
    writeFileSync(RESULTS_FILE, JSON.stringify(data, null, 2) + '\n');

    const failed = results.filter((r) => r.status === 'failed');
    const before = recorded.combos[key]?.results ?? {};
    const regressions = failed.filter((r) => before[claimId(r)]?.status === 'passed');
    const unrecorded = failed.filter((r) => !before[claimId(r)]);
    const fixed = results.filter((r) => r.status === 'passed' && before[claimId(r)]?.status === 'failed');
    summary.push(
      `${v.argoRollouts}/${v.kubernetes}: ${results.length - failed.length} passed, ${failed.length} failed` +
        (regressions.length ? `; REGRESSIONS (passed in the recorded run): ${regressions.map((r) => r.title).join('; ')}` : '') +
        (unrecorded.length ? `; failing, not in the record: ${unrecorded.map((r) => r.title).join('; ')}` : '') +
        (fixed.length ? `; now passing (recorded as failing): ${fixed.map((r) => r.title).join('; ')}` : '') +
        ` (up ${upSeconds} s, tests ${rec.testSeconds} s)`,
    );
    if (regressions.length || unrecorded.length || (opts.strict && failed.length)) exit = 1;
  }
  if (opts.doc) writeDoc(data);
  log('summary:');
  for (const s of summary) log(`  ${s}`);
  return exit;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    log(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
