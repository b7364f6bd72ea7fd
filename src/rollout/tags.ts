// Image tags as versions: which of two tags names the older build, or "unknown", said as such. Pure.
//
// The rule. A tag is read, case-insensitively, as
//
//     [prefix-] [v] CORE [pre-release] [variant or +build metadata]
//
// - prefix: the words before the first number, each followed by '-' or '_' ("release-", "build-",
//   "jammy-", "main-"); a commit hash there ("main-abc1234-1700000000", Flux's convention) is kept aside
//   as a commit. Both tags must have the same prefix. A 'v' or 'V' right before the number is optional
//   ("v1.2" and "1.2" are the same scheme).
// - CORE, one of three schemes; two tags are comparable only within one scheme:
//   - date: 2024-12-01, 20241224, 2024.12.24, 20241224-1530, 20241224T153000, and calendar versions
//     that start with a year (2024.12.1). Compared as numbers [year, month, day, hour, minute, ...].
//   - semver: dotted numbers with at least two parts, or any number after 'v' (1.27.3, v1.053, 24.04,
//     v2). Compared part by part as numbers: v1.053 < v1.054, v1.053 < v1.54, 1.2.9 < 1.2.10.
//   - build: one plain number (123, 1700000000, a GitHub run number).
//   Missing parts: "1.0" = "1.0.0" (the longer one adds only zeros), but "7.4" against "7.4.1" is
//   unknown: a short tag is usually a moving alias for the newest release of its line (redis:7.4).
//   (So "equal" does not chain: 1.0 = 1.0.0 < 1.0.1, yet 1.0 against 1.0.1 is unknown. Strict
//   answers do chain: a < b and b < c give a < c, checked by the property tests.)
//   Leading zeros: when a part after the first has a leading zero and the other tag's part has a
//   different width, the parts are also read as decimals (1.053 against 1.5 is 53 > 5 but .053 < .5);
//   if the two readings disagree the order is unknown. "v1.053" against "v1.54" agrees (both lower).
// - pre-release, right after the core ("-rc1", "-rc.1", "-alpha.2", "-beta", "3.13.0rc1", "1.0.0.M1",
//   "-SNAPSHOT"): orders below the release of the same core, dev/snapshot/nightly < alpha < beta <
//   milestone/pre/preview < rc, then by its numbers ("rc" < "rc.1" < "rc.2" < "rc.10"), whatever the
//   variants that follow (1.2.3-rc1 < 1.2.3-alpine: a release candidate comes before every flavour of
//   its release). The single letters a, b, m count only with a number (3.13.0a1), so "-alpine",
//   "-amd64", "-bookworm" are not pre-releases.
// - variant: anything after that ("-alpine", "-bookworm-slim", "-hotfix", "-debian-12-r5", "-amd64",
//   "-abc1234"). Variants do not take part while the cores differ: v1.053 < v1.054-hotfix,
//   1.27.2 < 1.27.3-alpine, v1.2.3-abc1234 < v1.2.4-def5678. With the same core (and pre-release),
//   two variants of the same shape (same words in the same places) compare by their numbers
//   (-debian-12-r5 < -debian-12-r6, -alpine3.19 < -alpine3.20); otherwise the order is unknown
//   (1.2.3 against 1.2.3-hotfix, -alpine against -slim; and -1, a revision to some, a pre-release to
//   semver). Same version from different commits (v1.2.3-abc1234 against v1.2.3-def5678) is unknown.
//   Build metadata ("+build.5"; not valid in an image tag, but seen in chart versions) is a variant:
//   it never orders different versions (1.0.0+build.9 < 1.0.1), as semver says, but unlike semver the
//   same version with different builds is not "equal": +build.5 < +build.6, and 1.0.0+build.5 against
//   1.0.0 is unknown. Calling two builds the same version would be the silent "not older".
//
// Unknown, never "not older", when either tag has no version: no tag at all (an image pinned by digest
// only), a moving tag (latest, stable, main, master, edge, ...: nothing after it changes that, so
// "stable-alpine" too), a commit hash (7 to 64 hex digits with at least one letter, also "sha-abc1234",
// "main-abc1234", "sha256-<hex>.sig"), a word without a number ("alpine", "jammy"), or a number that is
// not a version ("pr-123"). A dash-separated part of 7+ hex digits with a letter is a hash even where a
// version could start ("20241225a1"). Identical tags are the same version (order 0) unless they carry
// no version (latest against latest is unknown: the same name may hold another image).
//
// All-digit tags are numbers, never commit hashes: a 7-digit short hash is all digits 1 time in 27, but
// two such hashes meet 1 time in 700, while build numbers and dates are common tags (Renovate decides
// the same). The cost: two all-digit short hashes get ordered as build numbers.
//
// Cost: one linear pass per tag with regular expressions compiled once, at module load.

