// The blue-green `frontend` Rollout used by the demo, the end-to-end tests and the benchmark: an
// active and a preview Service, and a Rollout whose options each scenario sets. With `workloadRef`, the
// documented migration instead: a Deployment `frontend` holds the pod template, the Rollout references
// it (spec.workloadRef) and has none, and a Service `frontend-direct` selects app=frontend as the
// Deployment's Service did before the migration.
import { dump } from 'js-yaml';

export const IMAGE = (tag: string) => `registry.example.com/apc/frontend:${tag}`;

export interface DeployOptions {
  image?: string;
  replicas?: number;
  /** false by default; null leaves it unset (the controller then promotes by itself). */
  autoPromotionEnabled?: boolean | null;
  autoPromotionSeconds?: number;
  scaleDownDelaySeconds?: number;
  abortScaleDownDelaySeconds?: number;
  previewService?: boolean;
  previewMetadata?: Record<string, unknown>;
  activeMetadata?: Record<string, unknown>;
  /** The template lives in Deployment `frontend` (its own replicas: 2 unless set); scaleDown unset when undefined. */
  workloadRef?: { scaleDown?: 'never' | 'onsuccess' | 'progressively'; deploymentReplicas?: number };
}

export function manifests(o: DeployOptions): string {
  const bg: Record<string, unknown> = {
    activeService: 'frontend-active',
    ...(o.previewService === false ? {} : { previewService: 'frontend-preview' }),
    ...(o.autoPromotionEnabled === undefined
      ? { autoPromotionEnabled: false }
      : o.autoPromotionEnabled === null
        ? {}
        : { autoPromotionEnabled: o.autoPromotionEnabled }),
    ...(o.autoPromotionSeconds ? { autoPromotionSeconds: o.autoPromotionSeconds } : {}),
    scaleDownDelaySeconds: o.scaleDownDelaySeconds ?? 3,
    abortScaleDownDelaySeconds: o.abortScaleDownDelaySeconds ?? 2,
    ...(o.previewMetadata ? { previewMetadata: o.previewMetadata } : {}),
    ...(o.activeMetadata ? { activeMetadata: o.activeMetadata } : {}),
  };
  const svc = (name: string) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { selector: { app: 'frontend' }, ports: [{ port: 80 }] },
  });
  const template = {
    metadata: { labels: { app: 'frontend' } },
    spec: { containers: [{ name: 'frontend', image: o.image ?? IMAGE('v1.052') }] },
  };
  const w = o.workloadRef;
  const docs = [
    svc('frontend-active'),
    ...(o.previewService === false ? [] : [svc('frontend-preview')]),
    ...(w
      ? [
          svc('frontend-direct'),
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name: 'frontend' },
            spec: { replicas: w.deploymentReplicas ?? 2, selector: { matchLabels: { app: 'frontend' } }, template },
          },
        ]
      : []),
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'frontend' },
      spec: {
        replicas: o.replicas ?? 2,
        revisionHistoryLimit: 10,
        selector: { matchLabels: { app: 'frontend' } },
        ...(w
          ? {
              workloadRef: {
                apiVersion: 'apps/v1',
                kind: 'Deployment',
                name: 'frontend',
                ...(w.scaleDown ? { scaleDown: w.scaleDown } : {}),
              },
            }
          : { template }),
        strategy: { blueGreen: bg },
      },
    },
  ];
  return docs.map((d) => dump(d)).join('---\n');
}
