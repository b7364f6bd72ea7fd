// Image tags as versions: a corpus of real tag schemes with the expected answer for each pair, and
// properties (antisymmetry, reflexivity, transitivity, never throws) over generated tags. The rule is
// stated at the top of src/rollout/tags.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareTagVersions, tagComparisonText, type TagComparison } from '../../src/rollout/tags.js';
import { compareImageVersions, compareTags } from '../../src/rollout/image.js';
import { record } from '../reliability.js';

// [a, b, expected, where it comes from]. expected: '<' | '=' | '>' (ordered) or the unknown reason.
const H40a = '3f2a9c1e4b5d6a7f8e9d0c1b2a3f4e5d6c7b8a9f';
const H40b = '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d';
const H64a = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const H64b = '2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae';
const CORPUS: Array<[string | undefined, string | undefined, string, string]> = [
  // The issue and the contract.
  ['v1.053', 'v1.054', '<', 'the incident'],
  ['v1.053', 'v1.054-hotfix', '<', 'issue: suffixed active tag'],
  ['v1.053-hotfix', 'v1.054', '<', 'issue: suffixed preview tag'],
  ['v1.053-alpine', 'v1.054-alpine', '<', 'issue: -alpine on both'],
  ['v1.053', 'v1.054-alpine', '<', 'issue: -alpine on one'],
  ['1.53.0', '1.54.0-rc1', '<', 'issue: pre-release of a later core'],
  ['1.0', '1.0.0', '=', 'issue: zero padding is the same version'],
  ['2024-12-01', '2024-12-24', '<', 'contract: dates'],
  ['v1.053', 'v1.54', '<', 'zero-padded against plain, readings agree'],
  ['v1.052', 'v1.054', '<', 'fixture gc-old-replicaset'],
  // nginx
  ['1.27.3-alpine', '1.27.4-alpine', '<', 'nginx'],
  ['1.27.3', '1.27.3-alpine', 'sameVersionDifferentSuffix', 'nginx: flavours of one release'],
  ['1.27.3-alpine', '1.27.3-alpine-slim', 'sameVersionDifferentSuffix', 'nginx'],
  ['1.27-alpine', '1.27.3-alpine', 'differentPrecision', 'nginx: 1.27 moves with the 1.27 line'],
  ['1.26.2-alpine', '1.27-alpine', '<', 'nginx: any 1.27.x is above 1.26.2'],
  ['mainline-alpine', '1.27.3-alpine', 'floating', 'nginx'],
  ['stable', '1.26.2', 'floating', 'nginx'],
  ['1.27.3-alpine3.20', '1.27.3-alpine3.21', '<', 'nginx: same release, newer base of the same shape'],
  ['1.27.3-alpine-perl', '1.27.4-alpine-perl', '<', 'nginx'],
  // node
  ['20.11.1-bookworm-slim', '20.12.2-bookworm-slim', '<', 'node'],
  ['20.11.1-bookworm-slim', '20.11.1-bookworm', 'sameVersionDifferentSuffix', 'node'],
  ['20.11.1-alpine3.19', '20.11.1-alpine3.20', '<', 'node'],
  ['20', '20.11.1', 'differentSchemes', 'node: a bare number is a build number or a moving major'],
  ['20-alpine', '22-alpine', '<', 'node: majors'],
  ['22.12.0', '20.18.1', '>', 'node'],
  ['lts-alpine', '22.12.0-alpine', 'floating', 'node'],
  ['18.20.4-bullseye', '20.11.1-bookworm', '<', 'node: cores differ, variants do not matter'],
  // postgres
  ['16.4', '16.6', '<', 'postgres'],
  ['16.4', '17.0', '<', 'postgres'],
  ['16.4-bookworm', '16.4-alpine3.20', 'sameVersionDifferentSuffix', 'postgres'],
  ['16', '16.4', 'differentSchemes', 'postgres'],
  ['17.2-alpine', '16.6-alpine', '>', 'postgres'],
  // redis
  ['7.4-alpine', '7.2.5-alpine', '>', 'redis: any 7.4.x is above 7.2.5'],
  ['7.4', '7.4.1', 'differentPrecision', 'redis'],
  ['7.4.1', '7.4.2-alpine', '<', 'redis'],
  ['7.2.4', '7.2.10', '<', 'redis: numbers, not text'],
  // Kubernetes
  ['v1.34.10', 'v1.34.9', '>', 'kubernetes'],
  ['v1.34.10', 'v1.35.0', '<', 'kubernetes'],
  ['v1.31.0-alpha.1', 'v1.31.0-beta.0', '<', 'kubernetes pre-releases'],
  ['v1.31.0-rc.1', 'v1.31.0', '<', 'kubernetes'],
  ['v1.31.0-rc.0', 'v1.31.0-rc.1', '<', 'kubernetes'],
  ['v1.30.2', 'v1.31.0-alpha.3', '<', 'kubernetes'],
  // Argo
  ['v1.9.1', 'v1.9.0', '>', 'argo rollouts'],
  ['v1.9.0-rc1', 'v1.9.0', '<', 'argo rollouts'],
  ['v1.8.3', 'v1.9.0-rc1', '<', 'argo rollouts'],
  ['v1.9.0-rc2', 'v1.9.0-rc10', '<', 'argo rollouts'],
  // semver 2.0 pre-releases and build metadata
  ['1.0.0-alpha', '1.0.0-alpha.1', '<', 'semver 11.4.4'],
  ['1.0.0-alpha.1', '1.0.0-beta', '<', 'semver'],
  ['1.0.0-beta.2', '1.0.0-beta.11', '<', 'semver'],
  ['1.0.0-rc.1', '1.0.0', '<', 'semver'],
  ['1.0.0+build.9', '1.0.1', '<', 'semver: build metadata never orders different versions'],
  ['1.0.0+build.5', '1.0.0+build.6', '<', 'same version, later build (semver would say equal)'],
  ['1.0.0+build.5', '1.0.0', 'sameVersionDifferentSuffix', 'same version, one build unnamed'],
  ['1.0.0-rc.1+build.1', '1.0.0', '<', 'pre-release with build metadata'],
  ['2.0.0-SNAPSHOT', '2.0.0', '<', 'maven'],
  ['1.0.0-rc1-alpine', '1.0.0-alpine', '<', 'pre-release with a flavour'],
  ['1.2.3-dev', '1.2.3', '<', 'dev build'],
  ['1.0.0.M1', '1.0.0.RC1', '<', 'spring milestones'],
  // python
  ['3.13.0rc1', '3.13.0', '<', 'python'],
  ['3.13.0a1', '3.13.0b1', '<', 'python'],
  ['3.13.0-slim', '3.13.1-slim', '<', 'python'],
  ['3.12.8-slim-bookworm', '3.13.1-alpine', '<', 'python'],
  // calendar versions and dates
  ['2024.12.1', '2024.12.24', '<', 'calver'],
  ['2024.12.1', '2025.1.0', '<', 'calver'],
  ['2024.12.1', '1.2.3', 'differentSchemes', 'calver against semver'],
  ['24.04', '22.04', '>', 'ubuntu'],
  ['jammy-20240125', 'jammy-20240227', '<', 'ubuntu'],
  ['jammy-20240125', 'noble-20240225', 'differentSchemes', 'ubuntu: different series'],
  ['jammy', 'noble', 'noVersion', 'ubuntu codenames'],
  ['20241224', '2024-12-25', '<', 'dates in two spellings'],
  ['2024.12.24', '2024-12-24', '=', 'dates in two spellings'],
  ['20241224-1530', '20241224-0915', '>', 'date-time'],
  ['20241224-1530', '20241225', '<', 'date-time'],
  ['20241224', '20241224-1530', 'differentPrecision', 'a day against a time on that day'],
  ['20241224T153000', '20241224T160000', '<', 'date-time'],
  ['202412241530', '202412241600', '<', 'compact date-time'],
  ['2024-12-24', '1.2.3', 'differentSchemes', 'date against semver'],
  ['20241224', '123', 'differentSchemes', 'date against build number'],
  // commit hashes
  ['abc1234', 'def5678', 'sha', 'short git hashes'],
  ['abc1234', 'abc1234', '=', 'the same commit'],
  ['sha-abc1234', 'sha-def5678', 'sha', 'docker/metadata-action type=sha'],
  ['main-abc1234', 'main-def5678', 'sha', 'branch-sha'],
  [H40a, H40b, 'sha', 'full git hashes ($GITHUB_SHA)'],
  ['v1.2.3-abc1234', 'v1.2.4-def5678', '<', 'version with its commit'],
  ['v1.2.3-abc1234', 'v1.2.3-def5678', 'sameVersionDifferentCommit', 'one version, two commits'],
  ['v1.2.3-abc1234', 'v1.2.3', 'sameVersionDifferentSuffix', 'version with and without commit'],
  ['main-abc1234-1700000000', 'main-def5678-1700000500', '<', 'flux: branch-sha-timestamp'],
  ['main-abc1234-1700000000', 'main-def5678-1700000000', 'sameVersionDifferentCommit', 'flux'],
  ['abc1234', 'v1.2.3', 'sha', 'hash against version'],
  ['v1.2.3-4-gabc1234', 'v1.2.3-5-gdef5678', '<', 'git describe'],
  [`sha256-${H64a}.sig`, `sha256-${H64b}.sig`, 'sha', 'cosign signature tags'],
  ['1234567', '1234568', '<', 'all digits: a build number, never a hash'],
  // build numbers and CI conventions
  ['build-123', 'build-124', '<', 'CI build numbers'],
  ['123', '124', '<', 'CI build numbers'],
  ['build-99', 'build-100', '<', 'numbers, not text'],
  ['build-123', '124', 'differentSchemes', 'different naming'],
  ['release-1.2.3', 'release-1.2.4', '<', 'release- prefix'],
  ['release-1.2.3', '1.2.4', 'differentSchemes', 'different naming'],
  ['pr-123', 'pr-124', 'noVersion', 'pull request numbers are not versions'],
  ['main-123', 'main-124', '<', 'branch build numbers'],
  ['1700000000', '1700000500', '<', 'unix timestamps'],
  // moving tags, no tag
  ['latest', 'latest', 'floating', 'same name, maybe a different image'],
  ['latest', 'v1.2.3', 'floating', 'latest'],
  ['stable-alpine', '1.27.3-alpine', 'floating', 'moving tag with a flavour'],
  ['edge', 'latest', 'floating', 'alpine'],
  ['main', 'master', 'floating', 'branch names'],
  [undefined, 'v1.2.3', 'noTag', 'pinned by digest only'],
  ['latest', undefined, 'noTag', 'the stronger reason wins'],
  ['alpine', '3.20', 'noVersion', 'a word'],
  // leading zeros, case, prefixes
  ['v1.053', 'v1.5', 'ambiguousDigits', '53 > 5 but .053 < .5'],
  ['v1.053', 'v1.53', 'ambiguousDigits', 'equal as numbers, not as decimals'],
  ['v1.09', 'v1.10', '<', 'same width'],
  ['V1.2.3', 'v1.2.4', '<', 'capital V'],
  ['1.2.3', 'v1.2.3', '=', 'v is optional'],
  ['v2', 'v3', '<', 'majors with v'],
  ['v2', 'v2.1', 'differentPrecision', 'v2 may be any 2.x'],
  // Java, Bitnami, Debian revisions, architectures
  ['21.0.5_11-jdk-jammy', '21.0.5_12-jdk-jammy', '<', 'eclipse-temurin'],
  ['21.0.5_11-jdk', '21.0.6_7-jdk', '<', 'eclipse-temurin'],
  ['8u392-b08-jdk', '8u402-b06-jdk', '<', 'eclipse-temurin 8'],
  ['1.27.3-debian-12-r5', '1.27.3-debian-12-r6', '<', 'bitnami revisions'],
  ['1.27.3-debian-12-r5', '1.27.4-debian-12-r0', '<', 'bitnami'],
  ['1.2.3-1', '1.2.3-2', '<', 'debian revisions'],
  ['1.2.3-1', '1.2.3', 'sameVersionDifferentSuffix', 'a revision to debian, a pre-release to semver'],
  ['v1.2.3-amd64', 'v1.2.3-arm64', 'sameVersionDifferentSuffix', 'architectures'],
];

