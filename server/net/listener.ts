import net from 'node:net';
import { HANDSHAKE_TIMEOUT_MS, type TlsManager } from '../certs/tls-manager';
import type { ConnectionInfo, ConnectionRegistry, Protocol } from './connections';

export interface ListenerOptions {
  name: string;
  protocol: Protocol;
  host: string;
  port: number;
  implicitTls: boolean;
  tls: TlsManager;
  registry: ConnectionRegistry;
  /** Current limits, read on every new connection so setting changes apply at once. */
  limits: () => ConnectionLimits;
  /** Takes over a connection that was admitted. */
  onConnection: (socket: net.Socket, conn: ConnectionInfo) => void;
  /** Tells a refused client why, in the protocol's words, then the socket is closed. */
  refuse: (socket: net.Socket, reason: 'busy' | 'too-many-from-address') => void;
}

export interface ConnectionLimits {
  maxConnections: number;
  /** Per address (IPv6: per /64). */
  maxPerIp: number;
  /**
   * Sessions not logged in yet, for services where clients log in (not port 25): at most
   * `maxUnauthenticated` of them in all, the rest of `maxConnections` being kept for
   * logged-in users, and `maxUnauthenticatedPerIp` per address.
   */
  preAuth?: { maxUnauthenticated: number; maxUnauthenticatedPerIp: number };
}

/** The pre-login limits the settings give a service whose connection limit is `maxConnections`. */
export function preAuthLimits(
  s: { maxUnauthenticatedPerIp: number; unauthenticatedConnectionsPercent: number },
  maxConnections: number,
): NonNullable<ConnectionLimits['preAuth']> {
  return {
    maxUnauthenticated: Math.max(1, Math.floor((maxConnections * s.unauthenticatedConnectionsPercent) / 100)),
    maxUnauthenticatedPerIp: s.maxUnauthenticatedPerIp,
  };
}

/**
 * A TCP (or implicit-TLS) listener with connection limits and tracking. The protocol
 * module decides what to say; this decides who may connect.
 */
export class Listener {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly options: ListenerOptions) {}

  async start(): Promise<number> {
    const o = this.options;
    // Implicit TLS: the certificate is picked from the ClientHello (TlsManager.accept), so a
    // change of certificate applies to the next handshake and each client sees only one.
    // No Nagle delay: a reply written in two pieces (untagged lines, then the tagged one) must
    // not wait for the client's delayed ACK: that cost IMAP ~10 ms per command (bench imap-large).
    const options = { noDelay: true };
    const server = net.createServer(options, (socket) => this.adopt(socket));
    server.on('error', () => undefined);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: o.host, port: o.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as net.AddressInfo).port;
    return this.port;
  }

  /**
   * Stops accepting and frees the port at once; open sessions carry on until the
   * protocol ends them (net.Server.close's callback would wait for all of them).
   */
  async stopAccepting(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.close();
  }

  get openSockets(): ReadonlySet<net.Socket> {
    return this.sockets;
  }

  /** Waits up to `ms` for sessions to end by themselves, then cuts the rest. */
  async drain(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.sockets.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const s of this.sockets) s.destroy();
  }

  /**
   * Takes a connection: one accepted on the port, or one made in this process (an in-memory
   * socket: the fuzz harness drives whole sessions without TCP), which is then admitted, counted
   * and handed to the protocol exactly as an accepted one. On an implicit-TLS listener the
   * handshake comes first.
   */
  adopt(socket: net.Socket): void {
    if (this.options.implicitTls) {
      socket.on('error', () => undefined);
      this.options.tls.accept(socket, this.options.name, { timeoutMs: HANDSHAKE_TIMEOUT_MS }).then(
        (secure) => this.admit(secure),
        () => undefined,
      );
    } else this.admit(socket);
  }

  private admit(socket: net.Socket): void {
    const o = this.options;
    socket.on('error', () => undefined);
    const remoteAddress = normalizeAddress(socket.remoteAddress ?? '');
    const refusal = this.refusal(remoteAddress);
    if (refusal) {
      o.refuse(socket, refusal);
      socket.end();
      setTimeout(() => socket.destroy(), 2000).unref();
      return;
    }
    const conn = o.registry.add({
      protocol: o.protocol,
      listener: o.name,
      remoteAddress,
      remotePort: socket.remotePort ?? 0,
      secure: o.implicitTls,
    });
    this.sockets.add(socket);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.sockets.delete(socket);
      o.registry.remove(conn);
    };
    closeSticky(socket, release);
    this.releases.set(conn.id, release);
    socket.once('close', () => this.releases.delete(conn.id));
    // Until the session says how to end it politely.
    o.registry.onEvict(conn, () => socket.destroy());
    o.onConnection(socket, conn);
  }

  /**
   * Why a new connection from `remoteAddress` may not come in, if it may not. New
   * connections are not logged in: where a pre-login share applies and it (or the whole
   * limit) is full, the oldest not-logged-in session of the address holding the most
   * gives way, so sessions that never log in cannot shut logged-in users out.
   */
  private refusal(remoteAddress: string): 'busy' | 'too-many-from-address' | undefined {
    const { registry, protocol } = this.options;
    const limits = this.options.limits();
    if (registry.count(protocol, remoteAddress) >= limits.maxPerIp) return 'too-many-from-address';
    const pre = limits.preAuth;
    if (!pre) return registry.count(protocol) >= limits.maxConnections ? 'busy' : undefined;
    if (registry.count(protocol, remoteAddress, { unauthenticated: true }) >= pre.maxUnauthenticatedPerIp) return 'too-many-from-address';
    const full = () =>
      registry.count(protocol) >= limits.maxConnections || registry.count(protocol, undefined, { unauthenticated: true }) >= pre.maxUnauthenticated;
    // One eviction normally makes room; more only if the limits were just lowered.
    for (let i = 0; i < 4 && full(); i++) {
      if (!registry.evictUnauthenticated(protocol)) break;
    }
    return full() ? 'busy' : undefined;
  }

  private readonly releases = new Map<number, () => void>();

  /**
   * Follows a connection onto the socket that replaced its original one (a library
   * doing STARTTLS may drop the original socket's listeners), so it is still counted
   * until it really closes.
   */
  rebind(conn: ConnectionInfo, socket: net.Socket): void {
    const release = this.releases.get(conn.id);
    if (!release) return;
    conn.secure = true;
    socket.once('close', () => {
      this.releases.delete(conn.id);
      release();
    });
  }
}

/**
 * Runs `onClose` when the socket closes, even if a library later strips the socket's
 * listeners: smtp-server's STARTTLS calls removeAllListeners() on the plain socket, and a
 * client that then closed without a handshake stayed counted for ever (issue 17).
 */
function closeSticky(socket: net.Socket, onClose: () => void): void {
  socket.once('close', onClose);
  const removeAll = socket.removeAllListeners.bind(socket);
  socket.removeAllListeners = (event?: string | symbol) => {
    removeAll(event);
    if (event === undefined || event === 'close') socket.once('close', onClose);
    return socket;
  };
}

/** "::ffff:127.0.0.1" → "127.0.0.1". */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
