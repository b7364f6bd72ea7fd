// The benchmark's verdict on a goal (scripts/bench-verdict.ts): its tests against values worked out by hand
// and by enumeration, the shift's estimate and bound, and the verdicts on the shapes a run gives.
import { describe, expect, it } from 'vitest';
import { mannWhitneyGreater, shiftOverFloor, signedRankGreater, signTestAbove, verdict } from '../../scripts/bench-verdict.js';

/** Every way of choosing which of the pooled values are "a": the exact one-sided p by enumeration. */
function bruteForceMannWhitney(a: number[], b: number[]): number {
  const pooled = [...a, ...b];
  const u = (xs: number[], ys: number[]) => xs.reduce((s, x) => s + ys.reduce((t, y) => t + (x > y ? 1 : x === y ? 0.5 : 0), 0), 0);
  const observed = u(a, b);
  let hits = 0;
  let all = 0;
  const pick = (from: number, chosen: number[]) => {
    if (chosen.length === a.length) {
      all++;
      if (
        u(
          chosen.map((i) => pooled[i]!),
          pooled.filter((_, i) => !chosen.includes(i)),
        ) >= observed
      )
        hits++;
      return;
    }
    for (let i = from; i < pooled.length; i++) pick(i + 1, [...chosen, i]);
  };
  pick(0, []);
  return hits / all;
}

/** Every sign assignment of the ranks: the exact one-sided signed-rank p by enumeration (no ties). */
function bruteForceSignedRank(d: number[]): number {
  const ranks = [...d].map((x) => Math.abs(x)).sort((x, y) => x - y);
  const rankOf = (x: number) => ranks.indexOf(Math.abs(x)) + 1;
  const w = d.reduce((s, x) => s + (x > 0 ? rankOf(x) : 0), 0);
  let hits = 0;
  for (let mask = 0; mask < 2 ** d.length; mask++) {
    let s = 0;
    for (let i = 0; i < d.length; i++) if (mask & (1 << i)) s += i + 1;
    if (s >= w) hits++;
  }
  return hits / 2 ** d.length;
}

describe('signTestAbove', () => {
  it('counts the values above the goal and gives the binomial tail', () => {
    expect(signTestAbove([1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 0.9], 1.0)).toEqual({ above: 7, n: 8, p: 9 / 256 });
    expect(signTestAbove([1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 0.8, 0.9], 1.0).p).toBeCloseTo(37 / 256, 12);
    expect(signTestAbove([2, 2, 2, 2, 2], 1).p).toBe(1 / 32);
    // At the goal is not above it.
    expect(signTestAbove([1, 1, 1], 1)).toEqual({ above: 0, n: 3, p: 1 });
  });
});

describe('mannWhitneyGreater', () => {
  it('every a above every b: U = m·n and p = 1 / C(m+n, m)', () => {
    const r = mannWhitneyGreater([9, 10, 11, 12, 13, 14, 15, 16], [1, 2, 3, 4, 5, 6, 7, 8]);
    expect(r.u).toBe(64);
    expect(r.p).toBeCloseTo(1 / 12870, 12);
  });

  it('every a under every b: p = 1', () => {
    expect(mannWhitneyGreater([1, 2, 3], [4, 5, 6]).p).toBe(1);
  });

  it('agrees with enumerating every split of the pooled values, ties included', () => {
    const cases: Array<[number[], number[]]> = [
      [
        [1.23, 1.31, 1.07, 1.36, 1.2],
        [1.22, 0.87, 1.46, 1.1, 1.3, 1.25],
      ],
      [
        [0.98, 1.07, 0.81, 0.9],
        [0.74, 0.66, 0.82, 0.7, 0.79],
      ],
      [
        [5, 1, 4],
        [2, 3, 6, 0],
      ],
    ];
    for (const [a, b] of cases) expect(mannWhitneyGreater(a, b).p).toBeCloseTo(bruteForceMannWhitney(a, b), 12);
    // A tie: U = 2.5, and the exact tail from 3 up (approximate with ties, and on the strict side: a
    // smaller p would call the plugin above its floor more readily, never bounded more readily).
    const tied = mannWhitneyGreater([1, 3], [1, 2]);
    expect(tied.u).toBe(2.5);
    expect(tied.p).toBeCloseTo(bruteForceMannWhitney([1, 3], [0.5, 2]), 12);
  });
});

describe('signedRankGreater', () => {
  it('agrees with enumerating every sign of the ranks', () => {
    for (const d of [
      [0.1, -0.2, 0.3, 0.05, -0.01, 0.4, 0.12, -0.07],
      [0.3, 0.2, 0.1],
      [-0.3, -0.2, -0.1, 0.05],
    ])
      expect(signedRankGreater(d).p).toBeCloseTo(bruteForceSignedRank(d), 12);
  });

  it('all positive: W+ = n(n+1)/2 and p = 1/2^n; zeros are dropped; tied ranks get their mean', () => {
    expect(signedRankGreater([1, 2, 3, 4, 5])).toEqual({ w: 15, p: 1 / 32 });
    expect(signedRankGreater([0, 1, 2, 3, 4, 5, 0])).toEqual({ w: 15, p: 1 / 32 });
    expect(signedRankGreater([1, -1, 2]).w).toBe(4.5);
  });
});

