import type net from 'node:net';
import type { EngineContext } from '../context';
import { type SaslMechanism, SaslExchange, saslSecret, verifySasl } from '../directory/sasl';
import type { User } from '../directory/types';
import type { Logger } from '../logs/logger';
import type { ConnectionInfo } from '../net/connections';
import { LinePump } from '../net/line-pump';
import type { Activity } from '../metrics/activity';
import { SIEVE_EXTENSIONS, formatSieveError } from '../sieve/index';
import { SieveScriptError } from '../sieve/scripts';
import { type Arg, CommandReader, type ReadEvent } from './command-reader';

/** Slack over the largest script for a literal (a script in a PUTSCRIPT). */
const LITERAL_SLACK = 1024;

/** A string in a response: quoted when it can be, a literal otherwise (RFC 5804 section 4). */
export function sieveString(s: string): string {
  if (s.length <= 1024 && !/[\r\n\0]/.test(s)) return `"${s.replace(/["\\]/g, '\\$&')}"`;
  return `{${Buffer.byteLength(s)}}\r\n${s}`;
}

class Reply {
  constructor(
    readonly status: 'NO' | 'BYE',
    readonly text: string,
    readonly code?: string,
  ) {}
}

const no = (text: string, code?: string) => new Reply('NO', text, code);

/**
 * One ManageSieve connection (RFC 5804): capabilities, STARTTLS, SASL authentication, and the
 * script commands over the user's SieveScripts. Commands are read and queued by the shared
 * LinePump (the same back-pressure as POP3), the CommandReader being the framing.
 */
export class ManageSieveSession {
  readonly finished: Promise<void>;
  private resolveFinished!: () => void;
  /** Reads and queues commands, with back-pressure; owns the socket. */
  readonly input: LinePump<ReadEvent>;
  private user?: User;
  private sasl?: SaslExchange;
  private failures = 0;
  /** The command running, for the event-loop watchdog ("managesieve PUTSCRIPT alice"). */
  private readonly activity: Activity;

  constructor(
    private readonly ctx: EngineContext,
    private readonly log: Logger,
    socket: net.Socket,
    readonly conn: ConnectionInfo,
    private readonly idleTimeoutMs: number,
  ) {
    this.activity = ctx.activities.open();
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
    this.input = new LinePump<ReadEvent>({
      socket,
      reader: new CommandReader(() => ({
        maxLine: ctx.settings.get().maxLineLength,
        maxLiteral: ctx.sieve.limits().maxScriptSize + LITERAL_SLACK,
      })),
      idleTimeoutMs,
      activity: this.activity,
      label: 'managesieve',
      handle: (event) => this.answer(event),
      onIdle: () => {
        this.send(['BYE "disconnected for inactivity"']);
        this.close();
      },
      onFailure: (err) => {
        this.log.error('ManageSieve session failed', { conn: this.conn.id, error: String(err) });
        this.send(['BYE "internal error"']);
        this.close();
      },
    });
  }

  /** The current socket (the TLS one after STARTTLS). */
  get socket(): net.Socket {
    return this.input.socket;
  }

  start(): void {
    this.input.start();
    this.socket.once('close', () => {
      this.activity.close();
      this.log.event('disconnect', { conn: this.conn.id });
      this.resolveFinished();
    });
    this.log.event('connect', { conn: this.conn.id, ip: this.conn.remoteAddress, tls: this.conn.secure });
    this.send(this.capabilityLines().concat('OK "Pillarbox ManageSieve ready"'));
    this.startLoginDeadline();
    this.ctx.connections.onEvict(this.conn, () => {
      if (this.user || this.closed) return;
      this.log.message('ManageSieve connection ended to make room', { conn: this.conn.id, ip: this.conn.remoteAddress });
      this.send(['BYE (TRYLATER) "too many connections waiting to log in"']);
      this.close();
    });
  }

  /** From the greeting (or UNAUTHENTICATE) the client has loginTimeoutSeconds to log in, whatever it sends meanwhile. */
  private startLoginDeadline(): void {
    const seconds = this.ctx.settings.get().loginTimeoutSeconds;
    this.input.startLoginTimer(seconds * 1000, () => {
      if (this.user || this.closed) return;
      this.log.event('no login in time', { conn: this.conn.id, ip: this.conn.remoteAddress, seconds });
      this.send([`BYE ${sieveString(`no login within ${seconds} seconds`)}`]);
      this.close();
    });
  }

