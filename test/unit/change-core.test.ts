// Table tests of the pure parts of the change pipeline (src/rollout/audit.ts, reaction.ts, goals.ts):
// the questions the pipeline asks between two reads of a rollout.
import { describe, expect, it } from 'vitest';
import { auditValue, eventFor, lastChange, recordedRequests, workloadOf, type Audit } from '../../src/rollout/audit.js';
import { awaitedReplicaSet, degraded, lastRecorded, lastStatusWrite, reached, replicaSetAvailable } from '../../src/rollout/goals.js';
import { getRolloutPhase, isWorkloadGenerationObserved } from '../../src/rollout/phase.js';
import type { JsonPatchOp, PlannedRequest } from '../../src/rollout/plan.js';
import { changedWithin, changeReflected, changeVisible, reacted, whatChanged } from '../../src/rollout/reaction.js';
import { rfc3339 } from '../../src/rollout/time.js';
import type { Rollout, RolloutStatus } from '../../src/rollout/types.js';

const ro = (status: RolloutStatus, meta: Partial<Rollout['metadata']> = {}): Rollout => ({
  metadata: { name: 'frontend', namespace: 'ns', uid: 'u', generation: 5, ...meta },
  spec: { replicas: 2, strategy: { blueGreen: { activeService: 'a' } } },
  status: { observedGeneration: '5', ...status },
});
const paused: RolloutStatus = {
  phase: 'Paused',
  message: 'BlueGreenPause',
  currentPodHash: 'new',
  stableRS: 'old',
  controllerPause: true,
  pauseConditions: [{ reason: 'BlueGreenPause' }],
  blueGreen: { activeSelector: 'old' },
};

describe('reacted: did the controller act on our change?', () => {
  it.each([
    ['nothing moved', paused, false],
    ['the phase changed', { ...paused, phase: 'Progressing', message: 'active service cutover pending' }, true],
    ['only the message changed', { ...paused, message: 'something else' }, true],
    ['the active selector moved', { ...paused, blueGreen: { activeSelector: 'new' } }, true],
    ['abort set but not yet taken up (no abortedAt)', { ...paused, abort: true }, false],
    ['abort taken up', { ...paused, abort: true, abortedAt: '2026-11-23T12:00:00Z' }, true],
  ] as const)('%s', (_n, now, want) => {
    expect(reacted(ro(paused), ro(now as RolloutStatus))).toBe(want);
  });
});

describe('changeVisible: after a lost answer, was the change made?', () => {
  it.each([
    ['promote: pause conditions gone', 'promote', { ...paused, pauseConditions: undefined }, true],
    ['promote: still paused', 'promote', paused, false],
    ['promote: promoteFull set', 'promote', { ...paused, promoteFull: true }, true],
    ['promote: users already on the preview', 'promote', { ...paused, blueGreen: { activeSelector: 'new' } }, true],
    ['abort: abort set', 'abort', { ...paused, abort: true }, true],
    ['abort: not set', 'abort', paused, false],
    ['retry: abort cleared', 'retry', { ...paused, abort: false }, true],
    // Found by a hostile review: a lost promote, then someone else's new preview (no pause yet) was "made".
    [
      'promote: another preview since, no pause yet: cannot be told',
      'promote',
      { ...paused, currentPodHash: 'other', pauseConditions: undefined },
      null,
    ],
    [
      'promote: another preview since, users on ours: made',
      'promote',
      { ...paused, currentPodHash: 'other', blueGreen: { activeSelector: 'new' } },
      true,
    ],
    ['abort: another preview since, not aborted: cannot be told', 'abort', { ...paused, currentPodHash: 'other' }, null],
  ] as const)('%s', (_n, action, after, want) => {
    expect(changeVisible(action, ro(paused), ro(after as RolloutStatus), 'x')).toBe(want);
  });

  it('a template change is visible exactly when its audit annotation (sent in the same patch) is there', () => {
    const value = '{"by":"a"}';
    expect(changeVisible('undo', ro(paused), ro(paused, { annotations: { 'bluegreen.kubectl.io/last-change': value } }), value)).toBe(true);
    expect(
      changeVisible('set-image', ro(paused), ro(paused, { annotations: { 'bluegreen.kubectl.io/last-change': '{"by":"b"}' } }), value),
    ).toBe(false);
  });
});

