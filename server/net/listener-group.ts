import type { TlsManager } from '../certs/tls-manager';
import type { Logger } from '../logs/logger';
import { Listener, type ListenerOptions } from './listener';

/** One listener the settings call for. */
export interface WantedListener {
  name: string;
  /** 0: any free port; a listener switched off and on again then comes back on the port it had. */
  port: number;
  implicitTls: boolean;
  /**
   * For a listener the service can do without (the seed's old ManageSieve port): when its port
   * cannot be bound this is logged as an error and the others carry on; it is tried again at
   * the next settings change.
   */
  failureMessage?: string;
}

/** What a protocol adds to a listener: connection limits, what to do with a connection, how to refuse one. */
export type ProtocolListenerOptions = Omit<ListenerOptions, 'name' | 'host' | 'port' | 'implicitTls' | 'tls'>;

export interface ListenerGroupOptions {
  log: Logger;
  host: string;
  tls: TlsManager;
  /** The engine's listener name → port table (ctx.ports): written as listeners bind, cleared as settings switch them off. */
  ports: Record<string, number>;
  /** The same table of the listeners themselves (ctx.listeners). */
  listeners: Map<string, Pick<Listener, 'adopt'>>;
  /** The listeners the current settings call for. */
  wanted(): WantedListener[];
  listenerOptions(name: string): ProtocolListenerOptions;
  /**
   * Ends sessions politely: those of one listener (switched off while the service runs, when
   * `unwantedSessions` is 'end'), or all of them (`undefined`, the service stops). Resolves
   * once they have ended or been told to; whatever is still open at the deadline is cut.
   */
  endSessions(listener: string | undefined): Promise<unknown> | void;
  /** Sessions on a listener the settings switch off: left to carry on, or ended like at stop. */
  unwantedSessions: 'carry-on' | 'end';
  /** How long sessions get to end (an UPDATE, a message being received) before they are cut. */
  graceMs: number;
  /**
   * Log lines as the service has always worded them: "pop3 listening" / "pop3 listener stopped"
   * ('named'), or "listening" / "stopped listening" with a `listener` field ('field').
   */
  logStyle: 'named' | 'field';
  /** The certificate or TLS profile changed (implicit-TLS listeners follow by themselves). */
  onTlsChange?(): void;
}

/**
 * The listeners of one protocol service: the set the settings call for, bound and unbound one
 * change at a time (quick setting flips cannot race), and a graceful stop with a deadline.
 */
export class ListenerGroup {
  private readonly open = new Map<string, { listener: Listener; requestedPort: number; implicitTls: boolean }>();
  /** Listeners switched off whose sessions carry on: cut at the stop deadline like the others. */
  private readonly retired = new Set<Listener>();
  /** The port each listener last had, for listeners on port 0 that come back. */
  private readonly lastPorts = new Map<string, number>();
  private changes: Promise<void> = Promise.resolve();
  private running = false;
  private readonly tlsChanged = () => this.options.onTlsChange?.();

  constructor(private readonly options: ListenerGroupOptions) {}

  /** Binds the listeners the settings call for; rejects when one that is not optional cannot be bound. */
  start(): Promise<void> {
    if (!this.running && this.options.onTlsChange) this.options.tls.on('change', this.tlsChanged);
    this.running = true;
    return this.apply();
  }

  /** Brings the listeners in line with the settings, after any change still being applied. */
  apply(): Promise<void> {
    const next = this.changes.then(() => (this.running ? this.sync() : undefined));
    this.changes = next.catch(() => undefined);
    return next;
  }

  /** The open listener of that name (to follow a connection onto its TLS socket). */
  listener(name: string): Listener | undefined {
    return this.open.get(name)?.listener;
  }

  /**
   * Stops accepting on every listener, asks the service to end its sessions, and cuts those
   * still open after graceMs. The ports stay in the table (ports.json goes with the engine).
   */
  async stop(): Promise<void> {
    const deadline = Date.now() + this.options.graceMs;
    if (this.running) this.options.tls.off('change', this.tlsChanged);
    this.running = false;
    await this.changes;
    const closing = [...this.open].map(([name, { listener }]) => ({ name, listener }));
    this.open.clear();
    await Promise.all(closing.map(({ listener }) => listener.stopAccepting()));
    for (const { name } of closing) {
      this.options.listeners.delete(name);
      this.logStopped(name);
    }
    const all = [...closing.map((c) => c.listener), ...this.retired];
    this.retired.clear();
    await untilDeadline(Promise.resolve(this.options.endSessions(undefined)), deadline);
    await Promise.all(all.map((l) => l.drain(Math.max(0, deadline - Date.now()))));
  }

  private async sync(): Promise<void> {
    const wanted = new Map(this.options.wanted().map((w) => [w.name, w]));
    for (const l of this.retired) if (l.openSockets.size === 0) this.retired.delete(l);
    const closing = [...this.open].filter(([name, current]) => {
      const w = wanted.get(name);
      return !w || w.port !== current.requestedPort || w.implicitTls !== current.implicitTls;
    });
    // Their sessions get the grace period together, not one listener after the other.
    await Promise.all(closing.map(([name, current]) => this.close(name, current.listener)));
    for (const w of wanted.values()) if (!this.open.has(w.name)) await this.bind(w);
  }

  private async bind(w: WantedListener): Promise<void> {
    const o = this.options;
    const port = w.port || this.lastPorts.get(w.name) || 0;
    const listener = new Listener({ ...o.listenerOptions(w.name), name: w.name, host: o.host, port, implicitTls: w.implicitTls, tls: o.tls });
    let bound: number;
    try {
      bound = await listener.start();
    } catch (err) {
      if (w.failureMessage === undefined) throw err;
      o.log.error(w.failureMessage, { port, error: String(err) });
      return;
    }
    this.open.set(w.name, { listener, requestedPort: w.port, implicitTls: w.implicitTls });
    this.lastPorts.set(w.name, bound);
    o.ports[w.name] = bound;
    o.listeners.set(w.name, listener);
    if (o.logStyle === 'named') o.log.message(`${w.name} listening`, { host: o.host, port: bound });
    else o.log.message('listening', { listener: w.name, host: o.host, port: bound });
  }

  /** A listener the settings no longer call for (or call for on another port). */
  private async close(name: string, listener: Listener): Promise<void> {
    this.open.delete(name);
    delete this.options.ports[name];
    this.options.listeners.delete(name);
    // Frees the port at once; the sessions on it are dealt with below, not by net.Server.close().
    await listener.stopAccepting();
    this.logStopped(name);
    if (this.options.unwantedSessions === 'carry-on') {
      this.retired.add(listener);
      return;
    }
    const deadline = Date.now() + this.options.graceMs;
    await untilDeadline(Promise.resolve(this.options.endSessions(name)), deadline);
    await listener.drain(Math.max(0, deadline - Date.now()));
  }

  private logStopped(name: string): void {
    if (this.options.logStyle === 'named') this.options.log.message(`${name} listener stopped`);
    else this.options.log.message('stopped listening', { listener: name });
  }
}

/** Waits for `work`, but not past `deadline` (ms since the epoch). */
async function untilDeadline(work: Promise<unknown>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))));
  await Promise.race([work.catch(() => undefined), late]);
  clearTimeout(timer);
}
