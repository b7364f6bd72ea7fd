// The HTTP client against real sockets: retry classes, Retry-After, lost answers, gzip, proxies, watch
// stream parsing, credential renewal after expiry and 401, TLS options and the OS trust store.
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, NetworkError, retryAfterMs, WatchDecoder } from '../../src/kube/http.js';
import { Credentials } from '../../src/kube/auth.js';
import { chooseProxy } from '../../src/kube/proxy.js';
import { EarlyConnectAgent, startEarly, type Early } from '../../src/kube/early-connect.js';
import { CliError } from '../../src/errors.js';
import { baseConfig, caught, client, ConnectProxy, renewing, target, testPki, TestServer } from './kube-testkit.js';

let srv: TestServer;

const get = (path = '/apis/x', retry = true) => ({ method: 'GET' as const, path, target, retry });
const patch = { method: 'PATCH' as const, path: '/apis/x', body: { a: 1 }, target };

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!ok()) throw new Error('timed out');
}

// Every case against a server that speaks HTTP/1.1 only, and against one that offers HTTP/2 (as
// kube-apiserver does): the client speaks what the server offers, and means the same by every answer.
for (const proto of ['HTTP/1.1', 'HTTP/2'] as const)
  describe(`over ${proto}`, () => {
    beforeAll(async () => {
      srv = await TestServer.start({ h2: proto === 'HTTP/2' });
    });
    afterAll(() => srv.stop());
    afterEach(() => {
      srv.seen.length = 0;
      srv.connections.length = 0;
      srv.handler = (_q, res) => res.end('{}');
    });

    describe('retries: reads on 429/5xx with backoff and Retry-After, writes never', () => {
      it('503, 503, then 200: three requests for a read', async () => {
        let n = 0;
        srv.handler = (_q, res) => (++n <= 2 ? res.writeHead(503).end('{"kind":"Status","message":"busy"}') : res.end('{"ok":true}'));
        const { http } = client(baseConfig(srv.url));
        expect(await http.json(get())).toEqual({ ok: true });
        expect(srv.seen.length).toBe(3);
      });

      it('501 (not implemented) is not retried; 4xx other than 429 neither', async () => {
        for (const status of [501, 404, 422]) {
          srv.seen.length = 0;
          srv.handler = (_q, res) => res.writeHead(status).end(`{"kind":"Status","code":${status},"message":"m${status}"}`);
          const { http } = client(baseConfig(srv.url));
          const e = await caught(http.json(get()));
          expect(e).toBeInstanceOf(ApiError);
          expect((e as ApiError).status).toBe(status);
          expect((e as ApiError).body.message).toBe(`m${status}`);
          expect(srv.seen.length, String(status)).toBe(1);
        }
      });

      it('429 waits as long as Retry-After says (capped at 5 s)', async () => {
        let n = 0;
        srv.handler = (_q, res) => (++n === 1 ? res.writeHead(429, { 'Retry-After': '2' }).end('{}') : res.end('{"ok":1}'));
        const slept: number[] = [];
        const { http } = client(baseConfig(srv.url), undefined, { sleep: async (ms) => void slept.push(ms) });
        await http.json(get());
        expect(slept).toEqual([2000]);
        expect(retryAfterMs('120')).toBe(5000);
        expect(retryAfterMs(new Date(Date.now() + 3000).toUTCString())).toBeGreaterThan(1000);
        expect(retryAfterMs('soon')).toBeNull();
        expect(retryAfterMs(undefined)).toBeNull();
      });

      it('a write is sent once, whatever the answer', async () => {
        srv.handler = (_q, res) => res.writeHead(503).end('{}');
        const { http } = client(baseConfig(srv.url));
        expect(await caught(http.json(patch))).toBeInstanceOf(ApiError);
        expect(srv.seen.length).toBe(1);
      });

      it('a connection reset after the request was sent: a read is retried, a write reports a lost answer', async () => {
        let n = 0;
        srv.handler = (req, res) => (++n === 1 ? req.socket.destroy() : res.end('{"ok":1}'));
        const { http } = client(baseConfig(srv.url));
        expect(await http.json(get())).toEqual({ ok: 1 });
        n = 0;
        srv.handler = (req) => req.socket.destroy();
        const e = (await caught(client(baseConfig(srv.url)).http.json(patch))) as NetworkError;
        expect(e).toBeInstanceOf(NetworkError);
        expect(e.maybeSent).toBe(true);
      });

      it('connection refused: nothing was sent', async () => {
        const e = (await caught(client(baseConfig('https://127.0.0.1:1')).http.json(patch))) as NetworkError;
        expect(e).toMatchObject({ kind: 'unreachable', code: 'ECONNREFUSED', message: 'connection refused', maybeSent: false });
      });

      it('an answer that is not JSON (a load balancer page) is a NetworkError, not a crash', async () => {
        srv.handler = (_q, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><body>Bad gateway</body></html>');
        const e = (await caught(client(baseConfig(srv.url)).http.json(get()))) as NetworkError;
        expect(e).toBeInstanceOf(NetworkError);
        expect(e.code).toBe('EBADRESPONSE');
        expect(e.message).toContain('<html><body>Bad gateway');
      });
    });

    describe('-v says what happened to a request the command gave up', () => {
      it('a read still in flight when the client closes (the command ended early) is logged as cancelled, not as failed', async () => {
        srv.handler = () => undefined; // never answers
        const { http, log } = client(baseConfig(srv.url));
        const read = caught(http.json(get('/apis/slow')));
        await until(() => srv.seen.length === 1);
        http.close();
        expect(await read).toBeInstanceOf(NetworkError);
        expect(log.filter((l) => l.includes('/apis/slow'))).toEqual([expect.stringMatching(/^GET \/apis\/slow cancelled after \d+ ms$/)]);
        expect(srv.seen.length).toBe(1); // not retried: a retry after close() opened a new connection and waited for it
      });

      it('a read that fails on its own is still logged as failed', async () => {
        srv.handler = (q) => q.socket.destroy();
        const { http, log } = client(baseConfig(srv.url));
        await caught(http.json(get('/apis/reset', false)));
        expect(log.some((l) => /^GET \/apis\/reset failed: ECONNRESET after \d+ ms$/.test(l))).toBe(true);
      });
    });

    describe('gzip, as client-go asks for it', () => {
      it('asks for gzip and decodes it; the API server compresses large lists', async () => {
        const items = Array.from({ length: 2000 }, (_, i) => ({ metadata: { name: `r-${i}`, labels: { app: 'frontend', é: 'ü' } } }));
        const body = JSON.stringify({ items });
        srv.handler = (req, res) => {
          if (/\bgzip\b/.test(String(req.headers['accept-encoding'])))
            res.writeHead(200, { 'Content-Encoding': 'gzip' }).end(gzipSync(body));
          else res.end(body);
        };
        const { http, log } = client(baseConfig(srv.url));
        const got = await http.json<{ items: unknown[] }>(get());
        expect(got.items).toEqual(items);
        expect(srv.seen[0]!.headers['accept-encoding']).toBe('gzip');
        expect(log.some((l) => l.includes('(gzip)'))).toBe(true);
      });

      it('disable-compression: no Accept-Encoding', async () => {
        const { http } = client(baseConfig(srv.url, { disableCompression: true }));
        await http.json(get());
        expect(srv.seen[0]!.headers['accept-encoding']).toBeUndefined();
      });

      it('a broken gzip body is a NetworkError', async () => {
        srv.handler = (_q, res) => res.writeHead(200, { 'Content-Encoding': 'gzip' }).end('not gzip at all');
        const e = (await caught(client(baseConfig(srv.url)).http.json(get('/x', false)))) as NetworkError;
        expect(e.code).toBe('EBADGZIP');
      });
    });

    describe('watch streams', () => {
      const watch = { method: 'GET' as const, path: '/apis/x', target };

      it('events split anywhere (inside a UTF-8 character too), and a last event without a newline', async () => {
        const ev = (n: number) => JSON.stringify({ type: 'MODIFIED', object: { metadata: { name: `ü-${n}` } } });
        const bytes = Buffer.from(`${ev(1)}\n${ev(2)}\n\n${ev(3)}`);
        srv.handler = async (_q, res) => {
          res.writeHead(200);
          for (let i = 0; i < bytes.length; i += 7) {
            res.write(bytes.subarray(i, i + 7));
            await new Promise((r) => setImmediate(r));
          }
          res.end();
        };
        const got: string[] = [];
        await client(baseConfig(srv.url)).http.watch(watch, (e) => got.push((e.object as { metadata: { name: string } }).metadata.name));
        expect(got).toEqual(['ü-1', 'ü-2', 'ü-3']);
        expect(srv.seen[0]!.url).toContain('watch=1');
        expect(srv.seen[0]!.headers['accept-encoding']).toBeUndefined();
      });

      it('an HTML line in the stream ends the watch with a NetworkError (no uncaught exception)', async () => {
        srv.handler = (_q, res) => {
          res.writeHead(200);
          res.write('{"type":"ADDED","object":{}}\n');
          res.end('<html>502 Bad Gateway</html>\n');
        };
        const got: string[] = [];
        const e = (await caught(client(baseConfig(srv.url)).http.watch(watch, (ev) => got.push(ev.type)))) as NetworkError;
        expect(got).toEqual(['ADDED']);
        expect(e).toBeInstanceOf(NetworkError);
        expect(e.code).toBe('EBADSTREAM');
      });

      it('an error status is never fed to the event callback', async () => {
        srv.handler = (_q, res) =>
          res.writeHead(410).end('{"kind":"Status","code":410,"reason":"Expired","message":"too old resource version"}\n');
        const got: unknown[] = [];
        const e = (await caught(client(baseConfig(srv.url)).http.watch(watch, (ev) => got.push(ev)))) as ApiError;
        expect(got).toEqual([]);
        expect(e).toBeInstanceOf(ApiError);
        expect(e.status).toBe(410);
        expect(e.body.reason).toBe('Expired');
      });

      it('what the event callback throws rejects the watch', async () => {
        srv.handler = (_q, res) => res.end('{"type":"ADDED","object":{}}\n');
        const boom = new Error('consumer bug');
        expect(
          await caught(
            client(baseConfig(srv.url)).http.watch(watch, () => {
              throw boom;
            }),
          ),
        ).toBe(boom);
      });

      it('the decoder alone: a JSON value that is not an event is refused too', () => {
        const d = new WatchDecoder(() => undefined);
        expect(() => d.push(Buffer.from('[1,2]\n'))).toThrow(NetworkError);
      });
    });

    describe('credentials: renewed when expired and once after a 401', () => {
      it('a 401 renews the credential once and retries; the server then accepts it', async () => {
        srv.handler = (req, res) =>
          req.headers.authorization === 'Bearer fresh' ? res.end('{"ok":1}') : res.writeHead(401).end('{"kind":"Status","code":401}');
        const r = renewing({ authorization: 'Bearer stale' }, () => ({ authorization: 'Bearer fresh' }));
        expect(await client(baseConfig(srv.url), r.creds).http.json(get())).toEqual({ ok: 1 });
        expect(r.calls()).toBe(1);
        expect(srv.seen.map((s) => s.headers.authorization)).toEqual(['Bearer stale', 'Bearer fresh']);
      });

      it('a write answered 401 is sent again with the renewed credential (a 401 changed nothing)', async () => {
        srv.handler = (req, res) => (req.headers.authorization === 'Bearer fresh' ? res.end('{"ok":1}') : res.writeHead(401).end('{}'));
        const r = renewing({ authorization: 'Bearer stale' }, () => ({ authorization: 'Bearer fresh' }));
        expect(await client(baseConfig(srv.url), r.creds).http.json(patch)).toEqual({ ok: 1 });
        expect(srv.seen.filter((s) => s.method === 'PATCH').length).toBe(2);
      });

      it('parallel requests that all see a 401 run the plugin once', async () => {
        srv.handler = (req, res) => (req.headers.authorization === 'Bearer fresh' ? res.end('{"ok":1}') : res.writeHead(401).end('{}'));
        const r = renewing({ authorization: 'Bearer stale' }, () => ({ authorization: 'Bearer fresh' }));
        const { http } = client(baseConfig(srv.url), r.creds);
        await Promise.all([http.json(get('/a')), http.json(get('/b')), http.json(get('/c'))]);
        expect(r.calls()).toBe(1);
      });

      it('rejected right after renewal: "credentials expired or rejected", no more tries', async () => {
        srv.handler = (_q, res) => res.writeHead(401).end('{"kind":"Status","code":401}');
        const r = renewing({ authorization: 'Bearer a' }, () => ({ authorization: 'Bearer b' }));
        const e = (await caught(client(baseConfig(srv.url), r.creds).http.json(get()))) as CliError;
        expect(e).toBeInstanceOf(CliError);
        expect(e.key).toBe('err.credentialsRejected');
        expect(e.params).toMatchObject({ kind: 'exec', name: 'get-token', user: 'u' });
        expect(srv.seen.length).toBe(2);
      });

      it('a watch gets the same treatment, so a watcher never retries a rejected credential', async () => {
        srv.handler = (_q, res) => res.writeHead(401).end('{}');
        const r = renewing({ authorization: 'Bearer a' }, () => ({ authorization: 'Bearer b' }));
        const e = await caught(client(baseConfig(srv.url), r.creds).http.watch({ method: 'GET', path: '/w', target }, () => undefined));
        expect((e as CliError).key).toBe('err.credentialsRejected');
      });

      it('a fixed token answered 401 stays an ApiError (nothing to renew)', async () => {
        srv.handler = (_q, res) => res.writeHead(401).end('{"kind":"Status","code":401}');
        const e = await caught(client(baseConfig(srv.url), new Credentials({}, { authorization: 'Bearer x' })).http.json(get()));
        expect((e as ApiError).status).toBe(401);
        expect(srv.seen.length).toBe(1);
      });

      it('an expired credential (expirationTimestamp passed) is renewed before the request: the server never sees it', async () => {
        srv.handler = (req, res) => (req.headers.authorization === 'Bearer fresh' ? res.end('{"ok":1}') : res.writeHead(401).end('{}'));
        const r = renewing({ authorization: 'Bearer old', expiresAt: Date.now() - 1 }, () => ({
          authorization: 'Bearer fresh',
          expiresAt: Date.now() + 60_000,
        }));
        const { http } = client(baseConfig(srv.url), r.creds);
        await http.json(get());
        await http.json(get());
        expect(r.calls()).toBe(1);
        expect(srv.seen.map((s) => s.headers.authorization)).toEqual(['Bearer fresh', 'Bearer fresh']);
      });

      it('a renewed client certificate is used on new connections', async () => {
        const p = testPki();
        srv.handler = (_q, res, seen) => (seen.clientCN === 'alice' ? res.end('{"ok":1}') : res.writeHead(401).end('{}'));
        const r = renewing({}, () => ({ cert: p.clientCert, key: p.clientKey }));
        expect(await client(baseConfig(srv.url), r.creds).http.json(get())).toEqual({ ok: 1 });
        expect(srv.seen.map((s) => s.clientCN)).toEqual([null, 'alice']);
      });

      it('impersonation headers: user, uid, one line per group, escaped extra keys', async () => {
        const { impersonationHeaders } = await import('../../src/kube/auth.js');
        const headers = impersonationHeaders({
          impersonate: { user: 'alice', uid: '42', groups: ['a', 'b'], extra: { 'example.com/scopes': ['x', 'y'], 'ünï code': ['z'] } },
        });
        await client(baseConfig(srv.url), new Credentials(headers, {})).http.json(get());
        const raw = srv.seen[0]!.rawHeaders;
        // HTTP/2 sends header names in lower case (RFC 9113 8.2.1).
        const lines = (name: string) => raw.flatMap((v, i) => (i % 2 === 0 && v.toLowerCase() === name.toLowerCase() ? [raw[i + 1]!] : []));
        expect(lines('Impersonate-User')).toEqual(['alice']);
        expect(lines('Impersonate-Uid')).toEqual(['42']);
        expect(lines('Impersonate-Group')).toEqual(['a', 'b']);
        expect(lines('Impersonate-Extra-example.com%2Fscopes')).toEqual(['x', 'y']);
        expect(lines('Impersonate-Extra-%C3%BCn%C3%AF%20code')).toEqual(['z']);
      });
    });

    describe('TLS', () => {
      it('a client certificate from the kubeconfig is presented', async () => {
        const p = testPki();
        await client(baseConfig(srv.url, { cert: Buffer.from(p.clientCert), key: Buffer.from(p.clientKey) })).http.json(get());
        expect(srv.seen[0]!.clientCN).toBe('alice');
      });

      it('tls-server-name is what the certificate is checked against', async () => {
        await client(baseConfig(srv.url, { tlsServerName: 'kube.internal' })).http.json(get());
        const e = (await caught(client(baseConfig(srv.url, { tlsServerName: 'wrong.example.com' })).http.json(get()))) as NetworkError;
        expect(e.kind).toBe('tls');
        expect(e.message).toBe('the server certificate is not valid for this address');
      });

      it('insecure-skip-tls-verify without a CA', async () => {
        expect(await client(baseConfig(srv.url, { ca: undefined, insecure: true })).http.json(get())).toEqual({});
      });

      it('server path prefixes are kept', async () => {
        await client(baseConfig(`${srv.url}/k8s/clusters/c-abc`)).http.json(get('/apis/argoproj.io/v1alpha1/rollouts'));
        expect(srv.seen[0]!.url).toBe('/k8s/clusters/c-abc/apis/argoproj.io/v1alpha1/rollouts');
      });

      it('no CA in the kubeconfig: a CA only the OS trust store holds (SSL_CERT_FILE) is accepted', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'bluegreen-sysca-'));
        writeFileSync(join(dir, 'bundle.pem'), `${testPki().otherCa}\n${testPki().ca}`);
        const emptyDir = mkdtempSync(join(tmpdir(), 'bluegreen-sysca-dir-'));
        const { http, log } = client(
          baseConfig(srv.url, { ca: undefined, systemCaEnv: { SSL_CERT_FILE: join(dir, 'bundle.pem'), SSL_CERT_DIR: emptyDir } }),
        );
        expect(await http.json(get())).toEqual({});
        expect(log.some((l) => l.includes('OS trust store (2 certificates)'))).toBe(true);
      });

      it('...and one that neither Node nor the OS store knows is refused as an unknown authority', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'bluegreen-sysca-'));
        writeFileSync(join(dir, 'bundle.pem'), testPki().otherCa);
        const e = (await caught(
          client(
            baseConfig(srv.url, { ca: undefined, systemCaEnv: { SSL_CERT_FILE: join(dir, 'bundle.pem'), SSL_CERT_DIR: dir } }),
          ).http.json(get()),
        )) as NetworkError;
        expect(e.kind).toBe('tls');
        expect(e.message).toBe('certificate signed by an unknown authority');
      });
    });

    describe('proxies', () => {
      let proxy: ConnectProxy;
      let authProxy: ConnectProxy;
      beforeAll(async () => {
        proxy = await ConnectProxy.start();
        authProxy = await ConnectProxy.start('bob:s3cret');
      });
      afterAll(async () => {
        await proxy.stop();
        await authProxy.stop();
      });

      const via = (url: string) => chooseProxy(srv.url, url, {});

      it('proxy-url with a client-certificate user: the server sees the certificate through the tunnel', async () => {
        const p = testPki();
        await client(
          baseConfig(srv.url, { proxy: via(proxy.url), cert: Buffer.from(p.clientCert), key: Buffer.from(p.clientKey) }),
        ).http.json(get());
        expect(proxy.connects.at(-1)!.target).toBe(`127.0.0.1:${srv.port}`);
        expect(srv.seen[0]!.clientCN).toBe('alice');
      });

      it('a proxy chosen from HTTPS_PROXY carries a token user: CONNECT to the server, the token inside the tunnel', async () => {
        const p = chooseProxy('https://api.example.com', undefined, { HTTPS_PROXY: proxy.url })!;
        expect(p.source).toBe('HTTPS_PROXY');
        const before = proxy.connects.length;
        await client(baseConfig(srv.url, { proxy: p }), new Credentials({}, { authorization: 'Bearer tok' })).http.json(get());
        expect(proxy.connects.length).toBe(before + 1);
        expect(proxy.connects.at(-1)!.auth).toBeUndefined(); // the proxy never sees the token
        expect(srv.seen[0]!.headers.authorization).toBe('Bearer tok');
      });

      it('407 names the proxy and its authentication, never "cannot reach"', async () => {
        const e = (await caught(client(baseConfig(srv.url, { proxy: via(authProxy.url) })).http.json(get()))) as CliError;
        expect(e).toBeInstanceOf(CliError);
        expect(e.key).toBe('err.proxyAuth');
        expect(e.params).toMatchObject({ proxy: authProxy.url, source: 'proxy-url', withCredentials: 'no', status: '407' });
        const wrong = (await caught(
          client(baseConfig(srv.url, { proxy: via(authProxy.url.replace('//', '//bob:nope@')) })).http.json(get()),
        )) as CliError;
        expect(wrong.params).toMatchObject({ withCredentials: 'yes', status: '401' });
        expect(JSON.stringify(wrong.params)).not.toContain('nope');
        expect(await client(baseConfig(srv.url, { proxy: via(authProxy.url.replace('//', '//bob:s3cret@')) })).http.json(get())).toEqual(
          {},
        );
      });

      it('403 from the proxy: refused; 502: a NetworkError naming the proxy; a dead proxy: "through the proxy"', async () => {
        proxy.refuse = 403;
        expect(((await caught(client(baseConfig(srv.url, { proxy: via(proxy.url) })).http.json(get()))) as CliError).key).toBe(
          'err.proxyRefused',
        );
        proxy.refuse = 502;
        const bad = (await caught(client(baseConfig(srv.url, { proxy: via(proxy.url) })).http.json(get('/x', false)))) as NetworkError;
        expect(bad).toMatchObject({ kind: 'unreachable', code: 'EPROXY', maybeSent: false });
        expect(bad.message).toBe(`through the proxy ${proxy.url} (from proxy-url): it answered 502 to CONNECT`);
        proxy.refuse = null;
        const dead = (await caught(client(baseConfig(srv.url, { proxy: via('http://127.0.0.1:1') })).http.json(patch))) as NetworkError;
        expect(dead).toMatchObject({
          code: 'ECONNREFUSED',
          maybeSent: false,
          message: 'through the proxy http://127.0.0.1:1 (from proxy-url): connection refused',
        });
      });
    });

    describe('unusable TLS material', () => {
      it('a client key that is not a key: named, not an internal error', async () => {
        const e = (await caught(
          client(baseConfig(srv.url, { cert: Buffer.from(testPki().clientCert), key: Buffer.from('not a key') })).http.json(get()),
        )) as CliError;
        expect(e).toBeInstanceOf(CliError);
        expect(e.key).toBe('err.tlsMaterial');
      });
    });

    describe('what a watcher makes of it', () => {
      it('a credential rejected after renewal ends the watch at once (no reconnect loop)', async () => {
        const { Watcher } = await import('../../src/kube/watcher.js');
        srv.handler = (_q, res) => res.writeHead(401).end('{"kind":"Status","code":401}');
        const r = renewing({ authorization: 'Bearer a' }, () => ({ authorization: 'Bearer b' }));
        const { http } = client(baseConfig(srv.url), r.creds);
        const states: string[] = [];
        const w = new Watcher<{ metadata: { name: string } }>({
          list: async () => ({ items: [], resourceVersion: '1' }),
          watch: (rv, onEvent, signal) =>
            http.watch({ method: 'GET', path: '/w', query: { resourceVersion: rv }, target, signal }, onEvent),
          onChange: () => undefined,
          onState: (s) => states.push(s.kind),
          signal: new AbortController().signal,
          sleep: async () => undefined,
        });
        w.seed([], '1');
        const e = (await caught(w.run())) as CliError;
        expect(e.key).toBe('err.credentialsRejected');
        expect(states).toEqual([]);
        expect(r.calls()).toBe(1);
      });
    });

    describe('the OS trust store with requests in flight together', () => {
      it('parallel requests that all fail as unknown authority all retry with the OS store', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'bluegreen-sysca-'));
        writeFileSync(join(dir, 'bundle.pem'), testPki().ca);
        const { http, log } = client(
          baseConfig(srv.url, { ca: undefined, systemCaEnv: { SSL_CERT_FILE: join(dir, 'bundle.pem'), SSL_CERT_DIR: dir } }),
        );
        const got = await Promise.all([http.json(get('/a', false)), http.json(get('/b', false)), http.json(patch)]);
        expect(got).toEqual([{}, {}, {}]);
        expect(log.filter((l) => l.includes('OS trust store')).length).toBe(1);
      });
    });

    describe('a List read as it arrives (http.list)', () => {
      const page = (n: number, cont = '') =>
        JSON.stringify({
          kind: 'RolloutList',
          metadata: { resourceVersion: '7', ...(cont ? { continue: cont } : {}) },
          items: Array.from({ length: n }, (_, i) => ({ metadata: { name: `r${i}`, annotations: { note: 'ü "}]{[' } } })),
        });

      it('hands over every item, in order, and the continue token; compressed and in small chunks alike', async () => {
        for (const gzip of [false, true]) {
          srv.handler = (q, res) => {
            const body = Buffer.from(page(40, 'next'));
            const wire = gzip && /gzip/.test(String(q.headers['accept-encoding'])) ? gzipSync(body) : body;
            res.writeHead(200, gzip ? { 'Content-Encoding': 'gzip' } : {});
            let i = 0;
            const tick = () => (i >= wire.length ? res.end() : (res.write(wire.subarray(i, (i += 97))), setImmediate(tick)));
            tick();
          };
          const { http, log } = client(baseConfig(srv.url));
          const names: string[] = [];
          const rest = await http.list(get(), (item) => names.push((item as { metadata: { name: string } }).metadata.name));
          expect(names).toEqual(Array.from({ length: 40 }, (_, i) => `r${i}`));
          expect(rest.metadata?.continue).toBe('next');
          expect(log.some((l) => l.includes('40 items as they came') && l.includes(gzip ? '(gzip)' : ''))).toBe(true);
        }
      });

      it('--request-timeout counts silence in a List, not its whole length: a list that keeps arriving is read, one that stalls is cut off', async () => {
        const body = Buffer.from(page(30));
        // 6 pieces, 100 ms apart: 500 ms in all, never 300 ms without a byte
        srv.handler = (_q, res) => {
          res.writeHead(200);
          let i = 0;
          const step = Math.ceil(body.length / 6);
          const tick = () => (i >= body.length ? res.end() : (res.write(body.subarray(i, (i += step))), setTimeout(tick, 100)));
          tick();
        };
        const { http } = client(baseConfig(srv.url), undefined, { timeoutMs: 300 });
        const items: unknown[] = [];
        await http.list(get(), (i) => items.push(i));
        expect(items).toHaveLength(30);
        // half the body, then nothing
        srv.handler = (_q, res) => {
          res.writeHead(200);
          res.write(body.subarray(0, body.length >> 1));
        };
        const e = await caught(http.list(get(), () => undefined));
        expect(e).toBeInstanceOf(NetworkError);
        expect((e as NetworkError).code).toBe('TIMEOUT');
      });

      it('a reader that falls behind pauses the List (nothing more is read), past --request-timeout, and resumes it whole; compressed alike', async () => {
        for (const gzip of [false, true]) {
          const body = Buffer.from(page(400));
          const wire = gzip ? gzipSync(body) : body;
          // a quarter, then (100 ms later, a chunk of its own) the rest
          srv.handler = (_q, res) => {
            res.writeHead(200, gzip ? { 'Content-Encoding': 'gzip' } : {});
            const q = wire.length >> 2;
            res.write(wire.subarray(0, q));
            setTimeout(() => res.end(wire.subarray(q)), 100);
          };
          const { http } = client(baseConfig(srv.url), undefined, { timeoutMs: 200 });
          const items: unknown[] = [];
          let resume: (() => void) | undefined;
          let pauses = 0;
          const flow = {
            full: () => items.length >= 5 && pauses === 0,
            room: () => {
              pauses++;
              return new Promise<void>((r) => (resume = r));
            },
          };
          const listed = http.list({ ...get(), flow }, (i) => items.push(i));
          // over twice the timeout, paused after the first quarter: the rest, sent, is not read
          await new Promise((r) => setTimeout(r, 500));
          expect(pauses).toBe(1);
          expect(items.length).toBeGreaterThanOrEqual(5);
          expect(items.length).toBeLessThan(400);
          resume!();
          await listed;
          expect(items.map((i) => (i as { metadata: { name: string } }).metadata.name)).toEqual(
            Array.from({ length: 400 }, (_, i) => `r${i}`),
          );
        }
      });

      it('tells the reader once, when its request has gone out, before the answer (a listing uses the wait)', async () => {
        const events: string[] = [];
        srv.handler = (_q, res) => {
          events.push('asked');
          res.writeHead(200);
          setTimeout(() => res.end(page(3)), 100);
        };
        const { http } = client(baseConfig(srv.url));
        const flow = { full: () => false, room: async () => undefined, sent: () => void events.push('sent') };
        await http.list({ ...get(), flow }, () => void events.push('item'));
        // (The server, in this process, may see the request before or after the client's event.)
        expect(events.filter((e) => e !== 'asked')).toEqual(['sent', 'item', 'item', 'item']);
      });

      it('a List that stalls after a pause is still cut off by --request-timeout', async () => {
        const body = Buffer.from(page(400));
        // a quarter, then another 100 ms later, then nothing
        srv.handler = (_q, res) => {
          res.writeHead(200);
          const q = body.length >> 2;
          res.write(body.subarray(0, q));
          setTimeout(() => res.write(body.subarray(q, 2 * q)), 100);
        };
        const { http } = client(baseConfig(srv.url), undefined, { timeoutMs: 200 });
        let n = 0;
        let pauses = 0;
        const flow = {
          full: () => n >= 5 && pauses === 0,
          room: () => {
            pauses++;
            return new Promise<void>((r) => setTimeout(r, 500));
          },
        };
        const e = await caught(http.list({ ...get(), flow }, () => n++));
        expect(pauses).toBe(1);
        expect(n).toBeGreaterThan(100);
        expect(n).toBeLessThan(400);
        expect(e).toBeInstanceOf(NetworkError);
        expect((e as NetworkError).code).toBe('TIMEOUT');
      });

      it('429 then the list: retried, each item handed over once', async () => {
        let n = 0;
        srv.handler = (_q, res) => (++n === 1 ? res.writeHead(429, { 'Retry-After': '0' }).end('{"kind":"Status"}') : res.end(page(3)));
        const { http } = client(baseConfig(srv.url));
        const items: unknown[] = [];
        await http.list(get(), (i) => items.push(i));
        expect(items).toHaveLength(3);
        expect(n).toBe(2);
      });

      it('a connection cut after some items: not retried (no item twice), a NetworkError', async () => {
        let n = 0;
        srv.handler = (_q, res) => {
          n++;
          const body = page(20);
          res.writeHead(200);
          res.write(body.slice(0, Math.floor(body.length / 2)));
          setTimeout(() => res.socket?.destroy(), 20);
        };
        const { http } = client(baseConfig(srv.url));
        const items: unknown[] = [];
        const e = await caught(http.list(get(), (i) => items.push(i)));
        expect(e).toBeInstanceOf(NetworkError);
        expect(n).toBe(1);
        expect(items.length).toBeGreaterThan(0);
        expect(items.length).toBeLessThan(20);
      });

      it('a 200 that is not JSON (a proxy page) is named, not thrown raw', async () => {
        srv.handler = (_q, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><body>Login</body></html>');
        const { http } = client(baseConfig(srv.url));
        const e = await caught(http.list(get(), () => undefined));
        expect(e).toBeInstanceOf(NetworkError);
        expect((e as NetworkError).code).toBe('EBADRESPONSE');
      });

      it('an error answer is an ApiError with its message', async () => {
        srv.handler = (_q, res) => res.writeHead(403).end('{"kind":"Status","message":"forbidden: no list","reason":"Forbidden"}');
        const { http } = client(baseConfig(srv.url));
        const e = await caught(http.list(get('/apis/x', false), () => undefined));
        expect(e).toBeInstanceOf(ApiError);
        expect((e as ApiError).status).toBe(403);
      });
    });

    describe('the first connection is started before the TLS context is built (early-connect.ts)', () => {
      const remotePorts = () => {
        const ports: number[] = [];
        const on = (s: net.Socket) => ports.push(s.remotePort!);
        srv.server.on('connection', on);
        return { ports, stop: () => srv.server.off('connection', on) };
      };
      const ca = () => testPki().ca;
      const target = () => ({ host: '127.0.0.1', port: srv.port });
      const status = (agent: https.Agent, url = `${srv.url}/apis/x`) =>
        new Promise<number>((resolve, reject) => https.get(url, { agent }, (res) => resolve(res.resume().statusCode!)).on('error', reject));
      const hasRef = (s: net.Socket) => (s as unknown as { _handle: { hasRef(): boolean } })._handle.hasRef();
      /** An early TCP connection to this test's server (an IP address). */
      const early = (port = srv.port): { early: Early; socket: net.Socket } => {
        const e = startEarly('127.0.0.1', port);
        if (e.kind !== 'socket') throw new Error('an IP address connects early');
        return { early: e, socket: e.socket };
      };

      it("an IP address: the client's first request runs over the early connection, one TCP connection", async () => {
        const seen = remotePorts();
        const { early: e, socket } = early();
        const agent = new EarlyConnectAgent({ keepAlive: true, ca: ca() }, e, target());
        await once(socket, 'connect');
        const localPort = socket.localPort;
        expect(hasRef(socket)).toBe(false); // nobody waits on it yet: it keeps no process alive
        const answered = status(agent);
        expect(hasRef(socket)).toBe(true); // a request waits on it: it keeps the process alive, as the agent's own would
        expect(await answered).toBe(200);
        agent.destroy();
        seen.stop();
        expect(seen.ports).toEqual([localPort]);
      });

      it('through KubeHttp: two requests in a row share one connection (no second, unused, connection is opened)', async () => {
        const seen = remotePorts();
        const { http } = client(baseConfig(srv.url));
        await http.json(get('/a'));
        await http.json(get('/b'));
        http.close();
        seen.stop();
        expect(seen.ports.length).toBe(1);
        expect(srv.seen.map((s) => s.url)).toEqual(['/a', '/b']);
      });

      it("taken while still connecting, it is one of the agent's sockets at once: a request given up (timeout, Ctrl-C) and the agent closed end it", async () => {
        const { early: e, socket } = early();
        const agent = new EarlyConnectAgent({ keepAlive: true, ca: ca() }, e, target());
        expect(socket.connecting).toBe(true);
        const req = https.get(`${srv.url}/apis/x`, { agent });
        req.on('error', () => undefined);
        req.destroy();
        agent.destroy();
        await new Promise((r) => setImmediate(r));
        expect(socket.destroyed).toBe(true);
      });

      it('an early connection lost before a request takes it: the agent connects again, the request is answered', async () => {
        const { early: e, socket } = early();
        const agent = new EarlyConnectAgent({ keepAlive: true, ca: ca() }, e, target());
        await once(socket, 'connect');
        socket.destroy();
        expect(await status(agent)).toBe(200);
        agent.destroy();
      });

      it("a first request to another address than the early connection's does not use it (and it is closed)", async () => {
        const other = net.createServer((s) => s.on('error', () => undefined));
        await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
        const port = (other.address() as net.AddressInfo).port;
        try {
          const { early: e, socket } = early(port);
          const agent = new EarlyConnectAgent({ keepAlive: true, ca: ca() }, e, { host: '127.0.0.1', port });
          expect(await status(agent)).toBe(200);
          expect(socket.destroyed).toBe(true);
          agent.destroy();
        } finally {
          other.close();
        }
      });

      it('a name: only its lookup starts early, and the first connection uses its answer, every address of it in turn (the first one refusing)', async () => {
        expect(startEarly('localhost', srv.port).kind).toBe('lookup');
        const seen = remotePorts();
        // kube.internal is in the server certificate but not in any DNS: the answer can only come from the early lookup.
        const answer = Promise.resolve([
          { address: '127.0.0.2', family: 4 }, // refuses: nothing listens there
          { address: '127.0.0.1', family: 4 },
        ]);
        const agent = new EarlyConnectAgent(
          { keepAlive: true, ca: ca() },
          { kind: 'lookup', answer },
          { host: 'kube.internal', port: srv.port },
        );
        expect(await status(agent, `https://kube.internal:${srv.port}/apis/x`)).toBe(200);
        agent.destroy();
        seen.stop();
        expect(seen.ports.length).toBe(1);
        // Served once: a second connection of the same agent asks the DNS itself (and kube.internal is not there).
        const onceOnly = new EarlyConnectAgent(
          { keepAlive: false, ca: ca() },
          { kind: 'lookup', answer },
          { host: 'kube.internal', port: srv.port },
        );
        expect(await status(onceOnly, `https://kube.internal:${srv.port}/apis/x`)).toBe(200);
        const e = await caught(status(onceOnly, `https://kube.internal:${srv.port}/apis/y`));
        expect((e as NodeJS.ErrnoException).code).toMatch(/ENOTFOUND|EAI_AGAIN/);
        onceOnly.destroy();
      });

      it("a name through KubeHttp (localhost): answered, as with the agent's own lookup", async () => {
        const { http } = client(baseConfig(`https://localhost:${srv.port}`));
        expect(await http.json(get('/apis/x'))).toEqual({});
        http.close();
      });

      it("a name that does not resolve: the early lookup's error is the request's", async () => {
        const e = (await caught(client(baseConfig('https://no-such-host.invalid:6443')).http.json(get('/apis/x', false)))) as NetworkError;
        expect(e).toBeInstanceOf(NetworkError);
        expect(e.maybeSent).toBe(false);
        expect(e.code).toMatch(/ENOTFOUND|EAI_AGAIN/);
      });

      it('a server that resets right after accepting: a NetworkError for the request, never an uncaught exception', async () => {
        const rude = net.createServer((s) => s.resetAndDestroy());
        await new Promise<void>((r) => rude.listen(0, '127.0.0.1', r));
        const port = (rude.address() as net.AddressInfo).port;
        try {
          const e = await caught(client(baseConfig(`https://127.0.0.1:${port}`)).http.json(get('/apis/x', false)));
          expect(e).toBeInstanceOf(NetworkError);
          expect((e as NetworkError).kind).toBe('unreachable');
        } finally {
          await new Promise((r) => rude.close(r));
        }
      });

      it('a connection no request took is closed with the agent', async () => {
        const closed = new Promise<void>((resolve) => srv.server.once('connection', (s: net.Socket) => s.once('close', () => resolve())));
        const { early: e, socket } = early();
        await once(socket, 'connect');
        expect(socket.listenerCount('error')).toBe(1); // never unhandled while it waits
        new EarlyConnectAgent({ keepAlive: true, ca: ca() }, e, target()).destroy();
        await closed;
        expect(socket.destroyed).toBe(true);
      });

      it("refused: the early connection's error is the request's, as if the agent had connected", async () => {
        const e = (await caught(client(baseConfig('https://127.0.0.1:1')).http.json(get('/apis/x', false)))) as NetworkError;
        expect(e).toMatchObject({ kind: 'unreachable', code: 'ECONNREFUSED', maybeSent: false });
      });
    });
  });
