// HTTP/2 as kubectl speaks it (src/kube/h2.ts): which protocol is spoken with which server, how many
// connections a round of requests takes, and what a closing, refusing or silent server does to requests.
// What every request means over either protocol is kube-http.test.ts's (each case runs over both).
import { execFile } from 'node:child_process';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NetworkError } from '../../src/kube/http.js';
import { H2Pool } from '../../src/kube/h2.js';
import { baseConfig, caught, client, ConnectProxy, target, testPki, TestServer } from './kube-testkit.js';

const get = (path = '/apis/x', retry = true) => ({ method: 'GET' as const, path, target, retry });
const patch = { method: 'PATCH' as const, path: '/apis/x', body: { a: 1 }, target };

let h2: TestServer;
let h1: TestServer;
const sessions: http2.ServerHttp2Session[] = [];
beforeAll(async () => {
  h2 = await TestServer.start({ h2: true });
  h1 = await TestServer.start();
  h2.server.on('session', (s: http2.ServerHttp2Session) => sessions.push(s));
});
afterAll(async () => {
  await h2.stop();
  await h1.stop();
});
afterEach(() => {
  for (const s of [h1, h2]) {
    s.seen.length = 0;
    s.connections.length = 0;
    s.handler = (_q, res) => res.end('{}');
  }
  sessions.length = 0;
});

/**
 * A relay between a client and the HTTP/2 server that can stop carrying bytes (a connection gone silent),
 * and a pool through it with short health-check times.
 */
