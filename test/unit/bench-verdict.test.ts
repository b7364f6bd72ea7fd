// The benchmark's verdict on a goal (scripts/bench-verdict.ts): its two tests against values worked out by
// hand and by brute force, and the verdicts on the shapes a run gives.
import { describe, expect, it } from 'vitest';
import { mannWhitneyGreater, signTestAbove, verdict } from '../../scripts/bench-verdict.js';

/** Every way of choosing which k of the pooled values are "a": the exact one-sided p by enumeration. */
function bruteForceP(a: number[], b: number[]): number {
  const pooled = [...a, ...b];
  const u = (xs: number[], ys: number[]) => xs.reduce((s, x) => s + ys.reduce((t, y) => t + (x > y ? 1 : x === y ? 0.5 : 0), 0), 0);
  const observed = u(a, b);
  let hits = 0;
  let all = 0;
  const pick = (from: number, chosen: number[]) => {
    if (chosen.length === a.length) {
      const rest = pooled.filter((_, i) => !chosen.includes(i));
      all++;
      if (
        u(
          chosen.map((i) => pooled[i]!),
          rest,
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

  it('agrees with enumerating every split of the pooled values', () => {
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
    for (const [a, b] of cases) expect(mannWhitneyGreater(a, b).p).toBeCloseTo(bruteForceP(a, b), 12);
  });
});

describe('verdict', () => {
  it('met when the median is at or under the goal, whatever the floor', () => {
    expect(verdict([0.8, 0.9, 1.0], 0.9, undefined)).toEqual({ kind: 'met' });
  });

  it('bounded when the floor is above the goal (sign test) and the plugin is not above the floor', () => {
    const floor = [1.22, 1.3, 1.1, 1.46, 1.25, 0.87, 1.18, 1.28];
    const plugin = [1.23, 1.31, 1.07, 1.36, 1.2, 1.15, 1.25, 1.27];
    const v = verdict(plugin, 1.0, floor);
    expect(v.kind).toBe('bounded');
    expect(v.kind !== 'met' && v.text).toMatch(
      /^the floor above the goal in 7 of 8 pairs \(sign test p = 0\.035\); the plugin 0\.01× above the floor.s median \(Mann-Whitney p = 0\.4\d\d\)$/,
    );
  });

  it('missed when the plugin is well above a floor that is itself above the goal', () => {
    const floor = [0.74, 0.66, 0.82, 0.7, 0.79, 0.72, 0.75, 0.77];
    const plugin = [0.98, 1.07, 0.81, 0.9, 1.0, 0.95, 0.99, 1.02];
    const v = verdict(plugin, 0.6, floor);
    expect(v.kind).toBe('missed');
    expect(v.kind !== 'met' && v.text).toMatch(
      /the floor above the goal in 8 of 8 pairs.*the plugin 0\.2\d× above the floor's median \(Mann-Whitney p = 0\.00\d\)/,
    );
  });

  it('missed when the floor is not above the goal in enough pairs (6 of 8: p = 0.145)', () => {
    const floor = [1.16, 1.2, 1.25, 0.82, 1.29, 1.3, 1.1, 1.05];
    const v = verdict([1.24, 1.25, 1.2, 1.3, 1.22, 1.28, 1.21, 1.26], 1.2, floor);
    expect(v.kind).toBe('missed');
    expect(v.kind !== 'met' && v.text).toMatch(/^the floor not above the goal: 3 of 8 pairs/);
  });

  it('missed with no floor measured', () => {
    expect(verdict([2, 2], 1, [])).toEqual({ kind: 'missed', text: 'no floor measured' });
  });
});