  shutdown(): Promise<void> {
    if (!this.closed) {
      this.send(['BYE (TRYLATER) "server shutting down"']);
      this.close();
    }
    return this.finished;
  }

  private send(lines: string[]): void {
    this.input.write(lines.join('\r\n') + '\r\n');
  }

  private close(): void {
    this.input.close();
  }

  private get closed(): boolean {
    return this.input.closed;
  }

  /** One command or framing error from the pump: its reply, then BYE closes. */
  private async answer(event: ReadEvent): Promise<void> {
    const reply = await this.handle(event);
    if (reply) this.send([`${reply.status}${reply.code ? ` (${reply.code})` : ''} ${sieveString(reply.text)}`]);
    if (reply?.status === 'BYE') this.close();
  }

  // ---- capabilities and policy ------------------------------------------------------------

  private mechanisms(): SaslMechanism[] {
    const s = this.ctx.settings.get();
    if (s.imapPopSsl === 'require' && !this.conn.secure) return [];
    const passwordsOk = this.conn.secure || s.allowPlaintextAuthWithoutTls;
    const out: SaslMechanism[] = [];
    if (s.imapAuthPlain && passwordsOk) out.push('PLAIN');
    if (s.imapAuthLogin && passwordsOk) out.push('LOGIN');
    if (s.imapAuthCramMd5) out.push('CRAM-MD5');
    return out;
  }

  private tlsOffered(): boolean {
    return !this.conn.secure && this.ctx.settings.get().imapPopSsl !== 'off';
  }

  private capabilityLines(): string[] {
    const limits = this.ctx.sieve.limits();
    const lines = [`"IMPLEMENTATION" "Pillarbox"`];
    if (!this.user) lines.push(`"SASL" "${this.mechanisms().join(' ')}"`);
    lines.push(`"SIEVE" "${SIEVE_EXTENSIONS.join(' ')}"`);
    if (!this.user && this.tlsOffered()) lines.push('"STARTTLS"');
    lines.push(`"MAXREDIRECTS" "${limits.maxRedirects}"`, '"UNAUTHENTICATE"', '"VERSION" "1.0"');
    if (this.user) lines.push(`"OWNER" ${sieveString(this.user.shortName)}`);
    return lines;
  }

  // ---- commands -----------------------------------------------------------------------------

