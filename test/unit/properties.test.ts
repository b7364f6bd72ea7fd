// Property-based tests (fast-check): bad input never crashes, gets the contract's answer, and odd
// cluster objects never break the view, the planners or the renderers. Each property records how many
// cases it ran, for docs/RELIABILITY.md.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseImage, compareTags } from '../../src/rollout/image.js';
import { parseImageArgs, planAbort, planPromote, planSetImage, planUndo } from '../../src/rollout/plan.js';
import { buildRolloutView } from '../../src/rollout/view.js';
import { nextActions } from '../../src/rollout/actions.js';
import { renderStatus } from '../../src/render/status.js';
import { renderGuard } from '../../src/render/guard.js';
import { renderList, renderHistory } from '../../src/render/reports.js';
import { statusJson } from '../../src/render/formats.js';
import { parseDuration } from '../../src/cli/duration.js';
import { validateName } from '../../src/cli/load.js';
import { revisionFlag as parseRevision } from '../../src/cli/commands/undo.js';
import { translator } from '../../src/i18n/index.js';
import { CliError } from '../../src/errors.js';
import { loadFixture } from '../fixtures/load.js';
import { record } from '../reliability.js';
import { compactReplicaSet, compactRollout, normalizeReplicaSet, normalizeRollout } from '../../src/rollout/normalize.js';

const RUNS = 500;
const t = translator('en');

function property<T>(area: string, name: string, arb: fc.Arbitrary<T>, pred: (x: T) => void, runs = RUNS): void {
  fc.assert(fc.property(arb, pred), { numRuns: runs });
  record({ kind: 'input', area, case: name, count: runs, outcome: 'held for every generated case' });
}

// ---- the distribution reference grammar, as generators ----
const lowerAlnum = fc.stringMatching(/^[a-z0-9]{1,8}$/);
const separator = fc.constantFrom('.', '_', '__', '-', '--');
const pathComponent = fc
  .tuple(lowerAlnum, fc.array(fc.tuple(separator, lowerAlnum), { maxLength: 2 }))
  .map(([a, rest]) => a + rest.map(([s, b]) => s + b).join(''));
const domainComponent = fc.stringMatching(/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,6}[a-zA-Z0-9])?$/);
const domain = fc.oneof(
  fc.tuple(domainComponent, fc.array(domainComponent, { minLength: 1, maxLength: 3 })).map(([a, r]) => [a, ...r].join('.')),
  fc.constant('localhost'),
);
const port = fc.integer({ min: 1, max: 65535 });
const tag = fc.stringMatching(/^[\w][\w.-]{0,20}$/);
const digest = fc.stringMatching(/^[a-f0-9]{64}$/).map((h) => `sha256:${h}`);
const validImage = fc
  .record({
    domain: fc.option(fc.tuple(domain, fc.option(port)).map(([d, p]) => (p ? `${d}:${p}` : d))),
    path: fc.array(pathComponent, { minLength: 1, maxLength: 3 }).map((p) => p.join('/')),
    tag: fc.option(tag),
    digest: fc.option(digest),
  })
  .map((r) => `${r.domain ? `${r.domain}/` : ''}${r.path}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`);

describe('image references', () => {
  it('every reference the grammar generates parses, with its tag and digest', () => {
    property('image reference', 'valid references (registry, port, path, tag, digest) parse', validImage, (ref) => {
      const r = parseImage(ref);
      expect(r.ok, ref).toBe(true);
    });
  });

  it('anything with whitespace, control characters or an uppercase repository is refused, never thrown', () => {
    const bad = fc.oneof(
      validImage.map((s) => `${s} `),
      validImage.map((s) => `\u001b[2J${s}`),
      // uppercase in a repository path component (a first component with uppercase is a registry host)
      fc.tuple(domain, fc.array(pathComponent, { minLength: 1, maxLength: 3 })).map(([d, p]) => `${d}/${p.join('/')}X`),
      fc.constant(''),
      validImage.map((s) => `${s}:`),
      validImage.map((s) => `${s}@sha256:xyz`),
    );
    property('image reference', 'malformed references are refused with a reason', bad, (ref) => {
      const r = parseImage(ref);
      expect(r.ok, ref).toBe(false);
    });
  });

  it('arbitrary strings never throw', () => {
    property(
      'image reference',
      'arbitrary unicode strings never crash the parser',
      fc.string({ unit: 'binary', maxLength: 300 }),
      (s) => {
        parseImage(s);
      },
      2000,
    );
  });

  it('tag comparison is antisymmetric', () => {
    property('version tags', 'compareTags(a,b) = -compareTags(b,a)', fc.tuple(tag, tag), ([a, b]) => {
      const x = compareTags(a, b);
      const y = compareTags(b, a);
      if (x === undefined) expect(y).toBeUndefined();
      else expect(y).toBe(-x || 0);
    });
  });
});

