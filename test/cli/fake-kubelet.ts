// The kubelet's side of port-forward over WebSocket (subprotocol v4.channel.k8s.io), for the tests.
// Written from RFC 6455 and k8s.io/cri-streaming portforward/websocket.go (what kwok and the kubelet
// serve), independently of src/kube/portforward.ts, so a framing bug there cannot hide behind a shared
// implementation: the server sends unmasked frames, the port (2 bytes, little-endian) first on the
// data and the error channel, then the data; it requires masked client frames.
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

export const V4 = 'v4.channel.k8s.io';

export function serverFrame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  let head: Buffer;
  if (n < 126) head = Buffer.from([0x80 | opcode, n]);
  else if (n < 65536) {
    head = Buffer.alloc(4);
    head[0] = 0x80 | opcode;
    head[1] = 126;
    head.writeUInt16BE(n, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = 0x80 | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([head, payload]);
}

export interface ClientFrame {
  fin: boolean;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/** Parses client frames from `buf`; returns them and the incomplete rest. */
export function parseClientFrames(buf: Buffer): { frames: ClientFrame[]; rest: Buffer } {
  const frames: ClientFrame[] = [];
  let off = 0;
  for (;;) {
    if (buf.length - off < 2) break;
    const b0 = buf[off]!;
    const b1 = buf[off + 1]!;
    let len = b1 & 0x7f;
    let p = off + 2;
    if (len === 126) {
      if (buf.length - off < 4) break;
      len = buf.readUInt16BE(off + 2);
      p = off + 4;
    } else if (len === 127) {
      if (buf.length - off < 10) break;
      len = Number(buf.readBigUInt64BE(off + 2));
      p = off + 10;
    }
    const masked = (b1 & 0x80) !== 0;
    const keyAt = p;
    if (masked) p += 4;
    if (buf.length < p + len) break;
    const payload = Buffer.from(buf.subarray(p, p + len));
    if (masked) for (let i = 0; i < len; i++) payload[i] = payload[i]! ^ buf[keyAt + (i % 4)]!;
    frames.push({ fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, masked, payload });
    off = p + len;
  }
  return { frames, rest: buf.subarray(off) };
}

export interface KubeletLog {
  /** Every client frame seen, in order. */
  frames: ClientFrame[];
  /** The port asked for in ?ports=. */
  ports: string[];
}

/**
 * Answers a WebSocket port-forward upgrade like the kubelet: `dial` opens the connection inside the
 * "pod" (or returns the error text the kubelet would write on the error channel).
 */
export function acceptPortForward(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  dial: (port: number) => net.Socket | string,
  log?: KubeletLog,
): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const port = Number(url.searchParams.get('ports'));
  log?.ports.push(url.searchParams.get('ports') ?? '');
  const protocols = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((s) => s.trim());
  const key = String(req.headers['sec-websocket-key'] ?? '');
  if (req.headers.upgrade?.toLowerCase() !== 'websocket' || !key || !protocols.includes(V4) || !port) {
    socket.end(
      'HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"kind":"Status","message":"bad port-forward request","code":400}',
    );
    return;
  }
  const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ${V4}\r\n\r\n`,
  );
  const portBytes = Buffer.alloc(2);
  portBytes.writeUInt16LE(port, 0);
  socket.write(serverFrame(2, Buffer.concat([Buffer.from([0]), portBytes])));
  socket.write(serverFrame(2, Buffer.concat([Buffer.from([1]), portBytes])));

  let closed = false;
  const closeWs = () => {
    if (closed) return;
    closed = true;
    const code = Buffer.alloc(2);
    code.writeUInt16BE(1000, 0);
    socket.write(serverFrame(8, code));
    socket.end();
  };
  const upstream = dial(port);
  if (typeof upstream === 'string') {
    socket.write(serverFrame(2, Buffer.concat([Buffer.from([1]), Buffer.from(upstream)])));
    closeWs();
    return;
  }
  upstream.on('data', (d: Buffer) => socket.write(serverFrame(2, Buffer.concat([Buffer.from([0]), d]))));
  upstream.on('end', closeWs);
  upstream.on('error', closeWs);
  let buf: Buffer = head;
  const onBytes = (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    const { frames, rest } = parseClientFrames(buf);
    buf = rest;
    for (const f of frames) {
      log?.frames.push(f);
      if (!f.masked) {
        socket.destroy(); // RFC 6455 §5.1: a server closes on an unmasked client frame
        upstream.destroy();
        return;
      }
      if (f.opcode === 8) {
        upstream.end();
        closeWs();
      } else if (f.opcode === 2 && f.payload[0] === 0) {
        upstream.write(f.payload.subarray(1));
      }
    }
  };
  socket.on('data', onBytes);
  socket.on('close', () => upstream.destroy());
  socket.on('error', () => upstream.destroy());
  if (head.length) onBytes(Buffer.alloc(0));
}
