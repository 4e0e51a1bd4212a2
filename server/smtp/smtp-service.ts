import type net from 'node:net';
import type { Readable } from 'node:stream';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import type { ChangedSettings, EngineContext, Service } from '../context';
import { normalizeAddress, preAuthLimits } from '../net/listener';
import { ListenerGroup, type ProtocolListenerOptions } from '../net/listener-group';
import type { ConnectionInfo } from '../net/connections';
import { newQueueId, QueueRejected } from '../queue/queue';
import { isDiskFull } from '../db/storage-faults';
import type { Logger } from '../logs/logger';
import type { Activity } from '../metrics/activity';
import { LineNormalizer } from './line-normalizer';
import { RecipientPolicy, type SessionState, SmtpReply } from './recipient-policy';
import { receivedHeader } from './trace-headers';
import { usePolicyEnhancedCodes } from './enhanced-codes';
import { ClientChecks } from './client-checks';
import { HeaderCapture } from '../mail/header-capture';
import { InboundAuth, withoutForgedResults } from './inbound-auth';
import { GreetingPasses } from './greeting-passes';
import { installStartTls, startTlsWith } from './starttls';
import { greetAfter, installPromptGreeting } from './prompt-greeting';

usePolicyEnhancedCodes();

type Kind = 'smtp' | 'submission' | 'smtps';

/** Connection records, per smtp-server session id, for the policy and the trace header. */
interface Session extends SMTPServerSession {
  pillarbox?: SessionState;
  /** The phase running, for the event-loop watchdog ("smtp RCPT", "submission DATA <queue id>"). */
  activity?: Activity;
}

/**
 * SMTP: port 25 (mail from other servers; local recipients, relay only when
 * authenticated), submission 587 (STARTTLS, authentication required) and 465
 * (implicit TLS). smtp-server speaks the protocol; this decides policy and spools.
 */
export class SmtpService implements Service {
  readonly name = 'smtp';
  private readonly listeners: ListenerGroup;
  /** smtp-server's protocol engine behind each listener (the latest one of each kind). */
  private readonly servers = new Map<Kind, SMTPServer>();
  private readonly log: Logger;
  private readonly policy: RecipientPolicy;
  private readonly clients: ClientChecks;
  private readonly inboundAuth: InboundAuth;
  private readonly greetingPasses = new GreetingPasses();
  /** Connections greeted after the early-talker wait whose client has not yet begun a transaction. */
  private readonly waitedForGreeting = new WeakSet<ConnectionInfo>();

  constructor(private readonly ctx: EngineContext) {
    this.log = ctx.logs.logger('smtp');
    this.policy = new RecipientPolicy(ctx);
    this.clients = new ClientChecks(ctx);
    this.inboundAuth = new InboundAuth(ctx);
    installPromptGreeting();
    installStartTls();
    this.listeners = new ListenerGroup({
      log: this.log,
      host: ctx.options.bind,
      tls: ctx.tls,
      ports: ctx.ports,
      listeners: ctx.listeners,
      wanted: () => this.wantedListeners().map((kind) => ({ name: kind, port: ctx.options.ports[kind], implicitTls: kind === 'smtps' })),
      listenerOptions: (name) => this.listenerOptions(name as Kind),
      unwantedSessions: 'end',
      endSessions: (listener) => this.endSessions(listener as Kind | undefined),
      graceMs: 10_000,
      logStyle: 'field',
      // smtp-server keeps its own default context for STARTTLS without SNI.
      onTlsChange: () => {
        for (const [kind, server] of this.servers) server.updateSecureContext(this.ctx.tls.serverOptions(kind));
      },
    });
  }

  wantedListeners(): Kind[] {
    const s = this.ctx.settings.get();
    return s.smtpEnabled ? ['smtp', 'submission', ...(s.smtpSsl !== 'off' ? (['smtps'] as const) : [])] : [];
  }

  /** Starts the listeners the settings call for and stops the others. */
  start(): Promise<void> {
    return this.listeners.start();
  }

  async reconfigure(changed: ChangedSettings): Promise<void> {
    if (changed.has('smtpEnabled') || changed.has('smtpSsl')) await this.listeners.apply();
    for (const [kind, server] of this.servers) Object.assign(server.options, this.serverOptions(kind));
  }

