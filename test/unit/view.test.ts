// Focused checks of the view beyond the scenarios: odd objects the real controller (or people) make.
import { describe, expect, it } from 'vitest';
import { buildRolloutView, revisionView } from '../../src/rollout/view.js';
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