describe('whatChanged: the first thing that moved under a refused write', () => {
  it.each([
    ['preview', { ...paused, currentPodHash: 'newer' }, {}, 'preview'],
    ['active', { ...paused, blueGreen: { activeSelector: 'new' } }, {}, 'active'],
    ['spec', paused, { generation: 6 }, 'spec'],
    ['paused', { ...paused, pauseConditions: [] }, {}, 'paused'],
    ['unknown', paused, {}, 'unknown'],
  ] as const)('%s', (_n, st, meta, want) => {
    expect(whatChanged(ro(paused), ro(st as RolloutStatus, meta))).toBe(want);
  });

  it('changedWithin reads managedFields times', () => {
    const now = new Date('2026-11-23T12:00:10Z');
    const r = ro(paused, { managedFields: [{ manager: 'x', time: new Date('2026-11-23T12:00:07Z') as never }] });
    expect(changedWithin(r, now, 5000)).toBe(true);
    expect(changedWithin(r, now, 2000)).toBe(false);
  });
});

describe('wait goals and Degraded', () => {
  const invalid = (message: string): RolloutStatus => ({
    phase: 'Degraded',
    message: `InvalidSpec: ${message}`,
    conditions: [{ type: 'InvalidSpec', status: 'True', reason: 'InvalidSpec', message }],
  });
  it.each([
    [
      'a missing Service (the controller re-checks)',
      invalid(
        'The Rollout "frontend" is invalid: spec.strategy.blueGreen.activeService: Invalid value: "frontend-active": services "frontend-active" not found',
      ),
      { kind: 'missingObject', object: 'services frontend-active' },
    ],
    [
      'a missing AnalysisTemplate',
      invalid(
        'The Rollout "frontend" is invalid: spec.strategy.blueGreen.prePromotionAnalysis.templates: Invalid value: "smoke": AnalysisTemplate \'smoke\' not found',
      ),
      { kind: 'missingObject', object: 'AnalysisTemplate smoke' },
    ],
    [
      'an invalid spec',
      invalid('The Rollout "frontend" is invalid: spec.strategy.blueGreen.activeService: Invalid value: "a": must not equal preview'),
      { kind: 'final', reason: 'InvalidSpec' },
    ],
    [
      'an aborted update',
      { phase: 'Degraded', message: 'RolloutAborted: Rollout aborted update to revision 3' },
      { kind: 'final', reason: 'RolloutAborted' },
    ],
    [
      'a progress deadline',
      { phase: 'Degraded', message: 'ProgressDeadlineExceeded: ReplicaSet "x" has timed out progressing.' },
      { kind: 'final', reason: 'ProgressDeadlineExceeded' },
    ],
  ] as const)('%s', (_n, st, want) => {
    expect(degraded(ro(st as RolloutStatus))).toMatchObject(want);
  });

  it('not Degraded, or a spec not yet observed: nothing to say', () => {
    expect(degraded(ro(paused))).toBeNull();
    expect(degraded(ro({ phase: 'Degraded', message: 'RolloutAborted: x' }, { generation: 6 }))).toBeNull();
  });

  it.each([
    ['paused', paused, true],
    ['promoted', paused, false],
    ['healthy', paused, false],
    [
      'promoted',
      { ...paused, phase: 'Healthy', message: '', stableRS: 'new', pauseConditions: undefined, blueGreen: { activeSelector: 'new' } },
      true,
    ],
    ['paused', { ...paused, abort: true }, false],
  ] as const)('reached %s', (goal, st, want) => {
    expect(reached(ro(st as RolloutStatus), goal)).toBe(want);
  });
});