  stop(): Promise<void> {
    return this.listeners.stop();
  }

  /**
   * Sessions between messages are told 421 and closed; a message being received gets a few
   * seconds to finish and be spooled (the listener group cuts what is left).
   */
  private endSessions(kind: Kind | undefined): void {
    for (const [k, server] of this.servers) {
      if (kind !== undefined && k !== kind) continue;
      for (const conn of (server as unknown as { connections: Set<SmtpConnectionInternals> }).connections) {
        if (!conn._dataStream) {
          conn.send(421, `${this.ctx.options.hostname} Service shutting down`);
          conn.close();
        }
      }
    }
  }

  private listenerOptions(kind: Kind): ProtocolListenerOptions {
    const server = new SMTPServer({ ...this.serverOptions(kind), ...this.handlers(kind) });
    // Client resets, TLS failures and the like surface here; they end that session only.
    server.on('error', (err: Error & { remote?: string }) => this.log.event('connection error', { error: err.message, client: err.remote }));
    this.servers.set(kind, server);
    startTlsWith(server, (socket) => this.ctx.tls.upgrade(socket, kind));
    return {
      protocol: kind === 'smtp' ? 'smtp' : 'submission',
      registry: this.ctx.connections,
      limits: () => {
        const s = this.ctx.settings.get();
        // Port 25 is for other servers, which never log in; submission is for users, who must.
        return {
          maxConnections: s.smtpMaxConnections,
          maxPerIp: s.maxConnectionsPerIp,
          ...(kind === 'smtp' ? {} : { preAuth: preAuthLimits(s, s.smtpMaxConnections) }),
        };
      },
      onConnection: (socket, conn) => this.accept(server, socket, conn),
      refuse: (socket, reason) =>
        socket.write(
          reason === 'busy'
            ? `421 4.7.0 ${this.ctx.options.hostname} Too many connections, try again later\r\n`
            : `421 4.7.0 ${this.ctx.options.hostname} Too many connections from your address\r\n`,
        ),
    };
  }

  private accept(server: SMTPServer, socket: net.Socket, conn: ConnectionInfo): void {
    const internals = server as unknown as { connect(socket: net.Socket, options: object): void };
    readBudget(socket);
    greetAfter(socket, this.greetingWaitMs(conn));
    internals.connect(socket, {});
    this.log.event('connection', { listener: conn.listener, client: conn.remoteAddress });
    if (conn.protocol === 'submission') this.expectLogin(server, socket, conn);
  }

  /**
   * The early-talker wait before this client's greeting: none for approved relay hosts and for
   * clients that passed it lately (GreetingPasses); a client that waits is remembered as
   * waiting, so that its first MAIL FROM records a pass.
   */
  private greetingWaitMs(conn: ConnectionInfo): number {
    const s = this.ctx.settings.get();
    if (s.smtpEarlyTalkerWaitMs === 0 || this.clients.isApprovedRelayAddress(conn.remoteAddress)) return 0;
    if (this.greetingPasses.has(conn.remoteAddress, s.smtpGreetingPassHours * 3_600_000)) return 0;
    this.waitedForGreeting.add(conn);
    return s.smtpEarlyTalkerWaitMs;
  }

  /**
   * Submission clients must log in before they can do anything: a session without a login
   * after loginTimeoutSeconds is closed (421), and one not logged in may be ended to make
   * room for a new connection when the pre-login share of the connections is full.
   */
  private expectLogin(server: SMTPServer, socket: net.Socket, conn: ConnectionInfo): void {
    const seconds = this.ctx.settings.get().loginTimeoutSeconds;
    const end = (text: string) => {
      const connection = [...(server as unknown as { connections: Set<SmtpConnectionInternals> }).connections].find(
        (c) => (c.session as Session | undefined)?.pillarbox?.connection === conn,
      );
      if (!connection) return socket.destroy();
      if (connection._dataStream) return;
      connection.send(421, `4.7.0 ${this.ctx.options.hostname} ${text}`);
      connection.close();
    };
    const timer = setTimeout(() => {
      if (conn.user !== undefined) return;
      this.log.event('no login in time', { listener: conn.listener, client: conn.remoteAddress, seconds });
      end(`No login within ${seconds} seconds`);
    }, seconds * 1000);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    this.ctx.connections.onEvict(conn, () => {
      this.log.message('connection ended to make room', { listener: conn.listener, client: conn.remoteAddress });
      end('Too many connections waiting to log in, try again later');
    });
  }