async function silentRelay(): Promise<{ pool: H2Pool; freeze: () => void; close: () => void }> {
  let frozen = false;
  const relay = net.createServer((c) => {
    const up = net.connect(h2.port, '127.0.0.1');
    c.on('data', (d) => !frozen && up.write(d));
    up.on('data', (d) => !frozen && c.write(d));
    c.on('error', () => up.destroy());
    up.on('error', () => c.destroy());
    c.on('close', () => up.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  const port = (relay.address() as net.AddressInfo).port;
  const pool = new H2Pool(
    `https://127.0.0.1:${port}`,
    () => tls.connect({ host: '127.0.0.1', port, ca: testPki().ca, ALPNProtocols: ['h2', 'http/1.1'] }),
    () => undefined,
    { readIdleMs: 100, pingTimeoutMs: 150 },
  );
  return {
    pool,
    freeze: () => (frozen = true),
    close: () => {
      pool.close();
      relay.close();
    },
  };
}

/**
 * Runs `body` in a child process with `h` (a KubeHttp for the HTTP/2 server, never closed) and `t` (a
 * target), as a command would. Not spawnSync: the server answers from this process.
 */
function inChild(body: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `
    import { KubeHttp } from ${JSON.stringify(new URL('../../src/kube/http.ts', import.meta.url).pathname)};
    import { Credentials } from ${JSON.stringify(new URL('../../src/kube/auth.ts', import.meta.url).pathname)};
    const cfg = ${JSON.stringify({ ...baseConfig(h2.url), ca: testPki().ca })};
    cfg.ca = Buffer.from(cfg.ca);
    const h = new KubeHttp(cfg, new Credentials({}, {}), { timeoutMs: 5000, verbose: 0, log: () => {} });
    const t = { verb: 'get', resource: 'x', group: '' };
    ${body}
  `;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { timeout: 15_000 },
      (_e, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

describe('which protocol, over how many connections', () => {
  it('a server that offers HTTP/2: a round of five requests at once takes one connection', async () => {
    const { http } = client(baseConfig(h2.url));
    const got = await Promise.all(['/a', '/b', '/c', '/d'].map((p) => http.json(get(p))).concat(http.json(patch)));
    expect(got).toEqual([{}, {}, {}, {}, {}]);
    expect(h2.connections).toEqual(['h2']);
    expect(h2.seen.map((s) => s.httpVersion)).toEqual(['2.0', '2.0', '2.0', '2.0', '2.0']);
    // and what the server read is what was sent: the body of the write, as over HTTP/1.1
    expect(h2.seen.find((s) => s.method === 'PATCH')?.body).toBe('{"a":1}');
    http.close();
  });

  it('a server that speaks only HTTP/1.1: the first request goes over the connection that asked (none is wasted)', async () => {
    const { http } = client(baseConfig(h1.url));
    await http.json(get('/a'));
    await http.json(get('/b'));
    // Node's HTTPS server answers the offer with http/1.1
    expect(h1.connections).toEqual(['http/1.1']);
    expect(h1.seen.map((s) => s.httpVersion)).toEqual(['1.1', '1.1']);
    http.close();
  });

  it('DISABLE_HTTP2 (disableHttp2): HTTP/1.1 with a server that offers HTTP/2, and no protocol offered', async () => {
    const { http } = client(baseConfig(h2.url, { disableHttp2: true }));
    await http.json(get());
    expect(h2.seen.map((s) => s.httpVersion)).toEqual(['1.1']);
    expect(h2.connections).toEqual([false]);
    http.close();
  });

  it('through a proxy: HTTP/1.1 (a documented difference from kubectl)', async () => {
    const proxy = await ConnectProxy.start();
    try {
      const cfg = baseConfig(h2.url);
      const { chooseProxy } = await import('../../src/kube/proxy.js');
      const { http } = client({ ...cfg, proxy: chooseProxy(h2.url, proxy.url, {}) });
      await http.json(get());
      expect(h2.seen.map((s) => s.httpVersion)).toEqual(['1.1']);
      expect(proxy.connects).toHaveLength(1);
      http.close();
    } finally {
      await proxy.stop();
    }
  });

  it('a watch and reads beside it share the connection; the watch ends when the server ends it', async () => {
    let release: () => void = () => undefined;
    h2.handler = (q, res) => {
      if (!q.url!.includes('watch=1')) return void res.end('{"read":1}');
      res.writeHead(200);
      res.write('{"type":"ADDED","object":{"n":1}}\n');
      release = () => res.end('{"type":"MODIFIED","object":{"n":2}}\n');
    };
    const { http } = client(baseConfig(h2.url));
    const events: unknown[] = [];
    const watching = http.watch(get('/apis/w'), (ev) => events.push(ev));
    await new Promise((r) => setTimeout(r, 50));
    expect(await http.json(get('/apis/r'))).toEqual({ read: 1 });
    release();
    await watching;
    expect(events).toEqual([
      { type: 'ADDED', object: { n: 1 } },
      { type: 'MODIFIED', object: { n: 2 } },
    ]);
    expect(h2.connections).toEqual(['h2']);
    http.close();
  });
});

describe('a server that closes, refuses or goes silent', () => {
  it('a session the server closes (GOAWAY) between requests: the next request opens a new connection and is answered', async () => {
    const { http } = client(baseConfig(h2.url));
    await http.json(get('/a'));
    await new Promise<void>((r) => sessions[0]!.close(r));
    expect(await http.json(get('/b'))).toEqual({});
    expect(h2.connections).toEqual(['h2', 'h2']);
    http.close();
  });

  it('a GOAWAY under an open watch (kube-apiserver sends one after each 401 over HTTP/2): the watch ends as when the server ends it, its events kept; a read in flight is answered; the next watch takes a new connection', async () => {
    h2.handler = (q, res) => {
      if (q.url!.includes('watch=1')) {
        res.writeHead(200);
        res.write('{"type":"ADDED","object":{"n":1}}\n');
        return;
      }
      (res as unknown as { stream: http2.ServerHttp2Stream }).stream.session!.goaway(http2.constants.NGHTTP2_NO_ERROR);
      setTimeout(() => res.end('{"read":1}'), 50);
    };
    const { http, log: logged } = client(baseConfig(h2.url));
    const events: unknown[] = [];
    const watching = http.watch(get('/apis/w'), (ev) => events.push(ev));
    await new Promise((r) => setTimeout(r, 50));
    expect(await http.json(get('/apis/r'))).toEqual({ read: 1 });
    await watching; // resolves: a watch the server ended, not a lost connection
    expect(events).toEqual([{ type: 'ADDED', object: { n: 1 } }]);
    expect(logged.join('\n')).toContain('the server is closing the connection (GOAWAY)');
    h2.handler = (q, res) => res.end(q.url!.includes('watch=1') ? '{"type":"ADDED","object":{"n":2}}\n' : '{}');
    await http.watch(get('/apis/w'), (ev) => events.push(ev));
    expect(events).toHaveLength(2);
    expect(h2.connections).toEqual(['h2', 'h2']);
    http.close();
  });

  it('a refused stream: a write was not sent (maybeSent false, and sent once); a read is tried again and answered', async () => {
    let n = 0;
    h2.handler = (q, res) => {
      if (q.method === 'PATCH' || ++n === 1)
        (res as unknown as { stream: http2.ServerHttp2Stream }).stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      else res.end('{"ok":1}');
    };
    const { http } = client(baseConfig(h2.url));
    expect(await http.json(get())).toEqual({ ok: 1 });
    const e = (await caught(http.json(patch))) as NetworkError;
    expect(e).toBeInstanceOf(NetworkError);
    expect(e.maybeSent).toBe(false);
    expect(h2.seen.filter((s) => s.method === 'PATCH')).toHaveLength(1);
    http.close();
  });

  it('a stream reset after the answer began: a NetworkError (sent), never a hang', async () => {
    h2.handler = (_q, res) => {
      res.writeHead(200);
      res.write('{"items":[');
      setTimeout(() => (res as unknown as { stream: http2.ServerHttp2Stream }).stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR), 20);
    };
    const { http } = client(baseConfig(h2.url));
    const e = (await caught(http.json(patch))) as NetworkError;
    expect(e).toMatchObject({ code: 'ECONNRESET', maybeSent: true });
    http.close();
  });

  it('the connection lost under an open watch: the watch fails (the watcher reconnects), it does not hang', async () => {
    h2.handler = (_q, res) => {
      res.writeHead(200);
      res.write('{"type":"ADDED","object":{}}\n');
    };
    // The connection is cut (a TLS socket destroyed): no GOAWAY says the server is done with it.
    let socket: tls.TLSSocket | undefined;
    h2.server.once('secureConnection', (s: tls.TLSSocket) => (socket = s));
    const { http } = client(baseConfig(h2.url));
    const watching = caught(http.watch(get('/apis/w'), () => undefined));
    await new Promise((r) => setTimeout(r, 50));
    socket!.destroy();
    expect(await watching).toBeInstanceOf(NetworkError);
    http.close();
  });

  it('a connection that goes silent under an open stream: the ping goes unanswered and the session is closed', async () => {
    h2.handler = () => undefined; // never answers
    const { pool, freeze, close } = await silentRelay();
    try {
      const session = (await pool.session())!;
      const stream = pool.request(session, { ':path': '/hang' }, true);
      const closed = new Promise((r) => stream.on('close', r));
      stream.on('error', () => undefined);
      await new Promise((r) => setTimeout(r, 50));
      freeze();
      const started = Date.now();
      await closed;
      expect(Date.now() - started).toBeLessThan(2000);
      expect(session.destroyed).toBe(true);
    } finally {
      close();
    }
  });

  it('a server that accepts the connection and never answers TLS: --request-timeout and Ctrl-C still end the request (nothing sent)', async () => {
    const sockets: net.Socket[] = [];
    const mute = net.createServer((c) => {
      sockets.push(c);
      c.resume(); // reads (and drops) the client's hello, so its end is seen
    });
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(mute.address() as net.AddressInfo).port}`;
    try {
      const started = Date.now();
      const timedOut = (await caught(client(baseConfig(url), undefined, { timeoutMs: 300 }).http.json(get('/a', false)))) as NetworkError;
      expect(timedOut).toMatchObject({ kind: 'timeout', maybeSent: false });
      expect(Date.now() - started).toBeLessThan(3000);
      const ctl = new AbortController();
      const { http } = client(baseConfig(url), undefined, { timeoutMs: 0 });
      const aborted = caught(http.json({ ...patch, signal: ctl.signal }));
      setTimeout(() => ctl.abort(), 100);
      expect(await aborted).toMatchObject({ code: 'ABORTED', maybeSent: false });
      // the connection no request waits for any more is given up
      await new Promise((r) => setTimeout(r, 100));
      expect(sockets.length).toBeGreaterThan(0);
      expect(sockets.every((c) => c.destroyed)).toBe(true);
      http.close();
    } finally {
      for (const c of sockets) c.destroy();
      mute.close();
    }
  });

  it('close() while the connection is being set up: no crash, the request fails, nothing reaches the server', async () => {
    const { http } = client(baseConfig(h2.url));
    const pending = caught(http.json(patch));
    http.close();
    expect(await pending).toBeInstanceOf(NetworkError);
    await new Promise((r) => setTimeout(r, 100));
    expect(h2.seen).toHaveLength(0);
  });

  it('a draining session (GOAWAY) that goes silent under an open watch is closed too: the watch fails, it does not hang', async () => {
    h2.handler = (_q, res) => {
      res.writeHead(200);
      res.write('{"type":"ADDED","object":{}}\n');
      // the server asks the client to go elsewhere, and keeps the stream
      (res as unknown as { stream: http2.ServerHttp2Stream }).stream.session!.goaway(http2.constants.NGHTTP2_NO_ERROR);
    };
    const { pool, freeze, close } = await silentRelay();
    try {
      const session = (await pool.session())!;
      const stream = pool.request(session, { ':path': '/watch' }, true);
      stream.on('data', () => undefined);
      stream.on('error', () => undefined);
      const closed = new Promise((r) => stream.on('close', r));
      await new Promise<void>((r) => session.once('goaway', () => r()));
      expect(session.closed).toBe(true); // draining: no new streams, the watch still open
      freeze();
      const started = Date.now();
      await closed;
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      close();
    }
  });

  it('a session that drains under a watch while a new one serves a read: the process stays alive for the read (each session is held by its own streams)', async () => {
    let endWatch: () => void = () => undefined;
    h2.handler = (q, res) => {
      if (q.url!.startsWith('/watch')) {
        res.writeHead(200);
        res.write('{"type":"ADDED","object":{}}\n');
        (res as unknown as { stream: http2.ServerHttp2Stream }).stream.session!.goaway(http2.constants.NGHTTP2_NO_ERROR);
        endWatch = () => res.end();
        return;
      }
      // the read: the watch on the old session ends first, the answer comes after
      endWatch();
      setTimeout(() => res.end('{"late":1}'), 300);
    };
    const r = await inChild(`
      const watching = h.watch({ method: 'GET', path: '/watch', target: t }, () => {});
      await new Promise((r) => setTimeout(r, 200));
      console.log(JSON.stringify(await h.json({ method: 'GET', path: '/read', target: t })));
      await watching;
    `);
    expect(r.stdout.trim(), r.stderr).toBe('{"late":1}');
    expect(r.code).toBe(0);
    expect(h2.connections).toEqual(['h2', 'h2']);
  });

  it('an idle session does not keep the process alive (a command that does not close its client still exits)', async () => {
    const started = Date.now();
    const r = await inChild(`
      console.log(JSON.stringify(await h.json({ method: 'GET', path: '/apis/x', target: t })));
    `);
    expect(r.stdout.trim(), r.stderr).toBe('{}');
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(h2.seen.map((s) => s.httpVersion)).toEqual(['2.0']);
  });
});
