import type net from 'node:net';
import type { ChangedSettings, EngineContext, Service } from '../context';
import type { Logger } from '../logs/logger';
import type { ConnectionInfo } from '../net/connections';
import { preAuthLimits } from '../net/listener';
import { ListenerGroup, type ProtocolListenerOptions } from '../net/listener-group';
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
  private readonly listeners: ListenerGroup;
  private readonly sessions = new Set<ImapSession>();
  private readonly views = new Map<number, Set<SelectedView>>();

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
    this.listeners = new ListenerGroup({
      log: this.log,
      host: ctx.options.bind,
      tls: ctx.tls,
      ports: ctx.ports,
      listeners: ctx.listeners,
      wanted: () => this.wantedListeners().map((name) => ({ name, port: ctx.options.ports[name], implicitTls: name === 'imaps' })),
      listenerOptions: () => this.listenerOptions(),
      // A listener switched off (the service, or its TLS port) ends its sessions.
      unwantedSessions: 'end',
      endSessions: (listener) => this.endSessions(listener),
      graceMs: 2000,
      logStyle: 'field',
    });
  }

  /** imap while IMAP is on; imaps too unless TLS is switched off. */
  wantedListeners(): ListenerName[] {
    const s = this.ctx.settings.get();
    if (!s.imapEnabled) return [];
    return s.imapPopSsl !== 'off' ? ['imap', 'imaps'] : ['imap'];
  }

  async start(): Promise<void> {
    this.ctx.store.on('exists', this.onExists);
    this.ctx.store.on('flags', this.onFlags);
    this.ctx.store.on('expunge', this.onExpunge);
    await this.listeners.start();
  }

  async reconfigure(changed: ChangedSettings): Promise<void> {
    if (changed.has('imapEnabled') || changed.has('imapPopSsl')) await this.listeners.apply();
  }

  async stop(): Promise<void> {
    await this.listeners.stop();
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

  private listenerOptions(): ProtocolListenerOptions {
    return {
      protocol: 'imap',
      registry: this.ctx.connections,
      limits: () => {
        const s = this.ctx.settings.get();
        return { maxConnections: s.imapMaxConnections, maxPerIp: s.maxConnectionsPerIp, preAuth: preAuthLimits(s, s.imapMaxConnections) };
      },
      onConnection: (socket, conn) => this.accept(socket, conn),
      refuse: (socket, reason) =>
        socket.write(reason === 'busy' ? '* BYE Too many connections, try again later\r\n' : '* BYE Too many connections from your address\r\n'),
    };
  }

  /** Says BYE to the sessions of one listener (switched off) or of all (the service stops). */
  private async endSessions(listener: string | undefined): Promise<void> {
    const text = listener === undefined ? 'Server shutting down' : this.ctx.settings.get().imapEnabled ? 'This port was switched off' : 'IMAP service switched off';
    await Promise.all([...this.sessions].filter((s) => listener === undefined || s.conn.listener === listener).map((s) => s.bye(text)));
  }

  private accept(socket: net.Socket, conn: ConnectionInfo): void {
    const session = new ImapSession(this, socket, conn);
    this.sessions.add(session);
    this.log.event('connection', { remote: conn.remoteAddress, listener: conn.listener, tls: conn.secure });
    void session.run();
  }
}
