import type { OpenSession } from './host-session';

/** How long sessions are kept and re-used (Postfix: smtp_connection_cache_time_limit, smtp_connection_reuse_time_limit). */
export interface SessionCacheLimits {
  /** How long a session may wait idle for the next message (Postfix: 2 s). */
  idleMs: number;
  /** A session is not re-used once it is this old (Postfix: 300 s). */
  reuseTimeMs: number;
  /** Transactions one session carries at most. */
  reuseCount: number;
}

export const DEFAULT_SESSION_CACHE_LIMITS: SessionCacheLimits = { idleMs: 2000, reuseTimeMs: 300_000, reuseCount: 100 };

/** An open session and what the cache knows of it. */
export interface CachedSession {
  session: OpenSession;
  /** The host name the connection limiter counts it under. */
  hostName: string;
  openedAt: number;
  /** Transactions carried so far. */
  uses: number;
}

interface Idle extends CachedSession {
  key: string;
  timer: NodeJS.Timeout;
}

/**
 * Postfix's connection cache: after a transaction the session to that address (same
 * port, TLS choice, AUTH identity and EHLO name: the caller's key) waits a little for
 * the next message instead of QUIT. An idle session the server closes simply drops out.
 * Idle sessions hold no connection-limiter slot: a delivery takes a slot first and then
 * an idle session, so connections open to a host never exceed its limit as long as a
 * new connection is opened only when none is idle for that host (`makeRoom`).
 */
export class SessionCache {
  private readonly idle = new Map<string, Idle[]>();
  private count = 0;

  constructor(private readonly limits: SessionCacheLimits = DEFAULT_SESSION_CACHE_LIMITS) {}

  /** Sessions waiting idle now (for tests and status). */
  get size(): number {
    return this.count;
  }

  /** The most recently used idle session for `key` that is still usable, taken out of the cache. */
  take(key: string): CachedSession | undefined {
    const list = this.idle.get(key);
    while (list && list.length > 0) {
      const entry = list[list.length - 1];
      this.forget(entry);
      if (entry.session.client.usable) return entry;
      entry.session.client.close();
    }
    return undefined;
  }

  /**
   * Keeps a session that just finished a transaction, if it may carry another one;
   * otherwise QUITs it. `now` is passed for tests.
   */
  async keepOrQuit(key: string, entry: CachedSession, reusable: boolean, now = Date.now()): Promise<void> {
    entry.uses++;
    if (!reusable || this.limits.idleMs <= 0 || entry.uses >= this.limits.reuseCount || now - entry.openedAt >= this.limits.reuseTimeMs || !entry.session.client.usable) {
      await entry.session.client.quit();
      return;
    }
    const idle: Idle = { ...entry, key, timer: setTimeout(() => this.expire(idle), this.limits.idleMs) };
    idle.timer.unref();
    const list = this.idle.get(key) ?? [];
    list.push(idle);
    this.idle.set(key, list);
    this.count++;
    // The server closing an idle session (its own timeout, a restart) needs no QUIT from us.
    entry.session.client.onFailure(() => this.forget(idle));
  }

  /**
   * Before a new connection to `hostName`: idle sessions to that host under another key
   * (another address, TLS choice) are closed, so the host's connection limit still holds;
   * and when `overTotal` says the engine-wide limit is reached, the oldest idle session
   * anywhere is closed too.
   */
  makeRoom(hostName: string, overTotal: (open: number) => boolean): void {
    const name = hostName.toLowerCase();
    for (const entry of this.all()) if (entry.hostName.toLowerCase() === name) this.retire(entry);
    const rest = this.all().sort((a, b) => a.openedAt - b.openedAt);
    while (rest.length > 0 && overTotal(this.count)) this.retire(rest.shift() as Idle);
  }

  /** Shutdown: QUIT every idle session at once. */
  closeAll(): void {
    for (const entry of this.all()) {
      this.forget(entry);
      entry.session.client.hangUp();
    }
  }

  private all(): Idle[] {
    return [...this.idle.values()].flat();
  }

  private expire(entry: Idle): void {
    this.forget(entry);
    void entry.session.client.quit();
  }

  private retire(entry: Idle): void {
    this.forget(entry);
    void entry.session.client.quit();
  }

  private forget(entry: Idle): void {
    clearTimeout(entry.timer);
    const list = this.idle.get(entry.key);
    const i = list ? list.indexOf(entry) : -1;
    if (!list || i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.idle.delete(entry.key);
    this.count--;
  }
}
