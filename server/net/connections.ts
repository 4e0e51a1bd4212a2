import { EventEmitter } from 'node:events';

export type Protocol = 'smtp' | 'submission' | 'imap' | 'pop3' | 'sieve' | 'http';

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
 * service status's connections list.
 */
export class ConnectionRegistry extends EventEmitter {
  private nextId = 1;
  private readonly open = new Map<number, ConnectionInfo>();

  add(info: Omit<ConnectionInfo, 'id' | 'since'>): ConnectionInfo {
    const conn: ConnectionInfo = { ...info, id: this.nextId++, since: new Date() };
    this.open.set(conn.id, conn);
    this.emit('open', conn);
    return conn;
  }

  remove(conn: ConnectionInfo): void {
    if (this.open.delete(conn.id)) this.emit('close', conn);
  }

  setUser(conn: ConnectionInfo, user: string): void {
    conn.user = user;
  }

  list(protocol?: Protocol): ConnectionInfo[] {
    return [...this.open.values()].filter((c) => !protocol || c.protocol === protocol);
  }

  count(protocol: Protocol, remoteAddress?: string): number {
    let n = 0;
    for (const c of this.open.values()) {
      if (c.protocol === protocol && (remoteAddress === undefined || c.remoteAddress === remoteAddress)) n++;
    }
    return n;
  }
}
