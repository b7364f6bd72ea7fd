// The port-forward client: WebSocket framing (RFC 6455), the v4 channel protocol, and the whole path
// local TCP → WebSocket upgrade through KubeHttp → a kubelet-like server → a TCP "pod" and back,
// against the independent server side in test/cli/fake-kubelet.ts.
import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeHttp, ApiError, Credentials } from '../../src/kube/http.js';
import {
  acceptKey,
  encodeFrame,
  FrameReader,
  LocalForwarder,
  OPCODE,
  openPodStream,
  PortChannels,
  WebSocketProtocolError,
  type ForwardEvent,
} from '../../src/kube/portforward.js';
import { acceptPortForward, parseClientFrames, serverFrame, type KubeletLog } from '../cli/fake-kubelet.js';

describe('WebSocket framing', () => {
  it('computes Sec-WebSocket-Accept as in RFC 6455 §1.3', () => {
    expect(acceptKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('encodes the three length forms, masked as a client must, readable by an independent parser', () => {
    for (const n of [0, 1, 125, 126, 127, 65535, 65536, 200_000]) {
      const payload = Buffer.alloc(n, 0x61 + (n % 7));
      const mask = Buffer.from([1, 2, 3, 4]);
      const f = encodeFrame(OPCODE.BINARY, payload, mask);
      expect(f.length).toBe(n + 2 + (n < 126 ? 0 : n < 65536 ? 2 : 8) + 4);
      const { frames, rest } = parseClientFrames(f);
      expect(rest.length).toBe(0);
      expect(frames).toHaveLength(1);
      expect(frames[0]).toMatchObject({ fin: true, opcode: 2, masked: true });
      expect(frames[0]!.payload.equals(payload)).toBe(true);
    }
  });

  it('reads server frames however the bytes are cut', () => {
    const big = Buffer.alloc(70_000, 7);
    const stream = Buffer.concat([
      serverFrame(2, Buffer.from([0, 0x50, 0])),
      serverFrame(2, Buffer.from('hello')),
      serverFrame(9, Buffer.from('p')),
      serverFrame(2, big),
      serverFrame(8, Buffer.from([0x03, 0xe8])),
    ]);
    for (const cut of [1, 2, 3, 7, 100, 65536, stream.length]) {
      const r = new FrameReader();
      const got: Array<{ opcode: number; payload: Buffer }> = [];
      for (let i = 0; i < stream.length; i += cut) got.push(...r.push(stream.subarray(i, i + cut)));
      expect(got.map((m) => m.opcode)).toEqual([2, 2, 9, 2, 8]);
      expect(got[1]!.payload.toString()).toBe('hello');
      expect(got[3]!.payload.equals(big)).toBe(true);
      expect(got[4]!.payload.readUInt16BE(0)).toBe(1000);
    }
  });

  it('reassembles a fragmented message, with a ping between its fragments', () => {
    const frag = (fin: boolean, opcode: number, s: string) => {
      const f = serverFrame(opcode, Buffer.from(s));
      if (!fin) f[0] = f[0]! & 0x7f;
      return f;
    };
    const r = new FrameReader();
    const got = r.push(Buffer.concat([frag(false, 2, 'ab'), frag(true, 9, 'x'), frag(false, 0, 'cd'), frag(true, 0, 'ef')]));
    expect(got.map((m) => [m.opcode, m.payload.toString()])).toEqual([
      [9, 'x'],
      [2, 'abcdef'],
    ]);
  });

  it('unmasks a masked server frame (tolerated), and refuses malformed input', () => {
    const masked = encodeFrame(OPCODE.BINARY, Buffer.from('hi'), Buffer.from([9, 8, 7, 6]));
    expect(new FrameReader().push(masked)[0]!.payload.toString()).toBe('hi');
    const bad = [
      Buffer.from([0xc2, 0x00]), // RSV1 set
      Buffer.from([0x80, 0x00]), // continuation without a message
      Buffer.from([0x89, 126, 0, 200, ...Buffer.alloc(200)]), // control frame > 125 bytes
      Buffer.from([0x09, 0x00]), // fragmented control frame
      Buffer.from([0x83, 0x00]), // reserved opcode
      Buffer.from([0x82, 127, 0xff, 0, 0, 0, 0, 0, 0, 0]), // absurd length
    ];
    for (const b of bad) expect(() => new FrameReader().push(b)).toThrow(WebSocketProtocolError);
  });
});

describe('v4.channel.k8s.io for one port', () => {
  it('strips the 2-byte port header of each channel, even split across messages', () => {
    const c = new PortChannels();
    expect(c.accept(Buffer.from([0, 0x50]))).toBeNull();
    expect(c.accept(Buffer.from([0, 0x00, 0x41]))).toEqual({ channel: 'data', bytes: Buffer.from('A') });
    expect(c.accept(Buffer.from([1, 0x50, 0x00]))).toBeNull();
    expect(c.accept(Buffer.from([1, ...Buffer.from('boom')]))).toEqual({ channel: 'error', bytes: Buffer.from('boom') });
    expect(c.accept(Buffer.from([0, 0x42]))).toEqual({ channel: 'data', bytes: Buffer.from('B') });
    expect(c.accept(Buffer.from([5, 1, 2, 3]))).toBeNull(); // a channel we did not ask for
    expect(c.accept(Buffer.alloc(0))).toBeNull();
  });

  it('prefixes data for the pod with channel 0 only (no port header from the client)', () => {
    expect([...PortChannels.data(Buffer.from('GET'))]).toEqual([0, 0x47, 0x45, 0x54]);
  });
});

// ---------------------------------------------------------------------------------------------------
// End to end, in process

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A "pod": a TCP echo-ish server answering "pod says: <what it got>". */
async function startPod(): Promise<{ port: number; connections: number }> {
  const state = { port: 0, connections: 0 };
  const server = net.createServer((s) => {
    state.connections++;
    s.on('data', (d) => s.write(`pod says: ${d.toString()}`));
    s.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.port = (server.address() as net.AddressInfo).port;
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return state;
}

/** An "API server" on http://127.0.0.1 that hands pods/NAME/portforward upgrades to the fake kubelet. */
async function startApi(dial: (pod: string, port: number) => net.Socket | string, log: KubeletLog) {
  const server: HttpServer = createHttpServer((_req, res) => {
    res.writeHead(404).end();
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const auth: string[] = [];
  server.on('upgrade', (req, socket, head) => {
    auth.push(String(req.headers.authorization));
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward\?/.exec(req.url ?? '');
    if (!m || m[2] === 'missing') {
      socket.end(
        'HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n' +
          JSON.stringify({ kind: 'Status', status: 'Failure', message: `pods "${m?.[2]}" not found`, reason: 'NotFound', code: 404 }),
      );
      return;
    }
    acceptPortForward(req, socket, head, (port) => dial(m[2]!, port), log);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  const http = new KubeHttp(
    {
      server: `http://127.0.0.1:${port}`,
      contextName: null,
      clusterName: null,
      userName: null,
      namespace: 'ns',
      namespaceFromFlag: false,
      insecure: false,
      disableCompression: false,
      systemCaEnv: {},
    },
    new Credentials({}, { authorization: 'Bearer t0ken' }),
    { timeoutMs: 5000, verbose: 0, log: () => undefined },
  );
  cleanups.push(() => http.close());
  return { http, auth };
}

function request(port: number, text: string, opts: { halfClose?: boolean } = {}): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d) => {
      got += d.toString();
      if (!opts.halfClose && got.includes('\n')) s.end();
    });
    s.on('close', () => resolve(got));
    s.on('error', () => resolve(got)); // a connection the forwarder refuses may be reset
    s.write(`${text}\n`);
    if (opts.halfClose) s.end();
  });
}

describe('local port → pods/NAME/portforward → pod', () => {
  it('carries bytes both ways, one WebSocket per connection, credentials and ?ports= as asked', async () => {
    const pod = await startPod();
    const log: KubeletLog = { frames: [], ports: [] };
    const { http, auth } = await startApi(
      (_name, port) => (port === 8080 ? net.connect(pod.port, '127.0.0.1') : `no forward for port ${port}`),
      log,
    );
    const events: ForwardEvent[] = [];
    const fwd = new LocalForwarder({
      address: '127.0.0.1',
      port: 0,
      resolve: async () => ({ namespace: 'ns', pod: 'frontend-abc', port: 8080 }),
      open: (t) => openPodStream(http, t),
      onEvent: (e) => events.push(e),
    });
    const { port } = await fwd.listen();
    cleanups.push(() => fwd.close());
    expect(await request(port, 'hello')).toBe('pod says: hello\n');
    expect(await request(port, 'again')).toBe('pod says: again\n');
    expect(log.ports).toEqual(['8080', '8080']);
    expect(auth).toEqual(['Bearer t0ken', 'Bearer t0ken']);
    expect(events.map((e) => e.kind)).toEqual(['opened', 'opened']);
    // Every client frame was masked and carried channel 0; the client ended each WebSocket with a close.
    expect(log.frames.every((f) => f.masked)).toBe(true);
    expect(log.frames.filter((f) => f.opcode === 2).every((f) => f.payload[0] === 0)).toBe(true);
    expect(log.frames.filter((f) => f.opcode === 8).length).toBe(2);
  });

  it('a local client that shuts down its side ends the tunnel (v4 has no half-close)', async () => {
    const pod = await startPod();
    const log: KubeletLog = { frames: [], ports: [] };
    const { http } = await startApi(() => net.connect(pod.port, '127.0.0.1'), log);
    const fwd = new LocalForwarder({
      address: '127.0.0.1',
      port: 0,
      resolve: async () => ({ namespace: 'ns', pod: 'p', port: 80 }),
      open: (t) => openPodStream(http, t),
      onEvent: () => undefined,
    });
    const { port } = await fwd.listen();
    cleanups.push(() => fwd.close());
    await request(port, 'bye', { halfClose: true }); // resolves: the connection ends, nothing hangs
    expect(log.frames.some((f) => f.opcode === 8)).toBe(true);
    expect(fwd.open).toBe(0);
  });

  it("reports the kubelet's error channel and closes the local connection", async () => {
    const { http } = await startApi(() => 'error forwarding port 80 to pod p, uid : no forward found', { frames: [], ports: [] });
    const events: ForwardEvent[] = [];
    const fwd = new LocalForwarder({
      address: '127.0.0.1',
      port: 0,
      resolve: async () => ({ namespace: 'ns', pod: 'p', port: 80 }),
      open: (t) => openPodStream(http, t),
      onEvent: (e) => events.push(e),
    });
    const { port } = await fwd.listen();
    cleanups.push(() => fwd.close());
    expect(await request(port, 'x')).toBe('');
    expect(events).toContainEqual({
      kind: 'remoteError',
      target: { namespace: 'ns', pod: 'p', port: 80 },
      message: 'error forwarding port 80 to pod p, uid : no forward found',
    });
  });

  it('an API error on the upgrade (pod not found) is an ApiError, reported, and the connection closed', async () => {
    const { http } = await startApi(() => 'unused', { frames: [], ports: [] });
    await expect(openPodStream(http, { namespace: 'ns', pod: 'missing', port: 80 })).rejects.toSatisfy(
      (e) => e instanceof ApiError && e.status === 404 && e.target.resource === 'pods/portforward',
    );
    const events: ForwardEvent[] = [];
    const fwd = new LocalForwarder({
      address: '127.0.0.1',
      port: 0,
      resolve: async () => ({ namespace: 'ns', pod: 'missing', port: 80 }),
      open: (t) => openPodStream(http, t),
      onEvent: (e) => events.push(e),
    });
    const { port } = await fwd.listen();
    cleanups.push(() => fwd.close());
    expect(await request(port, 'x')).toBe('');
    expect(events[0]!.kind).toBe('openFailed');
  });

  it('drop() ends the connections of one pod and leaves the others', async () => {
    const pod = await startPod();
    const { http } = await startApi(() => net.connect(pod.port, '127.0.0.1'), { frames: [], ports: [] });
    let next = 'a';
    const fwd = new LocalForwarder({
      address: '127.0.0.1',
      port: 0,
      resolve: async () => ({ namespace: 'ns', pod: next, port: 80 }),
      open: (t) => openPodStream(http, t),
      onEvent: () => undefined,
    });
    const { port } = await fwd.listen();
    cleanups.push(() => fwd.close());
    const open = (): Promise<{ s: net.Socket; closed: Promise<void> }> =>
      new Promise((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.write('hi\n');
          s.once('data', () => resolve({ s, closed: once(s, 'close').then(() => undefined) }));
        });
      });
    const a = await open();
    next = 'b';
    const b = await open();
    expect(fwd.open).toBe(2);
    expect(fwd.drop((t) => t.pod === 'a')).toBe(1);
    await a.closed;
    expect(b.s.destroyed).toBe(false);
    expect(fwd.open).toBe(1);
    b.s.destroy();
  });

  it('refuses a server that does not complete the WebSocket handshake', async () => {
    const server = net.createServer((s) => {
      s.once('data', () =>
        s.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: wrong\r\n\r\n'),
      );
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const http = new KubeHttp(
      {
        server: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
        contextName: null,
        clusterName: null,
        userName: null,
        namespace: 'ns',
        namespaceFromFlag: false,
        insecure: false,
        disableCompression: false,
        systemCaEnv: {},
      },
      new Credentials({}, {}),
      { timeoutMs: 5000, verbose: 0, log: () => undefined },
    );
    cleanups.push(() => http.close());
    await expect(openPodStream(http, { namespace: 'ns', pod: 'p', port: 80 })).rejects.toBeInstanceOf(WebSocketProtocolError);
  });
});
