// The goals table of a benchmark run (scripts/bench-goals.ts), from a small hand-made record: each goal
// held against the floor of its tool's runtime, promote's floor by round, and the section replaced in place.
import { describe, expect, it } from 'vitest';
import { goalsInputFromRecord, goalsTable, replaceGoalsSection } from '../../scripts/bench-goals.js';

const NPM = 'kubectl-bluegreen (npm bundle, Node 20.20.2)';
const SEA = 'kubectl-bluegreen (single executable)';
const r = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return { min: s[0]!, median: (s[3]! + s[4]!) / 2, max: s[7]!, values };
};
const same = (x: number) => r([x, x, x, x, x, x, x, x].map((v, i) => v + i * 0.001));
const record = {
  results: [
    { workload: 'status of one rollout', ours: NPM, ratio: same(0.8) },
    { workload: 'status of one rollout', ours: SEA, ratio: same(0.98) },
    // By round, the floor plus a noise that straddles 0.
    {
      workload: 'promote (start to exit)',
      ours: SEA,
      ratio: r([1.62, 1.57, 1.63, 1.56, 1.61, 1.6, 1.58, 1.61].map((x, i) => x + i * 0.001)),
    },
    { workload: 'list 500 rollouts (-A)', ours: NPM, ratio: same(1.3) },
  ],
  floors: [
    // The Node 26 floor of status: far under the single executable; the Node 20 one must not be used for it.
    { workload: 'status of one rollout', ours: "floor: the single view's requests (bare Node 26.10.0)", ratio: same(0.74) },
    { workload: 'status of one rollout', ours: "floor: the single view's requests (bare Node 20.20.2)", ratio: same(0.97) },
    {
      workload: 'promote (start to exit)',
      ours: "floor: the plugin's requests: its reads, the PATCH, the record (bare Node 26.10.0)",
      ratio: same(1.59),
    },
    { workload: 'list 500 rollouts (-A)', ours: 'floor: the three lists (bare Node 20.20.2)', ratio: same(1.1) },
  ],
  listing: {
    points: [
      { rollouts: 2000, tools: { [NPM]: { rssMB: 62 }, [SEA]: { rssMB: 77 } } },
      { rollouts: 10000, tools: { [NPM]: { rssMB: 69 }, [SEA]: { rssMB: 87.0546875 } } },
    ],
  },
};

describe('goalsTable from a record', () => {
  const rows = goalsTable(goalsInputFromRecord(record));
  const row = (what: string) => rows.find((l) => l.startsWith(`| ${what}`)) ?? '';

  it("holds each goal against its own runtime's floor", () => {
    expect(row('status of one rollout, npm bundle')).toMatch(/\| met \|$/);
    // 0.98 against a Node 26 floor of 0.74: missed, not bounded (the Node 20 floor at 0.97 would have said otherwise).
    expect(row('status of one rollout, single executable')).toMatch(
      /\*\*missed\*\*: the floor above the goal in 8 of 8 pairs .*the plugin \+0\.24× over its floor .*above it\) \|$/,
    );
    // Promote is paired by round (Wilcoxon): at most 0.05× over its floor, and not found above it.
    expect(row('promote, start to exit, single executable')).toMatch(
      /\*\*missed\*\*; bounded: .*\+0\.0[0-5]× over its floor .*Wilcoxon signed-rank p = 0\.[1-9]/,
    );
    expect(row('list 500 rollouts (-A), npm bundle')).toMatch(/\*\*missed\*\*: the floor not above the goal: 0 of 8 pairs/);
  });

  it('memory: under 120 MB and flat from 2,000 on, per tool; a growth just over 10 MB is shown as such (not "+10 MB, missed")', () => {
    expect(row(`peak RSS flat from 2000 to 10000 rollouts (growth ≤ 10 MB), ${NPM}`)).toMatch(/\+7\.00 MB \| – \| met \|$/);
    expect(row(`peak RSS flat from 2000 to 10000 rollouts (growth ≤ 10 MB), ${SEA}`)).toMatch(/\+10\.05 MB \| – \| \*\*missed\*\* \|$/);
  });

  it('names each runtime: the npm bundle on the Node of its name, the single executable on its own with its flags', () => {
    expect(rows.join('\n')).toContain(
      'Node 20.20.2 for the npm bundle, Node 26.10.0 with --max-semi-space-size=1 --max-old-space-size=1024 for the single executable',
    );
  });

  it('refuses a record without per-pair ratios', () => {
    const old = { ...record, results: [{ workload: 'status of one rollout', ours: NPM, ratio: { min: 1, median: 1, max: 1 } }] };
    expect(() => goalsTable(goalsInputFromRecord(old))).toThrow(/no per-pair ratios/);
  });
});

describe('replaceGoalsSection', () => {
  it('replaces the section up to the next heading, and only it', () => {
    const page = '# P\n\nintro\n\n## This run against the goals\n\nold\n| a |\n\n## What bounds what is left\n\nnotes\n';
    expect(replaceGoalsSection(page, ['## This run against the goals', '', 'new'])).toBe(
      '# P\n\nintro\n\n## This run against the goals\n\nnew\n\n## What bounds what is left\n\nnotes\n',
    );
  });
});
