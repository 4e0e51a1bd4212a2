import { EventEmitter } from 'node:events';
import { addressGroup } from './address-group';

export const PROTOCOLS = ['smtp', 'submission', 'imap', 'pop3', 'sieve', 'http'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export interface ConnectionInfo {
  id: number;
  protocol: Protocol;
  listener: string;
  remoteAddress: string;
  remotePort: number;
  since: Date;
  secure: boolean;
  user?: string;
}

/**
 * Every open client connection, for limits (per protocol, per address) and for the
 * service status's connections list. A connection counts as logged in once it has a user.
 */
export class ConnectionRegistry extends EventEmitter {
  private nextId = 1;
  private readonly open = new Map<number, ConnectionInfo>();
  /** How to end a connection to make room for another (the session says goodbye in its protocol). */
  private readonly evictors = new Map<number, () => void>();

  add(info: Omit<ConnectionInfo, 'id' | 'since'>): ConnectionInfo {
    const conn: ConnectionInfo = { ...info, id: this.nextId++, since: new Date() };
    this.open.set(conn.id, conn);
    this.emit('open', conn);
    return conn;
  }

  remove(conn: ConnectionInfo): void {
    this.evictors.delete(conn.id);
    if (this.open.delete(conn.id)) this.emit('close', conn);
  }

  /** Sets how the connection is ended if it has to make room (the latest call wins). */
  onEvict(conn: ConnectionInfo, evict: () => void): void {
    if (this.open.has(conn.id)) this.evictors.set(conn.id, evict);
  }

  setUser(conn: ConnectionInfo, user: string): void {
    conn.user = user;
  }

  list(protocol?: Protocol): ConnectionInfo[] {
    return [...this.open.values()].filter((c) => !protocol || c.protocol === protocol);
  }

  /**
   * Open connections of a protocol; with an address, those from its address group (the
   * address, or its /64 for IPv6); with `unauthenticated`, only those not logged in.
   */
  count(protocol: Protocol, remoteAddress?: string, filter: { unauthenticated?: boolean } = {}): number {
    const group = remoteAddress === undefined ? undefined : addressGroup(remoteAddress);
    let n = 0;
    for (const c of this.open.values()) {
      if (c.protocol !== protocol || (filter.unauthenticated && c.user !== undefined)) continue;
      if (group === undefined || c.remoteAddress === remoteAddress || addressGroup(c.remoteAddress) === group) n++;
    }
    return n;
  }

  /**
   * Ends one session of the protocol that has not logged in, to make room: the oldest of
   * the address group that holds the most such sessions. It stops counting at once.
   * False when there is none.
   */
  evictUnauthenticated(protocol: Protocol): boolean {
    const groups = new Map<string, ConnectionInfo[]>();
    for (const c of this.open.values()) {
      if (c.protocol !== protocol || c.user !== undefined) continue;
      const group = addressGroup(c.remoteAddress);
      const list = groups.get(group);
      if (list) list.push(c);
      else groups.set(group, [c]);
    }
    let victim: ConnectionInfo | undefined;
    let most = 0;
    for (const list of groups.values()) {
      // Map order is insertion order, so list[0] is the group's oldest connection.
      if (list.length > most || (list.length === most && victim !== undefined && list[0].id < victim.id)) {
        most = list.length;
        victim = list[0];
      }
    }
    if (!victim) return false;
    const evict = this.evictors.get(victim.id);
    this.remove(victim);
    evict?.();
    return true;
  }
}
