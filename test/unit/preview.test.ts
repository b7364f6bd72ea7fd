// preview's pure decisions: when there is nothing to preview, which port and pod, what is served.
import { describe, expect, it } from 'vitest';
import {
  isReady,
  matches,
  pickPod,
  podPort,
  refusal,
  servicePort,
  serving,
  type Pod,
  type PreviewService,
  type ServicePort,
} from '../../src/cli/commands/preview.js';
import { buildRolloutView, type RevisionView } from '../../src/rollout/view.js';
import { loadFixture } from '../fixtures/load.js';

const vt = (r: RevisionView | null) => (r ? `${r.images.join(',')}#${r.revision}` : '-');

function viewOf(fixture: string, previewSvc?: PreviewService | null) {
  const f = loadFixture(fixture);
  const svc = previewSvc === undefined ? (f.services.preview as PreviewService | null) : previewSvc;
  return {
    view: buildRolloutView({ rollout: f.rollout, replicaSets: f.replicaSets, activeService: f.services.active, previewService: svc }),
    svc,
  };
}

const withPort = (svc: PreviewService | null, ports: ServicePort[]) => svc && ({ ...svc, spec: { ...svc.spec, ports } } as PreviewService);

describe('refusal: exit 4 unless a preview waits behind a preview Service with a TCP port', () => {
  it('nothing waits: says what users get', () => {
    const { view, svc } = viewOf('settled.yaml');
    const r = refusal(view, svc, vt);
    expect({ code: r?.exitCode, key: r?.key, params: r?.params }).toEqual({
      code: 4,
      key: 'preview.nothingWaits',
      params: { name: 'frontend', ns: 'apc-fe-ns', v: vt(view.active) },
    });
  });
  it('aborted, no preview Service, Service missing, no TCP port', () => {
    expect(refusal(viewOf('aborted.yaml').view, null, vt)?.key).toBe('preview.aborted');
    expect(refusal(viewOf('no-preview-service.yaml').view, undefined, vt)?.key).toBe('preview.noService');
    const c = viewOf('christmas.yaml', null);
    const r = refusal(c.view, null, vt);
    expect({ key: r?.key, params: r?.params }).toEqual({
      key: 'preview.serviceMissing',
      params: { name: 'frontend', ns: 'apc-fe-ns', svc: 'frontend-preview' },
    });
    const udp = viewOf('christmas.yaml');
    expect(refusal(udp.view, withPort(udp.svc, [{ port: 53, protocol: 'UDP' }]), vt)?.key).toBe('preview.noPort');
    expect(refusal(udp.view, withPort(udp.svc, [{ port: 80 }]), vt)).toBeNull();
  });
});

describe('ports', () => {
  const pod: Pod = {
    metadata: { name: 'p' },
    spec: {
      containers: [
        {
          name: 'c',
          ports: [
            { name: 'metrics', containerPort: 9090, protocol: 'UDP' },
            { name: 'http', containerPort: 8080 },
          ],
        },
      ],
    },
  };
  it('the first TCP Service port; its targetPort by number, by numeric string, by name (TCP only); else the port', () => {
    expect(
      servicePort({
        metadata: {},
        spec: {
          ports: [
            { port: 53, protocol: 'UDP' },
            { port: 80, targetPort: 'http' },
          ],
        },
      }),
    ).toEqual({ port: 80, targetPort: 'http' });
    expect(podPort(pod, { port: 80, targetPort: 8081 })).toBe(8081);
    expect(podPort(pod, { port: 80, targetPort: '8082' })).toBe(8082);
    expect(podPort(pod, { port: 80, targetPort: 'http' })).toBe(8080);
    expect(podPort(pod, { port: 80, targetPort: 'metrics' })).toBeNull();
    expect(podPort(pod, { port: 80 })).toBe(80);
  });
});

describe('pods', () => {
  const mk = (name: string, hash: string, o: { ready?: boolean; created?: string; deleting?: boolean; phase?: string } = {}): Pod => ({
    metadata: {
      name,
      creationTimestamp: o.created ?? '2026-11-23T10:00:00Z',
      labels: { app: 'frontend', 'rollouts-pod-template-hash': hash },
      ...(o.deleting ? { deletionTimestamp: '2026-11-23T11:00:00Z' } : {}),
    },
    status: { phase: o.phase ?? 'Running', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  });
  const sel = { app: 'frontend', 'rollouts-pod-template-hash': 'b' };
  it('only ready, running, not terminating pods of the selector; the oldest first; the current one kept', () => {
    const pods = [
      mk('a-1', 'a'),
      mk('b-3', 'b', { created: '2026-11-23T10:05:00Z' }),
      mk('b-2', 'b', { ready: false }),
      mk('b-1', 'b', { deleting: true }),
      mk('b-4', 'b', { created: '2026-11-23T10:01:00Z' }),
      mk('b-5', 'b', { phase: 'Pending' }),
    ];
    expect(isReady(pods[1]!)).toBe(true);
    expect(matches(pods[0]!.metadata.labels, sel)).toBe(false);
    expect(pickPod(pods, sel, null)?.metadata.name).toBe('b-4');
    expect(pickPod(pods, sel, 'b-3')?.metadata.name).toBe('b-3');
    expect(pickPod(pods, sel, 'b-2')?.metadata.name).toBe('b-4'); // the current one is not ready any more
    expect(pickPod([pods[0]!], sel, null)).toBeNull();
  });
});

describe('serving: what the preview Service selects, and whether it is older than what users get', () => {
  it("the waiting preview, with the view's signals", () => {
    const { view, svc } = viewOf('christmas.yaml');
    const s = serving(view, svc);
    expect(s).toMatchObject({ hash: '6c8d7f5b9d', waits: true, older: true });
    expect(s.revision?.revision).toBe(9);
    expect(s.signals.map((o) => o.signal)).toEqual(['createdBefore', 'servedBefore', 'tagLower']);
  });
  it('a Service still on another revision is described as that revision, compared with the active one', () => {
    const c = viewOf('christmas.yaml');
    const onOld = { ...c.svc!, spec: { selector: { app: 'frontend', 'rollouts-pod-template-hash': '7d9c6b5f4a' } } } as PreviewService;
    const s = serving(c.view, onOld);
    expect(s).toMatchObject({ hash: '7d9c6b5f4a', waits: false, older: true });
    expect(s.revision?.revision).toBe(6);
    expect(s.signals.map((o) => o.signal)).toContain('tagLower');
  });
  it('a Service on the active revision (nothing waits any more) is not older; an unknown hash has no revision', () => {
    const c = viewOf('christmas.yaml');
    const onActive = { ...c.svc!, spec: { selector: { 'rollouts-pod-template-hash': '5f6d8c9b77' } } } as PreviewService;
    expect(serving(c.view, onActive)).toMatchObject({ waits: false, older: false, signals: [] });
    const unknown = { ...c.svc!, spec: { selector: { 'rollouts-pod-template-hash': 'ffffffffff' } } } as PreviewService;
    expect(serving(c.view, unknown)).toMatchObject({ hash: 'ffffffffff', revision: null, waits: false, older: false, signals: [] });
  });
});
