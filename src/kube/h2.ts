// HTTP/2 to the API server, as kubectl (client-go) speaks it: the first TLS connection offers h2 and
// http/1.1 (ALPN); when the server picks h2, every request but an Upgrade (port-forward's WebSocket) is a
// stream of that one connection, so a command's first round of reads pays one TLS handshake instead of
// one per request. When it picks http/1.1, that connection is handed to the HTTP/1.1 agent, which sends
// the first request on it, as Go's transport does. By default on Node >= 26 (the single executable's),
// opt-in below it (KUBECTL_BLUEGREEN_HTTP2; kubeconfig.ts says why); DISABLE_HTTP2 (any value) keeps
// HTTP/1.1, as client-go.
// Through a proxy it is HTTP/1.1 (client-go tunnels h2 through CONNECT too; a documented difference).
//
// Measured on this machine (Node 20, the local kube-apiserver, five requests at once from a fresh process,
// 20 alternating runs): 46 ms to the last answer over HTTP/2 against 62 over five HTTP/1.1 connections.
//
// A session that is closing (GOAWAY, an error, the server's idle close) takes no new request: the next one
// opens a new connection, while the streams still open on the old one run to their end. A stream the
// server refused (REFUSED_STREAM; after a GOAWAY without error, every stream above its last) never reached
// it: its request was not sent (http.ts). Any other stream failure counts as a reset after sending.
// Each session holds the process alive only while it has a stream open, as the agent's idle sockets do not.
// Like client-go, a health check pings the server while streams are open (every READ_IDLE_MS) and closes
// the session when no answer comes within PING_TIMEOUT_MS.
import * as http2 from 'node:http2';
import type * as tls from 'node:tls';

/** client-go's defaults (HTTP2_READ_IDLE_TIMEOUT_SECONDS, HTTP2_PING_TIMEOUT_SECONDS). */
export const READ_IDLE_MS = 30_000;
export const PING_TIMEOUT_MS = 15_000;

/**
 * The window a stream may receive before its reader reads (Go's transport: 4 MiB per stream). A List the
 * reader pauses (a table waiting on another list) holds at most this much before the server waits.
 */
const STREAM_WINDOW = 4 << 20;
const SESSION_WINDOW = 16 << 20;
/**
 * The largest DATA frame the server may send (HTTP/2's default is 16 KiB; kube-apiserver honours more):
 * each frame is one chunk for the reader, so a large List in 16 KiB frames costs many more callbacks than
 * over HTTP/1.1's socket reads. Measured here, `status -A` over 10,000 rollouts, 5 alternating runs:
 * 2.1-2.9 s with 1 MiB frames, 2.6-3.1 s at the default, 2.5-3.2 s over HTTP/1.1.
 */
const MAX_FRAME = 1 << 20;

function ignore(): void {
  // a session's own error: each open stream gets its error, and the session is dropped on 'close'
}

/** An error the transport reads as a lost connection (a read is tried again; a write reports it may be done). */
function reset(message: string): Error {
  return Object.assign(new Error(message), { code: 'ECONNRESET' });
}

export class H2Pool {
  private pending: Promise<http2.ClientHttp2Session | null> | null = null;
  /** The connection being set up, and how many requests wait for it. */
  private dialing: tls.TLSSocket | null = null;
  private waiting = 0;
  /** The session new requests go to. */
  private live: http2.ClientHttp2Session | null = null;
  /** Every session not yet destroyed, the draining ones (GOAWAY) included, with its open streams. */
  private readonly sessions = new Map<http2.ClientHttp2Session, number>();
  /** What each session's open streams want done when the server sends GOAWAY (request(), onDrain). */
  private readonly drains = new Map<http2.ClientHttp2Session, Set<() => void>>();
  /** The server picked HTTP/1.1: every request goes through the agent from now on. */
  private h1 = false;
  private closed = false;

  constructor(
    private readonly origin: string,
    /** A TLS connection to the server offering h2 and http/1.1. */
    private readonly dial: () => tls.TLSSocket,
    /** Gives an HTTP/1.1 connection to the agent, for its next request. */
    private readonly handover: (socket: tls.TLSSocket) => void,
    private readonly times = { readIdleMs: READ_IDLE_MS, pingTimeoutMs: PING_TIMEOUT_MS },
  ) {}

  /**
   * The session to send on, or null for HTTP/1.1. Rejects with the connection's error (refused, TLS), or
   * a reset once the pool is closed. A caller that stops waiting (its timeout, Ctrl-C) says so with
   * giveUp(): when no one waits any more, the connection being set up is abandoned.
   */
  session(): Promise<http2.ClientHttp2Session | null> {
    if (this.closed) return Promise.reject(reset('the client was closed'));
    if (this.h1) return Promise.resolve(null);
    if (this.live && !this.live.closed && !this.live.destroyed) return Promise.resolve(this.live);
    this.waiting++;
    this.pending ??= this.connect().finally(() => {
      this.pending = null;
      this.dialing = null;
      this.waiting = 0;
    });
    return this.pending;
  }

