import crypto from 'node:crypto';
import type net from 'node:net';
import type { EngineContext } from '../context';
import type { User } from '../directory/types';
import type { Logger } from '../logs/logger';
import type { ConnectionInfo } from '../net/connections';
import { LinePump } from '../net/line-pump';
import { AuthPolicy } from './auth-policy';
import { Authenticator } from './authenticator';
import { type LineEvent, LineSplitter } from './line-splitter';
import { Maildrop } from './maildrop';
import type { MailboxLocks } from './mailbox-locks';
import type { Activity } from '../metrics/activity';
import type { SessionIo } from './session-io';
import { Transaction } from './transaction';

export type SessionState = 'authorization' | 'transaction' | 'update' | 'closed';

export interface SessionOptions {
  ctx: EngineContext;
  log: Logger;
  locks: MailboxLocks<Pop3Session>;
  idleTimeoutMs: number;
}

const AUTHORIZATION_COMMANDS = new Set(['CAPA', 'STLS', 'USER', 'PASS', 'APOP', 'AUTH', 'QUIT']);
const TRANSACTION_COMMANDS = new Set(['CAPA', 'STAT', 'LIST', 'UIDL', 'RETR', 'TOP', 'DELE', 'RSET', 'NOOP', 'QUIT']);
const BEFORE_TLS_COMMANDS = new Set(['CAPA', 'STLS', 'QUIT']);
const KNOWN_COMMANDS = new Set([...AUTHORIZATION_COMMANDS, ...TRANSACTION_COMMANDS]);

let timestampCounter = 0;

/**
 * One POP3 connection (RFC 1939) from greeting to close: reads pipelined command lines
 * one at a time (RFC 2449 PIPELINING, through the shared LinePump), answers in order,
 * upgrades with STLS (RFC 2595) and applies deletions only when QUIT is received in the
 * TRANSACTION state.
 */
export class Pop3Session implements SessionIo {
  state: SessionState = 'authorization';
  readonly ctx: EngineContext;
  readonly log: Logger;
  /** Resolves once the connection is gone and any UPDATE has finished. */
  readonly finished: Promise<void>;

  /** Reads and queues command lines, with back-pressure; owns the socket. */
  readonly input: LinePump<LineEvent>;
  private streaming = false;
  private socketClosed = false;
  private readonly authenticator: Authenticator;
  private transaction?: Transaction;
  private user?: User;
  private resolveFinished!: () => void;
  private finishedOnce = false;
  private readonly apopTimestamp?: string;
  /** The command running, for the event-loop watchdog ("pop3 RETR alice"). */
  private readonly activity: Activity;