  private async handle(event: ReadEvent): Promise<Reply | undefined> {
    if (event.kind === 'fatal') return new Reply('BYE', event.message);
    if (this.sasl) return this.continueSasl(event);
    if (event.kind === 'bad') return no(`syntax error: ${event.message}`);
    const [first, ...args] = event.args;
    if (first.kind !== 'atom') return no('a command starts with its name');
    const verb = first.value.toUpperCase();
    this.activity.begin(this.user ? `managesieve ${verb.slice(0, 32)} ${this.user.shortName}` : `managesieve ${verb.slice(0, 32)}`);
    this.log.event('command', { conn: this.conn.id, user: this.user?.shortName, command: verb });
    const strings = (n: number, m = n): string[] | Reply => {
      if (args.length < n || args.length > m || args.some((a) => a.kind !== 'string')) return no(`${verb}: wrong arguments`);
      return args.map((a) => a.value);
    };
    switch (verb) {
      case 'CAPABILITY':
        if (args.length) return no('CAPABILITY takes no arguments');
        this.send(this.capabilityLines());
        return this.ok('Capability completed');
      case 'LOGOUT':
        this.send(['OK "Logout completed"']);
        this.close();
        return undefined;
      case 'NOOP': {
        const a = strings(0, 1);
        if (a instanceof Reply) return a;
        return a.length ? this.ok('Done', `TAG ${sieveString(a[0])}`) : this.ok('Done');
      }
      case 'STARTTLS':
        return this.starttls();
      case 'AUTHENTICATE':
        return this.authenticate(args);
    }
    const user = this.user;
    if (!user) {
      if (['HAVESPACE', 'PUTSCRIPT', 'CHECKSCRIPT', 'LISTSCRIPTS', 'SETACTIVE', 'GETSCRIPT', 'DELETESCRIPT', 'RENAMESCRIPT', 'UNAUTHENTICATE'].includes(verb)) {
        return no('log in first (AUTHENTICATE)');
      }
      return no(`unknown command ${verb}`);
    }
    const scripts = this.ctx.sieve;
    try {
      switch (verb) {
        case 'UNAUTHENTICATE':
          if (args.length) return no('UNAUTHENTICATE takes no arguments');
          this.log.message('ManageSieve logout (UNAUTHENTICATE)', { conn: this.conn.id, user: user.shortName });
          this.user = undefined;
          this.conn.user = undefined;
          this.startLoginDeadline();
          return this.ok('Unauthenticate completed');
        case 'LISTSCRIPTS':
          if (args.length) return no('LISTSCRIPTS takes no arguments');
          this.send(scripts.list(user.id).map((s) => sieveString(s.name) + (s.active ? ' ACTIVE' : '')));
          return this.ok('Listscripts completed');
        case 'HAVESPACE': {
          if (args.length !== 2 || args[0].kind !== 'string' || args[1].kind !== 'atom' || !/^\d{1,10}$/.test(args[1].value)) {
            return no('HAVESPACE: a script name and a number');
          }
          scripts.haveSpace(user.id, args[0].value, Number(args[1].value));
          return this.ok('Putscript would succeed');
        }
        case 'PUTSCRIPT': {
          const a = strings(2);
          if (a instanceof Reply) return a;
          const { warnings } = await scripts.put(user.id, a[0], a[1]);
          this.log.message('Sieve script stored', { conn: this.conn.id, user: user.shortName, script: a[0] });
          return warnings.length ? this.ok(warnings.map(formatSieveError).join('\r\n'), 'WARNINGS') : this.ok('Putscript completed');
        }
        case 'CHECKSCRIPT': {
          const a = strings(1);
          if (a instanceof Reply) return a;
          const { errors, warnings } = await scripts.check(user.id, a[0]);
          if (errors.length) return no(errors.map(formatSieveError).join('\r\n'));
          return warnings.length ? this.ok(warnings.map(formatSieveError).join('\r\n'), 'WARNINGS') : this.ok('Script is valid');
        }
        case 'SETACTIVE': {
          const a = strings(1);
          if (a instanceof Reply) return a;
          scripts.setActive(user.id, a[0] || null);
          this.log.message('Sieve script activated', { conn: this.conn.id, user: user.shortName, script: a[0] || null });
          return this.ok(a[0] ? 'Setactive completed' : 'No script is active now');
        }
        case 'GETSCRIPT': {
          const a = strings(1);
          if (a instanceof Reply) return a;
          const s = scripts.get(user.id, a[0]);
          if (!s) return no(`there is no script "${a[0]}"`, 'NONEXISTENT');
          this.send([`{${Buffer.byteLength(s.content)}}\r\n${s.content}`]);
          return this.ok('Getscript completed');
        }
        case 'DELETESCRIPT': {
          const a = strings(1);
          if (a instanceof Reply) return a;
          scripts.delete(user.id, a[0]);
          this.log.message('Sieve script deleted', { conn: this.conn.id, user: user.shortName, script: a[0] });
          return this.ok('Deletescript completed');
        }
        case 'RENAMESCRIPT': {
          const a = strings(2);
          if (a instanceof Reply) return a;
          scripts.rename(user.id, a[0], a[1]);
          return this.ok('Renamescript completed');
        }
      }
    } catch (err) {
      if (err instanceof SieveScriptError) {
        const code = err.code === 'INVALID' || err.code === 'BADNAME' ? undefined : err.code;
        const text = err.code === 'INVALID' ? err.errors.map(formatSieveError).join('\r\n') : err.message;
        return no(text, code);
      }
      throw err;
    }
    return no(`unknown command ${verb}`);
  }

  private ok(text: string, code?: string): undefined {
    this.send([`OK${code ? ` (${code})` : ''} ${sieveString(text)}`]);
    return undefined;
  }