  /** A caller of session() that is still waiting gives up. */
  giveUp(): void {
    if (this.dialing && --this.waiting <= 0) this.dialing.destroy(reset('no request waits for the connection any more'));
  }

  /**
   * Sends a request as a stream of the session; the session stays referenced while it has a stream open.
   * `onDrain` is called if the server sends GOAWAY while the stream is open:
   * a watch ends there and resumes on a new session, as after the server ended it (http.ts), instead of
   * living on a session whose health can no longer be checked (Node cancels PINGs on it).
   */
  request(
    session: http2.ClientHttp2Session,
    headers: http2.OutgoingHttpHeaders,
    endStream: boolean,
    onDrain?: () => void,
  ): http2.ClientHttp2Stream {
    const stream = session.request(headers, { endStream });
    const open = (this.sessions.get(session) ?? 0) + 1;
    this.sessions.set(session, open);
    if (open === 1) session.ref();
    const drains = this.drains.get(session);
    if (onDrain && drains) drains.add(onDrain);
    stream.once('close', () => {
      if (onDrain) drains?.delete(onDrain);
      const left = (this.sessions.get(session) ?? 1) - 1;
      if (this.sessions.has(session)) this.sessions.set(session, left);
      if (left === 0 && !session.destroyed) session.unref();
    });
    return stream;
  }

  /** Ends everything: the connection being set up, every session (their streams fail), and what comes later. */
  close(): void {
    this.closed = true;
    this.dialing?.destroy(reset('the client was closed'));
    for (const session of this.sessions.keys()) session.destroy();
    this.sessions.clear();
    this.drains.clear();
    this.live = null;
  }

  private connect(): Promise<http2.ClientHttp2Session | null> {
    return new Promise((resolve, reject) => {
      const socket = this.dial();
      this.dialing = socket;
      const failed = (e: Error) => {
        socket.destroy();
        reject(e);
      };
      socket.once('error', failed);
      socket.once('secureConnect', () => {
        socket.off('error', failed);
        if (this.closed) return failed(reset('the client was closed'));
        if (socket.alpnProtocol !== 'h2') {
          this.h1 = true;
          this.handover(socket);
          resolve(null);
          return;
        }
        const session = http2.connect(this.origin, {
          createConnection: () => socket,
          settings: { initialWindowSize: STREAM_WINDOW, maxFrameSize: MAX_FRAME, enablePush: false },
        });
        session.on('error', ignore);
        this.sessions.set(session, 0);
        const drains = new Set<() => void>();
        this.drains.set(session, drains);
        const drop = () => {
          if (this.live === session) this.live = null;
        };
        session.once('goaway', () => {
          drop();
          // kube-apiserver sends GOAWAY after each 401 over HTTP/2 (its answer says Connection: close), at
          // shutdown, and with --goaway-chance: the streams that want to move do so now.
          for (const d of [...drains]) d();
        });
        session.once('close', () => {
          drop();
          this.sessions.delete(session);
          this.drains.delete(session);
        });
        session.once('connect', () => {
          if (!session.destroyed) session.setLocalWindowSize(SESSION_WINDOW);
        });
        this.watchHealth(session);
        session.unref();
        this.live = session;
        resolve(session);
      });
    });
  }

  /**
   * client-go's health check, simplified: while a session has a stream open, a PING every readIdleMs
   * (client-go pings after that long without a frame; a watch may be silent that long anyway); no answer
   * within pingTimeoutMs closes the session, and its streams fail as reset, so a dead connection does
   * not hang a watch. Node cancels a PING on a draining session (after a GOAWAY): one with streams still
   * open is closed pingTimeoutMs after the next tick whatever its health, and its watches reconnect on a
   * new session (kube-apiserver sends GOAWAY at shutdown, or with --goaway-chance).
   */
  private watchHealth(session: http2.ClientHttp2Session): void {
    const timer = setInterval(() => {
      if (!this.sessions.get(session) || session.destroyed) return;
      const deadline = setTimeout(() => session.destroy(reset('the server did not answer a ping')), this.times.pingTimeoutMs);
      deadline.unref();
      let sent = false;
      try {
        sent = session.ping((err) => {
          // Cancelled (a closing session that can no longer send one): nothing learnt, the deadline stays.
          if (!err || (err as NodeJS.ErrnoException).code !== 'ERR_HTTP2_PING_CANCEL') clearTimeout(deadline);
        });
      } catch {
        sent = false;
      }
      if (!sent && !session.closed) clearTimeout(deadline);
    }, this.times.readIdleMs);
    timer.unref();
    session.once('close', () => clearInterval(timer));
  }
}