export type TagScheme = 'semver' | 'date' | 'build' | 'sha' | 'digest';

export type TagUnknownReason =
  /** An image has no tag (pinned by digest only). */
  | 'noTag'
  /** latest, stable, main, ...: a tag that moves. */
  | 'floating'
  /** A commit hash. */
  | 'sha'
  /** A tag without a version in it (alpine, jammy, pr-123). */
  | 'noVersion'
  /** Two different shapes: date against semver, release-1.2 against 1.2, 123 against 1.2.3. */
  | 'differentSchemes'
  /** 7.4 against 7.4.1: the short tag may name any 7.4.x. */
  | 'differentPrecision'
  /** 1.053 against 1.5: zero-padded and plain numbers read differently as decimals. */
  | 'ambiguousDigits'
  /** Same version, different variants: 1.2.3 against 1.2.3-hotfix, -alpine against -slim. */
  | 'sameVersionDifferentSuffix'
  /** Same version, different commit hashes: v1.2.3-abc1234 against v1.2.3-def5678. */
  | 'sameVersionDifferentCommit'
  /** The same tag pinned to two different digests: two builds the tag cannot order (image.ts). */
  | 'sameTagOtherDigest';

export type TagComparison =
  | { kind: 'ordered'; order: -1 | 0 | 1; scheme: TagScheme }
  /** about: which tag the reason is about ('both' when it concerns the pair). */
  | { kind: 'unknown'; reason: TagUnknownReason; about: 'a' | 'b' | 'both' };

type Failure = 'noTag' | 'floating' | 'sha' | 'noVersion';

interface Version {
  kind: 'version';
  scheme: 'semver' | 'date' | 'build';
  /** Prefix words joined by '-', commit hashes as '#'. */
  prefix: string;
  /** Commit hashes found in the prefix, joined. */
  commits: string;
  /** Digit strings, as written (leading zeros kept). */
  nums: string[];
  pre: { rank: number; nums: string[] } | null;
  variant: string;
}

type Parsed = Version | { kind: Failure };

// Moving tags: without a number after them they never name one version.
const FLOATING = new Set([
  'latest',
  'stable',
  'main',
  'master',
  'edge',
  'dev',
  'develop',
  'development',
  'nightly',
  'head',
  'trunk',
  'canary',
  'current',
  'lts',
  'mainline',
  'unstable',
  'testing',
  'next',
  'snapshot',
  'release',
  'prod',
  'production',
  'staging',
  'rolling',
  'experimental',
  'alpha',
  'beta',
  'rc',
  'preview',
  'tip',
]);
// Prefixes whose number identifies something other than a version: pull/merge requests.
const NOT_VERSION = new Set(['pr', 'pull', 'mr', 'merge', 'issue']);

/** A commit hash (a letter among 7-64 hex digits), alone or before a '.' ("<hex>.sig"). */
const SHA_SEG = /^(?=[0-9]*[a-f])[0-9a-f]{7,64}(?![0-9a-z])/;
/** git describe's "g<hash>". */
const GSHA_SEG = /^g(?=[0-9]*[a-f])[0-9a-f]{7,64}$/;
const NUMS = /\d+(?:\.\d+)*/y;
const DASHED_DATE = /[-_.](0[1-9]|1[0-2])[-_.](0[1-9]|[12]\d|3[01])(?![0-9])/y;
const TIME = /[-_t]([01]\d|2[0-3])[-:]?([0-5]\d)(?:[-:]?([0-5]\d))?(?![0-9])/y;
const PRE =
  /(?:(alpha|beta|preview|pre|rc|cr|dev|snapshot|nightly|milestone)(?:[-_.]?(\d+(?:\.\d+)*))?|([abm])(\d+(?:\.\d+)*))(?=$|[-_.+])/y;
const PRE_RANK: Record<string, number> = {
  dev: 0,
  snapshot: 0,
  nightly: 0,
  alpha: 1,
  a: 1,
  beta: 2,
  b: 2,
  milestone: 3,
  m: 3,
  pre: 3,
  preview: 3,
  rc: 4,
  cr: 4,
};

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** '-', '_', '+' separate the parts of a tag; '.' too, except between the numbers of a core. */
function isSep(c: number, dot: boolean): boolean {
  return c === 45 || c === 95 || c === 43 || (dot && c === 46);
}

