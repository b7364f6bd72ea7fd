// The floor of a Node tool, for the benchmark: a bare Node process (no plugin code, no dependencies)
// that makes the same requests as the plugin, the way the plugin's runtime must (one TLS context from the
// cluster's CA and client certificate for every connection; the protocol the plugin speaks on that Node:
// one HTTP/2 connection on Node >= 26, keep-alive HTTP/1.1 connections below it (src/kube/kubeconfig.ts); gzip, each answer
// parsed whole with JSON.parse), and nothing else: no kubeconfig, no rows, no guard. Not a lower bound (a parser that skips
// what a row does not need can go under it), but what a Node tool reading what the plugin reads costs in
// the ordinary way: what the floor spends above the official plugin is Node's (its start, its TLS, its
// parser) and the requests', what the plugin spends above the floor is its own.
//
//   node scripts/bench-floor.cjs SERVER CA CERT KEY list PATH...         every PATH at once, parsed whole
//   node scripts/bench-floor.cjs SERVER CA CERT KEY promote NS NAME      GET the rollout, then the status
//                                                                        PATCH that resumes it (the official
//                                                                        plugin's two requests)
//   node scripts/bench-floor.cjs SERVER CA CERT KEY status NS NAME       the single view's requests, at
//                                                                        once: the rollout, a page of the
//                                                                        namespace's Services and one of
//                                                                        its rollout-made ReplicaSets
//   node scripts/bench-floor.cjs SERVER CA CERT KEY promote-guarded NS NAME
//        the plugin's requests, in its rounds: the rollout, with who am I, the controller's Deployments
//        and the namespace's pages beside it; the status PATCH (a JSON patch, as the plugin sends); then
//        the record (an annotation PATCH and an Event, in parallel)
//
// The runtime is the Node that runs this script: the benchmark runs it on its own Node (the npm bundle's)
// and on the Node the single executable is built from, with its V8 flags.
//
// CommonJS, as the plugin's own entry points are: an ES module entry costs Node's ESM loader on top.
'use strict';
const { readFileSync } = require('node:fs');
const https = require('node:https');
const { gunzipSync } = require('node:zlib');

const [server, ca, cert, key, mode, ...rest] = process.argv.slice(2);
const url = new URL(server);
// One TLS context for every connection, as the plugin's (src/kube/http.ts): an agent given ca/cert/key
// builds a context per connection, and the parallel requests of one round open a connection each on
// HTTP/1.1. Until 2026-12-02 the floor did so: two to four contexts more than the plugin on Node 20 (the
// status floor 143.6 -> 139.7 ms with one, 20 alternating runs each); HTTP/2's one connection had one.
const secureContext = require('node:tls').createSecureContext({ ca: readFileSync(ca), cert: readFileSync(cert), key: readFileSync(key) });
// As src/kube/kubeconfig.ts HTTP2_DEFAULT_FROM_NODE, and DISABLE_HTTP2 as the plugin reads it.
const useHttp2 = Number(process.versions.node.split('.')[0]) >= 26 && !process.env.DISABLE_HTTP2;
const agent = useHttp2 ? null : new https.Agent({ keepAlive: true, secureContext });
let session = null;
if (useHttp2) {
  // As the plugin's session: the same windows and frame size (src/kube/h2.ts).
  session = require('node:http2').connect(server, {
    secureContext,
    settings: { initialWindowSize: 4 << 20, maxFrameSize: 1 << 20, enablePush: false },
  });
  session.once('connect', () => session.setLocalWindowSize(16 << 20));
  // A failed connection fails every request (and main); not an uncaught 'error' event.
  session.on('error', () => {});
}

function answer(method, path, status, encoding, chunks, resolve, reject) {
  let b = Buffer.concat(chunks);
  if (encoding === 'gzip') b = gunzipSync(b);
  if (status >= 300 || status === 0) reject(new Error(`${method} ${path}: ${status} ${b.toString().slice(0, 200)}`));
  else resolve(JSON.parse(b.toString('utf8')));
}

