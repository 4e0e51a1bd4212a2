import type net from 'node:net';
import type { ChangedSettings, EngineContext, Service } from '../context';
import type { Logger } from '../logs/logger';
import { preAuthLimits } from '../net/listener';
import { ListenerGroup, type ProtocolListenerOptions, type WantedListener } from '../net/listener-group';
import { MailboxLocks } from './mailbox-locks';
import { Pop3Session } from './pop3-session';

/** RFC 1939 section 3: an autologout timer of at least 10 minutes. */
export const POP3_IDLE_TIMEOUT_MS = 10 * 60_000;

/** How long stop() waits for sessions to finish (an UPDATE in progress) before cutting them. */
const STOP_GRACE_MS = 10_000;

type ListenerName = 'pop3' | 'pop3s';

/**
 * The POP3 service: a plain listener (with STLS) and an implicit-TLS one, following the
 * popEnabled and imapPopSsl settings live. Sessions live in pop3-session.ts.
 */
export class Pop3Service implements Service {
  readonly name = 'pop3';
  private readonly listeners: ListenerGroup;
  private readonly sessions = new Set<Pop3Session>();
  private readonly locks = new MailboxLocks<Pop3Session>();
  private readonly log: Logger;
  /** Tests may shorten it; RFC 1939 wants at least 10 minutes in service. */
  idleTimeoutMs = POP3_IDLE_TIMEOUT_MS;

  constructor(readonly ctx: EngineContext) {
    this.log = ctx.logs.logger('pop');
    this.listeners = new ListenerGroup({
      log: this.log,
      host: ctx.options.bind,
      tls: ctx.tls,
      ports: ctx.ports,
      listeners: ctx.listeners,
      wanted: () => this.wantedListeners().map((name): WantedListener => ({ name, port: ctx.options.ports[name], implicitTls: name === 'pop3s' })),
      listenerOptions: (name) => this.listenerOptions(name as ListenerName),
      // Sessions on a listener switched off carry on; stop ends idle ones and lets an UPDATE finish.
      unwantedSessions: 'carry-on',
      endSessions: () => Promise.all([...this.sessions].map((s) => s.shutdown())),
      graceMs: STOP_GRACE_MS,
      logStyle: 'named',
    });
  }

  /** pop3 while POP is on; pop3s too unless TLS is switched off. */
  wantedListeners(): ListenerName[] {
    const s = this.ctx.settings.get();
    if (!s.popEnabled) return [];
    return s.imapPopSsl !== 'off' ? ['pop3', 'pop3s'] : ['pop3'];
  }

  start(): Promise<void> {
    return this.listeners.start();
  }

  async reconfigure(changed: ChangedSettings): Promise<void> {
    if (changed.has('popEnabled') || changed.has('imapPopSsl')) await this.listeners.apply();
  }

  /** Stops accepting; ends idle sessions without applying anything; lets an UPDATE finish. */
  stop(): Promise<void> {
    return this.listeners.stop();
  }

  /** Open sessions, for status displays and tests. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  private listenerOptions(name: ListenerName): ProtocolListenerOptions {
    const { ctx } = this;
    return {
      protocol: 'pop3',
      registry: ctx.connections,
      limits: () => {
        const s = ctx.settings.get();
        return { maxConnections: s.popMaxConnections, maxPerIp: s.maxConnectionsPerIp, preAuth: preAuthLimits(s, s.popMaxConnections) };
      },
      onConnection: (socket, conn) => {
        const session = new Pop3Session({ ctx, log: this.log, locks: this.locks, idleTimeoutMs: this.idleTimeoutMs }, socket, conn);
        this.sessions.add(session);
        void session.finished.then(() => this.sessions.delete(session));
        session.start();
      },
      refuse: (socket, reason) => this.refuse(socket, name, reason),
    };
  }

  private refuse(socket: net.Socket, listener: ListenerName, reason: 'busy' | 'too-many-from-address'): void {
    const ip = socket.remoteAddress;
    this.log.message('POP connection refused', { listener, ip, reason });
    const text =
      reason === 'busy'
        ? '-ERR [SYS/TEMP] Too many POP3 connections, try again later'
        : '-ERR [SYS/TEMP] Too many connections from your address, try again later';
    socket.write(text + '\r\n');
  }
}