function isYear(d: string): boolean {
  return d.length === 4 && (d.startsWith('19') || d.startsWith('20'));
}

function validDate(y: string, m: string, d: string): boolean {
  const mm = Number(m);
  const dd = Number(d);
  return isYear(y) && m.length === 2 && d.length === 2 && mm >= 1 && mm <= 12 && dd >= 1 && dd <= 31;
}

function validTime(h: string, mi: string, s?: string): boolean {
  return Number(h) <= 23 && Number(mi) <= 59 && (s === undefined || Number(s) <= 59);
}

/** Reads a tag; exported for tests and for callers that classify one tag. */
export function parseTag(tag: string | undefined): Parsed {
  if (tag === undefined || tag.length === 0) return { kind: 'noTag' };
  const s = tag.toLowerCase();
  const prefix: string[] = [];
  const commits: string[] = [];
  let start = -1;
  let hasV = false;
  let i = 0;
  while (i < s.length) {
    let j = i;
    while (j < s.length && !isSep(s.charCodeAt(j), false)) j++;
    if (j > i) {
      const seg = s.slice(i, j);
      const c0 = seg.charCodeAt(0);
      if (SHA_SEG.test(seg)) {
        prefix.push('#');
        commits.push(seg);
      } else if (isDigit(c0)) {
        start = i;
        break;
      } else if (c0 === 118 /* v */ && seg.length > 1 && isDigit(seg.charCodeAt(1))) {
        start = i + 1;
        hasV = true;
        break;
      } else {
        prefix.push(seg);
      }
    }
    i = j + 1;
  }
  if (start < 0) {
    if (commits.length > 0) return { kind: 'sha' };
    if (FLOATING.has(prefix[0] ?? '')) return { kind: 'floating' };
    return { kind: 'noVersion' };
  }
  if (NOT_VERSION.has(prefix[0] ?? '')) return { kind: 'noVersion' };

  NUMS.lastIndex = start;
  const run = NUMS.exec(s)![0];
  let p = start + run.length;
  let nums = run.split('.');
  let scheme: Version['scheme'];
  const first = nums[0]!;
  if (nums.length === 1) {
    let date: string[] | undefined;
    if (isYear(first)) {
      DASHED_DATE.lastIndex = p;
      const m = DASHED_DATE.exec(s);
      if (m) {
        date = [first, m[1]!, m[2]!];
        p = DASHED_DATE.lastIndex;
      }
    } else if (
      (first.length === 8 || first.length === 12 || first.length === 14) &&
      validDate(first.slice(0, 4), first.slice(4, 6), first.slice(6, 8))
    ) {
      date = [first.slice(0, 4), first.slice(4, 6), first.slice(6, 8)];
      if (first.length >= 12) {
        const h = first.slice(8, 10),
          mi = first.slice(10, 12),
          sec = first.length === 14 ? first.slice(12, 14) : undefined;
        if (validTime(h, mi, sec)) date.push(h, mi, ...(sec === undefined ? [] : [sec]));
        else date = undefined;
      }
    }
    if (date && date.length === 3) {
      TIME.lastIndex = p;
      const m = TIME.exec(s);
      // A time right after the date: "20241224-1530", "2024-12-24_153000", "20241224T1530".
      if (m) {
        date.push(m[1]!, m[2]!, ...(m[3] === undefined ? [] : [m[3]]));
        p = TIME.lastIndex;
      }
    }
    if (date) {
      scheme = 'date';
      nums = date;
    } else {
      scheme = hasV ? 'semver' : 'build';
    }
  } else {
    scheme = isYear(first) ? 'date' : 'semver';
  }

  // What follows the core: an optional pre-release, then the variant.
  let rest = s.slice(p);
  if (rest.length > 0 && isSep(rest.charCodeAt(0), true)) rest = rest.slice(1);
  let pre: Version['pre'] = null;
  if (rest.length > 0 && !SHA_SEG.test(rest)) {
    PRE.lastIndex = 0;
    const m = PRE.exec(rest);
    if (m) {
      const word = m[1] ?? m[3]!;
      const n = m[2] ?? m[4];
      pre = { rank: PRE_RANK[word]!, nums: n === undefined ? [] : n.split('.') };
      rest = rest.slice(m[0].length);
      if (rest.length > 0) rest = rest.slice(1);
    }
  }
  return { kind: 'version', scheme, prefix: prefix.join('-'), commits: commits.join(','), nums, pre, variant: rest };
}