describe('CONTAINER=IMAGE pairs', () => {
  it('well-formed pairs parse; anything else is a usage error, not a crash', () => {
    const name = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?$/);
    property(
      'CONTAINER=IMAGE',
      'valid pairs parse',
      fc.array(fc.tuple(name, validImage), { minLength: 1, maxLength: 4 }).filter((ps) => new Set(ps.map(([n]) => n)).size === ps.length),
      (pairs) => {
        const r = parseImageArgs(pairs.map(([n, i]) => `${n}=${i}`));
        expect(Array.isArray(r)).toBe(true);
      },
    );
    property(
      'CONTAINER=IMAGE',
      'arbitrary arguments give a typed error or a parse',
      fc.array(fc.string({ maxLength: 40 }), { minLength: 1, maxLength: 4 }),
      (args) => {
        const r = parseImageArgs(args);
        if (!Array.isArray(r)) expect(['badPair', 'badImage', 'duplicateContainer']).toContain(r.kind);
      },
    );
  });
});

describe('names, revisions, durations', () => {
  it('DNS-1123 names: valid accepted, others refused with exit 2', () => {
    const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);
    property('rollout and namespace names', 'DNS-1123 labels are accepted', label, (n) => {
      validateName('namespace', n);
      validateName('rollout', n);
    });
    property(
      'rollout and namespace names',
      'anything else is exit 2',
      fc
        .string({ maxLength: 80 })
        .filter((s) => !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(s) || s.length > 253),
      (n) => {
        try {
          validateName('rollout', n);
          throw new Error('accepted');
        } catch (e) {
          expect(e).toBeInstanceOf(CliError);
          expect((e as CliError).exitCode).toBe(2);
        }
      },
    );
  });

  it('--to-revision: positive integers only', () => {
    property('--to-revision', 'whole numbers from 1 are accepted', fc.integer({ min: 1, max: 999_999_999 }), (n) => {
      expect(parseRevision(String(n))).toBe(n);
    });
    property(
      '--to-revision',
      'anything else is exit 2',
      fc.oneof(
        fc.integer({ max: 0 }).map(String),
        fc.string({ maxLength: 12 }).filter((s) => !/^\s*\d{1,9}\s*$/.test(s) || Number(s) < 1),
      ),
      (s) => {
        expect(() => parseRevision(s)).toThrow(CliError);
      },
    );
  });

  it('--timeout: Go-style durations parse to their value; garbage is refused', () => {
    const unit = fc.constantFrom(['h', 3600_000], ['m', 60_000], ['s', 1000], ['ms', 1]) as fc.Arbitrary<[string, number]>;
    property(
      '--timeout / --request-timeout',
      'sums of Go-style duration parts parse exactly',
      fc.array(fc.tuple(fc.integer({ min: 0, max: 999 }), unit), { minLength: 1, maxLength: 3 }),
      (parts) => {
        const text = parts.map(([n, [u]]) => `${n}${u}`).join('');
        expect(parseDuration(text)).toBe(parts.reduce((a, [n, [, ms]]) => a + n * ms, 0));
      },
    );
    // Found by a hostile review: 0.4ms rounded to 0, which means no limit, so `wait --timeout 0.4ms` waited forever.
    property(
      '--timeout / --request-timeout',
      'a duration above zero stays above zero',
      fc.double({ min: 0.0001, max: 0.49, noNaN: true }),
      (ms) => {
        expect(parseDuration(`${ms.toFixed(4)}ms`)).toBe(1);
        expect(parseDuration(`${(ms / 1000).toFixed(7)}`)! > 0 || ms / 1000 < 1e-7).toBe(true);
      },
    );
    property('--timeout / --request-timeout', 'arbitrary strings never throw', fc.string({ maxLength: 20 }), (s) => {
      const r = parseDuration(s);
      expect(r === null || Number.isFinite(r)).toBe(true);
    });
  });
});