describe('the record of a change', () => {
  const audit: Audit = {
    by: 'alice',
    at: '2026-11-23T12:00:00Z',
    action: 'promote',
    from: { images: ['frontend:v1.054'], revision: 8 },
    to: { images: ['frontend:v1.053'], revision: 9 },
    reason: 'ticket 42',
  };

  it('the annotation it writes is the one it reads back', () => {
    const r = ro(paused, { annotations: { 'bluegreen.kubectl.io/last-change': auditValue(audit) } });
    expect(lastChange(r)).toEqual({ by: 'alice', action: 'promote', at: '2026-11-23T12:00:00Z', reason: 'ticket 42' });
    expect(lastChange(ro(paused, { annotations: { 'bluegreen.kubectl.io/last-change': 'not json' } }))).toBeNull();
  });

  it('a status change: one merge patch of the annotation, then the Event', () => {
    const change: PlannedRequest = {
      method: 'PATCH',
      resource: 'rollouts/status',
      namespace: 'ns',
      name: 'frontend',
      contentType: 'application/json-patch+json',
      body: [],
      purpose: 'status',
    };
    const all = recordedRequests([change], ro(paused), audit);
    expect(all.map((q) => `${q.method} ${q.resource} ${q.purpose}`)).toEqual([
      'PATCH rollouts/status status',
      'PATCH rollouts audit',
      'POST events event',
    ]);
    expect(all[1]!.body).toEqual({ metadata: { annotations: { 'bluegreen.kubectl.io/last-change': auditValue(audit) } } });
  });

  it('a template change carries the annotation in the same patch (change and record are one write)', () => {
    const change: PlannedRequest = {
      method: 'PATCH',
      resource: 'rollouts',
      namespace: 'ns',
      name: 'frontend',
      contentType: 'application/json-patch+json',
      body: [{ op: 'test', path: '/metadata/generation', value: 5 }],
      purpose: 'template',
    };
    const all = recordedRequests([change], ro(paused), audit);
    expect(all).toHaveLength(2);
    expect(all[0]!.body).toContainEqual({
      op: 'add',
      path: '/metadata/annotations',
      value: { 'bluegreen.kubectl.io/last-change': auditValue(audit) },
    });
  });

  it('the Event says who, what, from and to, and why', () => {
    expect(eventFor(ro(paused), audit)).toMatchObject({
      reason: 'BlueGreenPromoted',
      message: 'promote by alice: users frontend:v1.054 (revision 8) -> frontend:v1.053 (revision 9); reason: ticket 42',
    });
  });

  it('times are RFC 3339 with whole seconds', () => {
    expect(rfc3339(Date.parse('2026-11-23T12:00:00.987Z'))).toBe('2026-11-23T12:00:00Z');
  });
});

