// What the controller's release changes in the guard (src/rollout/controller.ts), on the fixture of a
// fast rollback: the release generations, and the undo of an undo that v1.10 no longer fast-tracks.
import { describe, expect, it } from 'vitest';
import { loadFixture, type Fixture } from '../fixtures/load.js';
import { buildRolloutView } from '../../src/rollout/view.js';
import { normalizeReplicaSet, normalizeRollout, normalizeService } from '../../src/rollout/normalize.js';
import { planUndo } from '../../src/rollout/plan.js';
import { fastRollback, generation, keepsStaleReplicaSets, mayLosePromote } from '../../src/rollout/controller.js';

describe('release generations', () => {
  it.each([
    ['v1.7.2', 'before-1.10'],
    ['v1.9.3', 'before-1.10'],
    ['v1.10.0', '1.10+'],
    ['v1.10.2', '1.10+'],
    ['1.10.2', '1.10+'],
    ['v1.11.0-rc1', '1.10+'],
    ['v2.0.0', '1.10+'],
    ['v1.9.3-patched', 'before-1.10'],
    ['latest', 'unknown'],
    ['sha256:4f1c2d', 'unknown'],
    ['v1.10', 'unknown'],
    ['', 'unknown'],
  ])('%s is %s', (version, gen) => {
    expect(generation({ version })).toBe(gen);
  });

  it('a promote may be lost unless the release is known to be v1.10 or later', () => {
    expect(mayLosePromote({ version: 'v1.9.1' })).toBe(true);
    expect(mayLosePromote({ version: 'v1.10.2' })).toBe(false);
    expect(mayLosePromote(null)).toBe(true);
    expect(mayLosePromote({ version: 'main' })).toBe(true);
  });

  it('a stale ReplicaSet cache: v1.7.x and before (argoproj/argo-rollouts#4044 is in v1.8.0); unknown when the release is', () => {
    expect(keepsStaleReplicaSets({ version: 'v1.7.2' })).toBe('yes');
    expect(keepsStaleReplicaSets({ version: 'v1.6.0' })).toBe('yes');
    expect(keepsStaleReplicaSets({ version: 'v1.8.0' })).toBe('no');
    expect(keepsStaleReplicaSets({ version: 'v1.10.2' })).toBe('no');
    expect(keepsStaleReplicaSets({ version: 'v2.0.0' })).toBe('no');
    expect(keepsStaleReplicaSets({ version: 'latest' })).toBe('unknown');
    expect(keepsStaleReplicaSets(null)).toBe('unknown');
  });

  it('fast rollback: before v1.10 within the delay is enough; from v1.10 the target must be older', () => {
    expect(fastRollback({ version: 'v1.9.3' }, false)).toBe('yes');
    expect(fastRollback({ version: 'v1.10.2' }, false)).toBe('no');
    expect(fastRollback({ version: 'v1.10.2' }, true)).toBe('yes');
    expect(fastRollback({ version: 'v1.10.2' }, null)).toBe('unknown');
    expect(fastRollback(null, true)).toBe('yes');
    expect(fastRollback(null, false)).toBe('unknown');
  });
});

function view(f: Fixture) {
  return buildRolloutView({
    rollout: normalizeRollout(f.rollout),
    replicaSets: f.replicaSets.map(normalizeReplicaSet),
    activeService: normalizeService(f.services.active),
    previewService: normalizeService(f.services.preview),
  });
}

/** The fixture with the target (revision 8) created `when`. */
function withTargetCreated(when: string): Fixture {
  const f = loadFixture('fast-rollback.yaml');
  const rs = f.replicaSets.find((r: any) => r.metadata.annotations['rollout.argoproj.io/revision'] === '8')!;
  rs.metadata.creationTimestamp = when;
  return f;
}

describe('undo within the scale-down delay, per release', () => {
  const now = new Date('2026-11-23T12:00:00Z');
  const stableCreated = '2026-11-23T11:40:00Z';

  it('the target is older than the stable ReplicaSet: users switch at once on every release', () => {
    const f = withTargetCreated('2026-11-18T09:00:00Z');
    for (const controller of [{ version: 'v1.9.3' }, { version: 'v1.10.2' }, null]) {
      const r = planUndo(view(f), f.rollout, { now, controller });
      if (r.kind !== 'plan') throw new Error(r.kind);
      expect(r.plan.switchesWhen).toBe('immediately');
      expect(r.plan.consequences.map((c) => c.kind)).toContain('undoFastRollback');
      expect(r.plan.consequences.map((c) => c.kind)).not.toContain('fastRollbackReleaseUnknown');
    }
  });

  it('the target is newer (an undo of an undo), or of the same second: v1.10 makes it a new preview', () => {
    for (const created of ['2026-11-23T11:50:00Z', stableCreated]) {
      const f = withTargetCreated(created);
      const v = view(f);
      const old = planUndo(v, f.rollout, { now, controller: { version: 'v1.9.3' } });
      const neu = planUndo(v, f.rollout, { now, controller: { version: 'v1.10.2' } });
      const unknown = planUndo(v, f.rollout, { now, controller: null });
      if (old.kind !== 'plan' || neu.kind !== 'plan' || unknown.kind !== 'plan') throw new Error('not a plan');
      expect(old.plan.switchesWhen).toBe('immediately');
      expect(neu.plan.switchesWhen).toBe('afterPromote');
      expect(neu.plan.consequences).toContainEqual({
        kind: 'undoNotRollback',
        release: 'v1.10.2',
        targetCreatedAt: created,
        stableCreatedAt: stableCreated,
      });
      expect(neu.plan.consequences.map((c) => c.kind)).not.toContain('undoFastRollback');
      // Not known: the least safe case, said.
      expect(unknown.plan.switchesWhen).toBe('immediately');
      expect(unknown.plan.consequences).toContainEqual({ kind: 'fastRollbackReleaseUnknown', release: null });
    }
  });
});
