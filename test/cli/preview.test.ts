// `preview` end to end against the HTTPS fake API server: the real parser, the real port-forward client,
// and a fake kubelet (test/cli/fake-kubelet.ts) that connects each pod to a small HTTP server standing
// for its version. Checks what a request through the local port gets, what is printed, and that the
// command follows the preview when it changes.
import { mkdtempSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/main.js';
import type { IO } from '../../src/ctx.js';
import { loadFixture } from '../fixtures/load.js';
import { FakeApiServer } from './fake-apiserver.js';
import { runCli } from './run.js';

const TOKEN = 'sekret-token-0123456789abcdef';
const NS = 'apc-fe-ns';
const ACTIVE = '5f6d8c9b77';
const PREVIEW = '6c8d7f5b9d';
const NEXT = '8e9f0a1b2c';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** An HTTP server standing for one version of the app. */
async function versionServer(text: string): Promise<number> {
  const s: Server = createServer((_req, res) => res.end(`${text}\n`));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r()))));
  return (s.address() as net.AddressInfo).port;
}

function pod(name: string, hash: string, ready = true) {
  return {
    metadata: {
      name,
      namespace: NS,
      creationTimestamp: '2026-11-23T10:00:00Z',
      labels: { app: 'frontend', 'rollouts-pod-template-hash': hash },
    },
    spec: { containers: [{ name: 'frontend', ports: [{ name: 'http', containerPort: 8080 }] }] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

/** The Christmas incident, with a preview Service that has a port, pods, and a kubelet per version. */
async function christmas(opts: { fixture?: string } = {}) {
  const versions = new Map<string, number>([
    [ACTIVE, await versionServer('frontend v1.054')],
    [PREVIEW, await versionServer('frontend v1.053')],
    [NEXT, await versionServer('frontend v1.055')],
  ]);
  const fake = await FakeApiServer.start({
    token: TOKEN,
    kubelet: (_ns, podName, port) => {
      const hash = fake.pods.get(`${NS}/${podName}`)?.metadata.labels['rollouts-pod-template-hash'];
      if (port !== 8080) return `error forwarding port ${port} to pod ${podName}: nothing listens`;
      return net.connect(versions.get(hash)!, '127.0.0.1');
    },
  });
  cleanups.push(() => fake.stop());
  const f = loadFixture(opts.fixture ?? 'christmas.yaml');
  const withPorts = (svc: any) => svc && { ...svc, spec: { ...svc.spec, ports: [{ name: 'web', port: 80, targetPort: 'http' }] } };
  fake.load({
    rollout: f.rollout,
    replicaSets: f.replicaSets,
    services: { active: withPorts(f.services.active), preview: withPorts(f.services.preview) },
  });
  for (const [name, hash] of [
    ['frontend-5f6d8c9b77-aaaaa', ACTIVE],
    ['frontend-6c8d7f5b9d-bbbbb', PREVIEW],
    ['frontend-6c8d7f5b9d-ccccc', PREVIEW],
  ] as const) {
    fake.put('pods', pod(name, hash));
  }
  const dir = mkdtempSync(join(tmpdir(), 'bluegreen-preview-'));
  return { fake, env: { KUBECONFIG: fake.kubeconfig(dir), LANG: 'en_US.UTF-8' } };
}

/** The command running in process, with its output readable while it runs and Ctrl-C at hand. */
function start(argv: string[], env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const handlers: Array<() => void> = [];
  const io: IO = {
    stdout: { write: (s: string) => ((stdout += s), true), isTTY: false },
    stderr: { write: (s: string) => ((stderr += s), true), isTTY: false },
    stdin: new PassThrough(),
    stdinIsTTY: false,
    env: { HOME: '/nonexistent', ...env },
    now: () => new Date('2026-11-23T12:00:00Z'),
    onInterrupt(h) {
      handlers.push(h);
      return () => handlers.splice(handlers.indexOf(h), 1);
    },
  };
  const done = main(argv, io);
  let stopped = false;
  const interrupt = () => handlers.forEach((h) => h());
  cleanups.push(async () => {
    if (!stopped) interrupt();
    await done;
  });
  return {
    out: () => stdout,
    err: () => stderr,
    async stop() {
      stopped = true;
      interrupt();
      return done;
    },
    async until(what: string, test: () => boolean, ms = 10_000) {
      const t0 = Date.now();
      while (!test()) {
        if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

function get(url: string, agent: false | import('node:http').Agent = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('preview', () => {
  it('forwards a local port to the preview, says it is OLDER, follows a new preview, ends on Ctrl-C with 130', async () => {
    const { fake, env } = await christmas();
    const cli = start(['preview', 'frontend'], env);
    await cli.until('the URL', () => /http:\/\/127\.0\.0\.1:\d+/.test(cli.out()));
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(cli.out())![0];
    expect(cli.out()).toContain(`Forwarding ${url} → the preview of rollout frontend (namespace apc-fe-ns)`);
    expect(cli.out()).toContain('serves   frontend:v1.053 (revision 9), OLDER than what users get: frontend:v1.054 (revision 8)');
    expect(cli.out()).toContain('· tag v1.053 < v1.054');
    // The named targetPort "http" is the container port 8080 of the oldest ready pod.
    expect(cli.out()).toContain('via      Service frontend-preview port 80 → pod frontend-6c8d7f5b9d-bbbbb port 8080');

    expect(await get(url)).toBe('frontend v1.053\n');
    expect(await get(url)).toBe('frontend v1.053\n');
    // Through the API server, credentials and all, one WebSocket per connection, to the preview pod.
    const ups = fake.requests.filter((r) => r.method === 'UPGRADE GET');
    expect(ups.map((r) => r.path)).toEqual([
      '/api/v1/namespaces/apc-fe-ns/pods/frontend-6c8d7f5b9d-bbbbb/portforward',
      '/api/v1/namespaces/apc-fe-ns/pods/frontend-6c8d7f5b9d-bbbbb/portforward',
    ]);
    expect(ups.every((r) => r.authorization === `Bearer ${TOKEN}` && r.query.ports === '8080')).toBe(true);

    // A kept-alive connection to the old preview...
    const keep = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => keep.destroy());
    expect(await get(url, keep)).toBe('frontend v1.053\n');
    const kept = Object.values(keep.freeSockets)[0]![0]!;
    const keptClosed = new Promise((r) => kept.once('close', r));

    // ...then set-image makes a new preview: a new ReplicaSet, its pods, the Service moves, the status follows.
    const rs = structuredClone(fake.replicaSets.get(`${NS}/frontend-6c8d7f5b9d`)!);
    rs.metadata = {
      ...rs.metadata,
      name: `frontend-${NEXT}`,
      creationTimestamp: '2026-11-23T11:59:00Z',
      labels: { app: 'frontend', 'rollouts-pod-template-hash': NEXT },
      annotations: { 'rollout.argoproj.io/revision': '10' },
    };
    rs.spec.template.spec.containers[0].image = 'registry.example.com/apc/frontend:v1.055';
    fake.put('replicasets', rs);
    fake.put('pods', pod(`frontend-${NEXT}-ddddd`, NEXT));
    const svc = fake.services.get(`${NS}/frontend-preview`)!;
    fake.put('services', { ...svc, spec: { ...svc.spec, selector: { app: 'frontend', 'rollouts-pod-template-hash': NEXT } } });
    const ro = fake.rollout(NS, 'frontend')!;
    fake.put('rollouts', {
      ...ro,
      status: { ...ro.status, currentPodHash: NEXT, blueGreen: { ...ro.status.blueGreen, previewSelector: NEXT } },
    });

    await cli.until('the change', () => cli.out().includes('The preview changed'));
    expect(cli.out()).toContain('⟳ The preview changed: frontend:v1.053 (revision 9) → frontend:v1.055 (revision 10).');
    expect(cli.out()).toContain('serves   frontend:v1.055 (revision 10); users get frontend:v1.054 (revision 8)');
    expect(cli.out()).toContain(`pod frontend-${NEXT}-ddddd port 8080`);
    await keptClosed; // the connection to the old preview was closed
    expect(await get(url)).toBe('frontend v1.055\n'); // the same local port, the new version

    // The pod goes away: connections wait for another, which comes, and is used.
    fake.remove('pods', NS, `frontend-${NEXT}-ddddd`);
    await cli.until('the pod is gone', () => cli.err().includes('no other pod of the preview is ready'));
    const pending = get(url);
    await new Promise((r) => setTimeout(r, 100));
    fake.put('pods', pod(`frontend-${NEXT}-eeeee`, NEXT));
    expect(await pending).toBe('frontend v1.055\n');
    expect(cli.err()).toContain(`pod frontend-${NEXT}-eeeee is ready: connections go to it.`);

    expect(await cli.stop()).toBe(130);
    expect(cli.err()).toContain(`stopped forwarding ${url}.`);
    await expect(get(url)).rejects.toThrow(/ECONNREFUSED/);
    if (process.env.SHOW) console.log(`STDOUT\n${cli.out()}\nSTDERR\n${cli.err()}`);
  });

  it('-o json: one document when it listens and one per change', async () => {
    const { env } = await christmas();
    const cli = start(['preview', 'frontend', '-o', 'json', '--port', '0'], env);
    await cli.until('the first line', () => cli.out().includes('\n'));
    const doc = JSON.parse(cli.out().split('\n')[0]!);
    expect(doc).toMatchObject({
      apiVersion: 'bluegreen/v1',
      kind: 'PreviewForward',
      event: 'listening',
      name: 'frontend',
      namespace: NS,
      service: { name: 'frontend-preview', port: 80, targetPort: 'http' },
      pod: { name: 'frontend-6c8d7f5b9d-bbbbb', port: 8080 },
      serves: { revision: 9, images: ['registry.example.com/apc/frontend:v1.053'] },
      previewWaits: true,
      active: { revision: 8 },
      servesOlder: true,
      olderBecause: ['created before the active ReplicaSet', 'served revisions 5,7 before', 'tag v1.053 < v1.054'],
    });
    expect(await get(doc.url)).toBe('frontend v1.053\n');
    expect(await cli.stop()).toBe(130);
    expect(cli.out().trim().split('\n')).toHaveLength(1);
  });

  it('refuses with exit 4 when nothing waits, saying what users get and how to make a preview', async () => {
    const { env } = await christmas({ fixture: 'settled.yaml' });
    const r = await runCli(['preview', 'frontend'], { env });
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^error: nothing to preview: rollout "frontend" has no preview waiting; users get frontend:v\S+ \(revision \d+\)\. Make one with: kubectl bluegreen set-image frontend CONTAINER=IMAGE -n apc-fe-ns/,
    );
    const ko = await runCli(['preview', 'frontend'], { env: { ...env, LANG: 'ko_KR.UTF-8' } });
    expect(ko.code).toBe(4);
    expect(ko.stderr).toContain('확인할 preview가 없습니다');
  });

  it('refuses an aborted preview and a rollout without a preview Service (exit 4)', async () => {
    const aborted = await christmas({ fixture: 'aborted.yaml' });
    const a = await runCli(['preview', 'frontend'], { env: aborted.env });
    expect(a.code).toBe(4);
    expect(a.stderr).toContain('was aborted');
    expect(a.stderr).toContain('Bring it back with: kubectl bluegreen retry frontend -n apc-fe-ns');
    const none = await christmas({ fixture: 'no-preview-service.yaml' });
    const n = await runCli(['preview', 'frontend'], { env: none.env });
    expect(n.code).toBe(4);
    expect(n.stderr).toContain('has no preview Service');
  });

  it('bad --port or --address is a usage error (2); a port in use is a failure (1) that names it', async () => {
    const { env } = await christmas();
    for (const args of [
      ['--port', '70000'],
      ['--port', 'http'],
      ['--address', 'my laptop'],
    ]) {
      const r = await runCli(['preview', 'frontend', ...args], { env });
      expect(r.code, r.stderr).toBe(2);
    }
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => busy.close(() => r())));
    const port = String((busy.address() as net.AddressInfo).port);
    const r = await runCli(['preview', 'frontend', '--port', port], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: cannot listen on 127.0.0.1 port ${port} (EADDRINUSE): choose another --port or --address.\n`);
  });

  it('says so when the user may not port-forward, and keeps listening', async () => {
    const { fake, env } = await christmas();
    (fake as unknown as { opts: { deny: string[] } }).opts.deny = ['create pods/portforward'];
    const cli = start(['preview', 'frontend'], env);
    await cli.until('the URL', () => /http:\/\/127\.0\.0\.1:\d+/.test(cli.out()));
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(cli.out())![0];
    await get(url).catch(() => '');
    await cli.until('the error', () => cli.err().includes('forbidden'));
    expect(cli.err()).toContain(
      'a connection to pod frontend-6c8d7f5b9d-bbbbb failed: forbidden: user "bob" may not create pods/portforward in namespace "apc-fe-ns".',
    );
    expect(await cli.stop()).toBe(130);
  });

  it("shows up in the status picture's next steps", async () => {
    const { env } = await christmas();
    const r = await runCli(['status', 'frontend'], { env });
    expect(r.stdout).toContain(
      '  preview   try frontend:v1.053 (revision 9) on a local port first; users are not affected\n            kubectl bluegreen preview frontend -n apc-fe-ns\n',
    );
  });
});
