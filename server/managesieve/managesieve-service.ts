import type net from 'node:net';
import type { ChangedSettings, EngineContext, Service } from '../context';
import type { Logger } from '../logs/logger';
import { preAuthLimits } from '../net/listener';
import { ListenerGroup, type ProtocolListenerOptions, type WantedListener } from '../net/listener-group';
import { ManageSieveSession } from './managesieve-session';

/** Concurrent ManageSieve connections on all its listeners (clients connect briefly, to edit scripts). */
export const MAX_MANAGESIEVE_CONNECTIONS = 200;
/** Idle time after which a session is closed (RFC 5804 has no minimum; Pigeonhole uses 30 min). */
const IDLE_TIMEOUT_MS = 30 * 60_000;
const STOP_GRACE_MS = 5000;

type ListenerName = 'sieve' | 'sieveLegacy';

/**
 * ManageSieve (RFC 5804): the listener on PILLARBOX_SIEVE_PORT (4190) and, when
 * manageSieveLegacyPortEnabled is on, the seed's old port 2000 (manageSieveLegacyPort).
 */
export class ManageSieveService implements Service {
  readonly name = 'managesieve';
  private readonly listeners: ListenerGroup;
  private readonly sessions = new Set<ManageSieveSession>();
  private readonly log: Logger;

  constructor(private readonly ctx: EngineContext) {
    this.log = ctx.logs.logger('sieve');
    this.listeners = new ListenerGroup({
      log: this.log,
      host: ctx.options.bind,
      tls: ctx.tls,
      ports: ctx.ports,
      listeners: ctx.listeners,
      wanted: () => this.wantedListeners().map((name) => this.wanted(name)),
      listenerOptions: (name) => this.listenerOptions(name as ListenerName),
      unwantedSessions: 'carry-on',
      endSessions: () => Promise.all([...this.sessions].map((s) => s.shutdown())),
      graceMs: STOP_GRACE_MS,
      logStyle: 'named',
    });
  }

  start(): Promise<void> {
    return this.listeners.start();
  }

  async reconfigure(changed: ChangedSettings): Promise<void> {
    if (changed.has('manageSieveLegacyPortEnabled') || changed.has('manageSieveLegacyPort')) await this.listeners.apply();
  }

  stop(): Promise<void> {
    return this.listeners.stop();
  }

  /** sieve always; sieveLegacy (port 2000 in the seed's day) while the setting asks for it. */
  wantedListeners(): ListenerName[] {
    return this.ctx.settings.get().manageSieveLegacyPortEnabled ? ['sieve', 'sieveLegacy'] : ['sieve'];
  }

  /** Open sessions (for tests of back-pressure and status displays). */
  get openSessions(): ReadonlySet<ManageSieveSession> {
    return this.sessions;
  }

  private wanted(name: ListenerName): WantedListener {
    if (name === 'sieve') return { name, port: this.ctx.options.ports.sieve, implicitTls: false };
    // The legacy port is optional: a port in use must not stop the engine.
    return { name, port: this.ctx.settings.get().manageSieveLegacyPort, implicitTls: false, failureMessage: 'the legacy ManageSieve port could not be opened' };
  }

  private listenerOptions(name: ListenerName): ProtocolListenerOptions {
    const { ctx } = this;
    return {
      protocol: 'sieve',
      registry: ctx.connections,
      limits: () => {
        const s = ctx.settings.get();
        return { maxConnections: MAX_MANAGESIEVE_CONNECTIONS, maxPerIp: s.maxConnectionsPerIp, preAuth: preAuthLimits(s, MAX_MANAGESIEVE_CONNECTIONS) };
      },
      onConnection: (socket, conn) => {
        const session = new ManageSieveSession(ctx, this.log, socket, conn, IDLE_TIMEOUT_MS);
        this.sessions.add(session);
        void session.finished.then(() => this.sessions.delete(session));
        session.start();
      },
      refuse: (socket, reason) => this.refuse(socket, name, reason),
    };
  }

  private refuse(socket: net.Socket, listener: ListenerName, reason: 'busy' | 'too-many-from-address'): void {
    this.log.message('ManageSieve connection refused', { listener, ip: socket.remoteAddress, reason });
    socket.write(`BYE (TRYLATER) "${reason === 'busy' ? 'too many connections' : 'too many connections from your address'}"\r\n`);
  }
}
