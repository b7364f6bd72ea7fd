// The benchmark's verdict on a goal: met, bounded by its floor, or missed. Pure, for scripts/bench.ts.
//
// A goal is a ratio to the official plugin; each run of the benchmark gives n pairs (A B A B ...) for the
// plugin and, in other pairs, n for its floor (a bare Node process on the plugin's runtime making the same
// requests: scripts/bench-floor.cjs). Met: the plugin's median ratio is at or under the goal. Bounded: the
// floor's ratio is above the goal (a one-sided sign test on its pairs, p < 0.05: 5 of 5, 7 of 8, 9 of 10,
// 10 of 12...), and the plugin is not above its floor (a one-sided Mann-Whitney test on the two sets of
// ratios, p >= 0.05): the runtime and the requests alone cost more than the goal, and the plugin adds
// nothing this run can tell apart from its floor. Otherwise missed.
//
// (Until this file, a goal was called bounded only when the floor was above it in every pair: a rule that
// grows stricter with every pair added, and that one slow pair of the official plugin can break; it also
// called a goal bounded however far the plugin was above its floor.)

export const ALPHA = 0.05;

/** C(n, k) as a float (n is a benchmark's pair count: small). */
function choose(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}

/** One-sided sign test: how many of `xs` are above `goal`, and the chance of at least that many were the median at the goal. */
export function signTestAbove(xs: readonly number[], goal: number): { above: number; n: number; p: number } {
  const above = xs.filter((x) => x > goal).length;
  const n = xs.length;
  let p = 0;
  for (let k = above; k <= n; k++) p += choose(n, k);
  return { above, n, p: n ? p / 2 ** n : 1 };
}

/**
 * One-sided Mann-Whitney test that `a` tends to be above `b`: U counts the pairs (x in a, y in b) with
 * x > y (a tie counts one half); p is the chance of a U at least as large when both come from one
 * distribution, from its exact distribution (ties are rare in timings; with ties this is approximate).
 */
export function mannWhitneyGreater(a: readonly number[], b: readonly number[]): { u: number; p: number } {
  const m = a.length;
  const n = b.length;
  let u = 0;
  for (const x of a) for (const y of b) u += x > y ? 1 : x === y ? 0.5 : 0;
  if (!m || !n) return { u, p: 1 };
  // ways[i][j][k]: arrangements of i a's and j b's with U = k (an a placed last beats every b before it).
  let prev: number[][] = [];
  for (let i = 0; i <= m; i++) {
    const row: number[][] = [];
    for (let j = 0; j <= n; j++) {
      const w = new Array<number>(i * j + 1).fill(0);
      if (i === 0 || j === 0) w[0] = 1;
      else {
        const withA = prev[j]!; // i-1 a's, j b's; the last one an a: it beats the j b's
        for (let k = 0; k < withA.length; k++) w[k + j]! += withA[k]!;
        const withB = row[j - 1]!; // i a's, j-1 b's; the last one a b: beats nothing
        for (let k = 0; k < withB.length; k++) w[k]! += withB[k]!;
      }
      row.push(w);
    }
    prev = row;
    if (i === m) {
      const dist = row[n]!;
      const total = choose(m + n, m);
      let tail = 0;
      for (let k = Math.ceil(u); k < dist.length; k++) tail += dist[k]!;
      return { u, p: tail / total };
    }
  }
  return { u, p: 1 };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export type Verdict = { kind: 'met' } | { kind: 'bounded'; text: string } | { kind: 'missed'; text: string };

/** The verdict on `plugin` (its pairs' ratios) against `goal`, given its floor's pairs' ratios (if measured). */
export function verdict(plugin: readonly number[], goal: number, floor: readonly number[] | undefined): Verdict {
  if (median(plugin) <= goal) return { kind: 'met' };
  if (!floor?.length) return { kind: 'missed', text: 'no floor measured' };
  const above = median(plugin) - median(floor);
  const sign = signTestAbove(floor, goal);
  const mw = mannWhitneyGreater(plugin, floor);
  const floorText = `the floor above the goal in ${sign.above} of ${sign.n} pairs (sign test p = ${sign.p.toFixed(3)})`;
  const pluginText = `the plugin ${above >= 0 ? `${above.toFixed(2)}× above` : `${(-above).toFixed(2)}× under`} the floor's median (Mann-Whitney p = ${mw.p.toFixed(3)})`;
  if (sign.p < ALPHA && mw.p >= ALPHA) return { kind: 'bounded', text: `${floorText}; ${pluginText}` };
  return {
    kind: 'missed',
    text: `${sign.p < ALPHA ? floorText : `the floor not above the goal: ${sign.above} of ${sign.n} pairs (sign test p = ${sign.p.toFixed(3)})`}; ${pluginText}`,
  };
}