// ---- odd cluster objects ----
const base = loadFixture('christmas.yaml');
const junk = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.string({ maxLength: 30 }),
  fc.integer(),
  fc.boolean(),
  fc.constant({}),
  fc.constant([]),
  fc.string({ minLength: 10_000, maxLength: 20_000 }),
);

function mutate(obj: unknown, paths: string[][], values: unknown[]): unknown {
  const copy = structuredClone(obj) as Record<string, unknown>;
  paths.forEach((path, i) => {
    let node: any = copy;
    for (const p of path.slice(0, -1)) {
      if (node[p] === null || typeof node[p] !== 'object') node[p] = {};
      node = node[p];
    }
    node[path[path.length - 1]!] = values[i];
  });
  return copy;
}

const ROLLOUT_PATHS = [
  ['status'],
  ['spec', 'strategy'],
  ['spec', 'strategy', 'blueGreen'],
  ['status', 'currentPodHash'],
  ['status', 'blueGreen'],
  ['status', 'pauseConditions'],
  ['status', 'observedGeneration'],
  ['status', 'conditions'],
  ['metadata', 'annotations'],
  ['spec', 'template'],
  ['spec', 'replicas'],
];
const RS_PATHS = [
  ['metadata', 'annotations', 'rollout.argoproj.io/revision'],
  ['metadata', 'annotations', 'rollout.argoproj.io/revision-history'],
  ['metadata', 'ownerReferences'],
  ['metadata', 'labels'],
  ['metadata', 'creationTimestamp'],
  ['spec'],
  ['status'],
  ['metadata', 'annotations', 'scale-down-deadline'],
];

describe('odd cluster objects', () => {
  it('no status, unknown strategy, junk revisions, orphan ReplicaSets, missing Services, enormous annotations: nothing crashes', () => {
    const arb = fc.record({
      roPaths: fc.subarray(ROLLOUT_PATHS, { maxLength: 4 }),
      roValues: fc.array(junk, { minLength: 4, maxLength: 4 }),
      rsPaths: fc.subarray(RS_PATHS, { maxLength: 4 }),
      rsValues: fc.array(junk, { minLength: 4, maxLength: 4 }),
      which: fc.nat({ max: 2 }),
      duplicate: fc.boolean(),
      services: fc.constantFrom('both', 'none', 'missing'),
    });
    property(
      'odd cluster objects',
      'view, planners, next steps and every renderer survive mutated Rollouts and ReplicaSets',
      arb,
      (c) => {
        // As the commands do: whatever the API returns goes through the normalizing boundary first.
        const rawRollout = mutate(base.rollout, c.roPaths, c.roValues);
        const rawRss = base.replicaSets.map((rs, i) => (i === c.which ? mutate(rs, c.rsPaths, c.rsValues) : rs));
        if (c.duplicate) rawRss.push(structuredClone(rawRss[0]!)); // two ReplicaSets with the same revision
        const rollout = normalizeRollout(rawRollout);
        const rss = rawRss.map(normalizeReplicaSet);
        const services = {
          activeService: c.services === 'both' ? base.services.active : c.services === 'missing' ? null : undefined,
          previewService: c.services === 'both' ? base.services.preview : c.services === 'missing' ? null : undefined,
        };
        const view = buildRolloutView({ rollout, replicaSets: rss, ...services });
        const now = new Date('2026-11-23T12:00:00Z');
        // The listing reads the same objects through its compact reducers: the same document and row.
        const listed = buildRolloutView({ rollout: compactRollout(rawRollout), replicaSets: rawRss.map(compactReplicaSet), ...services });
        expect(statusJson(listed, null)).toEqual(statusJson(view, null));
        const listOpts = { allNamespaces: true, wide: true, color: false, now };
        expect(renderList(t, [listed], listOpts)).toBe(renderList(t, [view], listOpts));
        const actions = nextActions(view, rollout, now);
        renderStatus(t, view, actions, false, { now });
        statusJson(view, actions);
        renderList(t, [view], { allNamespaces: true, wide: true, color: false, now });
        renderHistory(t, view.history, { color: false, now, wide: true });
        const results = [
          planPromote(view, rollout, { now }),
          planPromote(view, rollout, { now, full: true }),
          planAbort(view, rollout, { now }),
          planUndo(view, rollout, { now }),
          planSetImage(view, rollout, [{ container: 'frontend', image: 'x:1' }], { now }),
        ];
        for (const r of results) if (r.kind === 'plan') renderGuard(t, { plan: r.plan }, false);
      },
      1000,
    );
  }, 120_000);
});
