// Port forwarding to a pod through the API server's pods/{name}/portforward subresource, on the plugin's
// own HTTP client (same TLS, same credentials), with no dependency.
//
// The protocol is WebSocket (RFC 6455) with the subprotocol "v4.channel.k8s.io", one WebSocket per
// forwarded TCP connection:
//  - kube-apiserver passes a plain WebSocket upgrade through to the kubelet unchanged (its
//    PortForwardWebsockets gate only translates the "SPDY/3.1+portforward.k8s.io" tunnelling protocol
//    that kubectl >= 1.31 sends; 1.34 and 1.37 alike), and the kubelet's streaming server, which CRI
//    runtimes and kwok also use (k8s.io/cri-streaming portforward/websocket.go), serves v4 channels
//    for port-forward next to SPDY.
//  - Every binary message starts with a channel byte. With one port per request, channel 0 carries the
//    data both ways and channel 1 the kubelet's error text. The server's first message on each channel
//    is the port, 2 bytes little-endian; the client sends the channel byte only.
//  - SPDY (kubectl's classic protocol, also inside kubectl's WebSocket tunnel) would need SPDY/3.1
//    framing, zlib-compressed headers and flow control for one gain: several connections on one
//    socket. A browser opens few connections; one WebSocket each is simpler and as fast.
// There is no half-close in v4: when a local client shuts down its sending side, the WebSocket is
// closed (what the pod had already sent still arrives), as @kubernetes/client-node does; HTTP clients
// close both ways at once anyway.
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type { KubeHttp } from './http.js';

export const PORT_FORWARD_PROTOCOL = 'v4.channel.k8s.io';
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const OPCODE = { CONTINUATION: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

const DATA_CHANNEL = 0;
const ERROR_CHANNEL = 1;
/** A message larger than this is a protocol error (the kubelet writes at most 32 KiB at a time). */
const MAX_MESSAGE = 16 * 1024 * 1024;

/** The WebSocket protocol was not followed (by the server, or by whatever sits in between). */
export class WebSocketProtocolError extends Error {}

/** Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 §4.2.2). */
export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + WS_GUID)
    .digest('base64');
}

/** One frame with FIN set. Frames from a client must be masked (RFC 6455 §5.3). */
export function encodeFrame(opcode: number, payload: Buffer, mask: Buffer | null): Buffer {
  const len = payload.length;
  const ext = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const head = 2 + ext + (mask ? 4 : 0);
  const out = Buffer.allocUnsafe(head + len);
  out[0] = 0x80 | opcode;
  out[1] = (mask ? 0x80 : 0) | (ext === 0 ? len : ext === 2 ? 126 : 127);
  if (ext === 2) out.writeUInt16BE(len, 2);
  else if (ext === 8) out.writeBigUInt64BE(BigInt(len), 2);
  if (mask) {
    mask.copy(out, 2 + ext);
    for (let i = 0; i < len; i++) out[head + i] = payload[i]! ^ mask[i & 3]!;
  } else {
    payload.copy(out, head);
  }
  return out;
}

export interface WsMessage {
  opcode: number;
  payload: Buffer;
}

