// Focused checks of the view beyond the scenarios: odd objects the real controller (or people) make.
import { describe, expect, it } from 'vitest';
import { buildRolloutView, olderThan, revisionView, type RevisionView } from '../../src/rollout/view.js';
import type { ReplicaSet, Rollout } from '../../src/rollout/types.js';

const rs = (annotations: Record<string, string>, extra: Partial<ReplicaSet['metadata']> = {}): ReplicaSet => ({
  metadata: {
    name: 'frontend-abc',
    labels: { 'rollouts-pod-template-hash': 'abc' },
    annotations,
    ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'frontend', uid: 'u' }],
    ...extra,
  },
  spec: { replicas: 1, template: { spec: { containers: [{ name: 'c', image: 'x:v1' }] } } },
});

describe('revision-history', () => {
  it('drops the ReplicaSet own number and duplicates (seen on v1.9.1: "2" on revision 2, "2,2")', () => {
    expect(revisionView(rs({ 'rollout.argoproj.io/revision': '2', 'rollout.argoproj.io/revision-history': '2' })).revisionHistory).toEqual(
      [],
    );
    expect(
      revisionView(rs({ 'rollout.argoproj.io/revision': '4', 'rollout.argoproj.io/revision-history': '2,2' })).revisionHistory,
    ).toEqual([2]);
  });

  it('ignores numbers that are not numbers', () => {
    expect(
      revisionView(rs({ 'rollout.argoproj.io/revision': 'x', 'rollout.argoproj.io/revision-history': '1, two,3,-4,' })).revisionHistory,
    ).toEqual([1, 3]);
    expect(revisionView(rs({ 'rollout.argoproj.io/revision': '99999999999999999999' })).revision).toBeNull();
  });
});

describe('odd Rollouts', () => {
  it('a Rollout with no status and no strategy is "unknown" and has no active or preview', () => {
    const v = buildRolloutView({ rollout: { metadata: { name: 'x', namespace: 'n' } } as Rollout, replicaSets: [] });
    expect(v.strategy).toBe('unknown');
    expect(v.active).toBeNull();
    expect(v.preview).toBeNull();
    // CalculateRolloutPhase on an empty status: no updated replicas yet.
    expect({ phase: v.phase, message: v.message }).toEqual({ phase: 'Progressing', message: 'more replicas need to be updated' });
  });

  it('ReplicaSets without an owner reference to the rollout are not its revisions', () => {
    const ro: Rollout = {
      metadata: { name: 'frontend', namespace: 'n', uid: 'u' },
      spec: { strategy: { blueGreen: { activeService: 'a' } } },
      status: { currentPodHash: 'abc', blueGreen: { activeSelector: 'abc' } },
    };
    const orphan = rs({ 'rollout.argoproj.io/revision': '1' }, { ownerReferences: undefined });
    const v = buildRolloutView({ rollout: ro, replicaSets: [orphan] });
    expect(v.history).toEqual([]);
    expect(v.active).toMatchObject({ podTemplateHash: 'abc', replicaSet: null }); // hash known, ReplicaSet gone
  });
});

// Found on the real controller (v1.10.2) by a review of odd states.
describe('older, after rollbacks and with tags that cannot be ordered', () => {
  const version = (image: string, revision: number, history: number[], createdAt: string): RevisionView => ({
    revision,
    podTemplateHash: `h${revision}`,
    replicaSet: `frontend-h${revision}`,
    images: [image],
    containers: [{ name: 'frontend', image }],
    initContainers: [],
    replicas: 2,
    readyReplicas: 2,
    availableReplicas: 2,
    createdAt,
    revisionHistory: history,
    scaleDownDeadline: null,
    template: null,
    ephemeralMetadata: null,
  });

  it('rolling forward again after a rollback is not older (v1.053 rolled back to as revision 3, v1.054 back as 4)', () => {
    const active = version('frontend:v1.053', 3, [1], '2026-12-01T10:00:00Z');
    const preview = version('frontend:v1.054', 4, [2], '2026-12-01T10:05:00Z');
    const r = olderThan(preview, active);
    expect(r.signals.map((s) => s.signal)).not.toContain('servedBefore');
    expect(r.older).toBe(false);
  });

  it('the incident still is: the preview served revisions before the active template was first served', () => {
    const active = version('frontend:v1.054', 8, [], '2026-12-01T10:00:00Z');
    const preview = version('frontend:v1.053', 9, [5, 7], '2026-12-01T10:05:00Z');
    const r = olderThan(preview, active);
    expect(r.older).toBe(true);
    expect(r.signals).toContainEqual({ signal: 'servedBefore', revisions: [5, 7] });
  });

  it('a ReplicaSet made later with tags that cannot be ordered is unknown, never "not older" (an old sha set again)', () => {
    const active = version('frontend:sha-2222bbb', 2, [], '2026-12-01T10:00:00Z');
    const preview = version('frontend:sha-1111aaa', 3, [], '2026-12-01T10:05:00Z');
    const r = olderThan(preview, active);
    expect(r.older).toBeNull();
    expect(r.unknown[0]?.comparison).toMatchObject({ kind: 'unknown' });
  });
});
