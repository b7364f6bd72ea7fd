// Measurements the matrix tests take (counts, not pass/fail), written per Argo Rollouts / Kubernetes
// version to .cluster/matrix/measurements.jsonl; scripts/matrix.ts puts them into docs/COMPATIBILITY.md.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { clusterEnv } from './e2e.js';

export const MEASUREMENTS_FILE = join(import.meta.dirname, '..', '..', '.cluster', 'matrix', 'measurements.jsonl');

export interface Measurement {
  /** Stable key, e.g. "promote-lost/official-plugin". */
  key: string;
  /** What was measured, in words (the table's row heading). */
  what: string;
  value: number;
  of?: number;
  detail?: string;
}

export function measure(m: Measurement): void {
  const e = clusterEnv();
  mkdirSync(join(MEASUREMENTS_FILE, '..'), { recursive: true });
  appendFileSync(
    MEASUREMENTS_FILE,
    `${JSON.stringify({ ...m, argoRollouts: e.CLUSTER_ARGO_ROLLOUTS_VERSION, kubernetes: e.CLUSTER_KUBERNETES_VERSION, at: new Date().toISOString() })}\n`,
  );
}