/**
 * Turns the bytes of a WebSocket into messages: data messages reassembled from their fragments,
 * control frames (close, ping, pong) as they come. Throws WebSocketProtocolError on malformed input.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private length = 0;
  private fragments: Buffer[] | null = null;
  private fragmentOpcode = 0;
  private fragmentLength = 0;
  /** Bytes the frame at the front needs in all, once its header is known (0: not known yet). */
  private need = 0;

  push(chunk: Buffer): WsMessage[] {
    if (chunk.length) {
      this.chunks.push(chunk);
      this.length += chunk.length;
    }
    const out: WsMessage[] = [];
    for (;;) {
      if (this.length < 2 || this.length < this.need) break;
      const h = this.peek(Math.min(this.length, 14));
      const fin = (h[0]! & 0x80) !== 0;
      if (h[0]! & 0x70) throw new WebSocketProtocolError('reserved bits set');
      const opcode = h[0]! & 0x0f;
      const masked = (h[1]! & 0x80) !== 0;
      let len = h[1]! & 0x7f;
      let pos = 2;
      if (len === 126) {
        if (h.length < 4) break;
        len = h.readUInt16BE(2);
        pos = 4;
      } else if (len === 127) {
        if (h.length < 10) break;
        const big = h.readBigUInt64BE(2);
        if (big > BigInt(MAX_MESSAGE)) throw new WebSocketProtocolError('frame too large');
        len = Number(big);
        pos = 10;
      }
      const maskAt = pos;
      if (masked) pos += 4;
      if (this.length < pos + len) {
        this.need = pos + len;
        break;
      }
      this.need = 0;
      const frame = this.take(pos + len);
      let payload = frame.subarray(pos);
      if (masked) {
        // Servers must not mask; tolerated, as most clients do.
        const key = frame.subarray(maskAt, maskAt + 4);
        payload = Buffer.from(payload);
        for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ key[i & 3]!;
      }
      if (opcode >= 0x8) {
        if (!fin || len > 125) throw new WebSocketProtocolError('invalid control frame');
        if (opcode !== OPCODE.CLOSE && opcode !== OPCODE.PING && opcode !== OPCODE.PONG) {
          throw new WebSocketProtocolError(`unknown opcode ${opcode}`);
        }
        out.push({ opcode, payload });
        continue;
      }
      if (opcode === OPCODE.CONTINUATION) {
        if (!this.fragments) throw new WebSocketProtocolError('continuation without a message');
        this.fragments.push(payload);
        this.fragmentLength += payload.length;
      } else if (opcode === OPCODE.TEXT || opcode === OPCODE.BINARY) {
        if (this.fragments) throw new WebSocketProtocolError('new message inside a fragmented one');
        if (fin) {
          out.push({ opcode, payload });
          continue;
        }
        this.fragments = [payload];
        this.fragmentOpcode = opcode;
        this.fragmentLength = payload.length;
      } else {
        throw new WebSocketProtocolError(`unknown opcode ${opcode}`);
      }
      if (this.fragmentLength > MAX_MESSAGE) throw new WebSocketProtocolError('message too large');
      if (fin) {
        out.push({ opcode: this.fragmentOpcode, payload: Buffer.concat(this.fragments) });
        this.fragments = null;
        this.fragmentLength = 0;
      }
    }
    return out;
  }

  /** The first n bytes (n <= this.length), copying only the chunks they span. */
  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    const parts: Buffer[] = [];
    let got = 0;
    for (const c of this.chunks) {
      parts.push(c);
      got += c.length;
      if (got >= n) break;
    }
    return Buffer.concat(parts, got).subarray(0, n);
  }

  /** Removes and returns the first n bytes (n <= this.length). */
  private take(n: number): Buffer {
    const out = this.peek(n);
    this.length -= n;
    let left = n;
    let whole = 0;
    while (left > 0 && this.chunks[whole]!.length <= left) left -= this.chunks[whole++]!.length;
    if (left > 0) this.chunks[whole] = this.chunks[whole]!.subarray(left);
    this.chunks.splice(0, whole);
    return out;
  }
}

/**
 * The v4 channel protocol for one forwarded port: strips the 2-byte port header the server sends
 * first on each channel, and sorts what follows into data and error text.
 */
export class PortChannels {
  private pendingHeader = new Map<number, number>([
    [DATA_CHANNEL, 2],
    [ERROR_CHANNEL, 2],
  ]);

  /** The part of a binary message after its headers, by channel; null for nothing to deliver. */
  accept(message: Buffer): { channel: 'data' | 'error'; bytes: Buffer } | null {
    if (message.length === 0) return null;
    const channel = message[0]!;
    let bytes = message.subarray(1);
    const pending = this.pendingHeader.get(channel);
    if (pending === undefined) return null; // a channel of a port we did not ask for
    if (pending > 0) {
      const strip = Math.min(pending, bytes.length);
      this.pendingHeader.set(channel, pending - strip);
      bytes = bytes.subarray(strip);
    }
    if (bytes.length === 0) return null;
    return { channel: channel === DATA_CHANNEL ? 'data' : 'error', bytes };
  }

  /** A message carrying data to the pod. */
  static data(bytes: Buffer): Buffer {
    const out = Buffer.allocUnsafe(bytes.length + 1);
    out[0] = DATA_CHANNEL;
    bytes.copy(out, 1);
    return out;
  }
}

export interface PodStreamEvents {
  data: [Buffer];
  drain: [];
  /** What the kubelet wrote on the error channel (e.g. "error forwarding port 80 to pod …"). */
  remoteError: [string];
  close: [{ code: number | null; reason: string; error: Error | null }];
}

