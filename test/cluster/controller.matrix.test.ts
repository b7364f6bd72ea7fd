// Matrix only (npm run test:matrix): the controller as a client sees it on each release. The harness
// applies the release's own install.yaml (image quay.io/argoproj/argo-rollouts:<tag>), so a plugin finds
// the controller and its version the way it does on a real install.
import { describe, expect, it } from 'vitest';
import { bluegreen, clusterEnv, kubectlOk, printLogsOnFailure } from './e2e.js';

printLogsOnFailure();

describe('the controller, seen from a client', () => {
  it('kubectl bluegreen version names the release from the argo-rollouts Deployment of install.yaml', async () => {
    const release = clusterEnv().CLUSTER_ARGO_ROLLOUTS_VERSION!;
    const dep = JSON.parse(await kubectlOk(['get', 'deployment', 'argo-rollouts', '-n', 'argo-rollouts', '-o', 'json']));
    expect(dep.metadata.labels).toEqual({
      'app.kubernetes.io/component': 'rollouts-controller',
      'app.kubernetes.io/name': 'argo-rollouts',
      'app.kubernetes.io/part-of': 'argo-rollouts',
    });
    expect(dep.spec.template.spec.containers[0].image).toBe(`quay.io/argoproj/argo-rollouts:${release}`);
    const r = await bluegreen(['version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Argo Rollouts controller: ${release} (deployment argo-rollouts/argo-rollouts)`);
  });

  it('the controller process reports the same release in its metrics (argo_rollouts_controller_info)', async () => {
    const e = clusterEnv();
    const body = await (await fetch(e.ROLLOUTS_METRICS_URL!)).text();
    const m = /argo_rollouts_controller_info\{version="([^"]+)"\} 1/.exec(body);
    expect(m?.[1], body.slice(0, 400)).toBe(e.CLUSTER_ARGO_ROLLOUTS_VERSION);
  });
});