const answer = (r: TagComparison): string => (r.kind === 'ordered' ? (r.order < 0 ? '<' : r.order > 0 ? '>' : '=') : r.reason);

describe('the corpus of real-world tags', () => {
  it('has enough pairs to mean something', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(80);
  });

  it.each(CORPUS)('%s against %s is %s (%s)', (a, b, want) => {
    expect(answer(compareTagVersions(a, b))).toBe(want);
    // The same pair the other way round gives the mirrored answer.
    const mirrored = want === '<' ? '>' : want === '>' ? '<' : want;
    expect(answer(compareTagVersions(b, a))).toBe(mirrored);
  });

  it('the old signature answers undefined whenever the order is unknown, never 0', () => {
    for (const [a, b, want] of CORPUS) {
      if (a === undefined || b === undefined) continue;
      const old = compareTags(a, b);
      if (['<', '=', '>'].includes(want)) expect(old, `${a} ${b}`).toBe(want === '<' ? -1 : want === '>' ? 1 : 0);
      else expect(old, `${a} ${b}`).toBeUndefined();
    }
  });
});

describe('what the answer says', () => {
  it('names the scheme that ordered the tags', () => {
    expect(compareTagVersions('v1.053', 'v1.054')).toEqual({ kind: 'ordered', order: -1, scheme: 'semver' });
    expect(compareTagVersions('2024-12-01', '2024-12-24')).toEqual({ kind: 'ordered', order: -1, scheme: 'date' });
    expect(compareTagVersions('build-123', 'build-124')).toEqual({ kind: 'ordered', order: -1, scheme: 'build' });
    expect(compareTagVersions('abc1234', 'abc1234')).toEqual({ kind: 'ordered', order: 0, scheme: 'sha' });
  });

  it('says which tag an unknown is about', () => {
    expect(compareTagVersions('latest', 'v1.2')).toEqual({ kind: 'unknown', reason: 'floating', about: 'a' });
    expect(compareTagVersions('v1.2', 'abc1234')).toEqual({ kind: 'unknown', reason: 'sha', about: 'b' });
    expect(compareTagVersions('abc1234', 'def5678')).toEqual({ kind: 'unknown', reason: 'sha', about: 'both' });
    expect(compareTagVersions('7.4', '7.4.1')).toEqual({ kind: 'unknown', reason: 'differentPrecision', about: 'both' });
  });

  it('words it in one line, unknown said as such', () => {
    expect(tagComparisonText('v1.053', 'v1.054', compareTagVersions('v1.053', 'v1.054'))).toBe('tag v1.053 < v1.054');
    expect(tagComparisonText('v1.053', 'v1.054-hotfix', compareTagVersions('v1.053', 'v1.054-hotfix'))).toBe('tag v1.053 < v1.054-hotfix');
    expect(tagComparisonText('abc1234', 'def5678', compareTagVersions('abc1234', 'def5678'))).toBe(
      'tags abc1234 and def5678 are commit hashes: their order is unknown',
    );
    expect(tagComparisonText('v1.2', 'latest', compareTagVersions('v1.2', 'latest'))).toBe(
      'tag latest is a moving tag: its order against v1.2 is unknown',
    );
    expect(tagComparisonText(undefined, 'v1.2', compareTagVersions(undefined, 'v1.2'))).toBe(
      'one image has no tag (digest only): its order against v1.2 is unknown',
    );
    for (const [a, b] of CORPUS) {
      const text = tagComparisonText(a, b, compareTagVersions(a, b));
      expect(text).not.toContain('undefined');
      if (compareTagVersions(a, b).kind === 'unknown') expect(text).toMatch(/unknown$/);
    }
  });
});