/** One TCP connection to a port of a pod, carried by one WebSocket. */
export class PodStream extends EventEmitter<PodStreamEvents> {
  private readonly reader = new FrameReader();
  private readonly channels = new PortChannels();
  private closeSent = false;
  private closed = false;
  private errorText = '';
  private closeInfo: { code: number | null; reason: string; error: Error | null } = { code: null, reason: '', error: null };

  private started = false;
  private socketClosed = false;

  constructor(
    private readonly socket: Duplex,
    private readonly head: Buffer,
  ) {
    super();
    socket.on('drain', () => this.emit('drain'));
    socket.on('error', (e: Error) => {
      this.closeInfo.error ??= e;
    });
    socket.on('end', () => socket.end());
    socket.on('close', () => {
      this.socketClosed = true;
      if (this.started) this.finish();
    });
  }

  /** Starts reading, once the listeners are attached: nothing the pod sends before is lost. */
  start(): void {
    if (this.started) return;
    this.started = true;
    if (this.head.length) this.onBytes(this.head);
    if (this.socketClosed) {
      // Closed before anyone listened: what it had sent is still buffered.
      for (let c = this.socket.read() as Buffer | null; c !== null; c = this.socket.read() as Buffer | null) this.onBytes(c);
      this.finish();
      return;
    }
    this.socket.on('data', (chunk: Buffer) => this.onBytes(chunk));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends bytes to the pod; false when the socket's buffer is full (wait for 'drain'). */
  write(bytes: Buffer): boolean {
    if (this.closeSent || this.closed) return false;
    return this.socket.write(encodeFrame(OPCODE.BINARY, PortChannels.data(bytes), randomBytes(4)));
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Closes the WebSocket (normal closure), which ends the connection to the pod. */
  close(code = 1000): void {
    if (this.closed) return;
    if (!this.closeSent) {
      this.closeSent = true;
      const payload = Buffer.alloc(2);
      payload.writeUInt16BE(code, 0);
      this.socket.write(encodeFrame(OPCODE.CLOSE, payload, randomBytes(4)));
    }
    this.socket.end();
    // A server that does not answer the close within a second is cut off.
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onBytes(chunk: Buffer): void {
    if (this.closed) return;
    let messages: WsMessage[];
    try {
      messages = this.reader.push(chunk);
    } catch (e) {
      this.closeInfo.error = e as Error;
      this.close(1002);
      return;
    }
    let close: number | null = null;
    for (const m of messages) {
      if (m.opcode === OPCODE.BINARY) {
        const got = this.channels.accept(m.payload);
        if (got?.channel === 'data') this.emit('data', got.bytes);
        else if (got) this.errorText += got.bytes.toString('utf8');
      } else if (m.opcode === OPCODE.PING) {
        if (!this.closeSent) this.socket.write(encodeFrame(OPCODE.PONG, m.payload, randomBytes(4)));
      } else if (m.opcode === OPCODE.CLOSE) {
        this.closeInfo.code = m.payload.length >= 2 ? m.payload.readUInt16BE(0) : null;
        this.closeInfo.reason = m.payload.subarray(2).toString('utf8');
        close = this.closeInfo.code ?? 1000;
        break;
      }
      // text messages (the base64 protocol) are not negotiated; pongs need nothing
    }
    if (this.errorText) {
      const text = this.errorText;
      this.errorText = '';
      this.emit('remoteError', text.trim());
    }
    if (close !== null) this.close(close);
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', this.closeInfo);
  }
}

export interface PortForwardRequest {
  namespace: string;
  pod: string;
  /** The port in the pod. */
  port: number;
  signal?: AbortSignal;
}

/**
 * Opens a WebSocket to pods/{pod}/portforward?ports=PORT through the API server. Rejects with the
 * API server's answer (ApiError: pod not found, forbidden, not running) or a NetworkError, or with
 * WebSocketProtocolError when the handshake is not a WebSocket one.
 */
export async function openPodStream(http: KubeHttp, req: PortForwardRequest): Promise<PodStream> {
  const key = randomBytes(16).toString('base64');
  const { socket, head, headers } = await http.upgrade({
    method: 'GET',
    path: `/api/v1/namespaces/${encodeURIComponent(req.namespace)}/pods/${encodeURIComponent(req.pod)}/portforward`,
    query: { ports: String(req.port) },
    headers: {
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': key,
      'Sec-WebSocket-Protocol': PORT_FORWARD_PROTOCOL,
    },
    // Since Kubernetes 1.35 a WebSocket upgrade of pods/portforward needs "create" (before: "get").
    target: { verb: 'create', resource: 'pods/portforward', group: '', namespace: req.namespace, name: req.pod },
    signal: req.signal,
  });
  const protocol = headers['sec-websocket-protocol'];
  if (headers['sec-websocket-accept'] !== acceptKey(key) || (protocol !== undefined && protocol !== PORT_FORWARD_PROTOCOL)) {
    socket.destroy();
    throw new WebSocketProtocolError(`the server did not accept the ${PORT_FORWARD_PROTOCOL} WebSocket handshake`);
  }
  if ('setNoDelay' in socket) (socket as net.Socket).setNoDelay(true);
  return new PodStream(socket, head);
}

// ---------------------------------------------------------------------------------------------------
// The local side: a TCP listener whose every connection gets its own stream to the current pod.

export interface ForwardTarget {
  namespace: string;
  pod: string;
  port: number;
}

export type ForwardEvent =
  | { kind: 'opened'; target: ForwardTarget }
  | { kind: 'noTarget' }
  | { kind: 'openFailed'; target: ForwardTarget; error: unknown }
  | { kind: 'remoteError'; target: ForwardTarget; message: string };

export interface ForwarderOptions {
  address: string;
  /** 0 = a free port. */
  port: number;
  /** Where a new connection goes now; null closes it (the reason is the caller's to tell). */
  resolve(): Promise<ForwardTarget | null>;
  open(target: ForwardTarget): Promise<PodStream>;
  onEvent(e: ForwardEvent): void;
}

interface Tunnel {
  target: ForwardTarget;
  local: net.Socket;
  remote: PodStream | null;
}

export class LocalForwarder {
  private readonly server: net.Server;
  private readonly tunnels = new Set<Tunnel>();
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly o: ForwarderOptions) {
    this.server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (sock) => void this.accept(sock));
  }

  /** Starts listening; rejects with the listen error (EADDRINUSE, EACCES, EADDRNOTAVAIL). */
  listen(): Promise<{ address: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.server.once('error', onError);
      this.server.listen({ host: this.o.address, port: this.o.port, exclusive: true }, () => {
        this.server.off('error', onError);
        const a = this.server.address() as net.AddressInfo;
        resolve({ address: a.address, port: a.port });
      });
    });
  }

  /** Connections now open. */
  get open(): number {
    return this.tunnels.size;
  }

  /** Ends the connections whose target matches (the preview moved on, or the pod went away). */
  drop(match: (t: ForwardTarget) => boolean): number {
    let n = 0;
    for (const t of [...this.tunnels]) {
      if (!match(t.target)) continue;
      n++;
      this.end(t);
    }
    return n;
  }

  /** Stops listening and ends every connection. */
  close(): Promise<void> {
    for (const t of [...this.tunnels]) this.end(t);
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private end(t: Tunnel): void {
    this.tunnels.delete(t);
    t.remote?.close();
    t.local.destroy();
  }

  private async accept(local: net.Socket): Promise<void> {
    this.sockets.add(local);
    local.once('close', () => this.sockets.delete(local));
    local.setNoDelay(true);
    local.on('error', () => local.destroy());
    const target = await this.o.resolve().catch(() => null);
    if (!target) {
      this.o.onEvent({ kind: 'noTarget' });
      local.destroy();
      return;
    }
    const tunnel: Tunnel = { target, local, remote: null };
    this.tunnels.add(tunnel);
    local.once('close', () => {
      this.tunnels.delete(tunnel);
      tunnel.remote?.close();
    });
    let remote: PodStream;
    try {
      remote = await this.o.open(target);
    } catch (error) {
      this.tunnels.delete(tunnel);
      this.o.onEvent({ kind: 'openFailed', target, error });
      local.destroy();
      return;
    }
    if (local.destroyed || !this.tunnels.has(tunnel)) {
      remote.close();
      return;
    }
    tunnel.remote = remote;
    this.o.onEvent({ kind: 'opened', target });
    remote.on('remoteError', (message) => this.o.onEvent({ kind: 'remoteError', target, message }));
    remote.on('data', (bytes) => {
      if (!local.write(bytes)) remote.pause();
    });
    local.on('drain', () => remote.resume());
    local.on('data', (bytes: Buffer) => {
      if (!remote.write(bytes)) local.pause();
    });
    local.on('end', () => remote.close());
    remote.on('drain', () => local.resume());
    remote.on('close', () => {
      this.tunnels.delete(tunnel);
      local.end();
      setTimeout(() => local.destroy(), 1000).unref();
    });
    remote.start();
    local.resume();
  }
}