  /** The connection record of a session, found by its client address and port. */
  private connectionOf(session: SMTPServerSession): ConnectionInfo | undefined {
    const address = session.remoteAddress.replace(/^::ffff:/, '');
    return this.ctx.connections.list().find((c) => c.remotePort === session.remotePort && c.remoteAddress === address);
  }

  /** Options that follow settings; applied again in place when settings change. */
  private serverOptions(kind: Kind): SMTPServerOptions {
    const s = this.ctx.settings.get();
    const methods = this.authMethods(kind);
    return {
      name: this.ctx.options.hostname,
      banner: 'Pillarbox',
      secure: kind === 'smtps',
      ...this.ctx.tls.serverOptions(kind),
      size: s.maxMessageSizeEnabled ? s.maxMessageSizeMb * 1024 * 1024 : 0,
      authMethods: methods.length ? methods : ['PLAIN'],
      authOptional: kind === 'smtp',
      disabledCommands: methods.length ? [] : ['AUTH'],
      allowInsecureAuth: s.allowPlaintextAuthWithoutTls,
      hideSTARTTLS: kind === 'smtps' || (kind === 'smtp' && s.smtpSsl === 'off'),
      hidePIPELINING: false,
      hide8BITMIME: false,
      hideSMTPUTF8: false,
      hideENHANCEDSTATUSCODES: false,
      hideDSN: true,
      maxRecipients: s.maxRecipientsPerMessage,
      maxCommandLength: s.maxLineLength,
      disableReverseLookup: true,
      socketTimeout: 5 * 60_000,
      closeTimeout: 10_000,
      logger: false,
    } as SMTPServerOptions;
  }

  /**
   * Port 25 offers the methods enabled on the Security tab (none by default, as the
   * seed). Submission always needs authentication, so it falls back to PLAIN and
   * LOGIN (over TLS) when none is enabled.
   */
  private authMethods(kind: Kind): string[] {
    const s = this.ctx.settings.get();
    const methods: string[] = [];
    if (s.smtpAuthPlain) methods.push('PLAIN');
    if (s.smtpAuthLogin) methods.push('LOGIN');
    if (s.smtpAuthCramMd5) methods.push('CRAM-MD5');
    if (kind !== 'smtp' && methods.length === 0) methods.push('PLAIN', 'LOGIN');
    return methods;
  }

