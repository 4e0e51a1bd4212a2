import type net from 'node:net';
import type { EngineContext, Service } from '../context';
import type { Logger } from '../logs/logger';
import type { ConnectionInfo } from '../net/connections';
import { Listener, preAuthLimits } from '../net/listener';
import type { StoreEvents } from '../store/types';
import { ImapSession, type SessionHost } from './session/imap-session';
import type { SelectedView } from './session/selected-view';
import type { NotifyEvent } from './commands/notify';

type ListenerName = 'imap' | 'imaps';

/**
 * The IMAP service: a plain listener (STARTTLS) and an implicit-TLS one, the sessions
 * on them, and the fan-out of store events to the sessions that have a mailbox selected.
 */
export class ImapService implements Service, SessionHost {
  readonly name = 'imap';
  readonly log: Logger;
  private readonly listeners = new Map<ListenerName, Listener>();
  private readonly sessions = new Set<ImapSession>();
  private readonly views = new Map<number, Set<SelectedView>>();
  private running = false;
  /** Listener changes run one after another, however quickly settings change. */
  private listenerChanges: Promise<void> = Promise.resolve();

  private readonly onExists = (e: StoreEvents['exists']) => {
    this.views.get(e.mailboxId)?.forEach((v) => v.onExists(e.uid));
    this.notifySessions(e.mailboxId, 'MessageNew');
  };
  private readonly onFlags = (e: StoreEvents['flags']) => {
    this.views.get(e.mailboxId)?.forEach((v) => v.onFlags(e.uids, e.origin));
    this.notifySessions(e.mailboxId, 'FlagChange');
  };
  private readonly onExpunge = (e: StoreEvents['expunge']) => {
    this.views.get(e.mailboxId)?.forEach((v) => v.onExpunge(e.uids, e.messages, e.origin));
    if (e.uids.length) this.notifySessions(e.mailboxId, 'MessageExpunge');
  };

  /** Sessions with NOTIFY in force hear of events in their user's other mailboxes (RFC 5465). */
  private notifySessions(mailboxId: number, event: NotifyEvent): void {
    for (const s of this.sessions) if (s.notify) s.notifyEvent(mailboxId, event);
  }

  constructor(readonly ctx: EngineContext) {
    this.log = ctx.logs.logger('imap');
  }

  /** imap while IMAP is on; imaps too unless TLS is switched off. */
  wantedListeners(): ListenerName[] {
    const s = this.ctx.settings.get();
    if (!s.imapEnabled) return [];
    return s.imapPopSsl !== 'off' ? ['imap', 'imaps'] : ['imap'];
  }

  async start(): Promise<void> {
    this.running = true;
    this.ctx.store.on('exists', this.onExists);
    this.ctx.store.on('flags', this.onFlags);
    this.ctx.store.on('expunge', this.onExpunge);
    await this.applyListenersSerially();
  }

  async reconfigure(changed: string[]): Promise<void> {
    if (!this.running) return;
    if (changed.includes('imapEnabled') || changed.includes('imapPopSsl')) await this.applyListenersSerially();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.listenerChanges;
    const listeners = [...this.listeners.values()];
    await Promise.all(listeners.map((l) => l.stopAccepting()));
    await Promise.all([...this.sessions].map((s) => s.bye('Server shutting down')));
    await Promise.all(listeners.map((l) => l.drain(2000)));
    for (const name of this.listeners.keys()) delete this.ctx.ports[name];
    this.listeners.clear();
    this.ctx.store.off('exists', this.onExists);
    this.ctx.store.off('flags', this.onFlags);
    this.ctx.store.off('expunge', this.onExpunge);
  }

  // ---- SessionHost -----------------------------------------------------------------------

  watch(view: SelectedView): void {
    let set = this.views.get(view.mailbox.id);
    if (!set) this.views.set(view.mailbox.id, (set = new Set()));
    set.add(view);
  }

  unwatch(view: SelectedView): void {
    const set = this.views.get(view.mailbox.id);
    set?.delete(view);
    if (set?.size === 0) this.views.delete(view.mailbox.id);
  }

  ended(session: ImapSession): void {
    this.sessions.delete(session);
  }

  // ---- listeners -------------------------------------------------------------------------

  private applyListenersSerially(): Promise<void> {
    const next = this.listenerChanges.then(() => (this.running ? this.applyListeners() : undefined));
    this.listenerChanges = next.catch((err) => this.log.error('could not apply IMAP listener settings', { error: String(err) }));
    return next;
  }

  /** Starts or stops listeners to match the settings: imaps only while TLS is not switched off. */
  private async applyListeners(): Promise<void> {
    const wanted = this.wantedListeners();
    for (const name of ['imap', 'imaps'] as const) {
      const current = this.listeners.get(name);
      if (wanted.includes(name) && !current) await this.startListener(name);
      else if (!wanted.includes(name) && current) await this.stopListener(name, current);
    }
  }

  private async startListener(name: ListenerName): Promise<void> {
    const listener = new Listener({
      name,
      protocol: 'imap',
      host: this.ctx.options.bind,
      port: this.ctx.options.ports[name],
      implicitTls: name === 'imaps',
      tls: this.ctx.tls,
      registry: this.ctx.connections,
      limits: () => {
        const s = this.ctx.settings.get();
        return { maxConnections: s.imapMaxConnections, maxPerIp: s.maxConnectionsPerIp, preAuth: preAuthLimits(s, s.imapMaxConnections) };
      },
      onConnection: (socket, conn) => this.accept(socket, conn),
      refuse: (socket, reason) =>
        socket.write(reason === 'busy' ? '* BYE Too many connections, try again later\r\n' : '* BYE Too many connections from your address\r\n'),
    });
    const port = await listener.start();
    this.listeners.set(name, listener);
    this.ctx.ports[name] = port;
    this.log.message('listening', { listener: name, host: this.ctx.options.bind, port });
  }

  /** Stops one listener and ends its sessions (the service or its TLS port was switched off). */
  private async stopListener(name: ListenerName, listener: Listener): Promise<void> {
    this.listeners.delete(name);
    delete this.ctx.ports[name];
    await listener.stopAccepting();
    const text = this.ctx.settings.get().imapEnabled ? 'This port was switched off' : 'IMAP service switched off';
    await Promise.all([...this.sessions].filter((s) => s.conn.listener === name).map((s) => s.bye(text)));
    await listener.drain(2000);
    this.log.message('stopped listening', { listener: name });
  }

  private accept(socket: net.Socket, conn: ConnectionInfo): void {
    const session = new ImapSession(this, socket, conn);
    this.sessions.add(session);
    this.log.event('connection', { remote: conn.remoteAddress, listener: conn.listener, tls: conn.secure });
    void session.run();
  }
}