/** Numeric order of two digit strings (leading zeros ignored), without BigInt. */
function cmpNum(x: string, y: string): -1 | 0 | 1 {
  let i = 0;
  let j = 0;
  while (i < x.length - 1 && x[i] === '0') i++;
  while (j < y.length - 1 && y[j] === '0') j++;
  const lx = x.length - i;
  const ly = y.length - j;
  if (lx !== ly) return lx < ly ? -1 : 1;
  for (; i < x.length; i++, j++) if (x[i] !== y[j]) return x[i]! < y[j]! ? -1 : 1;
  return 0;
}

/** Order of two digit strings read as decimal fractions (".053" < ".5"). */
function cmpFrac(x: string, y: string): -1 | 0 | 1 {
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const cx = x[i] ?? '0';
    const cy = y[i] ?? '0';
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
  return 0;
}

function allZeros(x: string): boolean {
  for (let i = 0; i < x.length; i++) if (x[i] !== '0') return false;
  return true;
}

function cmpCore(a: string[], b: string[], decimals: boolean): -1 | 0 | 1 | 'differentPrecision' | 'ambiguousDigits' {
  const n = Math.min(a.length, b.length);
  let num: -1 | 0 | 1 = 0;
  let dec: -1 | 0 | 1 = 0;
  for (let i = 0; i < n && (num === 0 || dec === 0); i++) {
    const x = a[i]!;
    const y = b[i]!;
    const c = cmpNum(x, y);
    if (num === 0) num = c;
    if (dec === 0) {
      const padded = (x.length > 1 && x[0] === '0') || (y.length > 1 && y[0] === '0');
      dec = decimals && i > 0 && padded && x.length !== y.length ? cmpFrac(x, y) : c;
    }
  }
  if (num !== dec) return 'ambiguousDigits';
  if (num !== 0) return num;
  const longer = a.length > b.length ? a : b;
  for (let i = n; i < longer.length; i++) if (!allZeros(longer[i]!)) return 'differentPrecision';
  return 0;
}

function cmpPre(a: { rank: number; nums: string[] }, b: { rank: number; nums: string[] }): -1 | 0 | 1 {
  if (a.rank !== b.rank) return a.rank < b.rank ? -1 : 1;
  const n = Math.min(a.nums.length, b.nums.length);
  for (let i = 0; i < n; i++) {
    const c = cmpNum(a.nums[i]!, b.nums[i]!);
    if (c !== 0) return c;
  }
  return a.nums.length === b.nums.length ? 0 : a.nums.length < b.nums.length ? -1 : 1;
}

type Tok = { t: 'w' | 'n' | 'h'; s: string };

/** A variant as tokens: words, numbers, and commit hashes; separators dropped. */
function variantTokens(v: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < v.length) {
    let j = i;
    while (j < v.length && !isSep(v.charCodeAt(j), true)) j++;
    const seg = v.slice(i, j);
    if (SHA_SEG.test(seg) || GSHA_SEG.test(seg)) out.push({ t: 'h', s: seg });
    else {
      let k = 0;
      while (k < seg.length) {
        const digit = isDigit(seg.charCodeAt(k));
        let e = k + 1;
        while (e < seg.length && isDigit(seg.charCodeAt(e)) === digit) e++;
        out.push({ t: digit ? 'n' : 'w', s: seg.slice(k, e) });
        k = e;
      }
    }
    i = j + 1;
  }
  return out;
}

/** Same core: variants of the same shape compare by their numbers, else unknown. */
function cmpVariant(a: string, b: string): -1 | 0 | 1 | 'sameVersionDifferentSuffix' | 'sameVersionDifferentCommit' {
  if (a === b) return 0;
  const ta = variantTokens(a);
  const tb = variantTokens(b);
  if (ta.length !== tb.length) return 'sameVersionDifferentSuffix';
  let order: -1 | 0 | 1 = 0;
  let commits = false;
  for (let i = 0; i < ta.length; i++) {
    const x = ta[i]!;
    const y = tb[i]!;
    if (x.t !== y.t) return 'sameVersionDifferentSuffix';
    if (x.t === 'w' && x.s !== y.s) return 'sameVersionDifferentSuffix';
    if (x.t === 'n' && order === 0) order = cmpNum(x.s, y.s);
    if (x.t === 'h' && x.s !== y.s) commits = true;
  }
  if (order !== 0) return order;
  return commits ? 'sameVersionDifferentCommit' : 0;
}