function request(method, path, body, contentType) {
  return new Promise((resolve, reject) => {
    const headers = { accept: 'application/json', 'accept-encoding': 'gzip' };
    if (body !== undefined) headers['content-type'] = contentType;
    const chunks = [];
    let req;
    if (session) {
      req = session.request({ ':method': method, ':path': path, ...headers });
      let status = 0;
      let encoding;
      req.on('response', (h) => {
        status = Number(h[':status']);
        encoding = h['content-encoding'];
      });
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => answer(method, path, status, encoding, chunks, resolve, reject));
    } else {
      req = https.request({ host: url.hostname, port: url.port, path, method, agent, headers }, (res) => {
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => answer(method, path, res.statusCode ?? 0, res.headers['content-encoding'], chunks, resolve, reject));
        res.on('error', reject);
      });
    }
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
const get = (path) => request('GET', path);

/** The picture's parts, asked for beside the rollout (src/cli/load.ts): a page of the namespace's Services and rollout-made ReplicaSets. */
const parts = (ns) => [
  get(`/api/v1/namespaces/${ns}/services?limit=50`),
  get(`/apis/apps/v1/namespaces/${ns}/replicasets?labelSelector=rollouts-pod-template-hash&limit=50`),
];

async function main() {
  if (mode === 'list') {
    await Promise.all(rest.map(get));
  } else if (mode === 'status') {
    const [ns, name] = rest;
    await Promise.all([get(`/apis/argoproj.io/v1alpha1/namespaces/${ns}/rollouts/${name}`), ...parts(ns)]);
  } else if (mode === 'promote' || mode === 'promote-guarded') {
    const [ns, name] = rest;
    const path = `/apis/argoproj.io/v1alpha1/namespaces/${ns}/rollouts/${name}`;
    const rollout = get(path);
    // The plugin's reads, in one round: the rollout, with who am I (for the record), the controller's
    // Deployments and the namespace's pages beside it.
    const beside =
      mode === 'promote'
        ? []
        : [
            request(
              'POST',
              '/apis/authentication.k8s.io/v1/selfsubjectreviews',
              { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
              'application/json',
            ),
            get('/apis/apps/v1/deployments?labelSelector=app.kubernetes.io%2Fname%3Dargo-rollouts'),
            ...parts(ns),
          ];
    // Awaited below, or never if the rollout fails first: not an unhandled rejection then.
    for (const p of beside) p.catch(() => {});
    const ro = await rollout;
    if (!ro.status?.pauseConditions?.length) throw new Error(`bench-floor: ${ns}/${name} is not paused`);
    if (mode === 'promote-guarded') await Promise.all(beside);
    // The write, in each tool's form: the official plugin's merge patch, the plugin's JSON patch pinned to
    // what the guard read.
    if (mode === 'promote') await request('PATCH', `${path}/status`, { status: { pauseConditions: null } }, 'application/merge-patch+json');
    else
      await request(
        'PATCH',
        `${path}/status?fieldManager=bench-floor`,
        [
          { op: 'test', path: '/metadata/generation', value: ro.metadata.generation },
          { op: 'remove', path: '/status/pauseConditions' },
        ],
        'application/json-patch+json',
      );
    if (mode === 'promote-guarded') {
      // The plugin's record, after the write and before it exits: an annotation and an Event, in parallel.
      await Promise.all([
        request(
          'PATCH',
          `${path}?fieldManager=bench-floor`,
          { metadata: { annotations: { 'bench-floor/last-change': new Date().toISOString() } } },
          'application/merge-patch+json',
        ),
        request(
          'POST',
          `/api/v1/namespaces/${ns}/events?fieldManager=bench-floor`,
          {
            apiVersion: 'v1',
            kind: 'Event',
            metadata: { generateName: `${name}.`, namespace: ns },
            involvedObject: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name, namespace: ns, uid: ro.metadata.uid },
            reason: 'BenchFloor',
            message: 'the floor of a promote',
            type: 'Normal',
            source: { component: 'bench-floor' },
          },
          'application/json',
        ),
      ]);
    }
  } else {
    throw new Error(`bench-floor: unknown mode ${mode}`);
  }
}

const close = () => (session ? session.close() : agent.destroy());
main().then(close, (e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  if (session) session.destroy();
  else agent.destroy();
  process.exitCode = 1;
});
