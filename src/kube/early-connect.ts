// The first connection's DNS lookup (a server name) or TCP handshake (an IP address), overlapped with
// building the TLS context.
//
// On Node < 26 the first tls.createSecureContext() of a process costs ~25 ms on this machine, even
// when the kubeconfig names its own CA: adding a CA certificate makes Node parse its ~140 bundled
// Mozilla roots first (perf: node::crypto::NewRootCertStore, PEM_ASN1_read_bio), and nothing in Node's
// API adds a trust anchor without it. Verifying the server in JavaScript instead was considered and not
// done: OpenSSL keeps verifying. What can be saved is the wait for the network, started before the
// context is built:
// - an IP address: the TCP connection itself. It is handed to tls.connect at once, connected or not (TLS
//   waits for it and takes over its errors), so it is one of the agent's sockets from the start: a
//   request's timeout, abort or the agent's end destroy it as they would the agent's own. Nothing is
//   written to it before TLS is established and the server verified.
// - a name: only its lookup, whose answer the agent's first connection uses (served once, through the
//   agent's `lookup` option). Not the connection: for a name with several addresses, Node's connection
//   attempts (happy eyeballs) replace the socket's handle, which a TLS socket built over that socket
//   does not follow (a review found a crash and a hang). A failed lookup is the request's error, as
//   the agent's own lookup's would be; a lookup cannot be cancelled, so a command that fails before its
//   first request (unreadable TLS material) still waits for it.
import type * as dns from 'node:dns';
import * as https from 'node:https';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type * as tls from 'node:tls';

function ignore(): void {
  // an early connection that fails before a request takes it: the agent connects again (and fails alike)
}

type Answer = dns.LookupAddress[] | NodeJS.ErrnoException;

// node:dns is loaded only for a server name (~1 ms on Node 20 and 26 here): for an IP address, the
// commonest local cluster, neither net.connect nor this file needs it. (Through getBuiltinModule, which a
// test's vi.mock('node:dns') would not reach: no test mocks it.)
const dnsModule = (): typeof dns => process.getBuiltinModule('node:dns');

/** The hints net.connect gives its lookup when no family is asked for (none on Windows). */
const netHints = (): number => (process.platform === 'win32' ? 0 : dnsModule().ADDRCONFIG);
type LookupCallback = (err: NodeJS.ErrnoException | null, address?: string | dns.LookupAddress[], family?: number) => void;

export type Early = { kind: 'socket'; socket: net.Socket } | { kind: 'lookup'; answer: Promise<Answer> };

/**
 * Starts the network part of the first connection to host:port. net.connect issues connect() on the next
 * tick: the caller lets a tick pass before a long synchronous task.
 */
export function startEarly(host: string, port: number): Early {
  if (net.isIP(host) === 0) {
    // As net.connect asks (its hints; all: with happy eyeballs, the default).
    const answer = new Promise<Answer>((resolve) =>
      dnsModule().lookup(host, { all: true, hints: netHints() }, (err, addresses) => resolve(err ?? addresses)),
    );
    return { kind: 'lookup', answer };
  }
  const socket = net.connect({ host, port, noDelay: true });
  // Not a reason to stay alive on its own: a request that takes it refs it.
  socket.unref();
  socket.on('error', ignore);
  return { kind: 'socket', socket };
}

/**
 * An https.Agent whose first connection to `host:port` uses what startEarly began (see above), and which
 * sends its next request on a TLS connection handed to it (one that negotiated HTTP/1.1, h2.ts).
 */
export class EarlyConnectAgent extends https.Agent {
  private socket: net.Socket | null;
  private answer: Promise<Answer> | null;
  private handed: tls.TLSSocket | null = null;

  constructor(
    options: https.AgentOptions,
    early: Early,
    private readonly target: { host: string; port: number },
  ) {
    super(early.kind === 'lookup' ? { ...options, lookup: (h, o, cb) => this.lookupOnce(h, o, cb as LookupCallback) } : options);
    this.socket = early.kind === 'socket' ? early.socket : null;
    this.answer = early.kind === 'lookup' ? early.answer : null;
  }

  /** Closes an early connection no request took (a command that ended before its first request). */
  override destroy(): void {
    this.socket?.destroy();
    this.socket = null;
    this.handed?.destroy();
    this.handed = null;
    super.destroy();
  }

  /** A connection to the target, TLS established, for the next request (not a reason to stay alive until then). */
  handover(socket: tls.TLSSocket): void {
    this.handed?.destroy();
    socket.on('error', ignore);
    socket.unref();
    this.handed = socket;
  }

  override createConnection(options: https.RequestOptions): Duplex | null | undefined {
    const handed = this.handed;
    this.handed = null;
    if (handed) {
      handed.off('error', ignore);
      const same = options.host === this.target.host && Number(options.port) === this.target.port;
      if (same && !handed.destroyed && handed.writable && !handed.readableEnded) return handed.ref();
      handed.destroy();
    }
    const early = this.socket;
    this.socket = null;
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
    early.ref();
    return super.createConnection({ ...options, socket: early } as https.RequestOptions);
  }

  /** The early answer for the first lookup of the same name and kind; any other lookup is Node's own. */
  private lookupOnce(host: string, options: dns.LookupOptions, callback: LookupCallback): void {
    const answer = this.answer;
    this.answer = null;
    const same = host === this.target.host && !options.family && (options.hints ?? 0) === netHints();
    if (!answer || !same) {
      dnsModule().lookup(host, options, callback as never);
      return;
    }
    void answer.then((r) => {
      if (!Array.isArray(r)) callback(r);
      else if (options.all) callback(null, r);
      else if (r[0]) callback(null, r[0].address, r[0].family);
      else dnsModule().lookup(host, options, callback as never);
    });
  }
}
