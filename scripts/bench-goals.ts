// The issue's goals against one benchmark run: met, bounded or missed, nothing by hand (verdicts in
// scripts/bench-verdict.ts). Rendered by scripts/bench.ts at the end of a run, and again from a run's
// record: `npx tsx scripts/bench-goals.ts [.cluster/bench.json]` rewrites the section "This run against
// the goals" of docs/PERFORMANCE.md from it (the same run's pairs; for a change to the verdicts).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALPHA, MARGIN, verdict } from './bench-verdict.js';
import { NODE_VERSION, SEA_EXEC_ARGV } from './packaging/targets.js';

/** A workload's per-pair ratios to the official plugin, as the run recorded them. */
interface Ratio {
  min: number;
  median: number;
  max: number;
  /** Each pair's, in run order (a record from before they were kept has none). */
  values?: number[];
}
interface Pair {
  workload: string;
  ours: string;
  ratio: Ratio;
}
export interface RecordedRuntime {
  version: string;
  execArgv: string[];
  /** The tools whose floor it is. */
  of: string[];
}
export interface GoalsInput {
  results: Pair[];
  floors: Pair[];
  points: Array<{ rollouts: number; tools: Record<string, { rssMB: number | null }> }>;
  runtimes: RecordedRuntime[];
  /** The plugin's tools (npm bundle first). */
  ours: string[];
}

/** "Node V (with FLAGS) for the TOOLS", for the report. */
export const describeRuntime = (rt: RecordedRuntime) =>
  `Node ${rt.version}${rt.execArgv.length ? ` with ${rt.execArgv.join(' ')}` : ''} for the ${rt.of.map((o) => (/single executable/.test(o) ? 'single executable' : 'npm bundle')).join(' and ')}`;

export function goalsTable({ results, floors, points, runtimes, ours }: GoalsInput): string[] {
  const floorOf = (tool: string) => {
    const rt = runtimes.find((r) => r.of.includes(tool));
    return rt ? (r: Pair) => r.ours.endsWith(`(bare Node ${rt.version})`) : () => false;
  };
  const ratio = (workload: RegExp, tool: RegExp) => results.find((r) => workload.test(r.workload) && tool.test(r.ours))?.ratio;
  const NPM = /npm bundle/;
  const SEA = /single executable/;
  // The floor of each goal: a bare Node process making the same requests (scripts/bench-floor.cjs) on the
  // tool's own runtime (the benchmark's Node for the npm bundle, the single executable's Node for it).
  const toolOf = (kind: RegExp) => ours.find((o) => kind.test(o)) ?? '';
  const floor = (workload: RegExp, what: RegExp, kind: RegExp): Ratio | undefined => {
    const mine = floorOf(toolOf(kind));
    return floors.find((r) => workload.test(r.workload) && what.test(r.ours) && mine(r))?.ratio;
  };
  const GUARDED = /the plugin's requests/;
  const VIEW = /the single view's requests/;
  // [what, the plugin's ratios, the goal, its floor's ratios, whether the floor ran in the plugin's rounds]
  const rows: Array<[string, Ratio | undefined, number, Ratio | undefined, boolean]> = [];
  for (const [kind, label, status, exit] of [
    [SEA, 'single executable', 0.6, 1.5],
    [NPM, 'npm bundle', 0.85, 1.5],
  ] as const)
    rows.push(
      [`status of one rollout, ${label}`, ratio(/^status of one/, kind), status, floor(/^status of one/, VIEW, kind), false],
      [
        `promote, start to the active Service switching, ${label}`,
        ratio(/Service switching/, kind),
        1.0,
        floor(/Service switching/, GUARDED, kind),
        true,
      ],
      [`promote, start to exit, ${label}`, ratio(/start to exit/, kind), exit, floor(/start to exit/, GUARDED, kind), true],
    );
  for (const r of results.filter((x) => /^list \d+ rollouts/.test(x.workload))) {
    const n = Number(/^list (\d+)/.exec(r.workload)![1]);
    const sea = SEA.test(r.ours);
    const goal = n < 1000 ? (sea ? 1.0 : 1.2) : n < 5000 ? (sea ? 0.8 : 1.0) : undefined;
    const mine = floorOf(r.ours);
    const atFloor = floors.find((x) => x.workload === r.workload && /the three lists/.test(x.ours) && mine(x))?.ratio;
    if (goal !== undefined) rows.push([`${r.workload}, ${sea ? 'single executable' : 'npm bundle'}`, r.ratio, goal, atFloor, false]);
  }
  const out = [
    '## This run against the goals',
    '',
    `The floor: a bare Node process on the tool's own runtime (${runtimes.map(describeRuntime).join(', ')}) making the same requests (scripts/bench-floor.cjs: the single view's rollout with a page of the namespace's Services and ReplicaSets beside it; the listing's three lists in parallel; promote's reads in one round, the PATCH and the record), each answer parsed whole, against the official plugin: in pairs of runs of its own for status and the listing, in the plugin's rounds for promote; median (min–max) of the pairs. A goal is met when the plugin's median ratio is at or under it. It is bounded when the floor's ratio is above it (a one-sided sign test on the floor's pairs, p < ${ALPHA}: 7 of 8 pairs, 9 of 10, 10 of 12), so that what a bare Node process spends making the same requests on that runtime is more than the goal, and the plugin is at its floor: its shift over the floor (Hodges-Lehmann) at most ${MARGIN.toFixed(2)}×, and a one-sided test (Mann-Whitney on the two sets of pairs; Wilcoxon's signed-rank test by round for promote) not finding it above the floor (p ≥ ${ALPHA}). A test that finds nothing in a few noisy pairs is no proof of nothing: the margin is what keeps noise from calling an overhead bounded, and each verdict prints the shift's one-sided 95% upper bound (scripts/bench-verdict.ts). Otherwise missed. The floor is not a lower bound (a parser that skips what a row does not need can go under it).`,
    '',
    '| goal | this run | the floor | |',
    '|---|---|---|---|',
  ];
  for (const [what, got, goal, atFloor, paired] of rows) {
    if (got === undefined || Number.isNaN(got.median)) continue; // not measured (e.g. --runs 1: its one round is the warm-up)
    if (!got.values) throw new Error(`bench-goals: the record has no per-pair ratios for ${what}`);
    const v = verdict(got.values, goal, atFloor?.values, paired);
    const text = v.kind === 'met' ? 'met' : v.kind === 'bounded' ? `**missed**; bounded: ${v.text}` : `**missed**: ${v.text}`;
    out.push(
      `| ${what} ≤ ${goal.toFixed(2)}× | ${got.median.toFixed(2)}× (${got.min.toFixed(2)}–${got.max.toFixed(2)}) | ${atFloor === undefined ? '–' : `${atFloor.median.toFixed(2)}× (${atFloor.min.toFixed(2)}–${atFloor.max.toFixed(2)})`} | ${text} |`,
    );
  }
  const big = points.filter((p) => p.rollouts >= 2000);
  if (big.length >= 2) {
    for (const tool of ours) {
      const rss = big.map((p) => p.tools[tool]?.rssMB ?? 0);
      const max = Math.max(...rss);
      const growth = rss.at(-1)! - rss[0]!;
      out.push(
        `| peak RSS ≤ 120 MB from ${big[0]!.rollouts} to ${big.at(-1)!.rollouts} rollouts, ${tool} | ${rss.map((x) => x.toFixed(0)).join(' → ')} MB | – | ${max <= 120 ? 'met' : '**missed**'} |`,
        `| peak RSS flat from ${big[0]!.rollouts} to ${big.at(-1)!.rollouts} rollouts (growth ≤ 10 MB), ${tool} | ${growth >= 0 ? '+' : ''}${growth.toFixed(2)} MB | – | ${growth <= 10 ? 'met' : '**missed**'} |`,
      );
    }
  }
  return out;
}