  constructor(
    private readonly options: SessionOptions,
    socket: net.Socket,
    readonly conn: ConnectionInfo,
  ) {
    this.ctx = options.ctx;
    this.log = options.log;
    this.activity = this.ctx.activities.open();
    this.input = new LinePump<LineEvent>({
      socket,
      reader: new LineSplitter(() => this.ctx.settings.get().maxLineLength),
      idleTimeoutMs: options.idleTimeoutMs,
      activity: this.activity,
      label: 'pop3',
      handle: (event) => this.handle(event),
      onIdle: () => this.onIdle(),
      onFailure: (err) => {
        this.log.error('POP3 session failed', { conn: this.conn.id, error: String(err) });
        this.reply('-ERR [SYS/TEMP] internal error');
        this.close();
      },
    });
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
    if (this.ctx.settings.get().popAuthApop) {
      this.apopTimestamp = `<${process.pid}.${Date.now()}.${++timestampCounter}${crypto.randomInt(1000)}@${this.ctx.options.hostname}>`;
    }
    this.authenticator = new Authenticator(this, this.apopTimestamp, (user, method) => this.loggedIn(user, method));
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  /** The current socket (the TLS one after STLS). */
  get socket(): net.Socket {
    return this.input.socket;
  }

  policy(): AuthPolicy {
    return new AuthPolicy(this.ctx.settings.get(), this.conn.secure);
  }

  start(): void {
    this.input.start();
    this.socket.once('close', () => this.onSocketClosed());
    this.log.event('connect', { conn: this.conn.id, ip: this.conn.remoteAddress, tls: this.conn.secure });
    const stamp = this.apopTimestamp ? ` ${this.apopTimestamp}` : '';
    this.reply(`+OK Pillarbox POP3 server ready${stamp}`);
    const seconds = this.ctx.settings.get().loginTimeoutSeconds;
    this.input.startLoginTimer(seconds * 1000, () => {
      if (this.state !== 'authorization') return;
      this.log.event('no login in time', { conn: this.conn.id, ip: this.conn.remoteAddress, seconds });
      this.reply(`-ERR [SYS/TEMP] No login within ${seconds} seconds`);
      this.close();
    });
    this.ctx.connections.onEvict(this.conn, () => {
      if (this.state !== 'authorization') return;
      this.log.message('POP connection ended to make room', { conn: this.conn.id, ip: this.conn.remoteAddress });
      this.reply('-ERR [SYS/TEMP] Too many connections waiting to log in, try again later');
      this.close();
    });
  }

  reply(line: string): void {
    this.input.write(line + '\r\n');
  }

  close(): void {
    if (this.state !== 'update') this.state = 'closed';
    this.input.close();
  }

  /** Engine stop: sessions not in UPDATE end now without applying anything. */
  shutdown(): Promise<void> {
    if (this.state === 'update' || this.state === 'closed') return this.finished;
    if (this.streaming) {
      this.state = 'closed';
      this.socket.destroy();
    } else {
      this.reply('-ERR [SYS/TEMP] server shutting down');
      this.close();
    }
    return this.finished;
  }

  // ---- input -----------------------------------------------------------------------------

  private onIdle(): void {
    if (this.state === 'update' || this.state === 'closed') return;
    this.log.event('idle timeout', { conn: this.conn.id, user: this.user?.shortName });
    if (this.streaming) {
      this.state = 'closed';
      this.socket.destroy();
      return;
    }
    this.reply('-ERR Disconnected for inactivity');
    this.close();
  }

  private async handle(event: LineEvent): Promise<void> {
    if (event.kind === 'too-long') {
      this.authenticator.abortExchange();
      return this.reply('-ERR line too long');
    }
    if (this.authenticator.inExchange) return this.authenticator.continueExchange(event.text);
    const line = event.text;
    const space = line.indexOf(' ');
    const verb = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const rest = space < 0 ? '' : line.slice(space + 1);
    const args = rest.split(' ').filter((a) => a !== '');
    this.log.event('command', { conn: this.conn.id, user: this.user?.shortName, command: verb, args: redact(verb, args) });

    if (!KNOWN_COMMANDS.has(verb)) return this.reply('-ERR Unknown command');
    this.activity.begin(this.user ? `pop3 ${verb} ${this.user.shortName}` : `pop3 ${verb}`);
    const allowed = this.state === 'authorization' ? AUTHORIZATION_COMMANDS : TRANSACTION_COMMANDS;
    if (!allowed.has(verb)) return this.reply('-ERR Command not valid in this state');
    if (this.state === 'authorization' && this.policy().tlsRequiredFirst && !BEFORE_TLS_COMMANDS.has(verb)) {
      return this.reply('-ERR [AUTH] TLS is required; use STLS first');
    }
    await this.dispatch(verb, args, rest);
  }

  private async dispatch(verb: string, args: string[], rest: string): Promise<void> {
    const t = this.transaction;
    switch (verb) {
      case 'CAPA':
        return this.capa();
      case 'QUIT':
        return this.quit();
      case 'STLS':
        return this.stls();
      case 'USER':
        return this.authenticator.user(rest.trim());
      case 'PASS':
        // The whole rest of the line: a password may contain spaces (RFC 1939 section 7).
        return this.authenticator.pass(rest);
      case 'APOP':
        return this.authenticator.apop(args);
      case 'AUTH':
        return this.authenticator.auth(args);
    }
    if (!t) return this.reply('-ERR Command not valid in this state');
    switch (verb) {
      case 'STAT':
        return t.stat();
      case 'LIST':
        return t.list(args);
      case 'UIDL':
        return t.uidl(args);
      case 'DELE':
        return t.dele(args);
      case 'RSET':
        return t.rset();
      case 'NOOP':
        return this.reply('+OK');
      case 'RETR':
      case 'TOP':
        this.streaming = true;
        try {
          return await (verb === 'RETR' ? t.retr(args) : t.top(args));
        } finally {
          this.streaming = false;
        }
    }
  }

  // ---- commands that change the session ---------------------------------------------------

  private capa(): void {
    const lines = ['+OK Capability list follows', 'TOP', 'UIDL'];
    if (this.state === 'authorization') {
      const policy = this.policy();
      if (policy.userPassEnabled && policy.passwordsAllowed) lines.push('USER');
      const mechanisms = policy.usableMechanisms();
      if (mechanisms.length > 0) lines.push(`SASL ${mechanisms.join(' ')}`);
      if (policy.stlsOffered) lines.push('STLS');
    }
    lines.push('RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'EXPIRE NEVER', 'IMPLEMENTATION Pillarbox', '.');
    this.reply(lines.join('\r\n'));
  }

  private async stls(): Promise<void> {
    const policy = this.policy();
    if (this.conn.secure) return this.reply('-ERR Already using TLS');
    if (!policy.stlsOffered) return this.reply('-ERR STLS is not available');
    // Whatever the client sent after STLS in plain text must not be acted on (RFC 2595 section 4).
    this.authenticator.forget();
    const secure = await this.input.startTls(this.ctx.tls, this.conn.listener, '+OK Begin TLS negotiation\r\n');
    if (!secure) {
      this.log.event('STLS handshake failed', { conn: this.conn.id, ip: this.conn.remoteAddress });
      return;
    }
    this.conn.secure = true;
    this.log.event('STLS done', { conn: this.conn.id, protocol: secure.getProtocol() });
  }

  private async quit(): Promise<void> {
    const transaction = this.transaction;
    if (this.state !== 'transaction' || !transaction) {
      this.reply('+OK Pillarbox POP3 server signing off');
      return this.close();
    }
    this.state = 'update';
    try {
      const { removed, remaining } = await transaction.maildrop.commit();
      this.log.message('POP session ended', { conn: this.conn.id, user: this.user?.shortName, deleted: removed });
      this.reply(`+OK Pillarbox POP3 server signing off (${remaining} messages left)`);
    } catch (err) {
      this.log.error('POP update failed', { conn: this.conn.id, user: this.user?.shortName, error: String(err) });
      this.reply('-ERR [SYS/TEMP] some deleted messages were not removed');
    }
    // The deletions are done: the maildrop is free for the next session at once.
    if (this.user) this.options.locks.release(this.user.id, this);
    this.state = 'closed';
    this.close();
    this.finish();
  }

  private async loggedIn(user: User, method: string): Promise<void> {
    if (this.closed) return;
    if (!this.options.locks.acquire(user.id, this)) {
      this.log.message('POP login refused: maildrop in use', { conn: this.conn.id, user: user.shortName, ip: this.conn.remoteAddress });
      return this.reply('-ERR [IN-USE] Mailbox is locked by another POP3 session');
    }
    let maildrop: Maildrop;
    try {
      maildrop = Maildrop.open(this.ctx.store, user.id);
    } catch (err) {
      this.options.locks.release(user.id, this);
      this.log.error('cannot open the maildrop', { conn: this.conn.id, user: user.shortName, error: String(err) });
      return this.reply('-ERR [SYS/TEMP] Cannot open the mailbox, try again later');
    }
    this.user = user;
    this.transaction = new Transaction(this, maildrop);
    this.state = 'transaction';
    this.input.stopLoginTimer();
    this.ctx.connections.setUser(this.conn, user.shortName);
    const { count, octets } = maildrop.stat();
    this.log.message('POP login', {
      conn: this.conn.id,
      user: user.shortName,
      method,
      ip: this.conn.remoteAddress,
      tls: this.conn.secure,
      messages: count,
    });
    this.reply(`+OK Logged in; maildrop has ${count} messages (${octets} octets)`);
  }

  // ---- end --------------------------------------------------------------------------------

  private onSocketClosed(): void {
    this.activity.close();
    this.socketClosed = true;
    if (this.state !== 'update') {
      if (this.state === 'transaction') {
        this.log.event('connection dropped without QUIT; nothing deleted', { conn: this.conn.id, user: this.user?.shortName });
      }
      this.state = 'closed';
    }
    this.log.event('disconnect', { conn: this.conn.id });
    this.finish();
  }

  /** Releases the maildrop once both the connection and any UPDATE are over. */
  private finish(): void {
    if (this.finishedOnce || !this.socketClosed || this.state === 'update') return;
    this.finishedOnce = true;
    if (this.user) this.options.locks.release(this.user.id, this);
    this.resolveFinished();
  }
}

/** Keeps passwords and SASL data out of the log. */
function redact(verb: string, args: string[]): string[] {
  if (verb === 'PASS') return ['***'];
  if (verb === 'AUTH') return args.slice(0, 1).concat(args.length > 1 ? ['***'] : []);
  if (verb === 'APOP') return args.slice(0, 1).concat(args.length > 1 ? ['***'] : []);
  return args;
}