describe('shiftOverFloor', () => {
  it('independent samples: the median of the differences, and a bound above it', () => {
    const s = shiftOverFloor([2, 3, 4], [1, 2], false);
    // Differences: 1, 0, 2, 1, 3, 2: median 1.5.
    expect(s.estimate).toBe(1.5);
    expect(s.upper).toBeGreaterThanOrEqual(s.estimate);
    expect(s.test).toBe('Mann-Whitney');
  });

  it('paired: the median of the Walsh averages of the differences, by round', () => {
    // d = 0.1, 0.2, 0.3: Walsh averages 0.1, 0.15, 0.2, 0.2, 0.25, 0.3: median 0.2.
    const s = shiftOverFloor([1.1, 1.2, 1.3], [1.0, 1.0, 1.0], true);
    expect(s.estimate).toBeCloseTo(0.2, 12);
    expect(s.test).toBe('Wilcoxon signed-rank');
    // Three pairs cannot reach p < 0.05 one-sided (1/8 at best): no finite bound.
    expect(s.upper).toBe(Infinity);
    const many = shiftOverFloor([1.1, 1.2, 1.3, 1.25, 1.15, 1.22, 1.18, 1.21], [1, 1, 1, 1, 1, 1, 1, 1], true);
    expect(many.upper).toBeGreaterThan(many.estimate);
    expect(many.upper).toBeLessThan(0.31);
  });
});

describe('verdict', () => {
  it('met when the median is at or under the goal, whatever the floor', () => {
    expect(verdict([0.8, 0.9, 1.0], 0.9, undefined)).toEqual({ kind: 'met' });
  });

  it('bounded when the floor is above the goal (sign test) and the plugin at its floor', () => {
    const floor = [1.22, 1.3, 1.1, 1.46, 1.25, 0.87, 1.18, 1.28];
    const plugin = [1.23, 1.31, 1.07, 1.36, 1.2, 1.15, 1.25, 1.27];
    const v = verdict(plugin, 1.0, floor);
    expect(v.kind).toBe('bounded');
    expect(v.kind !== 'met' && v.text).toMatch(
      /^the floor above the goal in 7 of 8 pairs \(sign test p = 0\.035\); the plugin [+−]0\.0\d× over its floor \(Hodges-Lehmann; 95% upper bound \+0\.\d\d×; Mann-Whitney p = 0\.\d+\)$/,
    );
  });

  it('missed when the plugin is well above a floor that is itself above the goal', () => {
    const floor = [0.74, 0.66, 0.82, 0.7, 0.79, 0.72, 0.75, 0.77];
    const plugin = [0.98, 1.07, 0.81, 0.9, 1.0, 0.95, 0.99, 1.02];
    const v = verdict(plugin, 0.6, floor);
    expect(v.kind).toBe('missed');
    expect(v.kind !== 'met' && v.text).toMatch(
      /the floor above the goal in 8 of 8 pairs.*the plugin \+0\.2\d× over its floor .*Mann-Whitney p = 0\.00\d, above it\)$/,
    );
  });

  it('missed when the plugin is more than the margin over its floor, even where no test can tell', () => {
    // Paired, noisy: the differences straddle 0, but their centre is 0.08×.
    const floor = [1.6, 1.5, 1.7, 1.55, 1.65, 1.58, 1.62, 1.52];
    const plugin = floor.map((f, i) => f + [0.3, -0.2, 0.25, -0.1, 0.2, 0.08, -0.15, 0.1][i]!);
    const v = verdict(plugin, 1.5, floor, true);
    expect(v.kind).toBe('missed');
    expect(v.kind !== 'met' && v.text).toMatch(/Wilcoxon signed-rank p = 0\.\d+, more than 0\.05×\)$/);
  });

  it('missed when the floor is not above the goal in enough pairs (3 of 8: p = 0.855)', () => {
    const floor = [1.16, 1.2, 1.25, 0.82, 1.29, 1.3, 1.1, 1.05];
    const v = verdict([1.24, 1.25, 1.2, 1.3, 1.22, 1.28, 1.21, 1.26], 1.2, floor);
    expect(v.kind).toBe('missed');
    expect(v.kind !== 'met' && v.text).toMatch(/^the floor not above the goal: 3 of 8 pairs \(sign test p = 0\.855\)/);
  });

  it('missed with no floor measured', () => {
    expect(verdict([2, 2], 1, [])).toEqual({ kind: 'missed', text: 'no floor measured' });
  });
});
