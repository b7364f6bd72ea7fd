// `kubectl bluegreen preview` on the real control plane: the API server's pods/portforward proxied to
// kwok, whose PortForward objects send each pod's streams to a small HTTP server standing for its
// version. The active pods answer "frontend v1.054" (checked with kubectl's own port-forward to the
// active Service), the preview pods "frontend v1.053"; a request through preview's local port gets
// v1.053. Then set-image makes a v1.055 preview, and the same local port answers v1.055.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { forwardPodsOf, startVersionServer, type VersionServer } from '../../tools/cluster/kwok-portforward.js';
import {
  bluegreen,
  clusterEnv,
  clusterView,
  deploy,
  IMAGE,
  newNamespace,
  newPreview,
  pluginEnv,
  printLogsOnFailure,
  rsOf,
  until,
} from './e2e.js';

printLogsOnFailure();

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

interface Running {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
}

function run(file: string, args: string[], env: Record<string, string | undefined>): Running {
  const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exit;
    }
  });
  return { child, out: () => out, err: () => err, exit };
}

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function server(text: string): Promise<VersionServer> {
  const s = await startVersionServer(text);
  cleanups.push(() => s.close());
  return s;
}

describe('preview through kwok port-forward', () => {
  it('serves the preview (v1.053, not the active v1.054), says it is OLDER, and follows set-image to v1.055', async () => {
    const ns = await newNamespace('e2e-preview');
    await deploy(ns, { image: IMAGE('v1.054') });

    // Nothing waits yet: refused with exit 4, saying what users get and how to make a preview.
    const none = await bluegreen(['preview', 'frontend', '-n', ns]);
    expect(none.code, none.stderr).toBe(4);
    expect(none.stderr).toContain('nothing to preview: rollout "frontend" has no preview waiting; users get frontend:v1.054 (revision 1).');
    expect(none.stderr).toContain(`kubectl bluegreen set-image frontend CONTAINER=IMAGE -n ${ns}`);

    await newPreview(ns, 'v1.053');
    const v = await clusterView(ns);
    const [s54, s53, s55] = [await server('frontend v1.054'), await server('frontend v1.053'), await server('frontend v1.055')];
    expect((await forwardPodsOf(ns, rsOf(v, 'v1.054').hash, s54)).length).toBe(2);
    expect((await forwardPodsOf(ns, rsOf(v, 'v1.053').hash, s53)).length).toBe(2);

    // The active Service's pods answer v1.054, through kubectl's own port-forward (another client and
    // protocol: SPDY in a WebSocket, translated by the API server) to the same kwok.
    const e = clusterEnv();
    const kpf = run(e.KUBECTL_BIN!, ['port-forward', '-n', ns, 'service/frontend-active', ':80'], { KUBECONFIG: e.KUBECONFIG });
    const activeUrl = await until('kubectl port-forward to listen', async () => {
      const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(kpf.out());
      return m ? `http://127.0.0.1:${m[1]}` : undefined;
    });
    // kwok reads PortForward objects through an informer: the first requests may come before it has them.
    await until('the active pods to answer v1.054', async () => (await get(activeUrl).catch(() => '')) === 'frontend v1.054\n', 30_000);

    const preview = run(e.KUBECTL_BIN!, ['bluegreen', 'preview', 'frontend', '-n', ns], pluginEnv());
    const url = await until('preview to listen', async () => /http:\/\/127\.0\.0\.1:\d+/.exec(preview.out())?.[0]);
    expect(preview.out()).toContain(`Forwarding ${url} → the preview of rollout frontend (namespace ${ns})`);
    expect(preview.out()).toContain('serves   frontend:v1.053 (revision 2), OLDER than what users get: frontend:v1.054 (revision 1)');
    expect(preview.out()).toContain('· tag v1.053 < v1.054');
    expect(preview.out()).toMatch(
      new RegExp(`via      Service frontend-preview port 80 → pod frontend-${rsOf(v, 'v1.053').hash}-\\w+ port 80`),
    );
    await until('the preview to answer v1.053', async () => (await get(url).catch(() => '')) === 'frontend v1.053\n', 30_000);
    expect(s53.requests).toBeGreaterThan(0);
    const activeHits = s54.requests;
    expect(await get(url)).toBe('frontend v1.053\n');
    expect(s54.requests).toBe(activeHits); // nothing of the preview's traffic reached the active version

    // A new preview: preview follows it on the same local port.
    const si = await bluegreen(['set-image', 'frontend', `frontend=${IMAGE('v1.055')}`, '-n', ns, '--yes']);
    expect(si.code, si.stderr).toBe(0);
    const next = await until(
      'the v1.055 pods to be ready',
      async () => {
        const r = rsOf(await clusterView(ns), 'v1.055');
        return r.available >= 2 ? r : undefined;
      },
      90_000,
    );
    expect((await forwardPodsOf(ns, next.hash, s55)).length).toBe(2);
    await until('preview to say the preview changed', async () => preview.out().includes('The preview changed'), 60_000);
    expect(preview.out()).toContain('⟳ The preview changed: frontend:v1.053 (revision 2) → frontend:v1.055 (revision 3).');
    expect(preview.out()).toContain('serves   frontend:v1.055 (revision 3); users get frontend:v1.054 (revision 1)');
    await until('the same local port to answer v1.055', async () => (await get(url).catch(() => '')) === 'frontend v1.055\n', 30_000);
    expect(s55.requests).toBeGreaterThan(0);

    // Ctrl-C ends it like status --watch: 130, and the port is closed.
    preview.child.kill('SIGINT');
    expect(await preview.exit).toBe(130);
    expect(preview.err()).toContain(`stopped forwarding ${url}.`);
    await expect(get(url)).rejects.toThrow(/ECONNREFUSED/);
  });
});
