// One truth: for generated cluster states (odd ones included: a Service that selects another revision
// than the status records, a spec not yet observed, missing or unreadable Services, ReplicaSets gone,
// tags of every scheme), the listing row, the single view, their JSON and their text say the same
// thing about who gets users, what waits, and whether it is older. Also for a workloadRef whose
// Deployment is found, missing, unreadable or ahead of what the controller took up.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashesOf, listedService, listViews, svcKey, type Read } from '../../src/cli/commands/status-list.js';
import { nextActions } from '../../src/rollout/actions.js';
import {
  compactDeployment,
  compactReplicaSet,
  compactRollout,
  compactService,
  normalizeDeployment,
  normalizeReplicaSet,
  normalizeRollout,
  normalizeService,
} from '../../src/rollout/normalize.js';
import { buildRolloutView } from '../../src/rollout/view.js';
import { shortImage } from '../../src/rollout/image.js';
import { statusJson } from '../../src/render/formats.js';
import { renderStatus } from '../../src/render/status.js';
import { renderList } from '../../src/render/reports.js';
import { translator } from '../../src/i18n/index.js';
import { record } from '../reliability.js';

const t = translator('en');
const NOW = new Date('2026-11-23T12:00:00Z');
const HASHES = ['aaa111', 'bbb222', 'ccc333', 'ddd444'];
const TAGS = ['v1.053', 'v1.054', 'v1.054-hotfix', '1.53.0', '1.54.0-rc1', '2024-12-01', '2024-12-24', '3f2a9c1', 'latest', 'v2', 'v2.1'];

const rsArb = (hash: string) =>
  fc
    .record({
      present: fc.boolean(),
      revision: fc.integer({ min: 1, max: 12 }),
      history: fc.subarray([1, 2, 3, 4, 5, 6, 7, 8]),
      tag: fc.constantFrom(...TAGS),
      createdDay: fc.integer({ min: 1, max: 20 }),
      replicas: fc.constantFrom(0, 3),
    })
    .map((r) => ({ ...r, hash }));

const stateArb = fc.record({
  rs: fc.tuple(...HASHES.map(rsArb)),
  current: fc.constantFrom(...HASHES),
  activeInStatus: fc.constantFrom(...HASHES, ''),
  /** null: no hash in the selector; '': a hash that is there but empty (held as such, not as missing). */
  activeInService: fc.constantFrom(...HASHES, '', null),
  services: fc.constantFrom('both', 'activeMissing', 'unreadable', 'noPreviewService'),
  observed: fc.boolean(),
  aborted: fc.boolean(),
  paused: fc.boolean(),
  workload: fc.constantFrom('none', 'found', 'missing', 'unreadable', 'replicaSet'),
  /** How far the Deployment's generation is ahead of the Rollout's annotation, and that of what the controller took up. */
  workloadLag: fc.constantFrom(0, 1),
  annotationLag: fc.constantFrom(0, 1),
  deploymentReplicas: fc.constantFrom(0, 2),
});

type State = typeof stateArb extends fc.Arbitrary<infer S> ? S : never;

function objects(s: State) {
  const image = (tag: string) => `registry.example.com/apc/frontend:${tag}`;
  const current = s.rs.find((r) => r.hash === s.current)!;
  const rollout = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: {
      name: 'frontend',
      namespace: 'ns',
      uid: 'ro-uid',
      generation: s.observed ? 5 : 6,
      creationTimestamp: '2026-11-01T00:00:00Z',
      annotations: { 'rollout.argoproj.io/revision': String(current.revision) },
    },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'frontend' } },
      template: { metadata: { labels: { app: 'frontend' } }, spec: { containers: [{ name: 'frontend', image: image(current.tag) }] } },
      strategy: {
        blueGreen: {
          activeService: 'frontend-active',
          ...(s.services === 'noPreviewService' ? {} : { previewService: 'frontend-preview' }),
          autoPromotionEnabled: false,
        },
      },
      ...(s.workload === 'none'
        ? {}
        : {
            workloadRef: {
              apiVersion: 'apps/v1',
              kind: s.workload === 'replicaSet' ? 'ReplicaSet' : 'Deployment',
              name: 'frontend',
              scaleDown: 'never',
            },
          }),
    },
    status: {
      observedGeneration: '5',
      currentPodHash: s.current,
      stableRS: s.activeInStatus || undefined,
      abort: s.aborted || undefined,
      pauseConditions: s.paused ? [{ reason: 'BlueGreenPause', startTime: '2026-11-23T11:00:00Z' }] : undefined,
      blueGreen: { activeSelector: s.activeInStatus || undefined, previewSelector: s.current },
      replicas: 6,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      ...(s.workload === 'none' ? {} : { workloadObservedGeneration: '7' }),
    },
  };
  if (s.workload !== 'none') {
    (rollout.metadata.annotations as Record<string, string>)['rollout.argoproj.io/workload-generation'] = String(7 + s.annotationLag);
  }
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'frontend', namespace: 'ns', generation: 7 + s.annotationLag + s.workloadLag },
    spec: { replicas: s.deploymentReplicas, selector: { matchLabels: { app: 'frontend' } }, template: rollout.spec.template },
    status: { replicas: s.deploymentReplicas, readyReplicas: s.deploymentReplicas },
  };
  const replicaSets = s.rs
    .filter((r) => r.present)
    .map((r) => ({
      metadata: {
        name: `frontend-${r.hash}`,
        namespace: 'ns',
        uid: `rs-${r.hash}`,
        creationTimestamp: `2026-11-${String(r.createdDay).padStart(2, '0')}T09:00:00Z`,
        labels: { app: 'frontend', 'rollouts-pod-template-hash': r.hash },
        annotations: {
          'rollout.argoproj.io/revision': String(r.revision),
          ...(r.history.length ? { 'rollout.argoproj.io/revision-history': r.history.join(',') } : {}),
        },
        ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'frontend', uid: 'ro-uid', controller: true }],
      },
      spec: {
        replicas: r.replicas,
        template: {
          metadata: { labels: { app: 'frontend', 'rollouts-pod-template-hash': r.hash } },
          spec: { containers: [{ name: 'frontend', image: image(r.tag) }] },
        },
      },
      status: { replicas: r.replicas, readyReplicas: r.replicas, availableReplicas: r.replicas },
    }));
  const svc = (name: string, hash: string | null) => ({
    metadata: { name, namespace: 'ns' },
    spec: { selector: { app: 'frontend', ...(hash !== null ? { 'rollouts-pod-template-hash': hash } : {}) } },
  });
  const active = s.services === 'activeMissing' ? null : svc('frontend-active', s.activeInService);
  const preview = s.services === 'noPreviewService' ? undefined : svc('frontend-preview', s.current);
  return { rollout, replicaSets, active, preview, deployment };
}