describe('workloadRef: the template lives in a Deployment', () => {
  const wref = (st: RolloutStatus, annotation?: string): Rollout => ({
    ...ro(st, annotation === undefined ? {} : { annotations: { 'rollout.argoproj.io/workload-generation': annotation } }),
    spec: {
      replicas: 2,
      workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'frontend' },
      strategy: { blueGreen: { activeService: 'a' } },
    },
  });

  it.each([
    ['no workloadRef', ro(paused), undefined, true],
    ['annotation and status agree', wref({ ...paused, workloadObservedGeneration: '4' }, '4'), undefined, true],
    [
      'the informer wrote a newer generation the controller has not taken up',
      wref({ ...paused, workloadObservedGeneration: '4' }, '5'),
      undefined,
      false,
    ],
    ['no annotation yet (upstream: observed)', wref({ ...paused, workloadObservedGeneration: '4' }), undefined, true],
    ['the Deployment is ahead of both (informer lag)', wref({ ...paused, workloadObservedGeneration: '4' }, '4'), 5, false],
    ['the Deployment at what the controller took up', wref({ ...paused, workloadObservedGeneration: '5' }, '5'), 5, true],
    ['the controller past the generation the wait began at', wref({ ...paused, workloadObservedGeneration: '6' }, '6'), 5, true],
  ] as const)('observed: %s', (_n, r, gen, want) => {
    expect(isWorkloadGenerationObserved(r, gen)).toBe(want);
    // wait --for=paused holds off until then, and a Degraded from before is not final
    expect(reached(r, 'paused', gen)).toBe(want);
  });

  it("the phase says so, as upstream's client does", () => {
    expect(getRolloutPhase(wref({ ...paused, workloadObservedGeneration: '4' }, '5'))).toEqual({
      phase: 'Progressing',
      message: 'waiting for rollout spec update to be observed for the reference workload',
    });
    expect(degraded(wref({ phase: 'Degraded', message: 'RolloutAborted: x', workloadObservedGeneration: '4' }, '4'), 5)).toBeNull();
    expect(degraded(wref({ phase: 'Degraded', message: 'RolloutAborted: x', workloadObservedGeneration: '5' }, '5'), 5)).toMatchObject({
      kind: 'final',
    });
  });

  const setImage: JsonPatchOp[] = [
    { op: 'test', path: '/metadata/generation', value: 4 },
    { op: 'test', path: '/spec/template/spec/containers/0/name', value: 'frontend' },
    { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'r/frontend:v2' },
  ];
  const dep = (image: string, extra: Record<string, unknown> = {}) => ({
    metadata: { generation: 5 },
    spec: {
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'frontend' } },
        spec: { containers: [{ name: 'frontend', image, ...extra }] },
      },
    },
  });

  it.each([
    ['set-image: the image is there', setImage, dep('r/frontend:v2'), true],
    ['set-image: still the old image', setImage, dep('r/frontend:v1'), false],
    [
      "undo: the template is there (the API server's creationTimestamp: null aside)",
      [
        {
          op: 'replace',
          path: '/spec/template',
          value: { metadata: { labels: { app: 'frontend' } }, spec: { containers: [{ name: 'frontend', image: 'r/frontend:v1' }] } },
        },
      ],
      dep('r/frontend:v1'),
      true,
    ],
    [
      'undo: another template',
      [
        {
          op: 'replace',
          path: '/spec/template',
          value: { metadata: { labels: { app: 'frontend' } }, spec: { containers: [{ name: 'frontend', image: 'r/frontend:v1' }] } },
        },
      ],
      dep('r/frontend:v1', { env: [{ name: 'A', value: 'b' }] }),
      false,
    ],
  ] as const)('changeReflected, after a lost answer: %s', (_n, ops, obj, want) => {
    expect(changeReflected(ops as JsonPatchOp[], obj)).toBe(want);
  });

  it('a change to the Deployment: the record is a merge patch on the Rollout, the Event names the Deployment', () => {
    const a: Audit = {
      by: 'alice',
      at: '2026-11-23T12:00:00Z',
      action: 'set-image',
      from: null,
      to: { images: ['frontend:v2'], revision: null },
      reason: '',
      workload: { kind: 'Deployment', name: 'frontend' },
    };
    const change: PlannedRequest = {
      method: 'PATCH',
      resource: 'deployments',
      namespace: 'ns',
      name: 'frontend',
      contentType: 'application/json-patch+json',
      body: setImage,
      purpose: 'template',
    };
    expect(workloadOf([change])).toEqual({ kind: 'Deployment', name: 'frontend' });
    const all = recordedRequests([change], ro(paused), a);
    expect(all.map((q) => `${q.method} ${q.resource} ${q.purpose}`)).toEqual([
      'PATCH deployments template',
      'PATCH rollouts audit',
      'POST events event',
    ]);
    expect(all[0]!.body).toEqual(setImage);
    expect(JSON.parse(auditValue(a)).workload).toEqual({ kind: 'Deployment', name: 'frontend' });
    expect(eventFor(ro(paused), a).message).toBe('set-image (Deployment frontend) by alice: users none -> frontend:v2');
  });
});

