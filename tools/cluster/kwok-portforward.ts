// kwok as the kubelet for `kubectl port-forward` (and `kubectl bluegreen preview`): the API server
// proxies pods/{name}/portforward to the node's kubelet endpoint, which is kwok's server here, and kwok
// forwards each stream to an address named by a PortForward object (kwok.x-k8s.io/v1alpha1) for that
// pod. Read in sigs.k8s.io/kwok v0.8.0: pkg/kwok/server/debugging_port_forword.go (the forward),
// pkg/kwok/cmd/root.go (flags), kustomize/stage/node/fast/node-initialize.yaml (the node's address and
// daemon endpoint come from --node-ip and --node-port).
//
// What it takes, all wired in harness.ts:
//  - kwok: --node-ip=127.0.0.1 and --node-port=<its server port>, so the node's InternalIP and
//    status.daemonEndpoints.kubeletEndpoint.Port lead to kwok's server; a serving certificate (kwok
//    serves TLS and plain HTTP on the one port, so the plain /healthz check stays as it is);
//    --enable-crds=PortForward,ClusterPortForward to read the forwards from the cluster.
//  - kube-apiserver: --kubelet-preferred-address-types=InternalIP (the default tries Hostname first,
//    and "kwok-node-0" resolves nowhere), and the CA to verify kwok's certificate with.
//  - The two CRDs, taken from the kwok module in the Go module cache (as build.sh takes kwok's stages;
//    nothing of kwok is committed), applied before kwok starts.
//
// And, for tests, tiny HTTP servers that stand for versions of the app, and forwardPodsOf() to point
// the pods of one ReplicaSet (by pod-template hash) at one of them.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { ApiError, KubeApi } from './http.js';
import type { Pki } from './pki.js';

const execFileP = promisify(execFile);

const KWOK_API = '/apis/kwok.x-k8s.io/v1alpha1';

/** Extra kwok flags: its server becomes the node's kubelet endpoint, with TLS, reading PortForwards. */
export function kwokKubeletArgs(pki: Pick<Pki, 'servingCert' | 'servingKey'>, serverPort: number): string[] {
  return [
    `--node-port=${serverPort}`,
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    '--enable-crds=PortForward,ClusterPortForward',
  ];
}

/** Extra kube-apiserver flags: how it reaches and verifies the kubelet (kwok). */
export function apiserverKubeletArgs(pki: Pick<Pki, 'caCert' | 'adminCert' | 'adminKey'>): string[] {
  return [
    '--kubelet-preferred-address-types=InternalIP',
    `--kubelet-certificate-authority=${pki.caCert}`,
    // kwok does not authenticate its callers; a real kubelet would want a client certificate.
    `--kubelet-client-certificate=${pki.adminCert}`,
    `--kubelet-client-key=${pki.adminKey}`,
  ];
}

/** kwok's PortForward and ClusterPortForward CRDs, from the kwok module (downloaded by build.sh). */
export async function kwokPortForwardCrds(kwokVersion: string): Promise<string[]> {
  let dir: string;
  try {
    const { stdout } = await execFileP('go', ['mod', 'download', '-json', `sigs.k8s.io/kwok@${kwokVersion}`], {
      cwd: tmpdir(),
      env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '' },
      timeout: 300_000,
    });
    const j = JSON.parse(stdout) as { Dir?: string; Error?: string };
    if (!j.Dir) throw new Error(j.Error ?? 'no Dir in go mod download output');
    dir = j.Dir;
  } catch (err) {
    throw new Error(`cannot locate the kwok ${kwokVersion} module for its CRDs: ${(err as Error).message}`);
  }
  const files = ['kwok.x-k8s.io_portforwards.yaml', 'kwok.x-k8s.io_clusterportforwards.yaml'].map((f) =>
    join(dir, 'kustomize', 'crd', 'bases', f),
  );
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length) throw new Error(`kwok module has no ${missing.join(', ')}`);
  return files;
}

// ---------------------------------------------------------------------------------------------------
// For tests

export interface VersionServer {
  /** http://127.0.0.1:PORT */
  url: string;
  address: string;
  port: number;
  /** Requests answered so far. */
  requests: number;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that answers every request with `text` (e.g. "frontend v1.054"). */
export async function startVersionServer(text: string): Promise<VersionServer> {
  const server: Server = createServer((_req, res) => {
    vs.requests++;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': String(Buffer.byteLength(text) + 1) });
    res.end(`${text}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const vs: VersionServer = {
    url: `http://127.0.0.1:${port}`,
    address: '127.0.0.1',
    port,
    requests: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return vs;
}

interface PodList {
  items: Array<{ metadata: { name: string; deletionTimestamp?: string } }>;
}

function adminApi(): KubeApi {
  const statePath = join(import.meta.dirname, '..', '..', '.cluster', 'state.json');
  const state = JSON.parse(readFileSync(statePath, 'utf8')) as { apiServerUrl: string; tls: { ca: string; cert: string; key: string } };
  return new KubeApi(state.apiServerUrl, {
    ca: readFileSync(state.tls.ca),
    cert: readFileSync(state.tls.cert),
    key: readFileSync(state.tls.key),
  });
}

/**
 * Points kwok's port-forward for every current pod of the ReplicaSet with pod-template hash `hash`
 * at `target`: one PortForward per pod (kwok matches them by pod name), any port. Returns the pods.
 */
export async function forwardPodsOf(ns: string, hash: string, target: { address: string; port: number }): Promise<string[]> {
  const api = adminApi();
  const pods = await api.get<PodList>(
    `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(`rollouts-pod-template-hash=${hash}`)}`,
  );
  const names = pods.items.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name);
  for (const name of names) {
    const spec = { forwards: [{ target: { address: target.address, port: target.port } }] };
    try {
      await api.call('POST', `${KWOK_API}/namespaces/${ns}/portforwards`, {
        apiVersion: 'kwok.x-k8s.io/v1alpha1',
        kind: 'PortForward',
        metadata: { name, namespace: ns },
        spec,
      });
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 409)) throw err;
      await api.call('PATCH', `${KWOK_API}/namespaces/${ns}/portforwards/${name}`, { spec }, 'application/merge-patch+json');
    }
  }
  return names;
}
