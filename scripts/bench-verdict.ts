// The benchmark's verdict on a goal: met, bounded by its floor, or missed. Pure, for scripts/bench.ts.
//
// A goal is a ratio to the official plugin; a run gives n pairs (A B A B ...) for the plugin and n for its
// floor (a bare Node process on the plugin's runtime making the same requests: scripts/bench-floor.cjs),
// either in pairs of their own (status, the listing: two independent samples) or in the same rounds, each
// divided by the same run of the official plugin (promote: paired by round).
//
// - Met: the plugin's median ratio is at or under the goal.
// - Bounded: the floor is above the goal (a one-sided sign test on its pairs, p < 0.05: 5 of 5, 7 of 8,
//   9 of 10, 10 of 12), so the runtime and the requests alone cost more than the goal; and the plugin is at
//   its floor: its shift over the floor (the Hodges-Lehmann estimate: the median of the differences
//   between the two samples, or of the paired differences' Walsh averages) is at most MARGIN, and a
//   one-sided test (Mann-Whitney, or Wilcoxon's signed-rank test where paired) does not find it above the
//   floor (p >= 0.05). The margin is what keeps a noisy run from calling a real overhead bounded: a test
//   that finds nothing in 8 noisy pairs is not proof of nothing. The report prints the shift with its
//   one-sided 95% upper confidence bound, so that what a run could not tell apart is in plain sight.
// - Otherwise missed.
//
// (Until this file, a goal was called bounded only when the floor was above it in every pair: a rule that
// grows stricter with every pair added and that one slow pair of the official plugin breaks; and it
// called a goal bounded however far the plugin was above its floor.)

export const ALPHA = 0.05;
/** How far above its floor (in the goal's unit, × the official plugin) the plugin may be and be called at it. */
export const MARGIN = 0.05;

/** C(n, k) as a float (n is a benchmark's pair count: small). */
function choose(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}

/** The median (the mean of the middle two for an even count). */
export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** One-sided sign test: how many of `xs` are above `goal`, and the chance of at least that many were the median at the goal. */
export function signTestAbove(xs: readonly number[], goal: number): { above: number; n: number; p: number } {
  const above = xs.filter((x) => x > goal).length;
  const n = xs.length;
  let p = 0;
  for (let k = above; k <= n; k++) p += choose(n, k);
  return { above, n, p: n ? p / 2 ** n : 1 };
}

/**
 * One-sided Mann-Whitney test that `a` tends to be above `b` (independent samples): U counts the pairs
 * (x in a, y in b) with x > y, a tie one half; p is the chance of a U at least as large when both come
 * from one distribution, from its exact distribution without ties (timings rarely tie; with ties this is
 * approximate).
 */
export function mannWhitneyGreater(a: readonly number[], b: readonly number[]): { u: number; p: number } {
  const m = a.length;
  const n = b.length;
  let u = 0;
  for (const x of a) for (const y of b) u += x > y ? 1 : x === y ? 0.5 : 0;
  if (!m || !n) return { u, p: 1 };
  // ways[j][k] for the current i: orderings of i a's and j b's with U = k. The largest value last: an a
  // there is above all j b's (+j), a b above none (+0).
  let prev: number[][] = [];
  for (let i = 0; i <= m; i++) {
    const row: number[][] = [];
    for (let j = 0; j <= n; j++) {
      const w = new Array<number>(i * j + 1).fill(0);
      if (i === 0 || j === 0) w[0] = 1;
      else {
        const lastA = prev[j]!;
        for (let k = 0; k < lastA.length; k++) w[k + j]! += lastA[k]!;
        const lastB = row[j - 1]!;
        for (let k = 0; k < lastB.length; k++) w[k]! += lastB[k]!;
      }
      row.push(w);
    }
    prev = row;
  }
  const dist = prev[n]!;
  let tail = 0;
  for (let k = Math.ceil(u); k < dist.length; k++) tail += dist[k]!;
  return { u, p: tail / choose(m + n, m) };
}

/**
 * One-sided Wilcoxon signed-rank test that the paired differences `d` tend to be above 0: W+ is the sum of
 * the ranks of |d| (ties get their mean rank) over the positive d; zeros are dropped. p is the chance of a
 * W+ at least as large under symmetry about 0, exact (with tied ranks, approximate).
 */