/**
 * The goals' input from a run's record (.cluster/bench.json). A record from before runtimes were kept:
 * the npm bundle on the Node its name gives, the single executable on NODE_VERSION with its sea-config flags.
 */
export function goalsInputFromRecord(record: {
  results: Pair[];
  floors: Pair[];
  listing?: { points: GoalsInput['points'] };
  runtimes?: RecordedRuntime[];
}): GoalsInput {
  const ours = [...new Set(record.results.map((r) => r.ours))].sort(
    (a, b) => Number(/single executable/.test(a)) - Number(/single executable/.test(b)),
  );
  let runtimes = record.runtimes;
  if (!runtimes) {
    const npm = ours.find((o) => /npm bundle/.test(o));
    const sea = ours.find((o) => /single executable/.test(o));
    const npmVersion = npm ? /Node (\d+\.\d+\.\d+)/.exec(npm)?.[1] : undefined;
    runtimes = [];
    if (npm && npmVersion) runtimes.push({ version: npmVersion, execArgv: [], of: [npm] });
    if (sea) runtimes.push({ version: NODE_VERSION, execArgv: [...SEA_EXEC_ARGV], of: [sea] });
  }
  return { results: record.results, floors: record.floors, points: record.listing?.points ?? [], runtimes, ours };
}

/** Replaces the section "This run against the goals" (up to the next heading of its level) in `page`. */
export function replaceGoalsSection(page: string, section: string[]): string {
  const head = '## This run against the goals';
  const a = page.indexOf(head);
  if (a < 0) throw new Error(`bench-goals: the page has no "${head}"`);
  const next = page.indexOf('\n## ', a + head.length);
  return `${page.slice(0, a)}${section.join('\n')}\n${next < 0 ? '' : page.slice(next)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = join(import.meta.dirname, '..');
  const recordFile = process.argv[2] ?? join(root, '.cluster', 'bench.json');
  const page = join(root, 'docs', 'PERFORMANCE.md');
  const input = goalsInputFromRecord(JSON.parse(readFileSync(recordFile, 'utf8')));
  writeFileSync(page, replaceGoalsSection(readFileSync(page, 'utf8'), goalsTable(input)));
  process.stderr.write(`bench-goals: rewrote "This run against the goals" in docs/PERFORMANCE.md from ${recordFile}\n`);
}