  private handlers(kind: Kind): Partial<SMTPServerOptions> {
    return {
      onConnect: (session, cb) => {
        const activity = ((session as Session).activity = this.ctx.activities.open());
        activity.begin(`${kind} connect`);
        void this.admit(kind, session as Session).then(
          () => (activity.end(), cb()),
          (err: Error) => (activity.end(), cb(err)),
        );
      },
      onSecure: (socket, session, cb) => {
        const listener = this.listeners.listener(kind);
        const conn = (session as Session).pillarbox?.connection;
        if (listener && conn && !socket.destroyed) listener.rebind(conn, socket as net.Socket);
        if (!socket.destroyed) readBudget(socket as net.Socket);
        cb();
      },
      onAuth: (auth, session, cb) => {
        const activity = (session as Session).activity;
        activity?.begin(`${kind} AUTH`);
        void this.authenticate(auth, session as Session, (err, response) => {
          activity?.end();
          cb(err, response);
        });
      },
      onMailFrom: (address, session, cb) => {
        const activity = (session as Session).activity;
        activity?.begin(`${kind} MAIL`);
        try {
          this.policy.checkSender(address.address, session as Session);
        } catch (err) {
          activity?.end();
          this.countRejected(err);
          return cb(toSmtpError(err));
        }
        activity?.end();
        const conn = (session as Session).pillarbox?.connection;
        if (conn && this.waitedForGreeting.delete(conn)) this.greetingPasses.record(conn.remoteAddress);
        // RFC 1870: a declared SIZE that the reserve cannot hold now is a temporary refusal.
        const args = address.args as Record<string, string> | false | undefined;
        const declared = Number((args && args.SIZE) ?? 0);
        void this.ctx.diskReserve.hasRoom(Number.isSafeInteger(declared) ? declared : 0).then(
          (room) => {
            if (room) return cb();
            this.log.message('refused: free space is below the reserve', { client: session.remoteAddress, from: address.address });
            this.ctx.counters.count('rejected', 'disk-reserve');
            cb(reply(452, '4.3.1 Insufficient system storage, please try again later'));
          },
          (err: unknown) => cb(toSmtpError(err)),
        );
      },
      onRcptTo: (address, session, cb) => {
        const activity = (session as Session).activity;
        activity?.begin(`${kind} RCPT`);
        try {
          this.policy.checkRecipient(address.address, session as Session, this.log);
          cb();
        } catch (err) {
          this.countRejected(err);
          cb(toSmtpError(err));
        } finally {
          activity?.end();
        }
      },
      onData: (stream, session, cb) => void this.receive(stream, session as Session, cb),
      onClose: (session) => {
        (session as Session).activity?.close();
        (session as Session).pillarbox?.abortData?.();
        this.log.event('disconnected', { client: session.remoteAddress });
      },
    };
  }

  /** A refusal at MAIL or RCPT, under the reason its SmtpReply carries. */
  private countRejected(err: unknown): void {
    this.ctx.counters.count('rejected', err instanceof SmtpReply ? err.reason : 'policy');
  }

  /** Connection-time policy: blocked inbound mail, refused hosts, relay approval, DNSBLs. */
  private async admit(kind: Kind, session: Session): Promise<void> {
    const s = this.ctx.settings.get();
    const client = session.remoteAddress.replace(/^::ffff:/, '');
    if (kind === 'smtp' && s.blockInbound) {
      this.log.message('inbound connection refused: inbound mail is blocked', { client });
      this.ctx.counters.count('rejected', 'inbound-blocked');
      throw reply(554, '5.3.2 This server is not accepting mail right now');
    }
    if (await this.clients.isRefused(client)) {
      this.log.message('connection refused: host on the refused list', { client });
      this.ctx.counters.count('rejected', 'refused-host');
      throw reply(554, `5.7.1 ${this.ctx.options.hostname} SMTP connection refused`);
    }
    const approvedRelay = await this.clients.isApprovedRelay(client);
    const rbl = kind === 'smtp' && !approvedRelay ? await this.clients.rblListing(client) : undefined;
    session.pillarbox = { kind, authUser: undefined, targets: new Map(), connection: this.connectionOf(session), approvedRelay, rbl };
  }

  private async authenticate(
    auth: SMTPServerAuthentication,
    session: Session,
    cb: (err: Error | null | undefined, response?: { user?: unknown }) => void,
  ): Promise<void> {
    const { directory, authThrottle } = this.ctx;
    const username = auth.username ?? '';
    const client = normalizeAddress(session.remoteAddress);
    const verify = () => {
      if (auth.method !== 'CRAM-MD5') return directory.authenticate(username, auth.password ?? '');
      const candidate = directory.loginUser(username);
      const secret = candidate && directory.plainPassword(candidate.id);
      return candidate && secret !== undefined && auth.validatePassword(secret) ? candidate : undefined;
    };
    const outcome = await authThrottle.attempt({ service: session.pillarbox?.kind === 'smtp' ? 'smtp' : 'submission', client, username }, verify, {
      secret: auth.method === 'CRAM-MD5' ? undefined : (auth.password ?? undefined),
      fields: { method: auth.method },
    });
    if (outcome.status === 'failed') {
      return cb(outcome.close ? reply(421, '4.7.0 Too many failed authentications, closing the connection') : reply(535, '5.7.8 Authentication credentials invalid'));
    }
    if (outcome.status !== 'ok') {
      // RFC 4954: 454 is a temporary authentication failure; 421 also ends the session.
      return cb(reply(outcome.close ? 421 : 454, `4.7.0 Too many failed authentications from your address, try again in ${outcome.retryAfterSeconds} seconds`));
    }
    const user = outcome.value;
    if (!directory.canUse(user, 'smtp')) {
      this.log.message('authentication refused: SMTP not allowed for this user', { client, user: user.shortName, method: auth.method });
      return cb(reply(535, '5.7.8 Authentication credentials invalid'));
    }
    if (session.pillarbox) {
      session.pillarbox.authUser = user;
      if (session.pillarbox.connection) this.ctx.connections.setUser(session.pillarbox.connection, user.shortName);
    }
    this.log.message('authenticated', { client: session.remoteAddress, user: user.shortName, method: auth.method });
    cb(null, { user: user.shortName });
  }

