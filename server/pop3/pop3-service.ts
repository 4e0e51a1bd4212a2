import type net from 'node:net';
import type { EngineContext, Service } from '../context';
import type { Logger } from '../logs/logger';
import { Listener, preAuthLimits } from '../net/listener';
import { MailboxLocks } from './mailbox-locks';
import { Pop3Session } from './pop3-session';

/** RFC 1939 section 3: an autologout timer of at least 10 minutes. */
export const POP3_IDLE_TIMEOUT_MS = 10 * 60_000;

/** How long stop() waits for sessions to finish (an UPDATE in progress) before cutting them. */
const STOP_GRACE_MS = 10_000;

type ListenerName = 'pop3' | 'pop3s';

const SETTINGS_THAT_MOVE_LISTENERS = ['popEnabled', 'imapPopSsl'];

/**
 * The POP3 service: a plain listener (with STLS) and an implicit-TLS one, following the
 * popEnabled and imapPopSsl settings live. Sessions live in pop3-session.ts.
 */
export class Pop3Service implements Service {
  readonly name = 'pop3';
  private readonly listeners = new Map<ListenerName, Listener>();
  private readonly sessions = new Set<Pop3Session>();
  private readonly locks = new MailboxLocks<Pop3Session>();
  private readonly log: Logger;
  /** Listener changes run one after the other, so quick setting flips cannot race. */
  private applying: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Tests may shorten it; RFC 1939 wants at least 10 minutes in service. */
  idleTimeoutMs = POP3_IDLE_TIMEOUT_MS;

  constructor(readonly ctx: EngineContext) {
    this.log = ctx.logs.logger('pop');
  }

  /** pop3 while POP is on; pop3s too unless TLS is switched off. */
  wantedListeners(): ListenerName[] {
    const s = this.ctx.settings.get();
    if (!s.popEnabled) return [];
    return s.imapPopSsl !== 'off' ? ['pop3', 'pop3s'] : ['pop3'];
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.applySettings();
  }

  async reconfigure(changed: string[]): Promise<void> {
    if (this.stopped || !changed.some((k) => SETTINGS_THAT_MOVE_LISTENERS.includes(k))) return;
    await this.applySettings();
  }

  /** Stops accepting; ends idle sessions without applying anything; lets an UPDATE finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.applySettings();
    const done = Promise.all([...this.sessions].map((s) => s.shutdown()));
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_GRACE_MS)));
    await Promise.race([done, grace]);
    clearTimeout(timer);
    for (const s of this.sessions) s.socket.destroy();
  }

  /** Open sessions, for status displays and tests. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  private applySettings(): Promise<void> {
    const next = this.applying.then(() => this.syncListeners());
    this.applying = next.catch(() => undefined);
    return next;
  }

  private async syncListeners(): Promise<void> {
    const wanted = this.stopped ? [] : this.wantedListeners();
    for (const name of ['pop3', 'pop3s'] as const) {
      const current = this.listeners.get(name);
      if (wanted.includes(name) && !current) await this.open(name);
      if (!wanted.includes(name) && current) {
        this.listeners.delete(name);
        // Not awaited: net.Server.close() frees the port at once, but its callback waits
        // until every connection has ended, and open sessions are meant to carry on.
        void current.stopAccepting();
        if (!this.stopped) delete this.ctx.ports[name];
        this.log.message(`${name} listener stopped`);
      }
    }
  }

  private async open(name: ListenerName): Promise<void> {
    const { ctx } = this;
    const listener = new Listener({
      name,
      protocol: 'pop3',
      host: ctx.options.bind,
      port: ctx.options.ports[name],
      implicitTls: name === 'pop3s',
      tls: ctx.tls,
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
    });
    const port = await listener.start();
    this.listeners.set(name, listener);
    ctx.ports[name] = port;
    this.log.message(`${name} listening`, { host: ctx.options.bind, port });
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