describe('image references', () => {
  const D1 = `sha256:${H64a}`;
  const D2 = `sha256:${H64b}`;
  it('compares the tags of two references', () => {
    expect(
      answer(compareImageVersions('registry.example.com/apc/frontend:v1.053', 'registry.example.com/apc/frontend:v1.054-hotfix')),
    ).toBe('<');
  });
  it('the same digest is the same image, whatever the tags', () => {
    expect(compareImageVersions(`nginx:1.27@${D1}`, `nginx:1.27.3@${D1}`)).toEqual({ kind: 'ordered', order: 0, scheme: 'digest' });
    expect(answer(compareImageVersions(`nginx:1.27.2@${D1}`, `nginx:1.27.3@${D2}`))).toBe('<');
  });
  it('a digest alone has no tag; no tag and no digest means latest', () => {
    expect(compareImageVersions(`nginx@${D1}`, `nginx@${D2}`)).toEqual({ kind: 'unknown', reason: 'noTag', about: 'both' });
    expect(compareImageVersions(`nginx@${D1}`, 'nginx:1.27.3')).toEqual({ kind: 'unknown', reason: 'noTag', about: 'a' });
    expect(compareImageVersions('nginx', 'nginx:1.27.3')).toEqual({ kind: 'unknown', reason: 'floating', about: 'a' });
  });
  it('an unparsable reference has no tag to compare', () => {
    expect(compareImageVersions('Not An Image', 'nginx:1.27.3')).toEqual({ kind: 'unknown', reason: 'noTag', about: 'a' });
  });
});