  private async receive(stream: NodeJS.ReadableStream & { sizeExceeded?: boolean }, session: Session, cb: (err?: Error | null, message?: string) => void): Promise<void> {
    const state = session.pillarbox as SessionState;
    const s = this.ctx.settings.get();
    const limit = s.maxMessageSizeEnabled ? s.maxMessageSizeMb * 1024 * 1024 : 0;
    const id = newQueueId();
    const activity = session.activity;
    activity?.begin(`${state.kind} DATA ${id}`);
    const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    const recipients = this.policy.queueTargets(state);
    const original = session.envelope.rcptTo.map((r) => r.address);
    const returnPath = Buffer.from(`Return-Path: <${sender}>\r\n`);
    const trace = Buffer.from(
      receivedHeader({
        helo: session.hostNameAppearsAs,
        clientAddress: session.remoteAddress,
        hostname: this.ctx.options.hostname,
        secure: session.secure,
        authenticated: !!state.authUser,
        smtputf8: !!(session.envelope as { smtpUtf8?: boolean }).smtpUtf8,
        id,
        recipient: original.length === 1 ? original[0] : undefined,
      }),
    );
    const normalizer = new LineNormalizer(limit);
    const headers = new HeaderCapture();
    const body = stream.pipe(normalizer).pipe(headers);
    let foreignFrom: string | undefined;
    // A client that vanishes mid-DATA ends nothing: fail the spool write so its file goes.
    // (The spool writer sees the error when it reads the stream; until then nobody listens.)
    body.on('error', () => undefined);
    state.abortData = () => body.destroy(new Error('the client closed the connection during DATA'));
    // The label stays on while the message streams in: the DATA parser and the transforms
    // above are the engine's work, paced by the client (see readBudget for how much per turn).
    let parts: (Buffer | Readable)[] = [returnPath, trace, body];
    let auth: string | undefined;
    try {
      if (state.kind === 'smtp' && !state.authUser && !state.approvedRelay && s.inboundAuthChecks) {
        // The results go on top of the message, so it is read whole before it is spooled
        // (within the size limit, as the checks need the body for DKIM anyway).
        const content = await collect(body);
        if (normalizer.exceeded || stream.sizeExceeded) throw new QueueRejected('size');
        const client = session.remoteAddress.replace(/^::ffff:/, '');
        const verdict = await this.inboundAuth.check(content, { ip: client, helo: session.hostNameAppearsAs, sender }).catch((err: unknown) => {
          this.log.error('sender authentication checks failed; the message goes on without results', { client, error: String(err) });
          return undefined;
        });
        auth = verdict?.summary;
        if (verdict?.dmarcReject && s.dmarcRejectFailures) {
          this.log.message('refused: DMARC policy says reject', { client, from: sender, domain: verdict.dmarcReject.domain, auth });
          this.ctx.counters.count('rejected', 'dmarc');
          return cb(reply(550, `5.7.1 Message rejected: it fails DMARC and ${verdict.dmarcReject.domain} asks for rejection (${verdict.summary})`));
        }
        parts = [returnPath, Buffer.from(verdict?.header ?? '', 'latin1'), trace, withoutForgedResults(content, this.ctx.options.hostname)];
      }
      const entry = await this.ctx.queue.enqueue(
        {
          id,
          sender,
          recipients,
          client: `${session.hostNameAppearsAs ?? ''} [${session.remoteAddress}]`,
          authenticatedUser: state.authUser?.shortName,
          // Ours to sign when it leaves: the user or host is trusted (From is checked for users).
          signDkim: !!state.authUser || !!state.approvedRelay,
          localPrefix: returnPath.length,
        },
        parts,
        async (size) => {
          if (normalizer.exceeded || stream.sizeExceeded) return 'size';
          // The message is on disk now: refused if it took the reserve (its file goes again).
          if (!(await this.ctx.diskReserve.hasRoomAfterWriting(size))) return 'space';
          foreignFrom = state.authUser && this.policy.foreignFromAddress(state.authUser, headers.header());
          return foreignFrom !== undefined ? 'from' : undefined;
        },
      );
      this.log.message('accepted', {
        queueId: entry.id,
        from: sender,
        to: original,
        size: entry.size,
        client: session.remoteAddress,
        user: state.authUser?.shortName,
        auth,
      });
      this.ctx.counters.count('received');
      cb(null, `2.0.0 Ok: queued as ${entry.id}`);
    } catch (err) {
      (stream as NodeJS.ReadableStream).resume();
      if (err instanceof QueueRejected && err.message === 'from' && state.authUser) {
        this.log.message('refused: From header address not owned by the user', { client: session.remoteAddress, user: state.authUser.shortName, from: foreignFrom });
        this.ctx.counters.count('rejected', 'sender');
        return cb(reply(550, `5.7.1 <${foreignFrom}>: From header address not owned by user ${state.authUser.shortName}`));
      }
      if (err instanceof QueueRejected && err.message === 'space') {
        this.log.message('refused: the message would go past the free-space reserve', { client: session.remoteAddress, from: sender });
        this.ctx.counters.count('rejected', 'disk-reserve');
        return cb(reply(452, '4.3.1 Insufficient system storage, please try again later'));
      }
      if (err instanceof QueueRejected) {
        this.log.message('refused: message too large', { client: session.remoteAddress, from: sender, limit });
        this.ctx.counters.count('rejected', 'size');
        return cb(reply(552, `5.3.4 Message size exceeds fixed maximum message size (${limit} bytes)`));
      }
      if (isDiskFull(err)) {
        this.log.error('could not queue a message: the disk is full', { client: session.remoteAddress, from: sender, error: String(err) });
        this.ctx.counters.count('rejected', 'disk-reserve');
        return cb(reply(452, '4.3.1 Insufficient system storage, please try again later'));
      }
      this.log.error('could not queue a message', { client: session.remoteAddress, error: String(err) });
      cb(reply(451, '4.3.0 Local error in processing; please try again later'));
    } finally {
      activity?.end();
      state.abortData = undefined;
      state.targets.clear();
    }
  }
}

