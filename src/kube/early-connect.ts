// The first connection's TCP handshake (and its DNS lookup) overlapped with building the TLS context.
//
// On Node < 26 the first tls.createSecureContext() of a process costs ~25 ms on this machine, even
// when the kubeconfig names its own CA: adding a CA certificate makes Node parse its ~140 bundled
// Mozilla roots first (perf: node::crypto::NewRootCertStore, PEM_ASN1_read_bio), and nothing in Node's
// API adds a trust anchor without it. Verifying the server in JavaScript instead was considered and not
// done: OpenSSL keeps verifying. What can be saved is the wait for the network: the TCP connection is
// started before the context is built (the kernel completes it meanwhile), and the agent's first
// connection runs TLS over it. Nothing is sent on it before TLS; on a connection that fails before it
// is used, the request fails with that error, as a connection made by the agent would.
import * as https from 'node:https';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';

type Created = (err: Error | null, stream: Duplex) => void;

export interface EarlyConnection {
  socket: net.Socket;
  /** The socket once connected, or the error that ended it first. */
  ready: Promise<net.Socket | Error>;
}

/** Starts a TCP connection to host:port. */
export function connectEarly(host: string, port: number): EarlyConnection {
  const socket = net.connect({ host, port });
  // Until a request takes it, it must not keep the process alive (a command may end before).
  socket.unref();
  const ready = new Promise<net.Socket | Error>((resolve) => {
    const onError = (e: Error) => {
      socket.off('connect', onConnect);
      resolve(e);
    };
    const onConnect = () => {
      socket.off('error', onError);
      // An error between now and the hand-over destroys it (seen there); it must never be unhandled.
      socket.on('error', ignore);
      resolve(socket);
    };
    socket.once('error', onError);
    socket.once('connect', onConnect);
  });
  return { socket, ready };
}

function ignore(): void {
  // destroyed: the agent makes its own connection instead
}

/** An https.Agent whose first connection uses a TCP connection started early (see above). */
export class EarlyConnectAgent extends https.Agent {
  private early: EarlyConnection | null;

  constructor(options: https.AgentOptions, early: EarlyConnection) {
    super(options);
    this.early = early;
  }

  /** Closes an early connection no request took (a command that ended before its first request). */
  override destroy(): void {
    this.early?.socket.destroy();
    this.early = null;
    super.destroy();
  }

  // Node's Agent accepts a socket from this callback later (createSocket's `oncreate`).
  override createConnection(options: https.RequestOptions, created?: Created): Duplex | null | undefined {
    const early = this.early;
    const make = (opts: https.RequestOptions): Duplex => super.createConnection(opts)!;
    if (!early || !created) return make(options);
    this.early = null;
    // A request waits on it now: it keeps the process alive, as the agent's own connection would.
    early.socket.ref();
    void early.ready.then((socket) => {
      if (socket instanceof Error) return created(socket, undefined as never);
      let made: Duplex;
      try {
        if (socket.destroyed) {
          made = make(options);
        } else {
          socket.off('error', ignore);
          socket.setKeepAlive(true, this.options.keepAliveMsecs ?? 1000);
          made = make({ ...options, socket } as https.RequestOptions);
        }
      } catch (e) {
        socket.destroy();
        return created(e as Error, undefined as never);
      }
      created(null, made);
    });
    return undefined;
  }
}
