// Checks that the cluster started by tools/cluster/vitest-setup.ts is what the end-to-end tests expect:
// the env file, the kubeconfig contexts and their authentication/authorization, the fake node and the
// namespaces. Read-only: it changes nothing in the cluster.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

import { readEnv } from '../../tools/cluster/harness.js';

const execFileP = promisify(execFile);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('local control plane harness', () => {
  let env: Record<string, string>;

  const kubectl = async (...args: string[]): Promise<Run> => {
    try {
      const { stdout, stderr } = await execFileP(env.KUBECTL_BIN!, ['--kubeconfig', env.KUBECONFIG!, ...args]);
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };

  beforeAll(() => {
    env = readEnv();
  });

  it('writes .cluster/env with the binaries, kubeconfig and logs', () => {
    for (const key of ['KUBECONFIG', 'KUBECTL_BIN', 'KUBECTL_ARGO_ROLLOUTS_BIN', 'ROLLOUTS_CONTROLLER_BIN', 'KUBE_APISERVER_LOG']) {
      expect(env[key], key).toBeTruthy();
      expect(existsSync(env[key]!), `${key}=${env[key]}`).toBe(true);
    }
    expect(env.API_SERVER_URL).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves the API to the admin context and has a Ready kwok node', async () => {
    const ready = await kubectl('get', '--raw', '/readyz');
    expect(ready.stdout.trim()).toBe('ok');
    const node = await kubectl('get', 'node', 'kwok-node-0', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}');
    expect(node.stdout).toBe('True');
    const ns = await kubectl('get', 'namespace', 'argo-rollouts', 'apc-fe-ns', '-o', 'name');
    expect(ns.stdout.trim().split('\n').sort()).toEqual(['namespace/apc-fe-ns', 'namespace/argo-rollouts']);
  });

  it("applies the release's install.yaml: the argo-rollouts Deployment names the running release, as on a real install", async () => {
    expect(env.CLUSTER_ARGO_ROLLOUTS_VERSION).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(env.CLUSTER_KUBERNETES_VERSION).toMatch(/^v\d+\.\d+\.\d+$/);
    const image = await kubectl(
      'get',
      'deployment',
      'argo-rollouts',
      '-n',
      'argo-rollouts',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    );
    expect(image.stdout).toBe(`quay.io/argoproj/argo-rollouts:${env.CLUSTER_ARGO_ROLLOUTS_VERSION}`);
    const byLabel = await kubectl('get', 'deployments', '-A', '-l', 'app.kubernetes.io/name=argo-rollouts', '-o', 'name');
    expect(byLabel.stdout.trim()).toBe('deployment.apps/argo-rollouts');
    const server = await kubectl('version', '-o', 'json');
    expect(JSON.parse(server.stdout).serverVersion.gitVersion).toBe(env.CLUSTER_KUBERNETES_VERSION);
  });

  it('authenticates the token users as expected', async () => {
    const admin = await kubectl('--context', 'e2e-token-admin', 'get', 'rollouts', '-n', 'apc-fe-ns');
    expect(admin.code, admin.stderr).toBe(0);

    const viewer = await kubectl('--context', 'e2e-viewer', 'get', 'rollouts', '-n', 'apc-fe-ns');
    expect(viewer.code).not.toBe(0);
    expect(viewer.stderr).toMatch(/Forbidden/);
    expect(viewer.stderr).toContain('User "e2e-viewer" cannot list resource "rollouts"');

    const expired = await kubectl('--context', 'e2e-expired', 'get', 'rollouts', '-n', 'apc-fe-ns');
    expect(expired.code).not.toBe(0);
    expect(expired.stderr).toMatch(/Unauthorized|must be logged in/);
  });
});