// Generated tags: realistic pieces, so that most pairs share a scheme and get ordered, plus
// tags that are not versions and arbitrary strings.
const digits = fc.oneof(fc.constantFrom('0', '1', '2', '9', '10', '01', '053', '054', '5', '53', '54'), fc.stringMatching(/^[0-9]{1,3}$/));
const VARIANTS = [
  '',
  '',
  '',
  '-alpine',
  '-alpine3.19',
  '-alpine3.20',
  '-slim',
  '-hotfix',
  '-1',
  '-2',
  '-debian-12-r5',
  '-debian-12-r6',
  '-abc1234',
  '-def5678',
  '+build.5',
  '+build.6',
  '-4-gabc1234',
  '_11-jdk',
];
const versionPieces = fc.record({
  prefix: fc.constantFrom('', '', 'v', 'V', 'release-', 'build-', 'jammy-', 'main-abc1234-', 'main-def5678-', 'main-'),
  core: fc.oneof(
    fc.array(digits, { minLength: 1, maxLength: 4 }).map((ds) => ds.join('.')),
    fc.constantFrom('2024-12-01', '2024-12-24', '20241224', '2024.12.1', '2024.12.24', '20241224-1530', '20241225', '2025.1'),
  ),
  pre: fc.constantFrom('', '', '', '-rc1', '-rc.2', '-rc.10', '-alpha', '-alpha.1', '-beta.2', 'rc1', 'a1', '.M1', '-SNAPSHOT', '-dev'),
  variant: fc.constantFrom(...VARIANTS),
});
type Pieces = { prefix: string; core: string; pre: string; variant: string };
const join = ({ prefix, core, pre, variant }: Pieces) => `${prefix}${core}${pre}${variant}`;
const versionTag = versionPieces.map(join);
const otherTag = fc.constantFrom(
  'latest',
  'stable',
  'main',
  'edge',
  'alpine',
  'jammy',
  'abc1234',
  'def5678',
  'sha-abc1234',
  'pr-12',
  H40a,
  '',
);
const anyTag = fc.oneof(
  { weight: 6, arbitrary: versionTag },
  { weight: 1, arbitrary: otherTag },
  { weight: 1, arbitrary: fc.stringMatching(/^[\w][\w.+-]{0,20}$/) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
const RUNS = 3000;

function property<T>(name: string, arb: fc.Arbitrary<T>, pred: (x: T) => void, runs = RUNS): void {
  fc.assert(fc.property(arb, pred), { numRuns: runs });
  record({ kind: 'input', area: 'version tags', case: name, count: runs, outcome: 'held for every generated case' });
}

describe('properties', () => {
  it('never throws, on anything', () => {
    const s = fc.option(fc.string({ unit: 'binary', maxLength: 60 }), { nil: undefined });
    property(
      'compareTagVersions never throws on arbitrary strings',
      fc.tuple(s, s),
      ([a, b]) => {
        const r = compareTagVersions(a, b);
        if (r.kind !== 'ordered' && r.kind !== 'unknown') throw new Error(`no answer for ${a} ${b}`);
        if (tagComparisonText(a, b, r).length === 0) throw new Error(`no text for ${a} ${b}`);
      },
      5000,
    );
  });

  it('is antisymmetric, and unknown is symmetric (same reason, about swapped)', () => {
    const swap = { a: 'b', b: 'a', both: 'both' } as const;
    property('compare(a,b) mirrors compare(b,a)', fc.tuple(anyTag, anyTag), ([a, b]) => {
      const x = compareTagVersions(a, b);
      const y = compareTagVersions(b, a);
      if (x.kind === 'ordered') expect(y).toEqual({ kind: 'ordered', order: (-x.order || 0) as -1 | 0 | 1, scheme: x.scheme });
      else expect(y).toEqual({ kind: 'unknown', reason: x.reason, about: swap[x.about] });
    });
  });

  it('is reflexive: a tag is its own version, unless it names none', () => {
    property('compare(a,a) is 0 unless the tag carries no version', anyTag, (a) => {
      const r = compareTagVersions(a, a);
      if (r.kind === 'unknown') expect(['noTag', 'floating', 'noVersion']).toContain(r.reason);
      else expect(r.order).toBe(0);
    });
  });

  it('is transitive: a < b < c gives a < c; no chain of <= ever gives >', () => {
    property(
      'a<b and b<c give a<c; a<=b<=c never gives a>c',
      fc.tuple(versionTag, versionTag, versionTag),
      ([a, b, c]) => {
        const ab = compareTagVersions(a, b);
        const bc = compareTagVersions(b, c);
        if (ab.kind !== 'ordered' || bc.kind !== 'ordered' || ab.order > 0 || bc.order > 0) return;
        const ac = compareTagVersions(a, c);
        if (ab.order < 0 && bc.order < 0) expect(ac, `${a} ${b} ${c}`).toMatchObject({ kind: 'ordered', order: -1 });
        else if (ac.kind === 'ordered') expect(ac.order, `${a} ${b} ${c}`).toBeLessThanOrEqual(0);
      },
      20000,
    );
  });

  it('the same version with two different suffixes or commits is never called the same', () => {
    const twoVariants = fc.tuple(versionPieces, fc.constantFrom(...VARIANTS), fc.constantFrom('main-abc1234-', 'main-def5678-'));
    property('same core, different variants or commits: never order 0', twoVariants, ([p, other, commitPrefix]) => {
      if (p.variant !== other) {
        const r = compareTagVersions(join(p), join({ ...p, variant: other }));
        expect(r, `${join(p)} ${join({ ...p, variant: other })}`).not.toMatchObject({ kind: 'ordered', order: 0 });
      }
      if (p.prefix.length > 'main-'.length && p.prefix.startsWith('main-') && p.prefix !== commitPrefix) {
        const r = compareTagVersions(join(p), join({ ...p, prefix: commitPrefix }));
        // (sameVersionDifferentCommit; or 'sha' when the core itself looks like a hash, "20241225a1")
        expect(r.kind).toBe('unknown');
      }
    });
  });
});