// When both tags fail to carry a version, the reason is the stronger one, so the answer is symmetric.
const FAILURE_RANK: Record<Failure, number> = { noTag: 3, floating: 2, sha: 1, noVersion: 0 };

/**
 * Orders two image tags as versions (see the rule at the top of this file). `a` is typically the
 * preview's tag and `b` the active one's: order -1 means a is older. Never throws.
 */
export function compareTagVersions(a: string | undefined, b: string | undefined): TagComparison {
  const pa = parseTag(a);
  const pb = parseTag(b);
  if (pa.kind !== 'version' || pb.kind !== 'version') {
    if (pa.kind === 'sha' && a === b) return { kind: 'ordered', order: 0, scheme: 'sha' };
    if (pa.kind !== 'version' && pb.kind !== 'version') {
      if (pa.kind === pb.kind) return { kind: 'unknown', reason: pa.kind, about: 'both' };
      return FAILURE_RANK[pa.kind] > FAILURE_RANK[pb.kind]
        ? { kind: 'unknown', reason: pa.kind, about: 'a' }
        : { kind: 'unknown', reason: pb.kind, about: 'b' };
    }
    if (pa.kind !== 'version') return { kind: 'unknown', reason: pa.kind, about: 'a' };
    if (pb.kind !== 'version') return { kind: 'unknown', reason: pb.kind, about: 'b' };
  }
  if (pa.scheme !== pb.scheme || pa.prefix !== pb.prefix) return { kind: 'unknown', reason: 'differentSchemes', about: 'both' };
  const scheme = pa.scheme;
  const core = cmpCore(pa.nums, pb.nums, scheme === 'semver');
  if (typeof core === 'string') return { kind: 'unknown', reason: core, about: 'both' };
  if (core !== 0) return { kind: 'ordered', order: core, scheme };
  if (pa.pre || pb.pre) {
    const order = !pa.pre ? 1 : !pb.pre ? -1 : cmpPre(pa.pre, pb.pre);
    if (order !== 0) return { kind: 'ordered', order, scheme };
  }
  const variant = cmpVariant(pa.variant, pb.variant);
  if (typeof variant === 'string') return { kind: 'unknown', reason: variant, about: 'both' };
  if (variant !== 0) return { kind: 'ordered', order: variant, scheme };
  if (pa.commits !== pb.commits) return { kind: 'unknown', reason: 'sameVersionDifferentCommit', about: 'both' };
  return { kind: 'ordered', order: 0, scheme };
}

/**
 * The comparison in one English line, as the JSON output's `olderBecause` words it ("tag v1.053 <
 * v1.054"). The human output takes its words from src/i18n instead.
 */
export function tagComparisonText(a: string | undefined, b: string | undefined, r: TagComparison): string {
  const ta = a ?? '(none)';
  const tb = b ?? '(none)';
  if (r.kind === 'ordered') return `tag ${ta} ${r.order < 0 ? '<' : r.order > 0 ? '>' : '='} ${tb}`;
  const one = r.about === 'b' ? tb : ta;
  const other = r.about === 'b' ? ta : tb;
  const both = r.about === 'both';
  switch (r.reason) {
    case 'noTag':
      return both
        ? 'neither image has a tag (digest only): their order is unknown'
        : `one image has no tag (digest only): its order against ${other} is unknown`;
    case 'floating':
      return both
        ? `tags ${ta} and ${tb} are moving tags: their order is unknown`
        : `tag ${one} is a moving tag: its order against ${other} is unknown`;
    case 'sha':
      return both
        ? `tags ${ta} and ${tb} are commit hashes: their order is unknown`
        : `tag ${one} is a commit hash: its order against ${other} is unknown`;
    case 'noVersion':
      return both
        ? `tags ${ta} and ${tb} carry no version: their order is unknown`
        : `tag ${one} carries no version: its order against ${other} is unknown`;
    case 'differentSchemes':
      return `tags ${ta} and ${tb} follow different schemes: their order is unknown`;
    case 'differentPrecision':
      return `tags ${ta} and ${tb} differ in precision (the shorter may name a later release): their order is unknown`;
    case 'ambiguousDigits':
      return `tags ${ta} and ${tb} mix zero-padded and plain numbers: their order is unknown`;
    case 'sameVersionDifferentSuffix':
      return `tags ${ta} and ${tb} are the same version with different suffixes: their order is unknown`;
    case 'sameVersionDifferentCommit':
      return `tags ${ta} and ${tb} are the same version from different commits: their order is unknown`;
    case 'sameTagOtherDigest':
      return `tag ${ta} is on two different digests (two builds): their order is unknown`;
  }
}