export function signedRankGreater(d: readonly number[]): { w: number; p: number } {
  const nz = d.filter((x) => x !== 0);
  const n = nz.length;
  if (!n) return { w: 0, p: 1 };
  const order = nz.map((x, i) => ({ x: Math.abs(x), i })).sort((p, q) => p.x - q.x);
  const rank = new Array<number>(n);
  for (let s = 0; s < n;) {
    let e = s;
    while (e + 1 < n && order[e + 1]!.x === order[s]!.x) e++;
    for (let k = s; k <= e; k++) rank[order[k]!.i] = (s + e) / 2 + 1;
    s = e + 1;
  }
  const w = nz.reduce((sum, x, i) => sum + (x > 0 ? rank[i]! : 0), 0);
  // ways[s]: subsets of the ranks 1..n summing to s.
  const max = (n * (n + 1)) / 2;
  const ways = new Array<number>(max + 1).fill(0);
  ways[0] = 1;
  for (let r = 1; r <= n; r++) for (let s = max; s >= r; s--) ways[s]! += ways[s - r]!;
  let tail = 0;
  for (let s = Math.ceil(w); s <= max; s++) tail += ways[s]!;
  return { w, p: tail / 2 ** n };
}

export interface Shift {
  /** Hodges-Lehmann estimate of how far the plugin is above its floor. */
  estimate: number;
  /** One-sided 95% upper confidence bound on it (by inverting the test). */
  upper: number;
  /** The one-sided test that the plugin is above its floor. */
  p: number;
  test: 'Mann-Whitney' | 'Wilcoxon signed-rank';
}

/** The plugin's shift over its floor: two independent samples, or `paired` by index (the same rounds). */
export function shiftOverFloor(plugin: readonly number[], floor: readonly number[], paired: boolean): Shift {
  if (paired) {
    const n = Math.min(plugin.length, floor.length);
    const d = Array.from({ length: n }, (_, i) => plugin[i]! - floor[i]!);
    const walsh: number[] = [];
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) walsh.push((d[i]! + d[j]!) / 2);
    walsh.sort((x, y) => x - y);
    // The smallest shift at which what is left of the differences is significantly below 0.
    const upper = walsh.find((s) => signedRankGreater(d.map((x) => s - x)).p <= ALPHA) ?? Infinity;
    return { estimate: median(walsh), upper, p: signedRankGreater(d).p, test: 'Wilcoxon signed-rank' };
  }
  const diffs: number[] = [];
  for (const x of plugin) for (const y of floor) diffs.push(x - y);
  diffs.sort((x, y) => x - y);
  const upper =
    diffs.find(
      (s) =>
        mannWhitneyGreater(
          floor,
          plugin.map((x) => x - s),
        ).p <= ALPHA,
    ) ?? Infinity;
  return { estimate: median(diffs), upper, p: mannWhitneyGreater(plugin, floor).p, test: 'Mann-Whitney' };
}

export type Verdict = { kind: 'met' } | { kind: 'bounded'; text: string } | { kind: 'missed'; text: string };

const signed = (x: number) => (x === Infinity ? '∞' : `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}×`);

/**
 * The verdict on `plugin` (its pairs' ratios) against `goal`, given its floor's pairs' ratios (if
 * measured), `paired` when the floor ran in the plugin's rounds against the same runs of the official plugin.
 */
export function verdict(plugin: readonly number[], goal: number, floor: readonly number[] | undefined, paired = false): Verdict {
  if (median(plugin) <= goal) return { kind: 'met' };
  if (!floor?.length) return { kind: 'missed', text: 'no floor measured' };
  const sign = signTestAbove(floor, goal);
  const shift = shiftOverFloor(plugin, floor, paired);
  const floorText =
    sign.p < ALPHA
      ? `the floor above the goal in ${sign.above} of ${sign.n} pairs (sign test p = ${sign.p.toFixed(3)})`
      : `the floor not above the goal: ${sign.above} of ${sign.n} pairs (sign test p = ${sign.p.toFixed(3)})`;
  const atFloor = shift.estimate <= MARGIN && shift.p >= ALPHA;
  const shiftText = `the plugin ${signed(shift.estimate)} over its floor (Hodges-Lehmann; 95% upper bound ${signed(shift.upper)}; ${shift.test} p = ${shift.p.toFixed(3)}${atFloor ? '' : shift.p < ALPHA ? ', above it' : `, more than ${MARGIN.toFixed(2)}×`})`;
  return { kind: sign.p < ALPHA && atFloor ? 'bounded' : 'missed', text: `${floorText}; ${shiftText}` };
}