/** Bytes of one connection handled in one turn of the event loop before its socket waits for the next. */
const READ_BUDGET = 256 * 1024;

/**
 * A client that sends a large message as fast as loopback allows hands the DATA parser
 * (smtp-server's, in JavaScript) two megabytes per read batch: over 100 ms of work in one
 * turn of the event loop, during which every other session waits. Past READ_BUDGET bytes in
 * one turn the socket pauses until the next, so a big message costs many short turns.
 */
function readBudget(socket: net.Socket): void {
  let used = 0;
  let waiting = false;
  socket.on('data', (chunk: Buffer) => {
    used += chunk.length;
    if (used < READ_BUDGET || waiting) return;
    waiting = true;
    socket.pause();
    setImmediate(() => {
      used = 0;
      waiting = false;
      if (!socket.destroyed) socket.resume();
    });
  });
}

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

interface SmtpConnectionInternals {
  _dataStream: unknown;
  session?: unknown;
  send(code: number, message: string): void;
  close(): void;
}

function reply(code: number, message: string): Error {
  const err = new Error(message) as Error & { responseCode: number };
  err.responseCode = code;
  return err;
}

function toSmtpError(err: unknown): Error {
  if (err instanceof SmtpReply) return reply(err.code, err.message);
  return reply(451, `4.3.0 Local error in processing: ${String(err)}`);
}