  private async starttls(): Promise<Reply | undefined> {
    if (this.conn.secure) return no('TLS is already active');
    if (this.user || !this.tlsOffered()) return no('STARTTLS is not available');
    const secure = await this.input.startTls(this.ctx.tls, this.conn.listener, 'OK "Begin TLS negotiation now"\r\n');
    if (!secure) {
      this.log.event('STARTTLS handshake failed', { conn: this.conn.id, ip: this.conn.remoteAddress });
      return undefined;
    }
    this.conn.secure = true;
    this.log.event('STARTTLS done', { conn: this.conn.id, protocol: secure.getProtocol() });
    // RFC 5804 2.2: the capabilities again, as they may have changed.
    this.send(this.capabilityLines().concat('OK "TLS negotiation successful"'));
    return undefined;
  }

  private async authenticate(args: Arg[]): Promise<Reply | undefined> {
    if (this.user) return no('already logged in');
    if (args.length < 1 || args.length > 2 || args.some((a) => a.kind !== 'string')) return no('AUTHENTICATE "MECHANISM" ["initial response"]');
    const mechanism = args[0].value.toUpperCase() as SaslMechanism;
    const s = this.ctx.settings.get();
    const enabled = (mechanism === 'PLAIN' && s.imapAuthPlain) || (mechanism === 'LOGIN' && s.imapAuthLogin) || (mechanism === 'CRAM-MD5' && s.imapAuthCramMd5);
    if (!enabled) return no(`mechanism ${args[0].value} is not supported`);
    if (!this.mechanisms().includes(mechanism)) {
      return no(this.tlsOffered() ? 'plaintext authentication is not allowed before STARTTLS' : 'plaintext authentication is not allowed without TLS', 'ENCRYPT-NEEDED');
    }
    const exchange = new SaslExchange(mechanism, this.ctx.options.hostname);
    const step = exchange.start(args[1]?.value);
    this.sasl = exchange;
    return this.saslStep(step);
  }

  private async continueSasl(event: ReadEvent): Promise<Reply | undefined> {
    const exchange = this.sasl as SaslExchange;
    if (event.kind !== 'command' || event.args.length !== 1) {
      this.sasl = undefined;
      return no('authentication failed: a SASL response is one string');
    }
    const value = event.args[0].value;
    if (value === '*') {
      this.sasl = undefined;
      return no('authentication cancelled');
    }
    return this.saslStep(exchange.next(value));
  }

  private async saslStep(step: ReturnType<SaslExchange['next']>): Promise<Reply | undefined> {
    if (step.type === 'challenge') {
      this.send([sieveString(step.base64)]);
      return undefined;
    }
    this.sasl = undefined;
    if (step.type === 'error') return no(`authentication failed: ${step.message}`);
    const credentials = step.credentials;
    const outcome = await this.ctx.authThrottle.attempt(
      { service: 'managesieve', client: this.conn.remoteAddress, username: credentials.username },
      () => verifySasl(this.ctx.directory, credentials),
      { secret: saslSecret(credentials), fields: { conn: this.conn.id } },
    );
    const user = outcome.status === 'ok' ? outcome.value : undefined;
    const allowed = user && (this.ctx.directory.canUse(user, 'imap') || this.ctx.directory.canUse(user, 'pop'));
    if (!user || !allowed) {
      this.failures++;
      if (user) this.log.message('ManageSieve login refused: mail access not enabled for the user', { conn: this.conn.id, user: user.shortName });
      const closing = (outcome.status !== 'ok' && outcome.close) || this.failures >= this.ctx.authThrottle.maxFailuresPerSession;
      if (closing) return new Reply('BYE', 'too many failed authentications');
      if (outcome.status === 'locked' || outcome.status === 'throttled') {
        return no(`too many failed logins from your address; try again in ${outcome.retryAfterSeconds} seconds`, 'TRYLATER');
      }
      return no('authentication failed');
    }
    this.input.stopLoginTimer();
    this.user = user;
    this.ctx.connections.setUser(this.conn, user.shortName);
    this.log.message('ManageSieve login', { conn: this.conn.id, user: user.shortName, ip: this.conn.remoteAddress, tls: this.conn.secure });
    return this.ok('Authenticated');
  }
}
