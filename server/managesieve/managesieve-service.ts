import type net from 'node:net';
import type { EngineContext, Service } from '../context';
import type { Logger } from '../logs/logger';
import { Listener, preAuthLimits } from '../net/listener';
import { ManageSieveSession } from './managesieve-session';

/** Concurrent ManageSieve connections on all its listeners (clients connect briefly, to edit scripts). */
export const MAX_MANAGESIEVE_CONNECTIONS = 200;
/** Idle time after which a session is closed (RFC 5804 has no minimum; Pigeonhole uses 30 min). */
const IDLE_TIMEOUT_MS = 30 * 60_000;
const STOP_GRACE_MS = 5000;

type ListenerName = 'sieve' | 'sieveLegacy';
const LISTENER_SETTINGS = ['manageSieveLegacyPortEnabled', 'manageSieveLegacyPort'];

/**
 * ManageSieve (RFC 5804): the listener on PILLARBOX_SIEVE_PORT (4190) and, when
 * manageSieveLegacyPortEnabled is on, the seed's old port 2000 (manageSieveLegacyPort).
 */
export class ManageSieveService implements Service {
  readonly name = 'managesieve';
  private readonly listeners = new Map<ListenerName, { listener: Listener; port: number }>();
  private readonly sessions = new Set<ManageSieveSession>();
  private readonly log: Logger;
  private applying: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly ctx: EngineContext) {
    this.log = ctx.logs.logger('sieve');
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.apply();
  }

  async reconfigure(changed: string[]): Promise<void> {
    if (this.stopped || !changed.some((k) => LISTENER_SETTINGS.includes(k))) return;
    await this.apply();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.apply();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.sessions].map((s) => s.shutdown())),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_GRACE_MS))),
    ]);
    clearTimeout(timer);
    for (const s of this.sessions) s.socket.destroy();
  }

  private apply(): Promise<void> {
    const next = this.applying.then(() => this.sync());
    this.applying = next.catch(() => undefined);
    return next;
  }

  /** sieve always; sieveLegacy (port 2000 in the seed's day) while the setting asks for it. */
  wantedListeners(): ListenerName[] {
    return this.ctx.settings.get().manageSieveLegacyPortEnabled ? ['sieve', 'sieveLegacy'] : ['sieve'];
  }

  private async sync(): Promise<void> {
    const s = this.ctx.settings.get();
    const wanted = this.stopped ? [] : this.wantedListeners();
    const want: Record<ListenerName, number | undefined> = {
      sieve: wanted.includes('sieve') ? this.ctx.options.ports.sieve : undefined,
      sieveLegacy: wanted.includes('sieveLegacy') ? s.manageSieveLegacyPort : undefined,
    };
    for (const name of ['sieve', 'sieveLegacy'] as const) {
      const current = this.listeners.get(name);
      if (current && current.port !== want[name]) {
        this.listeners.delete(name);
        void current.listener.stopAccepting();
        if (!this.stopped) delete this.ctx.ports[name];
        this.log.message(`${name} listener stopped`);
      }
      const port = want[name];
      if (port !== undefined && !this.listeners.has(name)) await this.open(name, port);
    }
  }

  private async open(name: ListenerName, port: number): Promise<void> {
    const { ctx } = this;
    const listener = new Listener({
      name,
      protocol: 'sieve',
      host: ctx.options.bind,
      port,
      implicitTls: false,
      tls: ctx.tls,
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
    });
    try {
      const bound = await listener.start();
      this.listeners.set(name, { listener, port });
      ctx.ports[name] = bound;
      this.log.message(`${name} listening`, { host: ctx.options.bind, port: bound });
    } catch (err) {
      // The legacy port is optional: a port in use must not stop the engine.
      if (name === 'sieve') throw err;
      this.log.error('the legacy ManageSieve port could not be opened', { port, error: String(err) });
    }
  }

  private refuse(socket: net.Socket, listener: ListenerName, reason: 'busy' | 'too-many-from-address'): void {
    this.log.message('ManageSieve connection refused', { listener, ip: socket.remoteAddress, reason });
    socket.write(`BYE (TRYLATER) "${reason === 'busy' ? 'too many connections' : 'too many connections from your address'}"\r\n`);
  }
}