describe('one truth', () => {
  it('the listing row, the single view, their JSON and their text agree on active, preview and older', () => {
    const runs = 1500;
    fc.assert(
      fc.property(stateArb, (s) => {
        const o = objects(s);
        const unreadable = s.services === 'unreadable';
        // The single view, as `status ROLLOUT` reads it.
        const ro = normalizeRollout(o.rollout);
        const single = buildRolloutView({
          rollout: ro,
          replicaSets: o.replicaSets.map(normalizeReplicaSet),
          activeService: unreadable ? undefined : o.active && normalizeService(o.active),
          previewService: unreadable || !o.preview ? undefined : normalizeService(o.preview),
          workload: s.workload === 'found' ? normalizeDeployment(o.deployment) : s.workload === 'missing' ? null : undefined,
        });
        // The listing, as `status` reads it: compacted objects, Services by name and in the form it holds
        // them, only the rows' ReplicaSets.
        const services: Read['services'] = unreadable
          ? undefined
          : new Map(
              [o.active, o.preview]
                .filter((x): x is NonNullable<typeof x> => !!x)
                .map((x) => listedService(compactService(x)))
                // Keyed by the held form's own namespace and name, as the listing keys them.
                .map((x) => [svcKey(x.metadata.namespace, x.metadata.name), x]),
            );
        const listRo = compactRollout(o.rollout);
        const wanted = new Set(hashesOf(listRo, services));
        const deployments =
          s.workload === 'unreadable'
            ? undefined
            : new Map(s.workload === 'found' ? [[svcKey('ns', 'frontend'), compactDeployment(o.deployment)] as const] : []);
        const rows = listViews({
          rollouts: [listRo],
          services,
          replicaSets: o.replicaSets.filter((r) => wanted.has(r.metadata.labels['rollouts-pod-template-hash'])).map(compactReplicaSet),
          deployments,
        });
        const listed = rows.views[0]!;

        const { nextActions: _n, ...one } = statusJson(single, nextActions(single, ro, NOW)) as ReturnType<typeof statusJson> & {
          nextActions?: unknown;
        };
        expect(statusJson(listed, null)).toEqual(one);

        // The texts say the same.
        const picture = renderStatus(t, single, nextActions(single, ro, NOW), false, { now: NOW });
        const row = renderList(t, [listed], { allNamespaces: false, wide: false, color: false, now: NOW }).split('\n')[1]!;
        const cells = row.trim().split(/\s{3,}/);
        expect(cells[2]).toBe(single.active ? shortImage(single.active.images[0] ?? '?') || '?' : '-');
        expect(cells[4]).toBe(single.preview ? shortImage(single.preview.images[0] ?? '?') || '?' : '-');
        expect(cells[6]).toBe(!single.preview ? '-' : single.previewIsOlder ? 'YES' : single.previewIsOlder === null ? '?' : 'no');
        expect(picture.includes('The preview is OLDER than what users get')).toBe(single.previewIsOlder === true && !!single.preview);
        expect(picture.includes('cannot be told')).toBe(single.previewIsOlder === null && !!single.preview);
        if (single.active?.images[0]) expect(picture).toContain(single.active.images[0]);
      }),
      { numRuns: runs },
    );
    record({
      kind: 'input',
      area: 'one truth (listing vs single view)',
      case: 'generated cluster states: JSON equal, text rows and picture agree',
      count: runs,
      outcome: 'held for every generated case',
    });
  }, 120_000);
});