describe('a controller that has not acted on an available ReplicaSet', () => {
  // What v1.7.2 looked like in the stall it can get into (docs/ARGO-BEHAVIOUR.md): the new ReplicaSet made,
  // the preview on it, no pause yet, "active service cutover pending".
  const cutoverPending: RolloutStatus = {
    phase: 'Progressing',
    message: 'active service cutover pending',
    currentPodHash: 'new',
    stableRS: 'old',
    blueGreen: { activeSelector: 'old', previewSelector: 'new' },
  };
  it('waits on its desired ReplicaSet while it is not paused and the update is not live', () => {
    expect(awaitedReplicaSet(ro(cutoverPending))).toBe('new');
  });
  it.each([
    ['paused for promotion (waiting for a person)', paused],
    ['the update live (the scale-down delay of the old one can be long)', { ...cutoverPending, blueGreen: { activeSelector: 'new' } }],
    ['aborted', { ...cutoverPending, abort: true }],
    [
      'a pre-promotion analysis running',
      { ...cutoverPending, blueGreen: { activeSelector: 'old', prePromotionAnalysisRunStatus: { name: 'a', status: 'Running' } } },
    ],
    ['no desired ReplicaSet yet', { ...cutoverPending, currentPodHash: undefined }],
    ['a promote the controller has not taken up (the other stall)', { ...cutoverPending, controllerPause: true, pauseConditions: [] }],
    ['Degraded', { ...cutoverPending, phase: 'Degraded', message: 'ProgressDeadlineExceeded: x' }],
  ] as const)('not when %s', (_n, st) => {
    expect(awaitedReplicaSet(ro(st as RolloutStatus))).toBeNull();
  });
  it('a pre-promotion analysis that has ended no longer holds the controller back', () => {
    const done = {
      ...cutoverPending,
      blueGreen: { activeSelector: 'old', prePromotionAnalysisRunStatus: { name: 'a', status: 'Successful' } },
    };
    expect(awaitedReplicaSet(ro(done))).toBe('new');
  });
  it('not while the spec is not observed, nor when paused by hand', () => {
    expect(awaitedReplicaSet(ro(cutoverPending, { generation: 6 }))).toBeNull();
    expect(awaitedReplicaSet({ ...ro(cutoverPending), spec: { paused: true, replicas: 2 } })).toBeNull();
  });
  it("the controller's last record: the newest condition time, unparseable ones skipped, null without any", () => {
    const cond = (lastUpdateTime?: string, lastTransitionTime?: string) => ({
      type: 'X',
      status: 'True',
      lastUpdateTime,
      lastTransitionTime,
    });
    expect(lastRecorded(ro({ conditions: [cond('2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z'), cond('2026-11-15T00:00:00Z')] }))).toBe(
      '2026-12-01T00:00:00Z',
    );
    expect(lastRecorded(ro({ conditions: [cond('not a time'), cond(undefined, '2026-11-02T00:00:00Z')] }))).toBe('2026-11-02T00:00:00Z');
    expect(lastRecorded(ro({ conditions: [] }))).toBeNull();
    expect(lastRecorded(ro({}))).toBeNull();
  });
  it("an object's last status write: the newest managedFields entry of its status subresource, by any manager", () => {
    const f = (time: string, subresource?: string) => ({ manager: 'm', operation: 'Update', time: time as unknown as Date, subresource });
    const meta = (managedFields?: ReturnType<typeof f>[]) => ({ name: 'x', managedFields });
    expect(
      lastStatusWrite(meta([f('2026-12-01T00:00:05Z', 'status'), f('2026-12-01T00:00:09Z'), f('2026-12-01T00:00:07Z', 'status')])),
    ).toBe('2026-12-01T00:00:07Z');
    expect(lastStatusWrite(meta([f('2026-12-01T00:00:09Z')]))).toBeNull();
    expect(lastStatusWrite(meta())).toBeNull();
  });
  it('a ReplicaSet is available when every replica it wants is, for its current generation', () => {
    const rs = (replicas: number | undefined, available: number | undefined, observed = 3) =>
      replicaSetAvailable({
        metadata: { name: 'x', generation: 3 },
        spec: { replicas },
        status: { availableReplicas: available, observedGeneration: observed },
      });
    expect(rs(2, 2)).toBe(true);
    expect(rs(2, 1)).toBe(false);
    expect(rs(0, 0)).toBe(false);
    expect(rs(undefined, undefined)).toBe(false);
    expect(rs(2, 2, 2)).toBe(false);
    expect(replicaSetAvailable({ metadata: { name: 'x', generation: 3 }, spec: { replicas: 2 }, status: { availableReplicas: 2 } })).toBe(
      true,
    );
  });
});
