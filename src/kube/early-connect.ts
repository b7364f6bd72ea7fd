// The first connection's DNS lookup and TCP handshake, overlapped with building the TLS context.
//
// On Node < 26 the first tls.createSecureContext() of a process costs ~25 ms on this machine, even
// when the kubeconfig names its own CA: adding a CA certificate makes Node parse its ~140 bundled
// Mozilla roots first (perf: node::crypto::NewRootCertStore, PEM_ASN1_read_bio), and nothing in Node's
// API adds a trust anchor without it. Verifying the server in JavaScript instead was considered and not
// done: OpenSSL keeps verifying. What can be saved is the wait for the network: the TCP connection is
// started before the context is built, and the agent's first connection runs TLS over it. It is handed
// to tls.connect at once, connected or not (TLS waits for it and takes over its errors), so it is one of
// the agent's sockets from the start: a request's timeout, abort or the agent's end destroy it as they
// would the agent's own. Nothing is written to it before TLS is established and the server verified.
import * as https from 'node:https';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';

function ignore(): void {
  // an early connection that fails before a request takes it: the agent connects again (and fails alike)
}

/**
 * Starts a TCP connection to host:port. net.connect itself issues connect() on the next tick (an IP
 * address) or after the lookup (a name): the caller lets a tick pass before a long synchronous task.
 */
export function connectEarly(host: string, port: number): net.Socket {
  const socket = net.connect({ host, port });
  // Not a reason to stay alive on its own: a request that takes it refs it.
  socket.unref();
  socket.on('error', ignore);
  return socket;
}

/** An https.Agent whose first connection to `host:port` is the early one (see above). */
export class EarlyConnectAgent extends https.Agent {
  private early: net.Socket | null;

  constructor(
    options: https.AgentOptions,
    early: net.Socket,
    private readonly target: { host: string; port: number },
  ) {
    super(options);
    this.early = early;
  }

  /** Closes an early connection no request took (a command that ended before its first request). */
  override destroy(): void {
    this.early?.destroy();
    this.early = null;
    super.destroy();
  }

  override createConnection(options: https.RequestOptions): Duplex | null | undefined {
    const early = this.early;
    this.early = null;
    const usable =
      early !== null &&
      !early.destroyed &&
      (early.connecting || (early.writable && !early.readableEnded)) &&
      options.host === this.target.host &&
      Number(options.port) === this.target.port;
    if (!usable) {
      early?.destroy();
      return super.createConnection(options);
    }
    early.off('error', ignore);
    early.ref();
    return super.createConnection({ ...options, socket: early } as https.RequestOptions);
  }
}
